package oryactions

import (
	"context"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// ServeHTTP hands the request to the gateway, with Caddy's next handler
// (reverse_proxy to Kratos) as its upstream. Requests no hook concerns reach
// next untouched and unbuffered; next's error comes back for handle_errors.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	return h.gw.ServeHTTP(w, r, next)
}

// placeholderPrefix namespaces what the gateway publishes, e.g.
// {http.ory_actions.outcome}, {http.ory_actions.hook} and
// {http.ory_actions.hooks.<id>.outcome}.
const placeholderPrefix = "http.ory_actions."

// publishPlaceholder sets a placeholder on the request's replacer.
func publishPlaceholder(ctx context.Context, key, value string) {
	if repl, ok := ctx.Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		repl.Set(placeholderPrefix+key, value)
	}
}

// clearPlaceholders drops values a previous pass (e.g. a retried route)
// left, so nothing stale is logged.
func clearPlaceholders(ctx context.Context) {
	if repl, ok := ctx.Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		repl.DeleteByPrefix(placeholderPrefix)
	}
}

// trustedProxy reports whether Caddy's server trusts the client as a proxy
// (its trusted_proxies): only then does reverse_proxy pass the client's
// X-Forwarded-Host and X-Forwarded-Proto on to Kratos.
func trustedProxy(r *http.Request) bool {
	trusted, _ := caddyhttp.GetVar(r.Context(), caddyhttp.TrustedProxyVarKey).(bool)
	return trusted
}
