package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// PassThroughRow is one path at one concurrency: each setup's summary,
// throughput being its requests over the time of its own slices.
type PassThroughRow struct {
	Path   string             `json:"path"`
	Conc   int                `json:"conc"`
	Setups map[string]Summary `json:"setups"`
}

// runPassThrough alternates the targets in time slices (i, ii, then ii, i,
// …) at each concurrency, so both see the same machine; a warm-up slice per
// target is discarded.
func runPassThrough(args []string) error {
	fs := flag.NewFlagSet("passthrough", flag.ExitOnError)
	targets := fs.String("targets", "", "name=URL,… (loopback)")
	paths := fs.String("paths", "/", "comma-separated request paths (with query)")
	concs := fs.String("conc", "1,8,32", "concurrency levels")
	slice := fs.Duration("slice", time.Second, "length of one slice")
	rounds := fs.Int("rounds", 5, "slices per target and level")
	out := fs.String("out", "", "result JSON file")
	_ = fs.Parse(args)
	ts, err := parseTargets(*targets)
	if err != nil {
		return err
	}
	levels, err := parseInts(*concs)
	if err != nil {
		return err
	}
	if *rounds < 1 || *rounds > 100 || *slice <= 0 || *slice > time.Minute {
		return fmt.Errorf("rounds must be 1..100 and slice 0..1m")
	}
	var rows []PassThroughRow
	for _, path := range strings.Split(*paths, ",") {
		for _, conc := range levels {
			row := passThroughLevel(ts, path, conc, *slice, *rounds)
			rows = append(rows, row)
			printPassThroughRow(ts, row)
		}
	}
	if *out != "" {
		return writeJSON(*out, rows)
	}
	return nil
}

// passThroughLevel measures one path at one concurrency.
func passThroughLevel(ts []target, path string, conc int, slice time.Duration, rounds int) PassThroughRow {
	clients := make([]*http.Client, len(ts))
	for i := range ts {
		clients[i] = newClient(conc)
		runSlice(clients[i], ts[i].URL+path, conc, slice/2) // warm-up: connections, caches
	}
	lat := make([][]time.Duration, len(ts))
	errs := make([]int, len(ts))
	spent := make([]time.Duration, len(ts))
	for r := 0; r < rounds; r++ {
		for k := range ts {
			i := k
			if r%2 == 1 { // ABBA order: neither target always goes first
				i = len(ts) - 1 - k
			}
			start := time.Now()
			l, e := runSlice(clients[i], ts[i].URL+path, conc, slice)
			spent[i] += time.Since(start)
			lat[i] = append(lat[i], l...)
			errs[i] += e
		}
	}
	row := PassThroughRow{Path: path, Conc: conc, Setups: map[string]Summary{}}
	for i, t := range ts {
		s := summarize(lat[i], errs[i])
		s.Throughput = float64(s.N) / spent[i].Seconds()
		row.Setups[t.Name] = s
		clients[i].CloseIdleConnections()
	}
	return row
}

// runSlice runs conc workers against url for d and returns the latencies
// of the 200 answers and the number of failures.
func runSlice(c *http.Client, url string, conc int, d time.Duration) ([]time.Duration, int) {
	deadline := time.Now().Add(d)
	recs := make([]*recorder, conc)
	var wg sync.WaitGroup
	for w := range conc {
		recs[w] = &recorder{lat: make([]time.Duration, 0, 4096)}
		wg.Add(1)
		go func(rec *recorder) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				start := time.Now()
				ok := getOnce(c, url)
				if !ok {
					rec.errors++
					continue
				}
				rec.add(time.Since(start))
			}
		}(recs[w])
	}
	wg.Wait()
	return merge(recs)
}

// getOnce sends one GET and reads the whole answer.
func getOnce(c *http.Client, url string) bool {
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err == nil && resp.StatusCode == http.StatusOK
}

func printPassThroughRow(ts []target, row PassThroughRow) {
	fmt.Printf("pass-through %-60s c=%-3d", row.Path, row.Conc)
	for _, t := range ts {
		s := row.Setups[t.Name]
		fmt.Printf("  %s: %8.0f req/s p50 %6.0fµs p99 %6.0fµs err %d", t.Name, s.Throughput, s.P50US, s.P99US, s.Errors)
	}
	fmt.Println()
}
