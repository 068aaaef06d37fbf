package oryactions

import (
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// ServeHTTP classifies the request and intercepts it only when a configured
// hook concerns it. Everything else goes to next untouched and unbuffered.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if !strings.HasPrefix(r.URL.Path, "/self-service/") {
		return next.ServeHTTP(w, r)
	}
	rt := h.rt
	route := kratos.Classify(r.Method, r.URL.Path, r.URL.RawQuery)
	interest := rt.interested[route.Flow]
	switch route.Phase {
	case kratos.PhaseInit:
		if interest.before {
			clearPlaceholders(r.Context())
			return rt.serveInit(w, r, next, route)
		}
		if interest.after && cacheable(route.Flow) && (!route.Browser || kratos.IsJSONClient(r.Header.Get("Accept"), r.Header.Get("Content-Type"))) {
			return rt.serveInitForCache(w, r, next)
		}
		if route.Browser && !rt.ui.knows(route.Flow) {
			// Learn the flow's UI URL from Kratos's redirect, for form
			// clients of later interrupts; nothing is buffered, and once the
			// URL is known nothing is wrapped either.
			return next.ServeHTTP(&initSniffer{ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w}, urls: rt.ui, flow: route.Flow}, r)
		}
	case kratos.PhaseSubmit:
		if interest.after {
			clearPlaceholders(r.Context())
			return rt.serveSubmit(w, r, next, route)
		}
	case kratos.PhaseFetch:
		if hasCarryCookie(r) || interest.after && cacheable(route.Flow) {
			return rt.serveFetch(w, r, next, route)
		}
	case kratos.PhaseErrorFetch:
		if strings.HasPrefix(route.FlowID, kratos.GatewayErrorPrefix) {
			return rt.serveGatewayError(w, r, next, route)
		}
	}
	return next.ServeHTTP(w, r)
}

// serveSubmit routes a submit to its flow's semantics (DESIGN §4).
func (rt *runtime) serveSubmit(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, route kratos.Route) error {
	switch route.Flow {
	case kratos.Registration:
		return rt.serveRegistrationSubmit(w, r, next, route)
	case kratos.Login:
		return rt.serveLoginSubmit(w, r, next, route)
	case kratos.Settings:
		return rt.serveSettingsSubmit(w, r, next, route)
	case kratos.Recovery, kratos.Verification:
		return rt.serveCodeSubmit(w, r, next, route)
	}
	return next.ServeHTTP(w, r)
}
