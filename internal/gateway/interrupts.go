package gateway

import (
	"sync"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// interrupts keeps the interrupts of API flows until the flow is submitted
// again or expires. Kratos stores a hook's messages and the refilled values
// in the flow, so a native app that fetches the flow again sees them; no
// API lets the gateway write them there, and API clients carry no cookie
// to bring them back (browsers get the carry cookie instead). Bounded: when
// full of live entries, the oldest-expiring ones are not kept, and a fetch
// then shows the flow as Kratos stored it.
type interrupts struct {
	mu      sync.Mutex
	entries map[string]kratos.Carry
	// share, when set, tells the other gateways of a fleet (nil c: the
	// interrupt is dropped); see sharedstate.go.
	share func(flowID string, c *kratos.Carry)
}

const interruptsMax = 10000

func newInterrupts() *interrupts { return &interrupts{entries: map[string]kratos.Carry{}} }

// put remembers the interrupt of an API flow.
func (s *interrupts) put(c kratos.Carry, now time.Time) {
	if s.set(c, now) && s.share != nil {
		s.share(c.FlowID, &c)
	}
}

// set stores c in this gateway's view and reports whether it was kept.
func (s *interrupts) set(c kratos.Carry, now time.Time) bool {
	if c.Expires.IsZero() || now.After(c.Expires) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.entries) >= interruptsMax {
		for id, e := range s.entries {
			if now.After(e.Expires) {
				delete(s.entries, id)
			}
		}
		if len(s.entries) >= interruptsMax {
			return false
		}
	}
	s.entries[c.FlowID] = c
	return true
}

// get returns the live interrupt of a flow.
func (s *interrupts) get(flowID string, now time.Time) (kratos.Carry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.entries[flowID]
	if ok && now.After(c.Expires) {
		delete(s.entries, flowID)
		return kratos.Carry{}, false
	}
	return c, ok
}

// has is get for the routing decision.
func (s *interrupts) has(flowID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.entries[flowID]
	return ok
}

// drop forgets a flow's interrupt: Kratos now decides what the flow shows.
func (s *interrupts) drop(flowID string) {
	s.mu.Lock()
	_, had := s.entries[flowID]
	delete(s.entries, flowID)
	s.mu.Unlock()
	if had && s.share != nil {
		s.share(flowID, nil)
	}
}

// remove forgets a flow's interrupt in this gateway's view only.
func (s *interrupts) remove(flowID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, flowID)
}
