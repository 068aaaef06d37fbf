package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SoakSample is one reading of the gateway process.
type SoakSample struct {
	T          float64 `json:"t"`
	RSSKB      int64   `json:"rss_kb"`
	HeapKB     int64   `json:"heap_inuse_kb"`
	Goroutines int     `json:"goroutines"`
}

// SoakResult is the memory run: hooked registrations at high concurrency
// through the gateway, its RSS and Go heap sampled every second.
type SoakResult struct {
	Conc      int          `json:"conc"`
	Seconds   float64      `json:"seconds"`
	Submits   Summary      `json:"submits"`
	HookCalls int          `json:"hook_calls"`
	HookConns int          `json:"hook_conns"`
	PeakRSSKB int64        `json:"peak_rss_kb"` // VmHWM at the end
	Samples   []SoakSample `json:"samples"`
	// Early and Late average the samples of the second sixth of the run
	// (after warm-up) and of the last sixth: growth compares them.
	EarlyRSSKB      int64 `json:"early_rss_kb"`
	LateRSSKB       int64 `json:"late_rss_kb"`
	EarlyHeapKB     int64 `json:"early_heap_kb"`
	LateHeapKB      int64 `json:"late_heap_kb"`
	EarlyGoroutines int   `json:"early_goroutines"`
	LateGoroutines  int   `json:"late_goroutines"`
}

func runSoak(args []string) error {
	fs := flag.NewFlagSet("soak", flag.ExitOnError)
	base := fs.String("url", "", "setup to load (loopback)")
	conc := fs.Int("conc", 32, "workers")
	duration := fs.Duration("duration", 60*time.Second, "run length")
	pid := fs.Int("pid", 0, "process whose RSS is sampled")
	admin := fs.String("admin", "", "Caddy admin base URL (heap, goroutines)")
	recv := fs.String("receiver", "", "receiver base URL")
	hookPath := fs.String("hook-path", "", "receiver path of the setup's hook")
	out := fs.String("out", "", "result JSON file")
	_ = fs.Parse(args)
	ts, err := parseTargets("soak=" + *base)
	if err != nil {
		return err
	}
	if *admin != "" {
		if _, err := parseTargets("admin=" + *admin); err != nil {
			return err
		}
	}
	if *duration <= 0 || *duration > 10*time.Minute || *pid <= 0 || *conc < 1 || *conc > 256 {
		return fmt.Errorf("need -pid, -conc 1..256 and -duration 0..10m")
	}
	res := SoakResult{Conc: *conc}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		res.Samples = sample(*pid, *admin, stop)
	}()
	before := receiverCounts(*recv)
	row := RegisterRow{}
	start := time.Now()
	registerLevel(ts, []kratosAPI{{c: newClient(*conc), base: ts[0].URL}}, *conc, *duration, &row)
	res.Seconds = time.Since(start).Seconds()
	close(stop)
	wg.Wait()
	after := receiverCounts(*recv)
	res.HookCalls = after.Calls[*hookPath] - before.Calls[*hookPath]
	res.HookConns = after.Conns[*hookPath] - before.Conns[*hookPath]
	res.Submits = row.Submits["soak"]
	if hwm, ok := procStatusKB(*pid, "VmHWM:"); ok {
		res.PeakRSSKB = hwm
	}
	res.windows()
	fmt.Printf("soak c=%d %.0fs: %d registrations (%d errors), p50 %.0fµs p99 %.0fµs; RSS peak %d KiB, early %d → late %d KiB; heap %d → %d KiB; goroutines %d → %d\n",
		res.Conc, res.Seconds, res.Submits.N, res.Submits.Errors, res.Submits.P50US, res.Submits.P99US,
		res.PeakRSSKB, res.EarlyRSSKB, res.LateRSSKB, res.EarlyHeapKB, res.LateHeapKB, res.EarlyGoroutines, res.LateGoroutines)
	for _, e := range row.FirstError {
		fmt.Printf("  first error: %s\n", e)
	}
	if *out != "" {
		return writeJSON(*out, res)
	}
	return nil
}

// windows averages the early and late sixths of the samples.
func (r *SoakResult) windows() {
	n := len(r.Samples)
	if n < 6 {
		return
	}
	avg := func(ss []SoakSample) (rss, heap int64, g int) {
		for _, s := range ss {
			rss += s.RSSKB
			heap += s.HeapKB
			g += s.Goroutines
		}
		k := int64(len(ss))
		return rss / k, heap / k, g / len(ss)
	}
	r.EarlyRSSKB, r.EarlyHeapKB, r.EarlyGoroutines = avg(r.Samples[n/6 : 2*n/6])
	r.LateRSSKB, r.LateHeapKB, r.LateGoroutines = avg(r.Samples[n-n/6:])
}

// sample reads the process every second until stop is closed.
func sample(pid int, admin string, stop <-chan struct{}) []SoakSample {
	c := &http.Client{Timeout: 2 * time.Second}
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var out []SoakSample
	for {
		select {
		case <-stop:
			return out
		case <-tick.C:
		}
		s := SoakSample{T: time.Since(start).Seconds()}
		s.RSSKB, _ = procStatusKB(pid, "VmRSS:")
		if admin != "" {
			s.HeapKB = heapInuseKB(c, admin)
			s.Goroutines = goroutines(c, admin)
		}
		if len(out) < 3600 {
			out = append(out, s)
		}
	}
}

// procStatusKB reads one "Vm…:  N kB" line of /proc/PID/status.
func procStatusKB(pid int, key string) (int64, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// heapInuseKB reads memstats.HeapInuse from the admin API's expvar.
func heapInuseKB(c *http.Client, admin string) int64 {
	resp, err := c.Get(admin + "/debug/vars")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var vars struct {
		Memstats struct {
			HeapInuse int64 `json:"HeapInuse"`
		} `json:"memstats"`
	}
	if json.NewDecoder(resp.Body).Decode(&vars) != nil {
		return 0
	}
	return vars.Memstats.HeapInuse / 1024
}

// goroutines reads the total from the goroutine profile's first line.
func goroutines(c *http.Client, admin string) int {
	resp, err := c.Get(admin + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	line, _ := bufio.NewReader(resp.Body).ReadString('\n')
	_, n, _ := strings.Cut(strings.TrimSpace(line), "total ")
	g, _ := strconv.Atoi(n)
	return g
}
