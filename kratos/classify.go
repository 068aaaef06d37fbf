package kratos

import (
	"net/url"
	"strings"
)

// Flow names one of Kratos's five self-service flows, spelled as in its
// URL paths (/self-service/{flow}/...).
type Flow string

// The five self-service flows.
const (
	Registration Flow = "registration"
	Login        Flow = "login"
	Settings     Flow = "settings"
	Recovery     Flow = "recovery"
	Verification Flow = "verification"
)

// ParseFlow maps a path segment to its Flow; ok is false for anything that
// is not one of the five flows (matching is case-sensitive, as Kratos's
// router is).
func ParseFlow(s string) (Flow, bool) {
	switch Flow(s) {
	case Registration, Login, Settings, Recovery, Verification:
		return Flow(s), true
	}
	return "", false
}

// Phase is where in a flow's life a client request sits.
type Phase int

const (
	// PhaseNone: not a self-service request the gateway handles; pass it
	// through untouched.
	PhaseNone Phase = iota
	// PhaseInit: GET /self-service/{flow}/browser or /api.
	PhaseInit
	// PhaseFetch: GET /self-service/{flow}/flows?id=.
	PhaseFetch
	// PhaseSubmit: POST /self-service/{flow}?flow=.
	PhaseSubmit
	// PhaseErrorFetch: GET /self-service/errors?id=.
	PhaseErrorFetch
	// PhaseLink: GET /self-service/{flow}?flow=... Kratos accepts GET on the
	// submit path for e-mail links (verification ?code=) and OIDC callbacks.
	// The verification link only pre-fills the code node and redirects
	// (SPEC §1), so the gateway passes these through like PhaseNone; the
	// phase exists so a caller can tell them apart from unrelated paths.
	PhaseLink
)

// Route is what Classify learned from a request line.
type Route struct {
	// Flow is set for every phase except PhaseNone and PhaseErrorFetch.
	Flow Flow
	// Phase says which endpoint was addressed.
	Phase Phase
	// Browser is set for PhaseInit of /browser (false for /api).
	Browser bool
	// FlowID is the ?flow= value on submit and link requests and the ?id=
	// value on fetch and error-fetch requests, unescaped, as Go's
	// url.Values.Get would return it ("" when absent). It is not validated:
	// Kratos answers malformed ids itself.
	FlowID string
}

const selfServicePrefix = "/self-service/"

// Classify tells which self-service endpoint a request addresses, from its
// method, path and raw query alone. It never allocates for a path outside
// /self-service/, so it is cheap enough to run on every request.
func Classify(method, path, rawQuery string) Route {
	if !strings.HasPrefix(path, selfServicePrefix) {
		return Route{}
	}
	rest := path[len(selfServicePrefix):]
	if rest == "errors" {
		if method != "GET" {
			return Route{}
		}
		return Route{Phase: PhaseErrorFetch, FlowID: queryValue(rawQuery, "id")}
	}

	name, sub, hasSub := strings.Cut(rest, "/")
	flow, ok := ParseFlow(name)
	if !ok {
		return Route{}
	}
	if !hasSub {
		switch method {
		case "POST":
			return Route{Flow: flow, Phase: PhaseSubmit, FlowID: queryValue(rawQuery, "flow")}
		case "GET":
			return Route{Flow: flow, Phase: PhaseLink, FlowID: queryValue(rawQuery, "flow")}
		}
		return Route{}
	}
	if method != "GET" {
		return Route{}
	}
	switch sub {
	case "browser":
		return Route{Flow: flow, Phase: PhaseInit, Browser: true}
	case "api":
		return Route{Flow: flow, Phase: PhaseInit}
	case "flows":
		return Route{Flow: flow, Phase: PhaseFetch, FlowID: queryValue(rawQuery, "id")}
	}
	return Route{}
}

// queryValue returns the first value of key in a raw query with the
// semantics of url.ParseQuery(raw).Get(key): pairs containing ';' or with a
// bad escape are skipped, '+' means space. It allocates only when the value
// needs unescaping.
func queryValue(raw, key string) string {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if !escapedEquals(k, key) {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			u, err := url.QueryUnescape(v)
			if err != nil {
				continue
			}
			return u
		}
		return v
	}
	return ""
}

// escapedEquals reports whether the query-escaped k decodes to plain,
// avoiding the unescape (and its allocation) in the common case.
func escapedEquals(k, plain string) bool {
	if !strings.ContainsAny(k, "%+") {
		return k == plain
	}
	u, err := url.QueryUnescape(k)
	return err == nil && u == plain
}
