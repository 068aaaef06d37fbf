package gateway

import (
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// ServeHTTP is the gateway's one entry point. It decides what the request
// is to Kratos — from the path Kratos routes on (cleaned as Kratos cleans
// it, and forwarded cleaned), the method and the query — and intercepts it
// when a configured hook concerns it. Requests no hook concerns go to next
// untouched and unbuffered; a request under /self-service/ that Kratos does
// not route as one of its endpoints is refused rather than guessed at.
func (gw *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request, next Upstream) error {
	clean := r.URL.Path
	if needsCleaning(clean) {
		clean = kratos.CleanPath(clean)
	}
	if len(clean) < len(kratos.SelfServicePrefix) || !strings.EqualFold(clean[:len(kratos.SelfServicePrefix)], kratos.SelfServicePrefix) {
		return next.ServeHTTP(w, r)
	}
	if clean != r.URL.Path || r.URL.RawPath != "" {
		// Kratos acts on the cleaned path; send it exactly that, so no
		// later handler or proxy can read the request differently.
		r.URL.Path, r.URL.RawPath = clean, ""
	}
	route := kratos.Classify(r.Method, clean, r.URL.RawQuery)
	gatewayCookies := hasGatewayCookie(r.Header.Values("Cookie"))
	act := gw.decide(route, r, gatewayCookies)
	if act == actPass && !gatewayCookies {
		return next.ServeHTTP(w, r) // nothing to read, wrap or strip
	}
	if route.Endpoint == kratos.EndpointSubmit || route.Endpoint == kratos.EndpointFetch {
		// Kratos accepts several spellings of a UUID; carried state is
		// keyed by the canonical one.
		route.FlowID = kratos.CanonicalFlowID(route.FlowID)
	}
	x := &exchange{gw: gw, w: w, r: r, next: next, route: route}
	x.takeGatewayCookies()
	x.run(act)
	return x.err
}

// action is what the gateway does with a request.
type action int

const (
	actPass action = iota
	actInitBefore
	actInitForCache
	actInitLearnUI
	actFetch
	actSubmit
	actGatewayError
	actOIDCCallback
	actRefuseUnknown
)

// decide is the routing decision: which of the gateway's paths the request
// takes, from its endpoint and the configured hooks.
func (gw *Gateway) decide(route kratos.Route, r *http.Request, gatewayCookies bool) action {
	f := route.Flow
	switch route.Endpoint {
	case kratos.EndpointInit:
		switch {
		case gw.Interested(f, Before):
			return actInitBefore
		case gw.Interested(f, After) && cacheable(f) && (!route.Browser || kratos.IsJSONRequest(r.Header)):
			return actInitForCache
		case route.Browser && !gw.ui.knows(f):
			return actInitLearnUI
		}
	case kratos.EndpointFetch:
		if gatewayCookies || gw.Interested(f, After) && cacheable(f) || gw.interrupts.has(kratos.CanonicalFlowID(route.FlowID)) {
			return actFetch
		}
	case kratos.EndpointSubmit:
		// A social sign-in started from either flow can end in the other
		// (Kratos turns a registration for a known subject into a login,
		// and the reverse), and every callback must be placed: the provider
		// submits of registration, login and settings (a link) are
		// recorded whenever a hook applies to OIDC (oidcHooked).
		if gw.Interested(f, After) || gw.oidc && (f == kratos.Registration || f == kratos.Login || f == kratos.Settings) {
			return actSubmit
		}
	case kratos.EndpointErrorFetch:
		if strings.HasPrefix(route.FlowID, kratos.GatewayErrorPrefix) {
			return actGatewayError
		}
	case kratos.EndpointOIDCCallback:
		if gw.oidc {
			return actOIDCCallback
		}
	case kratos.EndpointUnknown:
		if len(gw.points) > 0 {
			return actRefuseUnknown
		}
	}
	return actPass
}

// run takes the path decide chose.
func (x *exchange) run(act action) {
	switch act {
	case actInitBefore:
		x.clearPublished()
		x.serveInit()
	case actInitForCache:
		x.serveInitForCache()
	case actInitLearnUI:
		x.serveInitLearningUI()
	case actFetch:
		x.serveFetch()
	case actSubmit:
		x.clearPublished()
		x.serveSubmit()
	case actGatewayError:
		x.serveGatewayError()
	case actOIDCCallback:
		x.clearPublished()
		x.serveOIDCCallback()
	case actRefuseUnknown:
		x.refuseUnknown()
	default:
		x.pass()
	}
}

// oidcHooked reports whether a hook would apply to an OIDC completion:
// registration, login and settings after hooks configured for every method
// or for oidc, and registration or login before hooks, which Kratos runs
// on the callback when it turns a login into a registration or the reverse
// (it creates the other flow there).
func (gw *Gateway) oidcHooked() bool {
	if len(gw.hooksAt(kratos.Registration, Before)) > 0 || len(gw.hooksAt(kratos.Login, Before)) > 0 {
		return true
	}
	for _, f := range []kratos.Flow{kratos.Registration, kratos.Login, kratos.Settings} {
		for _, h := range gw.hooksAt(f, After) {
			if h.method == "" || h.method == "oidc" {
				return true
			}
		}
	}
	return false
}

// refuseOIDC fails closed on social sign-in (an OIDC callback, or a submit
// that starts or completes OIDC): Kratos would create, sign in or link an
// identity, and the gateway cannot yet run the hooks that apply to it.
func (x *exchange) refuseOIDC() {
	x.gw.logger.Warn("refused social sign-in (OIDC): hooks apply to it and the gateway does not run hooks on OIDC yet", zap.String("path", x.r.URL.Path))
	x.answerError(kratos.Error{Code: http.StatusNotImplemented, Status: http.StatusText(http.StatusNotImplemented),
		Reason:  "Social sign-in (OIDC) is not available while ory_actions hooks apply to it.",
		Message: "the gateway cannot run web hooks on OIDC callbacks"})
}

// refuseUnknown answers a /self-service/ request that Kratos does not route
// as one of its endpoints (it would answer 404 or 405, or redirect to a
// cleaner spelling). Passing it on would mean trusting that Kratos changes
// nothing there; answering here is certain.
func (x *exchange) refuseUnknown() {
	x.gw.logger.Debug("refused a /self-service/ request Kratos does not route", zap.String("method", x.r.Method), zap.String("path", x.r.URL.Path))
	x.answerError(kratos.Error{Code: http.StatusNotFound, Status: http.StatusText(http.StatusNotFound),
		Message: "no self-service endpoint with this method and path"})
}

// clearPublished drops placeholder values an earlier pass of this request
// (a retried route) left, so nothing stale is logged.
func (x *exchange) clearPublished() {
	if x.gw.clearPublished != nil {
		x.gw.clearPublished(x.r.Context())
	}
}

// needsCleaning reports a path CleanPath could change: one that is empty,
// relative, or holds "//" or a dot segment. Every other path is already
// what Kratos routes on, so the common case costs two short scans.
func needsCleaning(p string) bool {
	return p == "" || p[0] != '/' || strings.Contains(p, "//") || strings.Contains(p, "/.")
}
