package cli

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// mask replaces a secret in what is printed.
const mask = "***"

// perAttempt describes headers whose values are drawn for each call or
// attempt, so a printed value would only mislead.
var perAttempt = map[string]string{
	"Ory-Webhook-Request-Id": "(a new UUID on every attempt)",
	"Ory-Webhook-Trigger-Id": "(the delivery id, the same on every attempt)",
	"Webhook-Id":             "(the delivery id, the same on every attempt)",
	"Webhook-Timestamp":      "(the attempt's Unix time)",
	"Webhook-Signature":      "(signatures of this attempt)",
}

// secretNameParts mark configured headers whose values are taken for
// secrets: a header set in the config may carry a token as well as auth does.
var secretNameParts = []string{"auth", "key", "token", "secret", "passw", "signature", "session", "cookie", "credential"}

// headerLines renders h as "Name: value" lines, sorted, with every value
// that may be a secret masked: auth headers, cookies, the api_key header,
// and configured headers with a secret-looking name.
func headerLines(h http.Header, cfg hooks.Config) []string {
	apiKey := ""
	if a := cfg.Auth; a != nil && a.Type == "api_key" && a.Config.In != "cookie" {
		apiKey = http.CanonicalHeaderKey(a.Config.Name)
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	var lines []string
	for _, name := range names {
		for _, v := range h[name] {
			lines = append(lines, name+": "+maskHeader(name, v, apiKey))
		}
	}
	return lines
}

func maskHeader(name, value, apiKey string) string {
	if d, ok := perAttempt[name]; ok {
		return d
	}
	switch {
	case name == "Authorization" || name == "Proxy-Authorization":
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return scheme + " " + mask
		}
		return mask
	case name == "Cookie":
		return maskCookies(value)
	case name == apiKey || looksSecret(name):
		return mask
	}
	return value
}

// maskCookies keeps the cookie names and hides their values.
func maskCookies(value string) string {
	parts := strings.Split(value, ";")
	for i, p := range parts {
		name, _, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[i] = name + "=" + mask
	}
	return strings.Join(parts, "; ")
}

func looksSecret(name string) bool {
	lower := strings.ToLower(name)
	for _, part := range secretNameParts {
		if strings.Contains(lower, part) {
			return true
		}
	}
	return false
}

// safeURL shows a URL without what may hold credentials: userinfo and
// query (replaced by "?…" so its presence is still visible) and fragment.
func safeURL(u *url.URL) string {
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	s := c.String()
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// safeURLString is safeURL for a URL string; an unparseable one is hidden.
func safeURLString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	return safeURL(u)
}
