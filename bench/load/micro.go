package main

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// microResult is the median of each metric over a benchmark's -count runs.
type microResult struct {
	Name    string
	Metrics map[string]float64 // unit -> median value (ns/op, B/op, allocs/op, p50-ns …)
}

// gomaxprocsSuffix is the "-2" go test appends to benchmark names.
var gomaxprocsSuffix = regexp.MustCompile(`-\d+$`)

// parseMicro reads `go test -bench` output and keeps, per benchmark, the
// median of every metric, in first-seen order.
func parseMicro(path string) ([]microResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	values := map[string]map[string][]float64{}
	var order []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue // not a result line
		}
		name := gomaxprocsSuffix.ReplaceAllString(fields[0], "")
		if values[name] == nil {
			values[name] = map[string][]float64{}
			order = append(order, name)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			values[name][fields[i+1]] = append(values[name][fields[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	out := make([]microResult, 0, len(order))
	for _, name := range order {
		r := microResult{Name: name, Metrics: map[string]float64{}}
		for unit, vs := range values[name] {
			r.Metrics[unit] = median(vs)
		}
		out = append(out, r)
	}
	return out, nil
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
