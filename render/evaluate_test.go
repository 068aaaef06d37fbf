package render

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func compile(t testing.TB, code string, opts Options) *Template {
	t.Helper()
	tpl, err := Compile("file://t.jsonnet", code, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestEvaluateCancel(t *testing.T) {
	tpl := compile(t, `function(ctx) if ctx.skip then error "cancel" else {}`, Options{})
	_, err := tpl.Evaluate(t.Context(), []byte(`{"skip": true}`))
	if !errors.Is(err, ErrCancel) {
		t.Fatalf("got %v, want ErrCancel", err)
	}
	var evalErr *EvalError
	if errors.As(err, &evalErr) {
		t.Fatal("a cancel must not also be an EvalError")
	}
	want := "jsonnetsecure: ERROR: RUNTIME ERROR: cancel\n\tfile://t.jsonnet:1:32-46\tfunction <anonymous>\n\tTop-level function call\t\n"
	if err.Error() != want {
		t.Fatalf("message %q, want Kratos's %q", err.Error(), want)
	}
	if out, err := tpl.Evaluate(t.Context(), []byte(`{"skip": false}`)); err != nil || string(out) != "{ }\n" {
		t.Fatalf("got (%q, %v)", out, err)
	}
}

// Kratos tests strings.Contains(formatted error, "RUNTIME ERROR: cancel"); we cancel
// for exactly the same templates.
func TestEvaluateCancelMatchesKratosRule(t *testing.T) {
	for code, cancels := range map[string]bool{
		`function(ctx) error "cancel"`:             true,
		`function(ctx) error "cancelled by rule"`:  true,
		`function(ctx) error "Cancel"`:             false,
		`function(ctx) error "please cancel"`:      false,
		`function(ctx) assert false : "cancel"; 1`: true, // a failed assert raises its message
	} {
		_, err := compile(t, code, Options{}).Evaluate(t.Context(), []byte(`{}`))
		kratosOut, kratosErr := kratosRender("file://t.jsonnet", code, `{}`)
		kratosCancels := kratosErr != nil && strings.Contains(kratosErr.Error(), "RUNTIME ERROR: cancel")
		if kratosOut != "" || kratosCancels != errors.Is(err, ErrCancel) {
			t.Errorf("%s: cancel=%v, Kratos cancels=%v", code, errors.Is(err, ErrCancel), kratosCancels)
		}
		if kratosCancels != cancels {
			t.Errorf("%s: Kratos's rule gives %v, test expects %v", code, kratosCancels, cancels)
		}
	}
}

func TestEvaluateRuntimeError(t *testing.T) {
	// boom.jsonnet of the capture; the message is the one Kratos put in its 500
	// envelope (wh_jsonnet_error_login_api), with the template path restored.
	tpl := compile(t, `function(ctx) error "boom"`, Options{})
	_, err := tpl.Evaluate(t.Context(), []byte(`{}`))
	var evalErr *EvalError
	if !errors.As(err, &evalErr) {
		t.Fatalf("got %T %v, want *EvalError", err, err)
	}
	if errors.Is(err, ErrCancel) || errors.Is(err, ErrTimeout) {
		t.Fatal("a runtime error classified as cancel or timeout")
	}
	if evalErr.Template != "file://t.jsonnet" {
		t.Errorf("Template %q", evalErr.Template)
	}
	want := "jsonnetsecure: ERROR: RUNTIME ERROR: boom\n\tfile://t.jsonnet:1:15-27\tfunction <anonymous>\n\tTop-level function call\t\n"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	if !strings.HasPrefix(evalErr.Msg, "RUNTIME ERROR: boom\n") {
		t.Errorf("Msg %q", evalErr.Msg)
	}
}

func TestEvaluateRejectsBadCtx(t *testing.T) {
	tpl := compile(t, wholeCtx, Options{})
	for _, ctx := range []string{``, `[]`, `"x"`, `{"a": }`, `{"a": 1} x`, `{"a": 1`, `null`} {
		_, err := tpl.Evaluate(t.Context(), []byte(ctx))
		var evalErr *EvalError
		if err == nil || errors.As(err, &evalErr) || errors.Is(err, ErrTimeout) {
			t.Errorf("ctx %q: got %v, want a plain ctx error", ctx, err)
		}
	}
}

// slowTemplate takes a few hundred milliseconds (more under -race).
const slowTemplate = `function(ctx) std.foldl(function(a, b) a + b, std.range(1, 300000), 0)`

// waitIdle waits until no evaluation holds a slot of l: the runaway goroutines of
// timed-out evaluations really end.
func waitIdle(t *testing.T, l *Limiter) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); l.InUse() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d evaluations still running", l.InUse())
		}
	}
}

