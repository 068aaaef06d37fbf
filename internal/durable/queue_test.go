package durable

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// receiver is a real loopback HTTP receiver that deduplicates on webhook-id
// and counts every 2xx it gave per id.
type receiver struct {
	up   atomic.Bool
	hits atomic.Int64
	mu   sync.Mutex
	got  map[string]int
	srv  *httptest.Server
}

func newReceiver(t *testing.T, up bool) *receiver {
	r := &receiver{got: map[string]int{}}
	r.up.Store(up)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		if !r.up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		r.mu.Lock()
		r.got[req.Header.Get("webhook-id")]++
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := make(map[string]int, len(r.got))
	for k, v := range r.got {
		c[k] = v
	}
	return c
}

func httpSender(ctx context.Context, d Delivery) (int, error) {
	req, err := http.NewRequestWithContext(ctx, d.Method, d.URL, strings.NewReader(string(d.Body)))
	if err != nil {
		return 0, err
	}
	for k, v := range d.Header {
		req.Header.Set(k, v)
	}
	req.Header.Set("webhook-id", d.WebhookID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

var fast = Options{Backoff: []time.Duration{50 * time.Millisecond}, AckWait: 2 * time.Second, MaxAttempts: 1000}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func publishN(t *testing.T, q *Queue, url string, n int, prefix string) {
	t.Helper()
	for i := 0; i < n; i++ {
		d := Delivery{Hook: "crm", URL: url, Method: http.MethodPost, Body: []byte(`{"i":1}`), WebhookID: fmt.Sprintf("%s-%d", prefix, i)}
		if err := q.Publish(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
}

func assertExactlyOnce(t *testing.T, got map[string]int, n int, prefix string) {
	t.Helper()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%d", prefix, i)
		if got[id] != 1 {
			t.Errorf("delivery %s arrived %d times, want exactly 1", id, got[id])
		}
	}
	if len(got) != n {
		t.Errorf("receiver saw %d distinct deliveries, want %d: %v", len(got), n, got)
	}
}

// Deliveries published while the receiver is down survive a restart of the
// embedded server on the same store and then arrive exactly once.
func TestEmbeddedDeliveriesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	rcv := newReceiver(t, false)
	e, err := StartEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := StartEmbedded(dir); err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("a second open of the same store: want an in-use error, got %v", err)
	}
	q, err := Open(context.Background(), e.Conn, fast, httpSender)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	publishN(t, q, rcv.srv.URL, n, "restart")
	waitFor(t, "failed attempts while the receiver is down", func() bool { return rcv.hits.Load() >= n })
	// Stop without draining: nothing acked, the process "goes away".
	q.Close()
	e.Close()

	rcv.up.Store(true)
	e, err = StartEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	q, err = Open(context.Background(), e.Conn, fast, httpSender)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	waitFor(t, "all deliveries after restart", func() bool { return len(rcv.counts()) == n })
	waitFor(t, "queue drained", func() bool { st, err := q.Stats(context.Background()); return err == nil && st.Pending == 0 })
	time.Sleep(200 * time.Millisecond) // room for a wrongful redelivery to show
	assertExactlyOnce(t, rcv.counts(), n, "restart")
}

// A delivery whose retry policy is used up lands in the dead-letter stream
// and leaves the queue.
func TestDeadLetterAfterMaxAttempts(t *testing.T) {
	rcv := newReceiver(t, false)
	e, err := StartEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	opts := fast
	opts.MaxAttempts = 3
	q, err := Open(context.Background(), e.Conn, opts, httpSender)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	publishN(t, q, rcv.srv.URL, 1, "dead")
	waitFor(t, "dead letter", func() bool {
		st, err := q.Stats(context.Background())
		return err == nil && st.Pending == 0 && st.Dead == 1
	})
	if h := rcv.hits.Load(); h != 3 {
		t.Errorf("receiver was tried %d times, want 3 (MaxAttempts)", h)
	}
}

// Two gateways sharing one NATS server (external mode: a real TCP listener)
// and one receiver: each delivery is handled exactly once.
func TestTwoGatewaysShareOneNATS(t *testing.T) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	rcv := newReceiver(t, true)
	var served [2]atomic.Int64
	var queues [2]*Queue
	for i := range queues {
		nc, err := nats.Connect(srv.ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		i := i
		queues[i], err = Open(context.Background(), nc, fast, func(ctx context.Context, d Delivery) (int, error) {
			served[i].Add(1)
			return httpSender(ctx, d)
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(queues[i].Close)
	}
	const n = 200
	publishN(t, queues[0], rcv.srv.URL, n/2, "shared")
	for i := n / 2; i < n; i++ {
		d := Delivery{Hook: "crm", URL: rcv.srv.URL, Method: http.MethodPost, WebhookID: fmt.Sprintf("shared-%d", i)}
		if err := queues[1].Publish(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "all deliveries", func() bool { return len(rcv.counts()) == n })
	time.Sleep(200 * time.Millisecond)
	assertExactlyOnce(t, rcv.counts(), n, "shared")
	if total := served[0].Load() + served[1].Load(); total != n {
		t.Errorf("gateways made %d attempts in all, want %d", total, n)
	}
	t.Logf("gateway 0 sent %d, gateway 1 sent %d", served[0].Load(), served[1].Load())
}
