package oryactions

import (
	"net/http"
	"strconv"
	"strings"
)

// Content types as Kratos writes them: flows and successes carry a charset,
// error envelopes do not (SPEC §4 fixtures).
const (
	contentTypeFlow  = "application/json; charset=utf-8"
	contentTypeError = "application/json"
)

// writeJSON answers with a body the gateway built. Kratos's headers may
// already sit in the shared header map (the recorder does not buffer them),
// so the representation headers are reset first (STYLE P1, P8).
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
func writeBuffered(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Del("Transfer-Encoding")
	h.Del("Etag")
	h.Del("Last-Modified")
	h.Del("Accept-Ranges")
	if bodyAllowed(status) {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	} else {
		h.Del("Content-Length")
	}
	w.WriteHeader(status)
	if bodyAllowed(status) {
		_, _ = w.Write(body)
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

// dropSetCookies removes the Set-Cookie lines whose cookie name matches, for
// example Kratos's session cookie when a hook failed after Kratos created the
// session: the client must not end up signed in (SPEC §5, §11).
func dropSetCookies(h http.Header, drop func(name string) bool) {
	lines := h.Values("Set-Cookie")
	if len(lines) == 0 {
		return
	}
	kept := lines[:0:0]
	for _, line := range lines {
		name, _, _ := strings.Cut(line, "=")
		if !drop(strings.TrimSpace(name)) {
			kept = append(kept, line)
		}
	}
	if len(kept) == 0 {
		h.Del("Set-Cookie")
		return
	}
	h["Set-Cookie"] = kept
}

// sessionCookieName is Kratos's default session cookie name.
const sessionCookieName = "ory_kratos_session"

// isSessionCookie matches Kratos's session cookie.
func isSessionCookie(name string) bool { return name == sessionCookieName }

// setCookieValue returns the value of the named cookie among Set-Cookie
// lines, or "".
func setCookieValue(h http.Header, name string) string {
	for _, line := range h.Values("Set-Cookie") {
		n, rest, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(n) != name {
			continue
		}
		v, _, _ := strings.Cut(rest, ";")
		return v
	}
	return ""
}
