package main

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"sync"
	"time"
)

// receiver is the web hook receiver of the hooked scenarios: it reads the
// body and answers 200 {} at once, so the figures measure the callers, not
// the receiver. It counts calls per path so the bench can check that every
// setup really called its hook (GET /__counts).
type receiver struct {
	mu     sync.Mutex
	counts map[string]int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/__counts" {
		rc.mu.Lock()
		b, _ := json.Marshal(rc.counts)
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	rc.mu.Lock()
	if len(rc.counts) < 64 { // bounded: the bench uses a handful of paths
		rc.counts[r.URL.Path]++
	} else if _, ok := rc.counts[r.URL.Path]; ok {
		rc.counts[r.URL.Path]++
	}
	rc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "2")
	_, _ = w.Write([]byte("{}"))
}

// runReceiver serves until the process is stopped (run.sh kills it) or
// -max-lifetime passes, so a forgotten receiver cannot outlive the bench.
func runReceiver(args []string) error {
	fs := flag.NewFlagSet("receiver", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:18090", "listen address (loopback)")
	lifetime := fs.Duration("max-lifetime", 30*time.Minute, "exit after this long")
	_ = fs.Parse(args)
	if err := requireLoopback(*addr); err != nil {
		return err
	}
	srv := &http.Server{Addr: *addr, Handler: &receiver{counts: map[string]int{}}, ReadHeaderTimeout: 10 * time.Second}
	time.AfterFunc(*lifetime, func() { _ = srv.Close() })
	err := srv.ListenAndServe()
	if err == http.ErrServerClosed {
		return nil
	}
	return err
}

// fetchCounts reads the receiver's call counts.
func fetchCounts(c *http.Client, base string) (map[string]int, error) {
	resp, err := c.Get(base + "/__counts")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	counts := map[string]int{}
	return counts, json.NewDecoder(resp.Body).Decode(&counts)
}
