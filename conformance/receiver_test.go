package conformance

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// receivedCall is one request the receiver got.
type receivedCall struct {
	Method string
	URI    string
	Header http.Header
	Body   []byte
}

// receiver is the scenario's webhook receiver for one side: a real HTTP
// server on loopback answering each hook path as the scenario scripts it.
type receiver struct {
	srv      *httptest.Server
	answers  map[string][]answer
	timeouts map[string]time.Duration // per path: how long "times out" sleeps

	mu    sync.Mutex
	calls map[string][]receivedCall
	wake  chan struct{}
}

// kratosTimeout is Kratos v1.3.1's fixed per-attempt web hook timeout.
const kratosTimeout = 30 * time.Second

// newReceiver starts a receiver for s. native selects which side's timeout
// a timesOut answer outlasts.
func newReceiver(s scenario, native bool) *receiver {
	rc := &receiver{
		answers:  map[string][]answer{},
		timeouts: map[string]time.Duration{},
		calls:    map[string][]receivedCall{},
		wake:     make(chan struct{}, 1),
	}
	for _, h := range s.hooks {
		rc.answers[h.path()] = h.answers
		switch {
		case native:
			rc.timeouts[h.path()] = kratosTimeout + time.Second
		case h.timeout > 0:
			rc.timeouts[h.path()] = h.timeout + 500*time.Millisecond
		default:
			rc.timeouts[h.path()] = kratosTimeout + time.Second
		}
	}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 5<<20))
	rc.mu.Lock()
	rc.calls[r.URL.Path] = append(rc.calls[r.URL.Path], receivedCall{Method: r.Method, URI: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body})
	n := len(rc.calls[r.URL.Path])
	script := rc.answers[r.URL.Path]
	rc.mu.Unlock()
	select {
	case rc.wake <- struct{}{}:
	default:
	}

	a := answer{status: http.StatusOK, body: "{}"}
	if len(script) > 0 {
		a = script[min(n, len(script))-1]
	}
	delay := a.delay
	if a.timesOut {
		delay = rc.timeouts[r.URL.Path]
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if a.body != "" {
		ct := a.contentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// URL is the receiver's origin.
func (rc *receiver) URL() string { return rc.srv.URL }

// Close stops the receiver, cutting off any call still sleeping.
func (rc *receiver) Close() {
	rc.srv.CloseClientConnections()
	rc.srv.Close()
}

// snapshot returns a copy of the calls per path.
func (rc *receiver) snapshot() map[string][]receivedCall {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make(map[string][]receivedCall, len(rc.calls))
	for p, cs := range rc.calls {
		out[p] = append([]receivedCall(nil), cs...)
	}
	return out
}

// waitCalls waits until path got n calls or the timeout passes and
// reports how many arrived.
func (rc *receiver) waitCalls(path string, n int, timeout time.Duration) int {
	deadline := time.After(timeout)
	for {
		rc.mu.Lock()
		got := len(rc.calls[path])
		rc.mu.Unlock()
		if got >= n {
			return got
		}
		select {
		case <-rc.wake:
		case <-deadline:
			return got
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// deadOrigin returns an origin where nothing listens: connections to it
// are refused.
func deadOrigin() (string, error) {
	// Port 1 lies below every ephemeral range: no test server, Kratos or
	// Caddy of the suite can be handed it, whereas a port drawn from ":0"
	// and closed again can be drawn again, e.g. by the gateway's own
	// listener before Caddy binds it.
	const origin = "127.0.0.1:1"
	if c, err := net.DialTimeout("tcp", origin, time.Second); err == nil {
		c.Close()
		return "", fmt.Errorf("something listens on %s; the suite needs it unreachable", origin)
	}
	return "http://" + origin, nil
}
