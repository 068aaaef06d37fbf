package conformance

// documentedDiff is a difference together with the entry that covers it.
type documentedDiff struct {
	difference
	entry Difference
}

// classify splits a scenario's differences into those no entry of
// Documented covers and those one does.
func classify(scenario string, ds []difference) (undocumented []difference, documented []documentedDiff) {
	for _, d := range ds {
		if e, ok := documentedEntry(scenario, d); ok {
			documented = append(documented, documentedDiff{d, e})
			continue
		}
		undocumented = append(undocumented, d)
	}
	return undocumented, documented
}

func documentedEntry(scenario string, d difference) (Difference, bool) {
	for _, e := range Documented {
		if e.Matches(scenario, d.path, d.kratos, d.gateway) {
			return e, true
		}
	}
	return Difference{}, false
}
