package hooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// hang blocks until the client gives up on the request.
func hang(_ int, _ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func TestEveryAttemptTimesOut(t *testing.T) {
	rc := newReceiver(t, hang)
	pol := fastPolicy()
	pol.Timeout = 50 * time.Millisecond
	out := newHook(t, Config{URL: rc.srv.URL + "/slow", Method: "POST"}, pol).Call(context.Background(), []byte("{}"), Trigger{})
	if out.Kind != Fail || out.Failure != FailTimeout || out.Attempts != 3 {
		t.Fatalf("outcome %+v", out)
	}
	want := fmt.Sprintf(`POST %[1]s/slow giving up after 3 attempt(s): Post "%[1]s/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, rc.srv.URL)
	if out.Err.Error() != want {
		t.Fatalf("err\n%q\nwant\n%q", out.Err, want)
	}
}

// TestTimeoutThenAnswer replays wh_timeout_first_attempt_then_ok: the first
// attempt times out, the second one's patch is used.
func TestTimeoutThenAnswer(t *testing.T) {
	f := loadFixture(t, "wh_timeout_first_attempt_then_ok_settings_profile_api")
	answer := f.Calls[len(f.Calls)-1].Answered
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			hang(n, w, r)
			return
		}
		replay(answer.Status, answer.Body)(n, w, r)
	})
	pol := fastPolicy()
	pol.Timeout = 100 * time.Millisecond
	out := newHook(t, Config{URL: rc.srv.URL, Method: "POST", Response: Response{Parse: true}}, pol).Call(context.Background(), []byte("{}"), Trigger{})
	if out.Kind != Patch || out.Attempts != 2 || out.Status != 200 || !jsonEqual(t, out.Identity, []byte(`{"metadata_public":{"second_attempt":true}}`)) {
		t.Fatalf("outcome %+v identity %s", out, out.Identity)
	}
}

// TestMixedFailuresClassifiedByLastAttempt: a timeout followed by dropped
// connections is a transport failure, and the reverse a timeout.
func TestMixedFailuresClassifiedByLastAttempt(t *testing.T) {
	drop := func(_ int, w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}
	cases := []struct {
		name   string
		script func(n int, w http.ResponseWriter, r *http.Request)
		want   FailKind
	}{
		{"timeout then dropped", func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				hang(n, w, r)
			} else {
				drop(n, w, r)
			}
		}, FailTransport},
		{"dropped then timeout", func(n int, w http.ResponseWriter, r *http.Request) {
			if n < 3 {
				drop(n, w, r)
			} else {
				hang(n, w, r)
			}
		}, FailTimeout},
		{"500 then timeout", func(n int, w http.ResponseWriter, r *http.Request) {
			if n < 3 {
				w.WriteHeader(500)
			} else {
				hang(n, w, r)
			}
		}, FailTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, tc.script)
			pol := fastPolicy()
			pol.Timeout = 100 * time.Millisecond
			out := newHook(t, Config{URL: rc.srv.URL, Method: "POST"}, pol).Call(context.Background(), []byte("{}"), Trigger{})
			if out.Kind != Fail || out.Failure != tc.want || out.Attempts != 3 || out.Status != 0 {
				t.Fatalf("outcome %+v", out)
			}
			if !strings.Contains(out.Err.Error(), "giving up after 3 attempt(s): ") {
				t.Fatalf("err %q", out.Err)
			}
		})
	}
}

func TestCancelDuringBackoffStopsAtOnce(t *testing.T) {
	rc := newReceiver(t, status(500))
	pol := fastPolicy()
	pol.BackoffMin, pol.BackoffMax = time.Minute, time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	out := newHook(t, Config{URL: rc.srv.URL, Method: "POST"}, pol).Call(ctx, []byte("{}"), Trigger{Observe: func(Attempt) { cancel() }})
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("took %v after cancel", elapsed)
	}
	if out.Kind != Fail || out.Failure != FailTransport || out.Attempts != 1 || out.Status != 500 || !errors.Is(out.Err, context.Canceled) {
		t.Fatalf("outcome %+v", out)
	}
	if out.Err.Error() != "context canceled" { // retryablehttp returns the bare context error here
		t.Fatalf("err %q", out.Err)
	}
}

func TestDeadlineDuringBackoffIsTimeout(t *testing.T) {
	rc := newReceiver(t, status(503))
	pol := fastPolicy()
	pol.BackoffMin, pol.BackoffMax = time.Minute, time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	out := newHook(t, Config{URL: rc.srv.URL, Method: "POST"}, pol).Call(ctx, []byte("{}"), Trigger{})
	if out.Kind != Fail || out.Failure != FailTimeout || out.Attempts != 1 || !errors.Is(out.Err, context.DeadlineExceeded) {
		t.Fatalf("outcome %+v", out)
	}
}

func TestCancelDuringAttempt(t *testing.T) {
	rc := newReceiver(t, hang)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	out := newHook(t, Config{URL: rc.srv.URL + "/h", Method: "POST"}, fastPolicy()).Call(ctx, []byte("{}"), Trigger{})
	want := fmt.Sprintf("POST %s/h giving up after 1 attempt(s): context canceled", rc.srv.URL)
	if out.Kind != Fail || out.Failure != FailTransport || out.Attempts != 1 || out.Err.Error() != want {
		t.Fatalf("outcome %+v, want err %q", out, want)
	}
}
