// Package durable keeps asynchronous web hook deliveries in a NATS
// JetStream stream so they survive a crash or restart: each delivery is
// published once, consumed by exactly one gateway through a shared durable
// pull consumer, acked only when the receiver answered 2xx or the retry
// policy is used up (then copied to a dead-letter stream). No Caddy import.
package durable

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Delivery is what is stored per delivery. Secrets (basic_auth / api_key
// values, signing secrets) are never part of it: the Sender resolves them at
// send time from the hook's configuration, found by Hook.
type Delivery struct {
	Hook      string            `json:"hook"`
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Header    map[string]string `json:"header,omitempty"`
	Body      []byte            `json:"body"`
	WebhookID string            `json:"webhook_id,omitempty"`
	// Attempts is filled in on consumption from JetStream's delivery count,
	// so a redelivery after a crash still counts the attempts made before.
	Attempts int `json:"-"`
}

// Sender makes one attempt and returns the receiver's status (0 for none).
type Sender func(ctx context.Context, d Delivery) (status int, err error)

// Options tune the queue; zero values take the defaults below.
type Options struct {
	Stream      string          // default "ORY_ACTIONS_DELIVERIES"
	MaxAttempts int             // default 10
	Backoff     []time.Duration // delay before attempt n+1; last value repeats
	AckWait     time.Duration   // redelivery after a crash mid-attempt; default 30s
	MaxAge      time.Duration   // how long a delivery may wait; default 24h
}

func (o *Options) defaults() {
	if o.Stream == "" {
		o.Stream = "ORY_ACTIONS_DELIVERIES"
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if len(o.Backoff) == 0 {
		o.Backoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour}
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 24 * time.Hour
	}
}

// Queue publishes and consumes durable deliveries.
type Queue struct {
	js      jetstream.JetStream
	opts    Options
	subject string
	dead    string
	cc      jetstream.ConsumeContext
}

// Open creates (or binds to) the delivery and dead-letter streams and the
// shared durable consumer, and starts consuming with send.
func Open(ctx context.Context, nc *nats.Conn, opts Options, send Sender) (*Queue, error) {
	opts.defaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("durable: jetstream: %w", err)
	}
	q := &Queue{js: js, opts: opts, subject: opts.Stream + ".pending", dead: opts.Stream + "_DEAD.letters"}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: opts.Stream, Subjects: []string{q.subject}, Storage: jetstream.FileStorage,
		Retention: jetstream.WorkQueuePolicy, MaxAge: opts.MaxAge,
	}); err != nil {
		return nil, fmt.Errorf("durable: stream %s: %w", opts.Stream, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: opts.Stream + "_DEAD", Subjects: []string{q.dead}, Storage: jetstream.FileStorage,
	}); err != nil {
		return nil, fmt.Errorf("durable: dead-letter stream: %w", err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, opts.Stream, jetstream.ConsumerConfig{
		Durable: "senders", AckPolicy: jetstream.AckExplicitPolicy, AckWait: opts.AckWait,
		MaxDeliver: -1, // the attempt limit is ours, so the last one can dead-letter
	})
	if err != nil {
		return nil, fmt.Errorf("durable: consumer: %w", err)
	}
	q.cc, err = cons.Consume(func(m jetstream.Msg) { q.handle(m, send) })
	if err != nil {
		return nil, fmt.Errorf("durable: consume: %w", err)
	}
	return q, nil
}

// Publish stores d once; it returns only after JetStream persisted it.
func (q *Queue) Publish(ctx context.Context, d Delivery) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	var popts []jetstream.PublishOpt
	if d.WebhookID != "" { // JetStream's duplicate window drops a re-publish
		popts = append(popts, jetstream.WithMsgID(d.WebhookID))
	}
	_, err = q.js.Publish(ctx, q.subject, b, popts...)
	return err
}

func (q *Queue) handle(m jetstream.Msg, send Sender) {
	var d Delivery
	if err := json.Unmarshal(m.Data(), &d); err != nil {
		_ = m.Term() // unreadable forever: retrying cannot help
		return
	}
	meta, err := m.Metadata()
	if err != nil {
		_ = m.Nak()
		return
	}
	d.Attempts = int(meta.NumDelivered)
	ctx, cancel := context.WithTimeout(context.Background(), q.opts.AckWait)
	status, _ := send(ctx, d)
	cancel()
	if status >= 200 && status < 300 {
		_ = m.Ack()
		return
	}
	if d.Attempts >= q.opts.MaxAttempts {
		pctx, pcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer pcancel()
		if _, err := q.js.Publish(pctx, q.dead, m.Data()); err != nil {
			_ = m.Nak() // keep it rather than lose it
			return
		}
		_ = m.Ack()
		return
	}
	i := d.Attempts - 1
	if i >= len(q.opts.Backoff) {
		i = len(q.opts.Backoff) - 1
	}
	_ = m.NakWithDelay(q.opts.Backoff[i])
}

// Stats reports queue depth and dead letters.
func (q *Queue) Stats(ctx context.Context) (pending, dead uint64, err error) {
	s, err := q.js.Stream(ctx, q.opts.Stream)
	if err != nil {
		return 0, 0, err
	}
	ds, err := q.js.Stream(ctx, q.opts.Stream+"_DEAD")
	if err != nil {
		return 0, 0, err
	}
	return s.CachedInfo().State.Msgs, ds.CachedInfo().State.Msgs, nil
}

// Close stops consuming; unacked deliveries stay in the stream.
func (q *Queue) Close() {
	if q.cc != nil {
		q.cc.Stop()
	}
}
