package kratos

import (
	"net/http"
	"strings"
)

// Credentials are what Kratos reads from a request to find the end user's
// session and anti-CSRF cookie: the cookies, an Authorization header and an
// X-Session-Token header. Kratos's session lookup (session/manager_http.go,
// FetchFromRequest) takes X-Session-Token first, then "Authorization:
// Bearer", then the session cookie under its configured name; so a request
// the gateway makes on the client's behalf must carry all three, unchanged,
// or Kratos would judge a different request than the client's.
type Credentials struct {
	// Cookie is every Cookie header line of the client request, joined
	// with "; " (HTTP/2 clients send one line per cookie).
	Cookie string
	// Authorization is the client's Authorization header.
	Authorization string
	// SessionToken is the client's X-Session-Token header.
	SessionToken string
}

// CredentialsOf returns the credentials the request carries.
func CredentialsOf(r *http.Request) Credentials {
	return Credentials{
		Cookie:        strings.Join(r.Header.Values("Cookie"), "; "),
		Authorization: r.Header.Get("Authorization"),
		SessionToken:  r.Header.Get("X-Session-Token"),
	}
}

// SessionTokenCredentials are the credentials of an API client that holds
// a session token.
func SessionTokenCredentials(token string) Credentials {
	return Credentials{SessionToken: token}
}

// WithSetCookies returns the credentials a browser would send after
// applying Kratos's Set-Cookie lines: a new value replaces the old one of
// the same name, and a deleted cookie (Max-Age < 0 or an empty value) goes.
func (c Credentials) WithSetCookies(setCookies []string) Credentials {
	if len(setCookies) == 0 {
		return c
	}
	c.Cookie = mergeCookieHeader(c.Cookie, setCookies)
	return c
}

// apply copies the credentials onto a request to Kratos.
func (c Credentials) apply(h http.Header) {
	if c.Cookie != "" {
		h.Set("Cookie", c.Cookie)
	}
	if c.Authorization != "" {
		h.Set("Authorization", c.Authorization)
	}
	if c.SessionToken != "" {
		h.Set("X-Session-Token", c.SessionToken)
	}
}

// mergeCookieHeader forms the Cookie header a browser would send after
// applying Set-Cookie lines to the cookies of header.
func mergeCookieHeader(header string, setCookies []string) string {
	jar := map[string]string{}
	var order []string
	set := func(name, value string) {
		if _, seen := jar[name]; !seen {
			order = append(order, name)
		}
		jar[name] = value
	}
	for _, part := range strings.Split(header, ";") {
		if name, value, ok := strings.Cut(strings.TrimSpace(part), "="); ok && name != "" {
			set(name, value)
		}
	}
	for _, line := range setCookies {
		ck, err := http.ParseSetCookie(line)
		if err != nil {
			continue
		}
		if ck.MaxAge < 0 || ck.Value == "" {
			set(ck.Name, "")
			continue
		}
		set(ck.Name, ck.Value)
	}
	var b strings.Builder
	for _, name := range order {
		if jar[name] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name + "=" + jar[name])
	}
	return b.String()
}

// WithoutCSRFCookie are the credentials without Kratos's anti-CSRF cookie:
// a browser flow initialised with them gets a fresh CSRF token, and Kratos
// sets the matching cookie in its answer.
func (c Credentials) WithoutCSRFCookie() Credentials {
	var kept []string
	for _, part := range strings.Split(c.Cookie, ";") {
		part = strings.TrimSpace(part)
		if name, _, _ := strings.Cut(part, "="); part == "" || strings.HasPrefix(name, "csrf_token_") {
			continue
		}
		kept = append(kept, part)
	}
	c.Cookie = strings.Join(kept, "; ")
	return c
}

// SetCookiesOnly are the credentials a browser would hold if it had only
// the cookies of these Set-Cookie lines: used to ask Kratos whether an
// answer signed somebody in, whatever its session cookie is named.
func SetCookiesOnly(setCookies []string) Credentials {
	return Credentials{Cookie: mergeCookieHeader("", setCookies)}
}

// SetsCookieBesidesCSRF reports whether the Set-Cookie lines set any cookie
// with a value other than Kratos's anti-CSRF cookie and the gateway's own
// cookies: only then can the answer have started a session.
func SetsCookieBesidesCSRF(setCookies []string) bool {
	for _, line := range setCookies {
		ck, err := http.ParseSetCookie(line)
		if err != nil || ck.Value == "" || ck.MaxAge < 0 {
			continue
		}
		if strings.HasPrefix(ck.Name, "csrf_token_") || IsGatewayCookie(ck.Name) {
			continue
		}
		return true
	}
	return false
}

// CSRFCookieValue returns the value of the end user's Kratos anti-CSRF
// cookie (csrf_token_<hash>), taking the Set-Cookie lines of Kratos's
// answer first, then the request's cookies.
func CSRFCookieValue(r *http.Request, setCookies []string) string {
	for _, line := range setCookies {
		if c, err := http.ParseSetCookie(line); err == nil && strings.HasPrefix(c.Name, "csrf_token_") {
			return c.Value
		}
	}
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, "csrf_token_") {
			return c.Value
		}
	}
	return ""
}

// IsGatewayCookie reports the cookies the gateway itself sets. They are the
// gateway's business only: never shown to a web hook's ctx, never sent to
// Kratos.
func IsGatewayCookie(name string) bool {
	return name == CarryCookieName || name == ContinuationCookieName || name == OIDCStartCookieName
}
