package kratos

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const clientTestSchema = `{"type":"object","properties":{"traits":{"type":"object"}}}`

func TestIdentitySchemaFetchesFromPublicAPI(t *testing.T) {
	fake := newClientFakeKratos(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(clientTestSchema))
	})
	c := mustNewClientForTest(t, fake.URL, "")
	for _, id := range []string{"default", "ZGVmYXVsdA"} {
		got, err := c.IdentitySchema(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != clientTestSchema {
			t.Errorf("schema %q = %q", id, got)
		}
	}
	seen := fake.requests()
	if len(seen) != 2 || seen[0].Path != "/schemas/default" || seen[1].Path != "/schemas/ZGVmYXVsdA" {
		t.Errorf("requests = %+v, want GET /schemas/default then /schemas/ZGVmYXVsdA", seen)
	}
}

func TestIdentitySchemaConcurrentCallersShareOneFetch(t *testing.T) {
	var hits atomic.Int32
	arrived := make(chan struct{})
	release := make(chan struct{})
	fake := newClientFakeKratos(t, func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			close(arrived)
		}
		<-release
		_, _ = w.Write([]byte(clientTestSchema))
	})
	c := mustNewClientForTest(t, fake.URL, "")

	const callers = 16
	var wg sync.WaitGroup
	results := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := c.IdentitySchema(context.Background(), "default")
			results[i], errs[i] = string(b), err
		}()
	}
	<-arrived
	close(release)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || results[i] != clientTestSchema {
			t.Errorf("caller %d got %q, %v", i, results[i], errs[i])
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("Kratos got %d schema requests, want 1", n)
	}
}

func TestIdentitySchemaCacheExpires(t *testing.T) {
	var hits atomic.Int32
	fake := newClientFakeKratos(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(clientTestSchema))
	})
	c := mustNewClientForTest(t, fake.URL, "")
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.schemas.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	steps := []struct {
		advance  time.Duration
		wantHits int32
	}{
		{0, 1},
		{30 * time.Second, 1},
		{29 * time.Second, 1},
		{time.Second, 2}, // 60 s after the first fetch: stale
		{59 * time.Second, 2},
	}
	for i, s := range steps {
		advance(s.advance)
		if _, err := c.IdentitySchema(context.Background(), "default"); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if n := hits.Load(); n != s.wantHits {
			t.Errorf("step %d: %d fetches, want %d", i, n, s.wantHits)
		}
	}
}

func TestIdentitySchemaFailuresAreNotCached(t *testing.T) {
	var hits atomic.Int32
	answers := []struct {
		status int
		body   string
	}{
		{http.StatusNotFound, `{"error":{"code":404}}`},
		{http.StatusOK, `not json`},
		{http.StatusOK, clientTestSchema},
	}
	fake := newClientFakeKratos(t, func(w http.ResponseWriter, r *http.Request) {
		a := answers[hits.Add(1)-1]
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	})
	c := mustNewClientForTest(t, fake.URL, "")
	for i, wantErr := range []bool{true, true, false, false} {
		_, err := c.IdentitySchema(context.Background(), "default")
		if (err != nil) != wantErr {
			t.Errorf("call %d: error = %v, want error %v", i, err, wantErr)
		}
	}
	if n := hits.Load(); n != 3 {
		t.Errorf("Kratos got %d requests, want 3 (two failures retried, then cached)", n)
	}
}

func TestIdentitySchemaCallerCancelDoesNotAbortSharedFetch(t *testing.T) {
	var hits atomic.Int32
	arrived := make(chan struct{})
	release := make(chan struct{})
	fake := newClientFakeKratos(t, func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			close(arrived)
		}
		<-release
		_, _ = w.Write([]byte(clientTestSchema))
	})
	c := mustNewClientForTest(t, fake.URL, "")

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := c.IdentitySchema(ctx, "default")
		first <- err
	}()
	<-arrived
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller error = %v, want context.Canceled", err)
	}
	close(release)
	got, err := c.IdentitySchema(context.Background(), "default")
	if err != nil || string(got) != clientTestSchema {
		t.Fatalf("second caller got %q, %v", got, err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("Kratos got %d requests, want 1 (the first fetch went on)", n)
	}
}

func TestIdentitySchemaRejectsEmptyID(t *testing.T) {
	fake := newClientFakeKratos(t, nil)
	c := mustNewClientForTest(t, fake.URL, "")
	if _, err := c.IdentitySchema(context.Background(), ""); err == nil {
		t.Error("IdentitySchema(\"\") succeeded, want an error")
	}
	if n := len(fake.requests()); n != 0 {
		t.Errorf("Kratos got %d requests, want 0", n)
	}
}
