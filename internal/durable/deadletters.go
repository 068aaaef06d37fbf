package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DeadLetter is one delivery whose retry policy was used up, as stored.
type DeadLetter struct {
	Seq      uint64    `json:"seq"`
	Stored   time.Time `json:"stored"`
	Delivery Delivery  `json:"delivery"`
}

// deadStream opens the dead-letter stream.
func (q *Queue) deadStream(ctx context.Context) (jetstream.Stream, error) {
	return q.js.Stream(ctx, q.opts.Stream+"_DEAD")
}

// DeadLetters lists up to limit dead letters, oldest first (limit <= 0:
// all of them).
func (q *Queue) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	s, err := q.deadStream(ctx)
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []DeadLetter
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		if limit > 0 && len(out) >= limit {
			break
		}
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // purged one by one: sequences have gaps
		}
		if err != nil {
			return out, err
		}
		dl := DeadLetter{Seq: m.Sequence, Stored: m.Time}
		if err := json.Unmarshal(m.Data, &dl.Delivery); err != nil {
			dl.Delivery.LastError = fmt.Sprintf("unreadable dead letter: %v", err)
		}
		out = append(out, dl)
	}
	return out, nil
}

// Retry moves dead letters back to the queue with a fresh attempt count
// (seq 0: all of them) and reports how many moved. The webhook-id stays,
// so a receiver that got one after all still deduplicates it.
func (q *Queue) Retry(ctx context.Context, seq uint64) (int, error) {
	letters, err := q.selectDead(ctx, seq)
	if err != nil {
		return 0, err
	}
	s, err := q.deadStream(ctx)
	if err != nil {
		return 0, err
	}
	moved := 0
	for _, dl := range letters {
		d := dl.Delivery
		d.LastStatus, d.LastError = 0, ""
		b, err := json.Marshal(d)
		if err != nil {
			return moved, err
		}
		// No Msg-Id: JetStream's duplicate window would drop a retry of a
		// delivery first published minutes ago.
		if _, err := q.js.Publish(ctx, q.subject, b); err != nil {
			return moved, err
		}
		if err := s.DeleteMsg(ctx, dl.Seq); err != nil {
			return moved, err
		}
		moved++
	}
	return moved, nil
}

// Purge deletes dead letters (seq 0: all of them) and reports how many.
func (q *Queue) Purge(ctx context.Context, seq uint64) (int, error) {
	s, err := q.deadStream(ctx)
	if err != nil {
		return 0, err
	}
	if seq == 0 {
		info, err := s.Info(ctx)
		if err != nil {
			return 0, err
		}
		n := int(info.State.Msgs)
		return n, s.Purge(ctx)
	}
	if err := s.DeleteMsg(ctx, seq); err != nil {
		return 0, fmt.Errorf("dead letter %d: %w", seq, err)
	}
	return 1, nil
}

func (q *Queue) selectDead(ctx context.Context, seq uint64) ([]DeadLetter, error) {
	all, err := q.DeadLetters(ctx, 0)
	if err != nil || seq == 0 {
		return all, err
	}
	for _, dl := range all {
		if dl.Seq == seq {
			return []DeadLetter{dl}, nil
		}
	}
	return nil, fmt.Errorf("dead letter %d: not found", seq)
}
