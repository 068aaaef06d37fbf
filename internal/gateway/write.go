package gateway

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// Content types as Kratos writes them: flows and successes carry a charset,
// error envelopes do not.
const (
	contentTypeFlow  = "application/json; charset=utf-8"
	contentTypeError = "application/json"
)

// writeJSON answers with a body the gateway built. Kratos's headers may
// already sit in the shared header map (the recorder does not buffer them),
// so the representation headers are reset first.
func writeJSON(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	resetEntityHeaders(h)
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "private, no-cache, no-store, must-revalidate")
	if !headerHasToken(h, "Vary", "Cookie") {
		h.Add("Vary", "Cookie")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeBuffered sends an upstream answer that the gateway buffered and may
// have rewritten, with a Content-Length that matches the new body.
func writeBuffered(w http.ResponseWriter, a answer) {
	h := w.Header()
	h.Del("Transfer-Encoding")
	h.Del("Etag")
	h.Del("Last-Modified")
	h.Del("Accept-Ranges")
	if bodyAllowed(a.status) {
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
	} else {
		h.Del("Content-Length")
	}
	w.WriteHeader(a.status)
	if bodyAllowed(a.status) {
		_, _ = w.Write(a.body)
	}
}

// resetEntityHeaders removes the upstream's representation headers before
// the gateway writes a body of its own.
func resetEntityHeaders(h http.Header) {
	for _, k := range []string{"Content-Length", "Content-Encoding", "Content-Type", "Transfer-Encoding", "Etag", "Last-Modified", "Accept-Ranges", "Location"} {
		h.Del(k)
	}
}

// bodyAllowed reports whether a response with this status may carry a body.
func bodyAllowed(status int) bool {
	return !(status >= 100 && status < 200) && status != http.StatusNoContent && status != http.StatusNotModified
}

// headerHasToken reports whether a comma-separated header holds a token.
func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// redirect writes a redirect the way Kratos does (http.Redirect's body),
// after clearing the upstream's representation headers.
func redirect(w http.ResponseWriter, r *http.Request, location string, status int) {
	resetEntityHeaders(w.Header())
	w.Header().Set("Cache-Control", "private, no-cache, no-store, must-revalidate")
	http.Redirect(w, r, location, status)
}

// withQuery appends key=value to a URL that may already have a query.
func withQuery(base, key, value string) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + key + "=" + url.QueryEscape(value)
}

// dropSessionCookies removes every Set-Cookie of Kratos's answer except the
// anti-CSRF cookie and the gateway's own: when a hook stops a flow after
// Kratos created a session, the client must not end up signed in, whatever
// Kratos's session cookie is called (session.cookie.name) and whatever
// else (continuity cookies) came with it.
func dropSessionCookies(h http.Header) {
	lines := h.Values("Set-Cookie")
	if len(lines) == 0 {
		return
	}
	kept := lines[:0:0]
	for _, line := range lines {
		name, _, _ := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		if strings.HasPrefix(name, "csrf_token_") || kratos.IsGatewayCookie(name) {
			kept = append(kept, line)
		}
	}
	if len(kept) == 0 {
		h.Del("Set-Cookie")
		return
	}
	h["Set-Cookie"] = kept
}
