package conformance

import (
	"strconv"
	"strings"
)

// Matches reports whether the entry covers one difference found in a
// scenario.
func (d Difference) Matches(scenario, path, kratos, gateway string) bool {
	return anyMatch(d.Scenarios, scenario) && anyMatch(d.Path, path) &&
		valueMatch(d.Kratos, kratos) && valueMatch(d.Gateway, gateway)
}

// anyMatch matches s against "|"-separated alternative patterns.
func anyMatch(patterns, s string) bool {
	for _, p := range strings.Split(patterns, "|") {
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

// valueMatch matches a rendered value, trying a JSON string without its
// quotes too.
func valueMatch(pattern, rendered string) bool {
	if pattern == "" || anyMatch(pattern, rendered) {
		return true
	}
	if unq, err := strconv.Unquote(rendered); err == nil && strings.HasPrefix(rendered, `"`) {
		return anyMatch(pattern, unq)
	}
	return false
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

// nilUUID is the id Kratos shows for objects it has not stored yet.
const nilUUID = "00000000-0000-0000-0000-000000000000"
