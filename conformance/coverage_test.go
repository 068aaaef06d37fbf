package conformance

import "testing"

// TestScenarioCoverage holds the suite to the bar: at least 60
// scenarios, every flow with every client kind, unique names, and timeout
// scenarios that set the gateway's short per-hook timeout.
func TestScenarioCoverage(t *testing.T) {
	all := allScenarios()
	if err := checkScenarios(all); err != nil {
		t.Fatal(err)
	}
	if len(all) < 60 {
		t.Errorf("%d scenarios, want at least 60", len(all))
	}
	seen := map[string]map[clientKind]int{}
	for _, sc := range all {
		if seen[sc.flow] == nil {
			seen[sc.flow] = map[clientKind]int{}
		}
		seen[sc.flow][sc.client]++
		for _, h := range sc.hooks {
			for _, a := range h.answers {
				if a.timesOut && h.timeout == 0 {
					t.Errorf("%s: a timing-out answer needs the hook's gateway timeout set (else the gateway side waits 30 s)", sc.name)
				}
			}
		}
	}
	for _, flow := range []string{"registration", "login", "settings", "recovery", "verification"} {
		for _, k := range allKinds {
			if seen[flow][k] == 0 {
				t.Errorf("no %s scenario for the %s client", flow, k)
			}
		}
		t.Logf("%-12s api=%d browser_json=%d browser_form=%d", flow, seen[flow][apiClient], seen[flow][browserJSONClient], seen[flow][browserFormClient])
	}
}
