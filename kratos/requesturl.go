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

// RequestURLBehindProxy is the URL Kratos reports for a request that
// reaches it through a reverse proxy which sets X-Forwarded-Host and
// X-Forwarded-Proto itself unless the client is one of its trusted proxies
// (Caddy's reverse_proxy does so): for an untrusted client, whatever
// X-Forwarded-* it sent is replaced by the Host it addressed and the
// scheme of its connection, so those are what Kratos sees.
func RequestURLBehindProxy(r *http.Request, trusted bool) string {
	if trusted {
		return RequestURL(r)
	}
	u := *r.URL
	u.Host = r.Host
	u.Scheme = "http"
	if r.TLS != nil {
		u.Scheme = "https"
	}
	return u.String()
}
