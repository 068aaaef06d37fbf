package durable

import (
	"context"
	"time"
)

// Stats is the queue's state as an operator watches it.
type Stats struct {
	// Pending counts deliveries waiting or being attempted (all gateways).
	Pending uint64
	// OldestAge is how long the oldest pending delivery has waited.
	OldestAge time.Duration
	// Dead counts deliveries in the dead-letter stream.
	Dead uint64
	// Redelivered counts attempts after a delivery's first, and
	// DeadLettered the deliveries this process moved to the dead letters.
	Redelivered, DeadLettered int64
}

// Stats reads the streams' state from JetStream.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Redelivered: q.redelivered.Load(), DeadLettered: q.deadLetters.Load()}
	s, err := q.js.Stream(ctx, q.opts.Stream)
	if err != nil {
		return st, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return st, err
	}
	st.Pending = info.State.Msgs
	if st.Pending > 0 && !info.State.FirstTime.IsZero() {
		st.OldestAge = time.Since(info.State.FirstTime)
	}
	ds, err := q.js.Stream(ctx, q.opts.Stream+"_DEAD")
	if err != nil {
		return st, err
	}
	dinfo, err := ds.Info(ctx)
	if err != nil {
		return st, err
	}
	st.Dead = dinfo.State.Msgs
	return st, nil
}
