package render

import (
	"runtime"
	"sync"
)

// Limiter bounds how many template evaluations run at once. Templates that share a
// Limiter share its slots. A slot is held until the evaluation really ends, even when
// Evaluate has already returned ErrTimeout: go-jsonnet cannot be interrupted, so a
// runaway template keeps running in its goroutine, and the Limiter is what stops
// such goroutines from piling up (at most Cap of them exist; further evaluations then
// wait, and time out, instead of starting more).
type Limiter struct {
	sem chan struct{}
}

// NewLimiter returns a Limiter with n slots; n <= 0 means 4*GOMAXPROCS.
func NewLimiter(n int) *Limiter {
	if n <= 0 {
		n = 4 * runtime.GOMAXPROCS(0)
	}
	return &Limiter{sem: make(chan struct{}, n)}
}

// Cap returns the number of slots.
func (l *Limiter) Cap() int { return cap(l.sem) }

// InUse returns how many evaluations hold a slot right now (those still running
// after a timeout included). Useful as a gauge.
func (l *Limiter) InUse() int { return len(l.sem) }

func (l *Limiter) release() { <-l.sem }

// defaultLimiter is shared by every Template compiled with neither Options.Limiter
// nor Options.MaxConcurrent, so that by default the whole process, not each
// template, is bounded.
var defaultLimiter = sync.OnceValue(func() *Limiter { return NewLimiter(0) })
