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
	// conns remembers the client connections (remote addresses) per path,
	// to tell whether callers reuse connections; bounded by maxConnsKept.
	conns map[string]map[string]struct{}
	kept  int
}

const maxConnsKept = 200000

func newReceiver() *receiver {
	return &receiver{counts: map[string]int{}, conns: map[string]map[string]struct{}{}}
}

// receiverCounts is the answer of GET /__counts.
type receiverStats struct {
	Calls map[string]int `json:"calls"`
	Conns map[string]int `json:"conns"`
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/__counts" {
		rc.mu.Lock()
		st := receiverStats{Calls: rc.counts, Conns: map[string]int{}}
		for path, set := range rc.conns {
			st.Conns[path] = len(set)
		}
		b, _ := json.Marshal(st)
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	rc.mu.Lock()
	if _, ok := rc.counts[r.URL.Path]; ok || len(rc.counts) < 64 { // bounded: the bench uses a handful of paths
		rc.counts[r.URL.Path]++
		set := rc.conns[r.URL.Path]
		if set == nil {
			set = map[string]struct{}{}
			rc.conns[r.URL.Path] = set
		}
		if _, seen := set[r.RemoteAddr]; !seen && rc.kept < maxConnsKept {
			set[r.RemoteAddr] = struct{}{}
			rc.kept++
		}
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
	srv := &http.Server{Addr: *addr, Handler: newReceiver(), ReadHeaderTimeout: 10 * time.Second}
	time.AfterFunc(*lifetime, func() { _ = srv.Close() })
	err := srv.ListenAndServe()
	if err == http.ErrServerClosed {
		return nil
	}
	return err
}

// fetchCounts reads the receiver's call and connection counts.
func fetchCounts(c *http.Client, base string) (receiverStats, error) {
	var st receiverStats
	resp, err := c.Get(base + "/__counts")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}
