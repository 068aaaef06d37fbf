package conformance

import (
	"os"
	"strings"
	"testing"
)

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

// TestDocumentedEntriesAreComplete keeps the table and DIFFERENCES.md in
// step: every entry says where it applies and why, and the document
// explains every entry id.
func TestDocumentedEntriesAreComplete(t *testing.T) {
	doc, err := os.ReadFile("DIFFERENCES.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range Documented {
		if d.ID == "" || d.Scenarios == "" || d.Path == "" || len(d.Why) < 40 {
			t.Errorf("Documented[%d] (%q) needs an id, scenarios, a path and a reason", i, d.ID)
		}
		if !strings.Contains(string(doc), "`"+d.ID+"`") {
			t.Errorf("DIFFERENCES.md does not explain %q", d.ID)
		}
	}
}
