package hooks

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/fixtures"
)

// fastPolicy keeps retries quick: 1 ms, 2 ms backoff, and a per-attempt
// timeout far above any loopback answer.
func fastPolicy() Policy {
	return Policy{Timeout: 5 * time.Second, Attempts: 3, BackoffMin: time.Millisecond, BackoffMax: 10 * time.Millisecond}
}

// seen is one request as the receiver got it.
type seen struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// receiver is a loopback webhook target that records every request and
// answers through a script indexed by attempt number (1-based).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []seen
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, seen{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		n := len(rc.got)
		rc.mu.Unlock()
		rc.answer(n, w, r)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// status answers every attempt with the given statuses in turn (the last
// one repeats) and an empty JSON object.
func status(codes ...int) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(codes[min(n, len(codes))-1])
		_, _ = io.WriteString(w, "{}")
	}
}

func (rc *receiver) requests() []seen {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]seen(nil), rc.got...)
}

// newHook builds a hook or fails the test.
func newHook(t *testing.T, cfg Config, pol Policy) *Hook {
	t.Helper()
	h, err := New(cfg, pol, &http.Client{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

// fixtureDir is testdata/kratos/fixtures of the module. A missing
// directory fails the test: the fixtures are inputs.
func fixtureDir(t *testing.T) string {
	t.Helper()
	dir, err := fixtures.Dir()
	if err != nil {
		t.Fatalf("recorded Kratos exchanges: %v", err)
	}
	return dir
}

// fixture is the part of a captured exchange these tests use.
type fixture struct {
	Response struct {
		Status int `json:"status"`
		Body   struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		} `json:"body"`
	} `json:"response"`
	Calls []struct {
		Method   string            `json:"method"`
		Path     string            `json:"path"`
		Headers  map[string]string `json:"headers"`
		Body     json.RawMessage   `json:"body"`
		Answered struct {
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"`
		} `json:"receiver_answered"`
	} `json:"webhook_calls"`
}

func loadFixture(t *testing.T, name string) fixture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtureDir(t), name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(f.Calls) == 0 {
		t.Fatalf("%s: no webhook calls recorded", name)
	}
	return f
}

// replay answers as the fixture's receiver did: a JSON string body was sent
// as plain text, null as no body, anything else as JSON.
func replay(status int, body json.RawMessage) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		var text string
		switch {
		case string(body) == "null" || len(body) == 0:
			w.WriteHeader(status)
		case json.Unmarshal(body, &text) == nil:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, text)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}
	}
}

// jsonEqual compares two JSON documents semantically.
func jsonEqual(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}
