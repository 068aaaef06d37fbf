package conformance

import (
	"encoding/json"
	"sort"
)

// nativeRun is the Kratos side of one scenario, running in the background.
type nativeRun struct {
	done chan struct{}
	tr   *transcript
}

func (n *nativeRun) wait() *transcript {
	<-n.done
	return n.tr
}

// startNatives runs the Kratos sides ahead of the gateway sides, which
// must go one at a time: at most parallel quick ones at once, in scenario
// order, plus every slow one (waiting out Kratos's 30 s timeouts) right
// away, as those mostly sleep.
func startNatives(scs []scenario, dead string, parallel int) map[string]*nativeRun {
	runs := make(map[string]*nativeRun, len(scs))
	for _, sc := range scs {
		runs[sc.name] = &nativeRun{done: make(chan struct{})}
	}
	start := func(sc scenario, release func()) {
		run := runs[sc.name]
		go func() {
			defer close(run.done)
			defer release()
			run.tr = runNative(sc, dead)
		}()
	}
	var quick []scenario
	for _, sc := range scs {
		if sc.slow() {
			start(sc, func() {})
			continue
		}
		quick = append(quick, sc)
	}
	go func() {
		sem := make(chan struct{}, parallel)
		for _, sc := range quick {
			sem <- struct{}{}
			start(sc, func() { <-sem })
		}
	}()
	return runs
}

// pretty renders a normalised transcript for CONFORMANCE_DUMP.
func (t *transcript) pretty() string {
	out := map[string]any{"fatal": t.fatal, "calls": t.calls}
	var ex []any
	for _, e := range t.exchanges {
		ex = append(ex, map[string]any{"label": e.label, "value": e.value})
	}
	out["exchanges"] = ex
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// callPaths lists a transcript's receiver paths, sorted.
func callPaths(calls map[string][]any) []string {
	out := make([]string, 0, len(calls))
	for p := range calls {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
