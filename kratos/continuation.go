package kratos

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// KratosContinuityCookie is the cookie in which Kratos keeps a settings
// change it paused for re-authentication (continuity/manager_cookie.go).
// On the next settings submit of a browser form client for the same flow —
// GET or POST, whatever its body — Kratos resumes that saved change instead
// of decoding the request (settings.PrepareUpdate).
const KratosContinuityCookie = "ory_kratos_continuity"

// ContinuationCookieName is the gateway's record of such a paused change:
// what the hooks need to judge it when Kratos resumes it.
const ContinuationCookieName = "ory_actions_continue"

const continuationPurpose = "continue.v1"

// Continuation is a settings change Kratos paused, as the gateway saw it
// submitted. Secrets (the password) are never kept: no hook's ctx holds
// them.
type Continuation struct {
	FlowID           string          `json:"f"`
	Method           string          `json:"m"`
	Traits           json.RawMessage `json:"t,omitempty"`
	TransientPayload json.RawMessage `json:"p,omitempty"`
	Expires          time.Time       `json:"e"`
}

// Submit rebuilds the submit Kratos will resume.
func (c Continuation) Submit() Submit {
	return Submit{Method: c.Method, Traits: c.Traits, TransientPayload: c.TransientPayload, fields: map[string]string{"method": c.Method}}
}

// SealContinuation returns the cookie value, or false when it would not fit
// in a cookie.
func SealContinuation(s *Sealer, c Continuation) (string, bool) {
	plain, err := json.Marshal(c)
	if err != nil {
		return "", false
	}
	tok := s.Seal(continuationPurpose, plain)
	return tok, len(tok) <= maxCarryCookie
}

// OpenContinuation reads a continuation cookie's value for flowID.
func OpenContinuation(s *Sealer, token, flowID string, now time.Time) (Continuation, bool) {
	if token == "" {
		return Continuation{}, false
	}
	plain, err := s.Open(continuationPurpose, token)
	if err != nil {
		return Continuation{}, false
	}
	var c Continuation
	if json.Unmarshal(plain, &c) != nil || c.FlowID != flowID || now.After(c.Expires) {
		return Continuation{}, false
	}
	return c, true
}

// ContinuationCookie builds the Set-Cookie for a continuation; like
// Kratos's continuity container it lives at most 15 minutes.
func ContinuationCookie(value string, expires time.Time, secure bool, now time.Time) *http.Cookie {
	maxAge := max(int(expires.Sub(now).Seconds()), 1)
	return &http.Cookie{
		Name: ContinuationCookieName, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	}
}

// ExpiredContinuationCookie deletes the continuation cookie.
func ExpiredContinuationCookie(secure bool) *http.Cookie {
	return &http.Cookie{Name: ContinuationCookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// SetsContinuity reports whether Kratos's answer saved a paused change.
func SetsContinuity(setCookies []string) bool {
	for _, line := range setCookies {
		ck, err := http.ParseSetCookie(line)
		if err == nil && ck.Name == KratosContinuityCookie && ck.Value != "" && ck.MaxAge >= 0 {
			return true
		}
	}
	return false
}

// HasContinuityCookie reports whether a request carries Kratos's
// continuity cookie.
func HasContinuityCookie(r *http.Request) bool {
	for _, line := range r.Header.Values("Cookie") {
		if strings.Contains(line, KratosContinuityCookie+"=") {
			return true
		}
	}
	return false
}
