package gateway

import (
	"net/http"
	"strings"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// takeGatewayCookies reads the gateway's own cookies (carry, continuation)
// off the request and removes them from it: they are the gateway's
// business only, so neither Kratos nor a hook's ctx (request_cookies) ever
// sees them.
func (x *exchange) takeGatewayCookies() {
	lines := x.r.Header.Values("Cookie")
	if !hasGatewayCookie(lines) {
		return
	}
	for _, c := range x.r.Cookies() {
		switch c.Name {
		case kratos.CarryCookieName:
			x.carry = c.Value
		case kratos.ContinuationCookieName:
			x.continuation = c.Value
		case kratos.OIDCStartCookieName:
			x.oidcStart = c.Value
		}
	}
	stripGatewayCookies(x.r.Header)
}

// stripCookie removes one cookie by name from the request's Cookie lines.
func stripCookie(h http.Header, name string) {
	lines := h.Values("Cookie")
	kept := make([]string, 0, len(lines))
	for _, line := range lines {
		var parts []string
		for _, part := range strings.Split(line, ";") {
			p := strings.TrimSpace(part)
			n, _, _ := strings.Cut(p, "=")
			if p == "" || n == name {
				continue
			}
			parts = append(parts, p)
		}
		if len(parts) > 0 {
			kept = append(kept, strings.Join(parts, "; "))
		}
	}
	if len(kept) == 0 {
		h.Del("Cookie")
		return
	}
	h["Cookie"] = kept
}
