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
	route := kratos.Classify(r.Method, r.URL.Path, r.URL.RawQuery)
	interest := h.rt.interested[route.Flow]
	switch {
	case route.Phase == kratos.PhaseInit && interest.before:
		return h.rt.serveInit(w, r, next, route)
	case route.Phase == kratos.PhaseSubmit && interest.after:
		return h.rt.serveSubmit(w, r, next, route)
	}
	return next.ServeHTTP(w, r)
}

// serveSubmit routes a submit to its flow's semantics (DESIGN §4).
func (rt *runtime) serveSubmit(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, route kratos.Route) error {
	switch route.Flow {
	case kratos.Registration:
		return rt.serveRegistrationSubmit(w, r, next, route)
	}
	return next.ServeHTTP(w, r)
}
