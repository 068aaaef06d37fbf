package hooks

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestDefaultDeadlineIsKratosWorstCase(t *testing.T) {
	if got := DefaultPolicy().WithDefaults().Deadline; got != 94*time.Second {
		t.Fatalf("default deadline = %s, want 94s (3×30s + 1s + 2s backoff + 1s grace)", got)
	}
	p := Policy{Timeout: 2 * time.Second, Attempts: 4, BackoffMin: time.Second, BackoffMax: 3 * time.Second}.WithDefaults()
	if want := 4*2*time.Second + (1+2+3)*time.Second + time.Second; p.Deadline != want {
		t.Fatalf("deadline = %s, want %s", p.Deadline, want)
	}
	if p := (Policy{Deadline: 5 * time.Second}).WithDefaults(); p.Deadline != 5*time.Second {
		t.Fatalf("an explicit deadline was replaced: %s", p.Deadline)
	}
}

// A receiver answering 503 with Retry-After: 3600 must not hold a client
// for an hour: a wait past the deadline is not waited at all.
func TestRetryAfterBeyondTheDeadlineGivesUpAtOnce(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	pol := fastPolicy()
	pol.Deadline = 300 * time.Millisecond
	var attempts []Attempt
	start := time.Now()
	out := newHook(t, Config{URL: rc.srv.URL, Method: "POST"}, pol).Call(context.Background(), []byte("{}"),
		Trigger{Observe: func(a Attempt) { attempts = append(attempts, a) }})
	if took := time.Since(start); took > time.Second {
		t.Fatalf("the call took %s", took)
	}
	if out.Kind != Fail || out.Failure != FailUnusable || out.Attempts != 1 || out.Status != http.StatusServiceUnavailable {
		t.Fatalf("outcome %+v", out)
	}
	if !strings.Contains(out.Err.Error(), "deadline") || !strings.Contains(out.Err.Error(), "wait 1h0m0s") {
		t.Fatalf("the error must say why: %v", out.Err)
	}
	if len(attempts) != 1 || attempts[0].Retry || !strings.Contains(attempts[0].Stopped, "deadline") {
		t.Fatalf("observed %+v: the attempt must say why no retry follows", attempts)
	}
}

// An attempt that outlives the deadline ends with it, as a timeout, and
// leaves no goroutine behind.
func TestDeadlineEndsAHangingAttempt(t *testing.T) {
	rc := newReceiver(t, hang)
	before := runtime.NumGoroutine()
	pol := fastPolicy()
	pol.Timeout, pol.Deadline = time.Minute, 200*time.Millisecond
	start := time.Now()
	out := newHook(t, Config{URL: rc.srv.URL, Method: "POST"}, pol).Call(context.Background(), []byte("{}"), Trigger{})
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("the call took %s", took)
	}
	if out.Kind != Fail || out.Failure != FailTimeout {
		t.Fatalf("outcome %+v", out)
	}
	rc.srv.CloseClientConnections()
	for i := 0; i < 50 && runtime.NumGoroutine() > before+2; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Fatalf("goroutines: %d before, %d after", before, n)
	}
}

// Custom headers and an api_key header follow a redirect on the same host
// only: another host never sees credentials meant for the receiver.
func TestRedirectToAnotherHostDropsCredentials(t *testing.T) {
	other := newReceiver(t, status(200))
	same := newReceiver(t, status(200))
	for _, tc := range []struct {
		name, target string
		rc           *receiver
		keep         bool
	}{
		// localhost and 127.0.0.1 are different hosts to a client.
		{"other host", strings.Replace(other.srv.URL, "127.0.0.1", "localhost", 1) + "/landing", other, false},
		{"same host", "/landing", same, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var first *receiver
			first = newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/hook" {
					w.WriteHeader(http.StatusOK)
					return
				}
				target := tc.target
				if strings.HasPrefix(target, "/") {
					target = first.srv.URL + target
				}
				http.Redirect(w, r, target, http.StatusTemporaryRedirect)
			})
			if tc.keep {
				tc.rc = first
			}
			cfg := Config{URL: first.srv.URL + "/hook", Method: "POST", Headers: map[string]string{"X-Tenant-Secret": "t0p"},
				Auth: &Auth{Type: "api_key", Config: AuthConfig{Name: "X-Api-Key", Value: "k3y", In: "header"}}}
			out := newHook(t, cfg, fastPolicy()).Call(context.Background(), []byte("{}"), Trigger{})
			if out.Kind == Fail {
				t.Fatalf("outcome %+v", out)
			}
			tc.rc.mu.Lock()
			last := tc.rc.got[len(tc.rc.got)-1]
			tc.rc.mu.Unlock()
			if last.Path != "/landing" {
				t.Fatalf("the redirect was not followed: %s", last.Path)
			}
			for _, h := range []string{"X-Api-Key", "X-Tenant-Secret"} {
				if got := last.Header.Get(h) != ""; got != tc.keep {
					t.Errorf("%s present after the redirect = %v, want %v", h, got, tc.keep)
				}
			}
		})
	}
}

func TestDefaultDeadlineDoesNotOverflow(t *testing.T) {
	p := Policy{Timeout: 1 << 62, Attempts: 3}.WithDefaults()
	if p.Deadline <= 0 {
		t.Fatalf("deadline overflowed to %s", p.Deadline)
	}
}

// An answer whose body is still arriving when the deadline passes is a
// timeout, not an unusable answer.
func TestDeadlineWhileReadingIsTimeout(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"identity":`))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	pol := fastPolicy()
	pol.Deadline = 200 * time.Millisecond
	out := newHook(t, Config{URL: rc.srv.URL, Method: "POST", Response: Response{Parse: true}}, pol).Call(context.Background(), []byte("{}"), Trigger{})
	if out.Kind != Fail || out.Failure != FailTimeout || !strings.Contains(out.Err.Error(), "deadline") {
		t.Fatalf("outcome %+v", out)
	}
}
