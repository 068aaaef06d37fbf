package hooks

import (
	"context"
	"sync"
	"sync/atomic"
)

// Dispatcher runs `response.ignore` hooks off the request path on a fixed
// pool of workers fed by a bounded queue, so a slow or dead receiver can
// neither delay clients nor grow memory without bound.
type Dispatcher struct {
	mu     sync.RWMutex // guards closed against a concurrent send on queue
	closed bool
	queue  chan func(context.Context)

	// ctx is given to every job; Close cancels it once its deadline passes.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when every worker has exited

	pending atomic.Int64 // queued + running
	dropped atomic.Int64 // skipped after cancellation or cancelled mid-run
	panics  atomic.Int64
}

// NewDispatcher starts workers goroutines (at least 1) serving a queue of
// the given capacity (at least 0; with 0 a job is accepted only when a
// worker is idle).
func NewDispatcher(workers, queue int) *Dispatcher {
	workers = max(workers, 1)
	queue = max(queue, 0)
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{
		queue:  make(chan func(context.Context), queue),
		ctx:    ctx,
		cancel: cancel,
		done:   make(chan struct{}),
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.work()
		}()
	}
	go func() {
		wg.Wait()
		close(d.done)
	}()
	return d
}

// Submit enqueues fn without blocking. It returns false when the queue is
// full or the dispatcher is closed; the caller logs and counts that. fn
// must return soon after its ctx is cancelled.
func (d *Dispatcher) Submit(fn func(ctx context.Context)) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return false
	}
	d.pending.Add(1)
	select {
	case d.queue <- fn:
		return true
	default:
		d.pending.Add(-1)
		return false
	}
}

// Close stops accepting work and lets queued and running jobs finish until
// ctx ends; then it cancels the ctx given to running jobs, skips what is
// still queued, and waits for the workers to exit. It returns how many jobs
// were skipped or cancelled. A second call waits likewise and returns 0.
func (d *Dispatcher) Close(ctx context.Context) (dropped int) {
	d.mu.Lock()
	first := !d.closed
	if first {
		d.closed = true
		close(d.queue)
	}
	d.mu.Unlock()

	select {
	case <-d.done:
	case <-ctx.Done():
		d.cancel()
		<-d.done
	}
	d.cancel() // release the context's resources
	if !first {
		return 0
	}
	return int(d.dropped.Load())
}

// Pending reports how many accepted jobs have not finished (queued or
// running).
func (d *Dispatcher) Pending() int { return int(d.pending.Load()) }

// Panics reports how many jobs panicked; a panic is recovered so that one
// bad job cannot take the whole server down.
func (d *Dispatcher) Panics() int { return int(d.panics.Load()) }

func (d *Dispatcher) work() {
	for fn := range d.queue {
		if d.ctx.Err() != nil {
			d.dropped.Add(1)
		} else {
			d.run(fn)
		}
		d.pending.Add(-1)
	}
}

func (d *Dispatcher) run(fn func(context.Context)) {
	defer func() {
		if r := recover(); r != nil {
			d.panics.Add(1)
		}
		if d.ctx.Err() != nil {
			d.dropped.Add(1) // cancelled by Close while running
		}
	}()
	fn(d.ctx)
}
