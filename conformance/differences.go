package conformance

import "strings"

// Difference is one deliberate, documented way in which the gateway
// answers differently from Kratos's native web hooks. The suite accepts a
// difference it finds only when an entry matches it; DIFFERENCES.md
// explains each entry for the README.
type Difference struct {
	// ID names the entry in test output and in DIFFERENCES.md.
	ID string
	// Scenarios is a pattern over scenario names; "*" matches any run of
	// characters, everything else itself.
	Scenarios string
	// Path is a pattern over the difference's path, e.g.
	// "ex[*](submit).status" or "calls[/h1].count".
	Path string
	// Kratos and Gateway are patterns over the two values as the suite
	// renders them (compact JSON, "<absent>" when missing); empty matches
	// anything.
	Kratos, Gateway string
	// Why says why the gateway's behaviour is the right call.
	Why string
}

// Matches reports whether the entry covers one difference found in a
// scenario.
func (d Difference) Matches(scenario, path, kratos, gateway string) bool {
	return globMatch(d.Scenarios, scenario) && globMatch(d.Path, path) &&
		(d.Kratos == "" || globMatch(d.Kratos, kratos)) &&
		(d.Gateway == "" || globMatch(d.Gateway, gateway))
}

// globMatch matches s against a pattern in which "*" stands for any run of
// characters (including none) and every other character for itself.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}

// Documented lists the differences the gateway makes on purpose. Keep it
// in step with DIFFERENCES.md.
var Documented = []Difference{}
