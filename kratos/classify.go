package kratos

import (
	"net/url"
	"strings"

	"github.com/julienschmidt/httprouter"
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

// Flows lists the five flows.
var Flows = [...]Flow{Registration, Login, Settings, Recovery, Verification}

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

// Endpoint is what Kratos's public router does with a request.
type Endpoint int

const (
	// EndpointNone: outside /self-service/; no hook point is there.
	EndpointNone Endpoint = iota
	// EndpointInit: GET /self-service/{flow}/browser or /api.
	EndpointInit
	// EndpointFetch: GET /self-service/{flow}/flows?id=.
	EndpointFetch
	// EndpointSubmit: GET or POST /self-service/{flow}?flow=. Kratos
	// routes both methods on every flow's submit path: settings applies
	// updates sent as GET (and the change saved before a re-authentication),
	// verification and recovery links complete on GET, code login may.
	EndpointSubmit
	// EndpointErrorFetch: GET /self-service/errors?id=.
	EndpointErrorFetch
	// EndpointOIDCCallback: GET or POST
	// /self-service/methods/oidc/callback[/{provider}], where an OIDC
	// registration, login or settings link completes.
	EndpointOIDCCallback
	// EndpointOther: a /self-service/ route Kratos serves that no hook
	// point concerns (logout, OIDC's own redirects).
	EndpointOther
	// EndpointUnknown: under /self-service/ but not a route Kratos serves
	// with this method: Kratos answers 404 or 405, or redirects to a
	// cleaner spelling (trailing slash, letter case).
	EndpointUnknown
)

// Route is what Classify learned from a request line.
type Route struct {
	// Endpoint is what Kratos's router dispatches the request to.
	Endpoint Endpoint
	// Flow is set for init, fetch and submit.
	Flow Flow
	// Browser is set for an init of /browser (false for /api).
	Browser bool
	// FlowID is the ?flow= value on submits and the ?id= value on fetches
	// and error fetches, as Kratos reads it (url.Values.Get: the first
	// well-formed pair). "" when absent; never validated here.
	FlowID string
}

// SelfServicePrefix is where every route with a hook point lives.
const SelfServicePrefix = "/self-service/"

// CleanPath is the path Kratos routes on: its public server runs
// x.CleanPath (httprouter.CleanPath on r.URL.Path, the decoded path)
// before its router, so `//self-service//registration`,
// `/self-service/./registration` and `/x/../self-service/registration`
// all reach the registration handler. The very same function is used here
// so the gateway and Kratos can never disagree on what a path means. It
// does not allocate for a path that is already clean.
func CleanPath(p string) string { return httprouter.CleanPath(p) }

// Classify tells which Kratos endpoint a request addresses, from its method,
// its cleaned path (CleanPath) and its raw query. It never allocates for a
// path outside /self-service/.
func Classify(method, cleanPath, rawQuery string) Route {
	rest, ok := strings.CutPrefix(cleanPath, SelfServicePrefix)
	if !ok {
		if len(cleanPath) >= len(SelfServicePrefix) && strings.EqualFold(cleanPath[:len(SelfServicePrefix)], SelfServicePrefix) {
			// Kratos's router redirects other letter cases to the
			// canonical path; nothing there is an endpoint as spelled.
			return Route{Endpoint: EndpointUnknown}
		}
		return Route{}
	}
	unknown := Route{Endpoint: EndpointUnknown}
	switch rest {
	case "errors":
		if method != "GET" {
			return unknown
		}
		return Route{Endpoint: EndpointErrorFetch, FlowID: queryValue(rawQuery, "id")}
	case "logout", "logout/browser":
		return knownIf(method == "GET")
	case "logout/api":
		return knownIf(method == "DELETE")
	case "methods/oidc/callback":
		return oidcCallback(method == "GET")
	}
	if p, ok := strings.CutPrefix(rest, "methods/oidc/callback/"); ok && p != "" && !strings.Contains(p, "/") {
		return oidcCallback(method == "GET" || method == "POST")
	}

	name, sub, hasSub := strings.Cut(rest, "/")
	flow, ok := ParseFlow(name)
	if !ok {
		return unknown
	}
	if !hasSub {
		if method != "GET" && method != "POST" {
			return unknown
		}
		return Route{Endpoint: EndpointSubmit, Flow: flow, FlowID: queryValue(rawQuery, "flow")}
	}
	if method != "GET" {
		return unknown
	}
	switch sub {
	case "browser":
		return Route{Endpoint: EndpointInit, Flow: flow, Browser: true}
	case "api":
		return Route{Endpoint: EndpointInit, Flow: flow}
	case "flows":
		return Route{Endpoint: EndpointFetch, Flow: flow, FlowID: queryValue(rawQuery, "id")}
	}
	return unknown
}

// knownIf is EndpointOther when the method is the route's, else unknown.
func knownIf(ok bool) Route {
	if ok {
		return Route{Endpoint: EndpointOther}
	}
	return Route{Endpoint: EndpointUnknown}
}

// oidcCallback is EndpointOIDCCallback when the method is routed.
func oidcCallback(ok bool) Route {
	if ok {
		return Route{Endpoint: EndpointOIDCCallback}
	}
	return Route{Endpoint: EndpointUnknown}
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