func TestEvaluateTimeout(t *testing.T) {
	lim := NewLimiter(2)
	tpl := compile(t, slowTemplate, Options{Timeout: 50 * time.Millisecond, Limiter: lim})
	start := time.Now()
	_, err := tpl.Evaluate(t.Context(), []byte(`{}`))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	// Evaluate returned at the deadline while the evaluation still runs, and the
	// runaway goroutine keeps its slot until it ends.
	if lim.InUse() != 1 {
		t.Errorf("InUse %d right after the timeout (took %v), want 1", lim.InUse(), time.Since(start))
	}
	waitIdle(t, lim)
}

func TestEvaluateCallerContextEnds(t *testing.T) {
	lim := NewLimiter(1)
	tpl := compile(t, slowTemplate, Options{Timeout: time.Minute, Limiter: lim})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	_, err := tpl.Evaluate(ctx, []byte(`{}`))
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want ErrTimeout wrapping context.DeadlineExceeded", err)
	}
	waitIdle(t, lim)

	done, cancelDone := context.WithCancel(t.Context())
	cancelDone()
	if _, err := tpl.Evaluate(done, []byte(`{}`)); !errors.Is(err, ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: got %v", err)
	}
	if lim.InUse() != 0 {
		t.Fatal("an evaluation started under a cancelled context")
	}
}

// A runaway evaluation keeps its slot past its timeout, so with every slot taken by
// runaways further evaluations, even trivial ones, wait and time out instead of
// piling up goroutines; once the runaways end, evaluations run again.
func TestEvaluateConcurrencyLimitHoldsRunaways(t *testing.T) {
	lim := NewLimiter(2)
	slow := compile(t, slowTemplate, Options{Timeout: 20 * time.Millisecond, Limiter: lim})
	// quick is outside the fast path's subset (std.prune), so it needs a slot.
	quick := compile(t, `function(ctx) std.prune(ctx)`, Options{Timeout: 20 * time.Millisecond, Limiter: lim})
	fast := compile(t, wholeCtx, Options{Timeout: 20 * time.Millisecond, Limiter: lim})
	if quick.fastPath() || !fast.fastPath() {
		t.Fatal("test templates are not on the intended paths")
	}

	for i := 0; i < 2; i++ {
		if _, err := slow.Evaluate(t.Context(), []byte(`{}`)); !errors.Is(err, ErrTimeout) {
			t.Fatalf("runaway %d: got %v", i, err)
		}
	}
	if lim.InUse() != 2 {
		t.Fatalf("InUse %d, want 2 runaways holding slots", lim.InUse())
	}
	_, err := quick.Evaluate(t.Context(), []byte(`{}`))
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "no evaluation slot") {
		t.Fatalf("with all slots held: got %v, want a slot timeout", err)
	}
	if lim.InUse() != 2 {
		t.Fatalf("InUse %d: an evaluation started beyond the limit", lim.InUse())
	}
	// The fast path's bounded work needs no slot.
	if out, err := fast.Evaluate(t.Context(), []byte(`{"a": 1}`)); err != nil || string(out) != "{\n   \"a\": 1\n}\n" {
		t.Fatalf("fast path with all slots held: got (%q, %v)", out, err)
	}
	waitIdle(t, lim)
	if out, err := quick.Evaluate(t.Context(), []byte(`{"a": 1}`)); err != nil || string(out) != "{\n   \"a\": 1\n}\n" {
		t.Fatalf("after the runaways ended: got (%q, %v)", out, err)
	}
}

