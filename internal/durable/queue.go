// Package durable keeps asynchronous web hook deliveries in a NATS
// JetStream stream so they survive a crash or restart: each delivery is
// published once, consumed by exactly one gateway through a shared durable
// pull consumer, acked only when the receiver answered 2xx or the retry
// policy is used up (then copied to a dead-letter stream). No Caddy import.
package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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
	// Flow and Created are for the operator's listing and the age metric.
	Flow    string    `json:"flow,omitempty"`
	Created time.Time `json:"created"`
	// LastStatus and LastError say why a dead letter died (set when it is
	// moved to the dead-letter stream).
	LastStatus int    `json:"last_status,omitempty"`
	LastError  string `json:"last_error,omitempty"`
	// Attempts is filled in on consumption from JetStream's delivery count,
	// so a redelivery after a crash still counts the attempts made before.
	Attempts int `json:"-"`
}

// ErrDisconnected is Publish's error while NATS cannot be reached.
var ErrDisconnected = errors.New("durable: not connected to NATS")

// Retry is the schedule of a delivery's attempts.
type Retry struct {
	MaxAttempts int
	Backoff     []time.Duration
	MaxAge      time.Duration
}

// SetRetry replaces the schedule (a reloaded configuration's); zero fields
// take the defaults. Deliveries already waiting keep the delay they got.
func (q *Queue) SetRetry(r Retry) {
	o := Options{MaxAttempts: r.MaxAttempts, Backoff: r.Backoff, MaxAge: r.MaxAge}
	o.defaults()
	q.retry.Store(&Retry{MaxAttempts: o.MaxAttempts, Backoff: o.Backoff, MaxAge: o.MaxAge})
}

// Sender makes one attempt and returns the receiver's status (0 for none).
type Sender func(ctx context.Context, d Delivery) (status int, err error)

// DefaultAckWait is the default time after which a delivery taken by a
// gateway that stopped answering goes to another.
const DefaultAckWait = 60 * time.Second

// DefaultStream names the delivery stream when none is configured.
const DefaultStream = "ORY_ACTIONS_DELIVERIES"

// Options tune the queue; zero values take the defaults below.
type Options struct {
	Stream      string          // default "ORY_ACTIONS_DELIVERIES"
	MaxAttempts int             // default 10
	Backoff     []time.Duration // delay before attempt n+1; last value repeats
	AckWait     time.Duration   // redelivery after a crash mid-attempt; default 60s
	MaxAge      time.Duration   // how long a delivery may wait; default 24h
	Workers     int             // attempts at once in this process; default 8
}

func (o *Options) defaults() {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 12
	}
	if len(o.Backoff) == 0 {
		// Twelve attempts spread over about 24 hours.
		o.Backoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute,
			30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour}
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.AckWait <= 0 {
		// Above Kratos's (and a hook's default) 30 s attempt timeout, so a
		// slow attempt is never handed to a second gateway meanwhile.
		o.AckWait = DefaultAckWait
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

	retry       atomic.Pointer[Retry] // swapped by SetRetry on a config reload
	inflight    sync.WaitGroup
	redelivered atomic.Int64 // attempts after the first, this process
	deadLetters atomic.Int64 // moved to the dead-letter stream, this process
}

// Open creates (or binds to) the delivery and dead-letter streams and the
// shared durable consumer, and starts consuming with send.
func Open(ctx context.Context, nc *nats.Conn, opts Options, send Sender) (*Queue, error) {
	q, err := OpenStreams(ctx, nc, opts)
	if err != nil {
		return nil, err
	}
	cons, err := q.js.CreateOrUpdateConsumer(ctx, q.opts.Stream, jetstream.ConsumerConfig{
		Durable: "senders", AckPolicy: jetstream.AckExplicitPolicy, AckWait: q.opts.AckWait,
		MaxDeliver: -1, // the attempt limit is ours, so the last one can dead-letter
	})
	if err != nil {
		return nil, fmt.Errorf("durable: consumer: %w", err)
	}
	// The callback runs on one goroutine; a semaphore lets Workers attempts
	// run at once and blocks the callback when all are busy, and the client
	// holds no more messages than that, so none waits past AckWait unseen.
	sem := make(chan struct{}, q.opts.Workers)
	q.cc, err = cons.Consume(func(m jetstream.Msg) {
		sem <- struct{}{}
		q.inflight.Add(1)
		go func() {
			defer func() { <-sem; q.inflight.Done() }()
			q.handle(m, send)
		}()
	}, jetstream.PullMaxMessages(q.opts.Workers))
	if err != nil {
		return nil, fmt.Errorf("durable: consume: %w", err)
	}
	return q, nil
}

// OpenStreams creates (or binds to) the streams without consuming: what
// the operator's commands (dead letters, stats) need.
func OpenStreams(ctx context.Context, nc *nats.Conn, opts Options) (*Queue, error) {
	opts.defaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("durable: jetstream: %w", err)
	}
	q := &Queue{js: js, opts: opts, subject: opts.Stream + ".pending", dead: opts.Stream + "_DEAD.letters"}
	q.retry.Store(&Retry{MaxAttempts: opts.MaxAttempts, Backoff: opts.Backoff, MaxAge: opts.MaxAge})
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: opts.Stream, Subjects: []string{q.subject}, Storage: jetstream.FileStorage,
		// No MaxAge: JetStream would delete an old delivery silently; the
		// queue moves it to the dead letters itself (handle).
		Retention: jetstream.WorkQueuePolicy,
	}); err != nil {
		return nil, fmt.Errorf("durable: stream %s: %w", opts.Stream, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: opts.Stream + "_DEAD", Subjects: []string{q.dead}, Storage: jetstream.FileStorage,
	}); err != nil {
		return nil, fmt.Errorf("durable: dead-letter stream: %w", err)
	}
	return q, nil
}

// Publish stores d once; it returns only after JetStream persisted it.
func (q *Queue) Publish(ctx context.Context, d Delivery) error {
	// While the connection is down, a publish would wait for a reconnect
	// until ctx ends: fail at once so the caller's fallback is immediate.
	if !q.js.Conn().IsConnected() {
		return ErrDisconnected
	}
	if d.Created.IsZero() {
		d.Created = time.Now()
	}
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
	if d.Attempts > 1 {
		q.redelivered.Add(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), q.opts.AckWait)
	status, err := send(ctx, d)
	cancel()
	if status >= 200 && status < 300 {
		_ = m.Ack()
		return
	}
	rt := q.retry.Load()
	i := min(d.Attempts-1, len(rt.Backoff)-1)
	// A delivery whose next attempt would come after MaxAge dies now
	// rather than be dropped unseen later.
	expired := !d.Created.IsZero() && time.Since(d.Created)+rt.Backoff[i] > rt.MaxAge
	if d.Attempts >= rt.MaxAttempts || expired {
		d.LastStatus = status
		if err != nil {
			d.LastError = err.Error()
		}
		b, merr := json.Marshal(d)
		if merr != nil {
			b = m.Data()
		}
		pctx, pcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer pcancel()
		if _, err := q.js.Publish(pctx, q.dead, b); err != nil {
			_ = m.Nak() // keep it rather than lose it
			return
		}
		q.deadLetters.Add(1)
		_ = m.Ack()
		return
	}
	_ = m.NakWithDelay(rt.Backoff[i])
}

// Close stops consuming and waits for the attempts under way; unacked
// deliveries stay in the stream.
func (q *Queue) Close() {
	if q.cc != nil {
		q.cc.Stop()
	}
	q.inflight.Wait()
}
