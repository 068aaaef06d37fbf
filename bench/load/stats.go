package main

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"time"
)

// Summary describes the latencies of one setup in one scenario. Times are
// in microseconds, so the JSON stays readable.
type Summary struct {
	// N counts the requests that succeeded and were timed.
	N int `json:"n"`
	// Errors counts failed requests (transport error or unexpected status);
	// they are not in the latencies.
	Errors int `json:"errors"`
	// Throughput is requests per second (see each scenario for how).
	Throughput float64 `json:"throughput"`
	MeanUS     float64 `json:"mean_us"`
	P50US      float64 `json:"p50_us"`
	P90US      float64 `json:"p90_us"`
	P99US      float64 `json:"p99_us"`
	MaxUS      float64 `json:"max_us"`
}

// summarize sorts lat in place and computes its percentiles (nearest rank).
func summarize(lat []time.Duration, errors int) Summary {
	s := Summary{N: len(lat), Errors: errors}
	if len(lat) == 0 {
		return s
	}
	slices.Sort(lat)
	var total time.Duration
	for _, d := range lat {
		total += d
	}
	s.MeanUS = us(total) / float64(len(lat))
	s.P50US = us(percentile(lat, 0.50))
	s.P90US = us(percentile(lat, 0.90))
	s.P99US = us(percentile(lat, 0.99))
	s.MaxUS = us(lat[len(lat)-1])
	return s
}

// percentile returns the nearest-rank percentile of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// recorder collects one goroutine's latencies, up to a cap so that a long
// run cannot grow without bound (the cap is far above what a run yields).
type recorder struct {
	lat    []time.Duration
	errors int
}

const maxSamplesPerWorker = 1 << 20

func (r *recorder) add(d time.Duration) {
	if len(r.lat) < maxSamplesPerWorker {
		r.lat = append(r.lat, d)
	}
}

// merge joins the recorders of several goroutines.
func merge(rs []*recorder) ([]time.Duration, int) {
	var lat []time.Duration
	errs := 0
	for _, r := range rs {
		lat = append(lat, r.lat...)
		errs += r.errors
	}
	return lat, errs
}

// writeJSON stores a scenario's result for the report.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// readJSON loads a result written by writeJSON.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
