package durable

import (
	"context"
	"testing"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// What the request path pays per response.ignore delivery: handing it to
// the in-memory dispatcher (baseline) vs storing it in the embedded
// JetStream (file store, fsync as JetStream does by default). Run side by
// side: go test -bench . -run '^$' ./internal/durable
func BenchmarkAsyncHandOff(b *testing.B) {
	body := make([]byte, 2048) // a typical rendered ctx body
	for i := range body {
		body[i] = 'x'
	}
	b.Run("memory", func(b *testing.B) {
		d := hooks.NewDispatcher(8, 1<<20)
		defer d.Close(context.Background())
		b.ReportAllocs()
		for b.Loop() {
			if !d.Submit(func(context.Context) {}) {
				b.Fatal("queue full")
			}
		}
	})
	b.Run("durable_embedded", func(b *testing.B) {
		e, err := StartEmbedded(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		// Consumed by a sender that accepts at once, as a healthy receiver.
		q, err := Open(context.Background(), e.Conn, Options{AckWait: 5 * time.Second}, func(context.Context, Delivery) (int, error) { return 200, nil })
		if err != nil {
			b.Fatal(err)
		}
		defer q.Close()
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			if err := q.Publish(context.Background(), Delivery{Hook: "crm", Flow: "registration", Body: body, WebhookID: "msg_" + time.Now().Format("150405.000000000") + string(rune('a'+n%26))}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
