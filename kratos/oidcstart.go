package kratos

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// OIDCStartCookieName is the gateway's record of a social sign-in it saw
// start: Kratos's state parameter is encrypted, so the callback alone does
// not say which flow it completes; the browser brings this record back on
// the callback, as it brings Kratos's own continuity cookie.
const OIDCStartCookieName = "ory_actions_oidc"

const oidcStartPurpose = "oidc.v1"

// OIDCStart is which flow a provider round trip belongs to.
type OIDCStart struct {
	// State is the state parameter Kratos sent to the provider; the
	// callback must carry the same.
	State   string    `json:"s"`
	FlowID  string    `json:"f"`
	Flow    Flow      `json:"k"`
	Expires time.Time `json:"e"`
	// TransientPayload is the submit's transient payload: Kratos keeps it
	// (in its continuity container) for the callback, where the hooks see
	// it in ctx.flow.transient_payload.
	TransientPayload json.RawMessage `json:"t,omitempty"`
}

// TransientPayloadOrEmpty is the recorded transient payload, {} when the
// submit had none (as Kratos shows it).
func (o OIDCStart) TransientPayloadOrEmpty() []byte {
	if len(o.TransientPayload) == 0 {
		return []byte("{}")
	}
	return o.TransientPayload
}

// SealOIDCStart returns the cookie value.
func SealOIDCStart(s *Sealer, o OIDCStart) (string, error) {
	plain, err := json.Marshal(o)
	if err != nil {
		return "", err
	}
	return s.Seal(oidcStartPurpose, plain), nil
}

// OpenOIDCStart reads the cookie value. ok is false for a missing,
// tampered, expired or foreign token, or one for another state.
func OpenOIDCStart(s *Sealer, token, state string, now time.Time) (OIDCStart, bool) {
	if token == "" || state == "" {
		return OIDCStart{}, false
	}
	plain, err := s.Open(oidcStartPurpose, token)
	if err != nil {
		return OIDCStart{}, false
	}
	var o OIDCStart
	if json.Unmarshal(plain, &o) != nil || o.State != state || now.After(o.Expires) {
		return OIDCStart{}, false
	}
	return o, true
}

// OIDCStartCookie is the cookie holding a sealed OIDCStart.
func OIDCStartCookie(value string, expires time.Time, secure bool, now time.Time) *http.Cookie {
	maxAge := int(expires.Sub(now).Seconds())
	if maxAge < 1 {
		maxAge = 1
	}
	return &http.Cookie{Name: OIDCStartCookieName, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// ExpiredOIDCStartCookie deletes the cookie.
func ExpiredOIDCStartCookie(secure bool) *http.Cookie {
	return &http.Cookie{Name: OIDCStartCookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// ProviderState returns the state parameter of the URL Kratos sends the
// browser to at the provider: a redirect's Location, or the
// redirect_browser_to of a JSON client's 422. "" when there is none.
func ProviderState(location string) string {
	u, err := url.Parse(location)
	if err != nil {
		return ""
	}
	return u.Query().Get("state")
}
