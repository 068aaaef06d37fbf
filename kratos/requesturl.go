package kratos

import "net/http"

// RequestURL is the URL of a client request as Kratos's x.RequestURL
// reports it in ctx.request_url and flow.request_url: the host is the
// request URL's own host, else X-Forwarded-Host, else Host; the scheme is
// X-Forwarded-Proto when present, else the URL's scheme, else https with
// TLS and http without; path and query are as the client sent them.
//
// Pass the request as the client sent it: behind Caddy that is the original
// request (caddyhttp.OriginalRequestCtxKey), not one a rewrite changed.
func RequestURL(r *http.Request) string {
	u := *r.URL
	if u.Host == "" {
		u.Host = r.Header.Get("X-Forwarded-Host")
		if u.Host == "" {
			u.Host = r.Host
		}
	}
	if proto := r.Header.Get("X-Forwarded-Proto"); proto != "" {
		u.Scheme = proto
	}
	if u.Scheme == "" {
		u.Scheme = "https"
		if r.TLS == nil {
			u.Scheme = "http"
		}
	}
	return u.String()
}
