package integration

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// receivedCall is one request a test webhook receiver got.
type receivedCall struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	At     time.Time
}

// answer is what a receiver replies to its n-th call (n counts from 1).
type answer struct {
	status int
	body   string
	delay  time.Duration
	header map[string]string
}

// receiver is a real HTTP webhook receiver on loopback that records every
// call and answers as the test scripts it.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	calls  []receivedCall
	script func(n int, call receivedCall) answer
	notify chan struct{}
}

// newReceiver starts a receiver; script may be nil (200 `{}`).
func newReceiver(t *testing.T, script func(n int, call receivedCall) answer) *receiver {
	t.Helper()
	rc := &receiver{script: script, notify: make(chan struct{}, 1024)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	call := receivedCall{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body, At: time.Now()}
	rc.mu.Lock()
	rc.calls = append(rc.calls, call)
	n := len(rc.calls)
	rc.mu.Unlock()
	rc.notify <- struct{}{}

	a := answer{status: http.StatusOK, body: "{}"}
	if rc.script != nil {
		a = rc.script(n, call)
	}
	if a.delay > 0 {
		select {
		case <-time.After(a.delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	if a.body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// URL is the receiver's base URL.
func (rc *receiver) URL() string { return rc.srv.URL }

// Calls returns a copy of the calls so far.
func (rc *receiver) Calls() []receivedCall {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedCall(nil), rc.calls...)
}

// waitCalls waits until at least n calls arrived or the timeout passed.
func (rc *receiver) waitCalls(t *testing.T, n int, timeout time.Duration) []receivedCall {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if calls := rc.Calls(); len(calls) >= n {
			return calls
		}
		select {
		case <-rc.notify:
		case <-deadline:
			calls := rc.Calls()
			t.Fatalf("receiver got %d calls, want at least %d within %s", len(calls), n, timeout)
			return calls
		}
	}
}

// always answers every call the same way.
func always(status int, body string) func(int, receivedCall) answer {
	return func(int, receivedCall) answer { return answer{status: status, body: body} }
}
