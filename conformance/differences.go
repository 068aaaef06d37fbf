package conformance

import (
	"strconv"
	"strings"
)

// Difference is one deliberate, documented way in which the gateway
// answers differently from Kratos's native web hooks. The suite accepts a
// difference it finds only when an entry matches it; DIFFERENCES.md
// explains each entry for the README.
type Difference struct {
	// ID names the entry in test output and in DIFFERENCES.md.
	ID string
	// Scenarios is a pattern over scenario names; "*" matches any run of
	// characters, "|" separates alternatives, everything else matches
	// itself.
	Scenarios string
	// Path is a pattern over the difference's path, e.g.
	// "ex[*](submit).status" or "calls[/h1].count".
	Path string
	// Kratos and Gateway are patterns over the two values as the suite
	// renders them (compact JSON, "<absent>" when missing; a string may be
	// matched with or without its quotes); empty matches anything.
	Kratos, Gateway string
	// Why says why the gateway's behaviour is the right call.
	Why string
}

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

// Documented lists the differences the gateway makes on purpose. Keep it
// in step with DIFFERENCES.md.
var Documented = []Difference{
	{
		ID: "trigger-id-header", Scenarios: "*", Path: "calls[*][*].headers.Ory-Webhook-Trigger-Id",
		Kratos: absent, Gateway: "<uuid:*>",
		Why: "The gateway adds Ory-Webhook-Trigger-Id, one id per hook trigger that stays the same on every retry " +
			"(Ory-Webhook-Request-Id changes per attempt), so receivers can deduplicate retried deliveries. " +
			"Receivers that ignore it see Kratos's request unchanged.",
	},
}

// absent is how a missing value is rendered.
const absent = "<absent>"
