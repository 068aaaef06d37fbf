package durable

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrNoSender is a delivery's failure when no loaded configuration has its
// hook (a reload in progress, or the hook was removed): the delivery is
// tried again on the queue's schedule and ends as a dead letter if the hook
// never comes back.
var ErrNoSender = errors.New("no loaded configuration has this hook")

// Router sends each delivery with the hook it names. Configurations
// register their hooks when they load and remove them when they unload, so
// one queue (and one consumer) outlives config reloads.
type Router struct {
	mu      sync.RWMutex
	senders map[string][]*registration
}

type registration struct{ send Sender }

// NewRouter returns an empty router.
func NewRouter() *Router { return &Router{senders: map[string][]*registration{}} }

// Register adds the senders of one configuration, by hook id; the returned
// function removes exactly them. When two loaded configurations have a hook
// of the same id (old and new during a reload), the newest sends.
func (r *Router) Register(senders map[string]Sender) (unregister func()) {
	regs := map[string]*registration{}
	r.mu.Lock()
	for id, s := range senders {
		reg := &registration{send: s}
		regs[id] = reg
		r.senders[id] = append(r.senders[id], reg)
	}
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		for id, reg := range regs {
			list := r.senders[id]
			for i, x := range list {
				if x == reg {
					list = append(list[:i:i], list[i+1:]...)
					break
				}
			}
			if len(list) == 0 {
				delete(r.senders, id)
			} else {
				r.senders[id] = list
			}
		}
	}
}

// Send is the queue's Sender: it hands d to the newest registration of its
// hook.
func (r *Router) Send(ctx context.Context, d Delivery) (int, error) {
	r.mu.RLock()
	list := r.senders[d.Hook]
	var s Sender
	if len(list) > 0 {
		s = list[len(list)-1].send
	}
	r.mu.RUnlock()
	if s == nil {
		return 0, fmt.Errorf("hook %q: %w", d.Hook, ErrNoSender)
	}
	return s(ctx, d)
}
