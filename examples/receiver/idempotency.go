package main

import (
	"context"
	"sync"
	"time"
)

// The gateway retries a delivery that timed out or failed, with the same
// webhook-id, so a receiver can see one delivery twice — even while it is
// still working on the first copy. Acting once per webhook-id, and giving
// every copy the first one's answer, makes the receiver idempotent: a
// retried sign-up check gets the same decision, an event is not counted
// twice.
const (
	// idempotencyWindow is how long an id is remembered: far longer than
	// the gateway's retries of one delivery (94 s at most by default).
	idempotencyWindow = time.Hour
	// idempotencyCap bounds memory; the oldest ids go first.
	idempotencyCap = 10000
)

// result is a receiver's answer: status and JSON body (nil = none).
type result struct {
	status int
	answer any
}

// delivery is one webhook-id's first copy; done closes once it is answered.
type delivery struct {
	id   string
	at   time.Time
	done chan struct{}
	res  result
}

// idempotency remembers the answer given to each webhook-id.
type idempotency struct {
	now func() time.Time

	mu    sync.Mutex
	byID  map[string]*delivery
	order []*delivery // oldest first, for expiry
}

func newIdempotency() *idempotency {
	return &idempotency{now: time.Now, byID: map[string]*delivery{}}
}

// do runs act for the first copy of id and returns its result; a later
// copy waits for the first one's answer (or for its own request to end)
// and gets it too, with duplicate set. A 5xx answer is not remembered: the
// receiver did not act, so the sender's next retry should.
func (s *idempotency) do(ctx context.Context, id string, act func() result) (res result, duplicate bool, err error) {
	s.mu.Lock()
	s.expire()
	if first, ok := s.byID[id]; ok {
		s.mu.Unlock()
		select {
		case <-first.done:
			return first.res, true, nil
		case <-ctx.Done():
			return result{}, true, ctx.Err()
		}
	}
	d := &delivery{id: id, at: s.now(), done: make(chan struct{})}
	s.byID[id] = d
	s.order = append(s.order, d)
	s.mu.Unlock()

	defer close(d.done)
	d.res = act()
	if d.res.status >= 500 {
		s.mu.Lock()
		if s.byID[id] == d {
			delete(s.byID, id)
		}
		s.mu.Unlock()
	}
	return d.res, false, nil
}

// expire forgets ids older than the window, and the oldest beyond the cap.
// The caller holds mu.
func (s *idempotency) expire() {
	cutoff := s.now().Add(-idempotencyWindow)
	for len(s.order) > 0 {
		d := s.order[0]
		forgotten := s.byID[d.id] != d
		if !forgotten && !d.at.Before(cutoff) && len(s.byID) < idempotencyCap {
			return
		}
		if !forgotten {
			delete(s.byID, d.id)
		}
		s.order[0] = nil
		s.order = s.order[1:]
	}
}
