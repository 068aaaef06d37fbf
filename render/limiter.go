package render

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Limiter bounds how many template evaluations run at once. Templates that share a
// Limiter share its capacity.
//
// Evaluations run on the Limiter's worker goroutines, at most Cap of them: go-jsonnet
// cannot be interrupted, so an evaluation that outlives its deadline keeps running,
// and it keeps its worker until it really ends. Runaway templates therefore occupy at
// most Cap goroutines; when every worker is busy, further evaluations wait for one
// and time out instead of starting more. Workers are reused (a fresh goroutine would
// grow its stack anew for go-jsonnet's deep recursion on every evaluation) and exit
// after a while without work.
type Limiter struct {
	workers chan struct{} // one token per live worker
	jobs    chan func()   // unbuffered: taken by an idle worker
	busy    atomic.Int64
}

// workerIdleTimeout is how long a worker waits for a job before exiting.
const workerIdleTimeout = 30 * time.Second

// errNoWorker reports that no worker became free before the deadline.
var errNoWorker = errors.New("no evaluation slot free")

// NewLimiter returns a Limiter allowing n evaluations at once; n <= 0 means
// 4*GOMAXPROCS.
func NewLimiter(n int) *Limiter {
	if n <= 0 {
		n = 4 * runtime.GOMAXPROCS(0)
	}
	return &Limiter{workers: make(chan struct{}, n), jobs: make(chan func())}
}

// Cap returns how many evaluations may run at once.
func (l *Limiter) Cap() int { return cap(l.workers) }

// InUse returns how many evaluations are running now, those still running after
// their caller timed out included. Useful as a gauge.
func (l *Limiter) InUse() int { return int(l.busy.Load()) }

// start hands job to a worker, starting one if fewer than Cap exist. It waits for a
// worker until deadline fires or ctx ends.
func (l *Limiter) start(ctx context.Context, deadline <-chan time.Time, job func()) error {
	select {
	case l.jobs <- job: // prefer an idle worker over starting another
		return nil
	default:
	}
	select {
	case l.jobs <- job:
		return nil
	case l.workers <- struct{}{}:
		go l.work(job)
		return nil
	case <-deadline:
		return errNoWorker
	case <-ctx.Done():
		return ctx.Err()
	}
}

// work runs jobs until idle for workerIdleTimeout. job must not panic.
func (l *Limiter) work(job func()) {
	defer func() { <-l.workers }()
	idle := time.NewTimer(workerIdleTimeout)
	defer idle.Stop()
	for {
		l.busy.Add(1)
		job()
		l.busy.Add(-1)
		idle.Reset(workerIdleTimeout)
		select {
		case job = <-l.jobs:
		case <-idle.C:
			return
		}
	}
}

// defaultLimiter is shared by every Template compiled with neither Options.Limiter
// nor Options.MaxConcurrent, so that by default the whole process, not each
// template, is bounded.
var defaultLimiter = sync.OnceValue(func() *Limiter { return NewLimiter(0) })
