package hooks

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// noGoroutineLeak fails the test if the goroutine count does not return to
// its level before the test within a generous bound.
func noGoroutineLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				t.Errorf("goroutines: %d before, %d after", before, runtime.NumGoroutine())
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// blocker is a job that runs until released or cancelled and records how it
// ended.
type blocker struct {
	started   chan struct{}
	release   chan struct{}
	cancelled atomic.Bool
}

func newBlocker() *blocker {
	return &blocker{started: make(chan struct{}), release: make(chan struct{})}
}

func (b *blocker) job(ctx context.Context) {
	close(b.started)
	select {
	case <-b.release:
	case <-ctx.Done():
		b.cancelled.Store(true)
	}
}

func TestDispatcherQueueFull(t *testing.T) {
	noGoroutineLeak(t)
	d := NewDispatcher(1, 1)
	b := newBlocker()
	if !d.Submit(b.job) {
		t.Fatal("first job refused")
	}
	<-b.started // the worker is busy, the queue is empty
	var ran atomic.Int32
	if !d.Submit(func(context.Context) { ran.Add(1) }) {
		t.Fatal("queued job refused")
	}
	if d.Submit(func(context.Context) { ran.Add(1) }) {
		t.Fatal("job accepted although the queue is full")
	}
	if p := d.Pending(); p != 2 {
		t.Fatalf("Pending() = %d, want 2", p)
	}
	close(b.release)
	if dropped := d.Close(context.Background()); dropped != 0 {
		t.Fatalf("dropped %d", dropped)
	}
	if ran.Load() != 1 || d.Pending() != 0 {
		t.Fatalf("ran %d, pending %d", ran.Load(), d.Pending())
	}
}

func TestDispatcherCloseDrains(t *testing.T) {
	noGoroutineLeak(t)
	d := NewDispatcher(3, 50)
	var done atomic.Int32
	for range 20 {
		if !d.Submit(func(ctx context.Context) {
			time.Sleep(time.Millisecond)
			if ctx.Err() == nil {
				done.Add(1)
			}
		}) {
			t.Fatal("job refused")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if dropped := d.Close(ctx); dropped != 0 {
		t.Fatalf("dropped %d", dropped)
	}
	if done.Load() != 20 {
		t.Fatalf("%d of 20 jobs finished", done.Load())
	}
	if d.Submit(func(context.Context) {}) {
		t.Fatal("job accepted after Close")
	}
	if dropped := d.Close(ctx); dropped != 0 {
		t.Fatalf("second Close dropped %d", dropped)
	}
}

func TestDispatcherCloseDeadlineCancels(t *testing.T) {
	noGoroutineLeak(t)
	d := NewDispatcher(2, 10)
	running := []*blocker{newBlocker(), newBlocker()}
	for _, b := range running {
		if !d.Submit(b.job) {
			t.Fatal("job refused")
		}
	}
	for _, b := range running {
		<-b.started
	}
	var queuedRan atomic.Int32
	for range 3 {
		if !d.Submit(func(context.Context) { queuedRan.Add(1) }) {
			t.Fatal("job refused")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	dropped := d.Close(ctx)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Close took %v", elapsed)
	}
	if dropped != 5 {
		t.Fatalf("dropped %d, want 2 cancelled + 3 queued", dropped)
	}
	for i, b := range running {
		if !b.cancelled.Load() {
			t.Errorf("running job %d not cancelled", i)
		}
	}
	if queuedRan.Load() != 0 || d.Pending() != 0 {
		t.Fatalf("queued jobs ran %d times, pending %d", queuedRan.Load(), d.Pending())
	}
}

func TestDispatcherSurvivesPanics(t *testing.T) {
	noGoroutineLeak(t)
	d := NewDispatcher(1, 4)
	var ran atomic.Bool
	d.Submit(func(context.Context) { panic("boom") })
	d.Submit(func(context.Context) { ran.Store(true) })
	d.Close(context.Background())
	if d.Panics() != 1 || !ran.Load() {
		t.Fatalf("panics %d, later job ran %v", d.Panics(), ran.Load())
	}
}

func TestDispatcherZeroSizes(t *testing.T) {
	noGoroutineLeak(t)
	d := NewDispatcher(0, -1) // one worker, no queue
	b := newBlocker()
	deadline := time.Now().Add(5 * time.Second)
	for !d.Submit(b.job) { // accepted once the worker waits on the queue
		if time.Now().After(deadline) {
			t.Fatal("idle worker never accepted a job")
		}
		time.Sleep(time.Millisecond)
	}
	<-b.started
	if d.Submit(func(context.Context) {}) {
		t.Fatal("busy worker with no queue accepted a job")
	}
	close(b.release)
	d.Close(context.Background())
}

// TestDispatcherRunsHookCalls ties the pieces together: an ignore hook is
// submitted, retries in the background, and Close waits for it.
func TestDispatcherRunsHookCalls(t *testing.T) {
	rc := newReceiver(t, status(500, 200))
	h := newHook(t, Config{URL: rc.srv.URL, Method: "POST", Response: Response{Ignore: true}}, fastPolicy())
	d := NewDispatcher(1, 1)
	var out Outcome
	if !d.Submit(func(ctx context.Context) { out = h.Call(ctx, []byte("{}"), Trigger{ID: "x"}) }) {
		t.Fatal("refused")
	}
	if dropped := d.Close(context.Background()); dropped != 0 {
		t.Fatalf("dropped %d", dropped)
	}
	if out.Kind != Continue || out.Attempts != 2 || len(rc.requests()) != 2 {
		t.Fatalf("outcome %+v", out)
	}
}