// Concurrent evaluations never exceed the limiter's capacity.
func TestEvaluateConcurrencyNeverExceedsLimit(t *testing.T) {
	lim := NewLimiter(3)
	tpl := compile(t, `function(ctx) std.foldl(function(a, b) a + b, std.range(1, 20000), 0)`, Options{Limiter: lim, Timeout: time.Minute})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	peak := 0
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			default:
				peak = max(peak, lim.InUse())
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := tpl.Evaluate(t.Context(), []byte(`{}`)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	if peak > 3 || peak == 0 {
		t.Fatalf("peak concurrency %d, want 1..3", peak)
	}
}

func TestEvaluateOutputCap(t *testing.T) {
	ctx := fixtureWebhookCall(t, "wh_parse_400_registration_api.json", 0).body
	const size = 5226 // Content-Length of that recorded body
	if _, err := compile(t, wholeCtx, Options{MaxOutput: size}).Evaluate(t.Context(), ctx); err != nil {
		t.Fatalf("output exactly at the limit: %v", err)
	}
	_, err := compile(t, wholeCtx, Options{MaxOutput: size - 1}).Evaluate(t.Context(), ctx)
	if !errors.Is(err, ErrOutputTooLarge) {
		t.Fatalf("got %v, want ErrOutputTooLarge", err)
	}
	// The default cap (256 KiB) applies when unset.
	big := compile(t, wholeCtx, Options{Timeout: time.Minute})
	bigCtx := []byte(`{"s": "` + strings.Repeat("x", DefaultMaxOutput) + `"}`)
	if _, err := big.Evaluate(t.Context(), bigCtx); !errors.Is(err, ErrOutputTooLarge) {
		t.Fatalf("default cap: got %v", err)
	}
}

// Many goroutines share one template (so its VM pool): each must get the output for
// its own ctx.
func TestEvaluateConcurrentUse(t *testing.T) {
	tpl := compile(t, `function(ctx) { n: ctx.n, s: ctx.s + "!", list: [x * 2 for x in ctx.list] }`, Options{MaxConcurrent: 8})
	var wg sync.WaitGroup
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				n := g*1000 + i
				ctx := fmt.Sprintf(`{"n": %d, "s": "g%d", "list": [%d, 1]}`, n, n, n)
				out, err := tpl.Evaluate(context.Background(), []byte(ctx))
				if err != nil {
					t.Error(err)
					return
				}
				want := "{\n   \"list\": [\n      " + strconv.Itoa(2*n) + ",\n      2\n   ],\n   \"n\": " +
					strconv.Itoa(n) + ",\n   \"s\": \"g" + strconv.Itoa(n) + "!\"\n}\n"
				if string(out) != want {
					t.Errorf("ctx %s: got %q", ctx, out)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// The caller may reuse its ctx buffer as soon as Evaluate returns, even after a
// timeout while the evaluation still runs.
func TestEvaluateDoesNotRetainCallerBuffer(t *testing.T) {
	lim := NewLimiter(1)
	tpl := compile(t, `function(ctx) std.foldl(function(a, b) a + b, std.range(1, 300000), 0) + std.length(ctx.s)`,
		Options{Timeout: 10 * time.Millisecond, Limiter: lim})
	buf := []byte(`{"s": "abc"}`)
	if _, err := tpl.Evaluate(t.Context(), buf); !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v", err)
	}
	for i := range buf {
		buf[i] = 'x' // would corrupt a retained ctx; the race detector flags shared use
	}
	waitIdle(t, lim)
}
