package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The targets of the issue, as ratios measured in one run.
const (
	targetPassThroughRatio = 0.98  // (ii)/(i) throughput
	targetPassThroughP50US = 20.0  // (ii) − (i) p50
	targetHookedP50Ratio   = 1.00  // (b)/(a) p50
	targetMachineryP50US   = 100.0 // ctx + Jsonnet + rewrite
	targetRSSGrowth        = 1.10  // late/early RSS during the soak
)

// runReport reads a run directory and prints the summary (also written to
// DIR/summary.md). Missing parts are reported as missing, not skipped.
func runReport(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	dir := fs.String("dir", "", "run directory")
	doc := fs.String("doc", "", "also write the figures into this Markdown file, between its results markers")
	_ = fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	var b strings.Builder
	var verdicts []verdict
	verdicts = append(verdicts, reportPassThrough(&b, filepath.Join(*dir, "passthrough.json"))...)
	verdicts = append(verdicts, reportRegister(&b, *dir)...)
	verdicts = append(verdicts, reportDurable(&b, *dir)...)
	verdicts = append(verdicts, reportMicro(&b, filepath.Join(*dir, "micro.txt"))...)
	verdicts = append(verdicts, reportSoak(&b, filepath.Join(*dir, "soak.json"))...)
	reportFlowFetch(&b, filepath.Join(*dir, "flowfetch.json"))

	var sum strings.Builder
	sum.WriteString("## Targets\n\n| target | measured | verdict |\n|---|---|---|\n")
	for _, v := range verdicts {
		fmt.Fprintf(&sum, "| %s | %s | %s |\n", v.target, v.measured, v.verdict())
	}
	sum.WriteString("\n")
	text := sum.String() + b.String()
	fmt.Print(text)
	if err := os.WriteFile(filepath.Join(*dir, "summary.md"), []byte(text), 0o644); err != nil {
		return err
	}
	if *doc != "" {
		return updateDoc(*doc, *dir, text)
	}
	return nil
}

// reportFlowFetch shows what one flow fetch from Kratos costs: the round
// trip a hooked submit adds when the flow is not cached.
func reportFlowFetch(b *strings.Builder, path string) {
	var rows []PassThroughRow
	if err := readJSON(path, &rows); err != nil || len(rows) == 0 {
		return
	}
	s := rows[0].Setups["kratos"]
	fmt.Fprintf(b, "## One flow fetch from Kratos (GET /self-service/registration/flows?id=, conc 1)\n\np50 %.0f µs, p99 %.0f µs over %d fetches: the Kratos round trip the gateway adds to every hooked submit while flows are not cached.\n\n", s.P50US, s.P99US, s.N)
}

// verdict is one target's outcome; ok nil means it could not be measured.
type verdict struct {
	target, measured string
	ok               *bool
}

func (v verdict) verdict() string {
	switch {
	case v.ok == nil:
		return "not measured"
	case *v.ok:
		return "met"
	}
	return "**NOT met**"
}

func check(target, measured string, ok bool) verdict {
	return verdict{target: target, measured: measured, ok: &ok}
}

func missing(target, why string) verdict { return verdict{target: target, measured: why} }

