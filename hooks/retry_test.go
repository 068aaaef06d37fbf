package hooks

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRetryByStatus(t *testing.T) {
	cases := []struct {
		name     string
		codes    []int
		attempts int
		kind     Kind
		failure  FailKind
		status   int
	}{
		{"500 then ok", []int{500, 200}, 2, Continue, FailNone, 200},
		{"502 then ok", []int{502, 200}, 2, Continue, FailNone, 200},
		{"503 then ok", []int{503, 200}, 2, Continue, FailNone, 200},
		{"429 then ok", []int{429, 200}, 2, Continue, FailNone, 200},
		{"599 then ok", []int{599, 204}, 2, Continue, FailNone, 204},
		{"500 until used up", []int{500}, 3, Fail, FailUnusable, 500},
		{"429 until used up", []int{429}, 3, Fail, FailUnusable, 429},
		{"501 not retried", []int{501}, 1, Fail, FailStatus, 501},
		{"400 not retried", []int{400}, 1, Fail, FailStatus, 400},
		{"404 not retried", []int{404}, 1, Fail, FailStatus, 404},
		{"3xx is success", []int{304}, 1, Continue, FailNone, 304},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, status(tc.codes...))
			var seenAttempts []Attempt
			trig := Trigger{Observe: func(a Attempt) { seenAttempts = append(seenAttempts, a) }}
			out := newHook(t, Config{URL: rc.srv.URL + "/h", Method: "POST"}, fastPolicy()).Call(context.Background(), []byte("{}"), trig)
			if out.Kind != tc.kind || out.Failure != tc.failure || out.Attempts != tc.attempts || out.Status != tc.status {
				t.Fatalf("outcome %+v", out)
			}
			if n := len(rc.requests()); n != tc.attempts {
				t.Fatalf("receiver got %d requests, want %d", n, tc.attempts)
			}
			if len(seenAttempts) != tc.attempts {
				t.Fatalf("observed %d attempts", len(seenAttempts))
			}
			for i, a := range seenAttempts {
				if a.Number != i+1 || a.Retry != (i+1 < tc.attempts) || a.Err != nil || a.Status == 0 {
					t.Errorf("attempt %d observed as %+v", i+1, a)
				}
			}
			switch tc.failure {
			case FailUnusable:
				want := fmt.Sprintf("POST %s/h giving up after 3 attempt(s)", rc.srv.URL)
				if out.Err.Error() != want {
					t.Errorf("err %q, want %q", out.Err, want)
				}
			case FailStatus:
				if want := fmt.Sprintf("webhook failed with status code %d", tc.status); out.Err.Error() != want {
					t.Errorf("err %q, want %q", out.Err, want)
				}
			}
		})
	}
}

// closedURL returns a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

func TestConnectionRefusedMatchesKratos(t *testing.T) {
	base := closedURL(t)
	var observed []Attempt
	h := newHook(t, Config{URL: base + "/unreachable", Method: "POST"}, fastPolicy())
	out := h.Call(context.Background(), []byte("{}"), Trigger{Observe: func(a Attempt) { observed = append(observed, a) }})
	if out.Kind != Fail || out.Failure != FailTransport || out.Attempts != 3 || out.Status != 0 {
		t.Fatalf("outcome %+v", out)
	}
	host := strings.TrimPrefix(base, "http://")
	// The shape of wh_unreachable_settings_password_api's message.
	want := fmt.Sprintf(`POST %[1]s/unreachable giving up after 3 attempt(s): Post "%[1]s/unreachable": dial tcp %[2]s: connect: connection refused`, base, host)
	if out.Err.Error() != want {
		t.Fatalf("err\n%q\nwant\n%q", out.Err, want)
	}
	if len(observed) != 3 || observed[0].Err == nil || !observed[0].Retry || observed[2].Retry {
		t.Fatalf("observed %+v", observed)
	}
}

// TestRetryAfterWinsOverBackoff: with a one-minute backoff the call can
// only finish quickly if "Retry-After: 0" on the 503 is honoured.
func TestRetryAfterWinsOverBackoff(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	pol := fastPolicy()
	pol.BackoffMin, pol.BackoffMax = time.Minute, time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out := newHook(t, Config{URL: rc.srv.URL, Method: "POST"}, pol).Call(ctx, []byte("{}"), Trigger{})
	if out.Kind != Continue || out.Attempts != 2 {
		t.Fatalf("outcome %+v", out)
	}
}

func TestPermanentTransportErrorsAreNotRetried(t *testing.T) {
	t.Run("redirect loop", func(t *testing.T) {
		rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		})
		out := newHook(t, Config{URL: rc.srv.URL + "/loop?token=secret", Method: "GET"}, fastPolicy()).Call(context.Background(), nil, Trigger{})
		if out.Kind != Fail || out.Failure != FailTransport || out.Attempts != 1 || !strings.HasSuffix(out.Err.Error(), "stopped after 10 redirects") ||
			strings.Contains(out.Err.Error(), "secret") {
			t.Fatalf("outcome %+v", out)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		defer srv.Close()
		out := newHook(t, Config{URL: srv.URL, Method: "POST"}, fastPolicy()).Call(context.Background(), []byte("{}"), Trigger{})
		if out.Kind != Fail || out.Failure != FailTransport || out.Attempts != 1 || !strings.Contains(out.Err.Error(), "certificate") {
			t.Fatalf("outcome %+v", out)
		}
	})
}

func TestRetriesReuseTheConnection(t *testing.T) {
	var mu sync.Mutex
	conns, requests := 0, 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		w.WriteHeader(500)
		_, _ = w.Write([]byte(strings.Repeat("x", 1000))) // drained before the retry
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	h, err := New(Config{URL: srv.URL, Method: "POST"}, fastPolicy(), client)
	if err != nil {
		t.Fatal(err)
	}
	out := h.Call(context.Background(), []byte("{}"), Trigger{})
	mu.Lock()
	defer mu.Unlock()
	if out.Attempts != 3 || requests != 3 {
		t.Fatalf("outcome %+v, %d requests", out, requests)
	}
	if conns != 1 {
		t.Fatalf("%d connections for 3 attempts, want 1 (bodies not drained?)", conns)
	}
}