func reportPassThrough(b *strings.Builder, path string) []verdict {
	var rows []PassThroughRow
	if err := readJSON(path, &rows); err != nil || len(rows) == 0 {
		return []verdict{missing("pass-through", fmt.Sprintf("no result (%v)", err))}
	}
	b.WriteString("## Pass-through: (i) plain reverse_proxy vs (ii) with ory_actions\n\n")
	b.WriteString("| path | conc | (i) req/s | (ii) req/s | (ii)/(i) | (i) p50 µs | (ii) p50 µs | Δp50 µs | (i) p99 µs | (ii) p99 µs | errors |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	minRatio, maxDelta := 1e9, -1e9
	for _, r := range rows {
		i, ii := r.Setups["i"], r.Setups["ii"]
		ratio := ii.Throughput / i.Throughput
		delta := ii.P50US - i.P50US
		minRatio, maxDelta = min(minRatio, ratio), max(maxDelta, delta)
		fmt.Fprintf(b, "| `%s` | %d | %.0f | %.0f | %.3f | %.0f | %.0f | %+.0f | %.0f | %.0f | %d/%d |\n",
			r.Path, r.Conc, i.Throughput, ii.Throughput, ratio, i.P50US, ii.P50US, delta, i.P99US, ii.P99US, i.Errors, ii.Errors)
	}
	b.WriteString("\n")
	return []verdict{
		check("pass-through throughput (ii)/(i) ≥ 0.98", fmt.Sprintf("lowest %.3f", minRatio), minRatio >= targetPassThroughRatio),
		check("pass-through p50 within +20 µs", fmt.Sprintf("largest Δ %+.0f µs", maxDelta), maxDelta <= targetPassThroughP50US),
	}
}

func reportRegister(b *strings.Builder, dir string) []verdict {
	var out []verdict
	b.WriteString("## Hooked registration: (a) Kratos native hook, (b) gateway + hookless Kratos, (c) Kratos without hook\n\n")
	b.WriteString("| hook | conc | (a) p50 µs | (b) p50 µs | (c) p50 µs | (a) p99 µs | (b) p99 µs | (c) p99 µs | req/s a / b / c | (b)/(a) p50 | (b)/(c) p50 | (b)/(a) req/s | hook calls (conns) a / b | errors a / b / c |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, mode := range []string{"parse", "ignore"} {
		var rows []RegisterRow
		if err := readJSON(filepath.Join(dir, "register-"+mode+".json"), &rows); err != nil || len(rows) == 0 {
			out = append(out, missing("hooked registration ("+mode+")", fmt.Sprintf("no result (%v)", err)))
			continue
		}
		worst := 0.0
		for _, r := range rows {
			a, bb, c := r.Submits["a"], r.Submits["b"], r.Submits["c"]
			ba, bc := bb.P50US/a.P50US, bb.P50US/c.P50US
			worst = max(worst, ba)
			fmt.Fprintf(b, "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f / %.0f / %.0f | %.3f | %.3f | %.3f | %d (%d) / %d (%d) | %d / %d / %d |\n",
				mode, r.Conc, a.P50US, bb.P50US, c.P50US, a.P99US, bb.P99US, c.P99US, a.Throughput, bb.Throughput, c.Throughput,
				ba, bc, bb.Throughput/a.Throughput, r.HookCalls["a"], r.HookConns["a"], r.HookCalls["b"], r.HookConns["b"], a.Errors, bb.Errors, c.Errors)
		}
		out = append(out, check("hooked registration ("+mode+") p50 (b)/(a) ≤ 1.00", fmt.Sprintf("highest %.3f", worst), worst <= targetHookedP50Ratio))
	}
	b.WriteString("\nThroughput per setup is conc / mean submit latency (Little's law): the setups are interleaved request by request.\n\n")
	return out
}

// reportDurable: the cost of storing each response.ignore delivery in
// JetStream before the answer (d) against the in-memory dispatcher (m).
func reportDurable(b *strings.Builder, dir string) []verdict {
	var rows []RegisterRow
	if err := readJSON(filepath.Join(dir, "register-durable.json"), &rows); err != nil || len(rows) == 0 {
		return []verdict{missing("durable vs in-memory async", fmt.Sprintf("no result (%v)", err))}
	}
	b.WriteString("## Async delivery: (m) in memory vs (d) durable on the embedded JetStream\n\n")
	b.WriteString("| conc | (m) p50 µs | (d) p50 µs | (m) p99 µs | (d) p99 µs | req/s m / d | (d)/(m) p50 | (d)/(m) req/s | hook calls m / d | errors m / d |\n|---|---|---|---|---|---|---|---|---|---|\n")
	worst := 0.0
	for _, r := range rows {
		m, d := r.Submits["m"], r.Submits["d"]
		ratio := d.P50US / m.P50US
		worst = max(worst, ratio)
		fmt.Fprintf(b, "| %d | %.0f | %.0f | %.0f | %.0f | %.0f / %.0f | %.3f | %.3f | %d / %d | %d / %d |\n",
			r.Conc, m.P50US, d.P50US, m.P99US, d.P99US, m.Throughput, d.Throughput, ratio, d.Throughput/m.Throughput,
			r.HookCalls["m"], r.HookCalls["d"], m.Errors, d.Errors)
	}
	b.WriteString("\n")
	return []verdict{check("durable async p50 (d)/(m) reported", fmt.Sprintf("highest %.3f", worst), worst > 0)}
}

func reportMicro(b *strings.Builder, path string) []verdict {
	results, err := parseMicro(path)
	if err != nil || len(results) == 0 {
		return []verdict{missing("micro-benchmarks", fmt.Sprintf("no result (%v)", err))}
	}
	b.WriteString("## Go micro-benchmarks (median of -count runs; full comparison in benchstat.txt)\n\n")
	b.WriteString("| benchmark | ns/op | p50 ns | B/op | allocs/op |\n|---|---|---|---|---|\n")
	maxAllocs, maxP50 := -1.0, -1.0
	var allocating []string
	for _, r := range results {
		p50 := "–"
		if v, ok := r.Metrics["p50-ns"]; ok {
			p50 = fmt.Sprintf("%.0f", v)
		}
		fmt.Fprintf(b, "| %s | %.0f | %s | %.0f | %.0f |\n", r.Name, r.Metrics["ns/op"], p50, r.Metrics["B/op"], r.Metrics["allocs/op"])
		if strings.HasPrefix(r.Name, "BenchmarkPassThrough/") {
			maxAllocs = max(maxAllocs, r.Metrics["allocs/op"])
			if r.Metrics["allocs/op"] > 0 {
				allocating = append(allocating, strings.TrimPrefix(r.Name, "BenchmarkPassThrough/"))
			}
		}
		if strings.HasPrefix(r.Name, "BenchmarkHookMachinery/") {
			maxP50 = max(maxP50, r.Metrics["p50-ns"]/1e3)
		}
	}
	b.WriteString("\n")
	var out []verdict
	if maxAllocs < 0 {
		out = append(out, missing("handler pass-through allocates nothing", "BenchmarkPassThrough missing"))
	} else {
		m := fmt.Sprintf("max %.0f allocs/op", maxAllocs)
		if len(allocating) > 0 {
			m += " (" + strings.Join(allocating, ", ") + ")"
		}
		out = append(out, check("handler pass-through allocates nothing", m, maxAllocs == 0))
	}
	if maxP50 < 0 {
		out = append(out, missing("hook machinery p50 ≤ 100 µs", "BenchmarkHookMachinery missing"))
	} else {
		out = append(out, check("hook machinery p50 ≤ 100 µs (6 KB ctx)", fmt.Sprintf("worst outcome %.0f µs", maxP50), maxP50 <= targetMachineryP50US))
	}
	return out
}

func reportSoak(b *strings.Builder, path string) []verdict {
	var s SoakResult
	if err := readJSON(path, &s); err != nil {
		return []verdict{missing("memory", fmt.Sprintf("no result (%v)", err))}
	}
	fmt.Fprintf(b, "## Memory: gateway under %d-way hooked registration load for %.0f s\n\n", s.Conc, s.Seconds)
	fmt.Fprintf(b, "%d registrations (%d errors), p50 %.0f µs, p99 %.0f µs, %d hook calls on %d connections.\n\n", s.Submits.N, s.Submits.Errors, s.Submits.P50US, s.Submits.P99US, s.HookCalls, s.HookConns)
	b.WriteString("| | early (2nd sixth) | late (last sixth) |\n|---|---|---|\n")
	fmt.Fprintf(b, "| RSS KiB | %d | %d |\n| Go heap in use KiB | %d | %d |\n| goroutines | %d | %d |\n\n", s.EarlyRSSKB, s.LateRSSKB, s.EarlyHeapKB, s.LateHeapKB, s.EarlyGoroutines, s.LateGoroutines)
	fmt.Fprintf(b, "Peak RSS (VmHWM) of the Caddy process: %d KiB.\n\n", s.PeakRSSKB)
	if s.EarlyRSSKB == 0 {
		return []verdict{missing("memory", "too few samples")}
	}
	growth := float64(s.LateRSSKB) / float64(s.EarlyRSSKB)
	return []verdict{
		check("memory: peak RSS bounded under 32-way hooked load", fmt.Sprintf("peak %.1f MiB", float64(s.PeakRSSKB)/1024), s.PeakRSSKB > 0 && s.Submits.Errors == 0),
		check("memory: no growth across the run (late/early RSS ≤ 1.10)", fmt.Sprintf("%.3f (goroutines %d → %d)", growth, s.EarlyGoroutines, s.LateGoroutines), growth <= targetRSSGrowth),
	}
}
