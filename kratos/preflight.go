package kratos

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// SubmitCheck is what the gateway knows about a submit before forwarding
// it, to tell whether Kratos will refuse it (and so never run the after
// hooks the gateway would otherwise call first).
type SubmitCheck struct {
	// Flow is the kind of flow submitted to.
	Flow Flow
	// FlowJSON is the flow as Kratos stores it (fetched or cached).
	FlowJSON []byte
	// Request is the client's submit request (headers and cookies).
	Request *http.Request
	// Submit is the decoded body; SubmitErr the ParseSubmit error, if any.
	Submit    Submit
	SubmitErr error
	// Method is the strategy Kratos will run (StrategyFor), whose after
	// hooks would run, e.g. "password".
	Method string
	// Schema validates the submitted traits; nil skips the trait checks.
	Schema *Schema
	// CSRFCookieName is Kratos's CSRF cookie name (CSRFCookieName); empty
	// accepts any csrf_token_<hex> cookie.
	CSRFCookieName string
	// ActiveSession is true when the caller knows the request carries a
	// valid session: Kratos refuses registration submits then.
	ActiveSession bool
	// Now is the current time (flow expiry).
	Now time.Time
}

// SubmitRefusal returns why Kratos will refuse the submit before running
// the method's after hooks, or "" when it may accept it. Only certain
// refusals are reported, because a refusal makes the gateway skip its
// hooks: an expired flow, a body Kratos cannot decode, a registration
// "profile" submit (it only advances the two-step form), an
// API flow carrying browser signals (Origin or non-Cloudflare cookies), a
// browser flow whose CSRF token does not match its cookie, a missing
// password, traits the identity schema rejects, a password registration
// without an identifier, a passkey submit to a non-browser flow, and a
// passkey registration answering another challenge than the flow's.
// Password policy, taken identifiers,
// privileged-session age and identity mismatch on settings cannot be known
// here. Reasons never include submitted values.
func SubmitRefusal(c SubmitCheck) string {
	if exp := flowField(c.FlowJSON, "expires_at"); exp.Exists() {
		if t, err := time.Parse(time.RFC3339Nano, exp.String()); err == nil && t.Before(c.Now) {
			return "the flow expired"
		}
	}
	if c.Flow == Registration && c.ActiveSession {
		return "a session is already active"
	}
	if c.SubmitErr != nil && !errors.Is(c.SubmitErr, ErrMultipartSubmit) {
		return "Kratos cannot decode the submit body"
	}
	s := c.Submit
	if c.Flow == Registration && (s.Method == "profile" || s.Method == "profile:back") {
		return "a two-step profile submit only advances the form; after hooks do not run"
	}
	flowType := flowField(c.FlowJSON, "type").String()
	if reason := flowTypeRefusal(flowType, c); reason != "" {
		return reason
	}
	if c.Method == "passkey" && flowType != "browser" && flowType != "" {
		// selfservice/strategy/passkey answers "not responsible" for any
		// flow but a browser one (registration, login and settings), and no
		// later strategy takes a passkey submit: Kratos refuses it.
		return "Kratos's passkey strategy serves browser flows only"
	}
	if reason := passkeyRegistrationRefusal(c); reason != "" {
		return reason
	}
	if s.Method == "password" && s.Password == "" && (c.Flow == Registration || c.Flow == Settings) {
		return "the password is missing"
	}
	if reason := secondFactorRefusal(c); reason != "" {
		return reason
	}
	return traitsRefusal(c)
}

// flowField is gjson.ParseBytes(flow).Get(path) without copying the whole
// flow (several kilobytes) into a string on every submit: only a document
// that starts with an object or array has fields.
func flowField(flow []byte, path string) gjson.Result {
	for _, c := range flow {
		if c <= ' ' {
			continue
		}
		if c == '{' || c == '[' {
			return gjson.GetBytes(flow, path)
		}
		break
	}
	return gjson.Result{}
}

// flowTypeRefusal applies flow.EnsureCSRF: API flows refuse browser
// signals, browser flows need a matching CSRF token.
func flowTypeRefusal(flowType string, c SubmitCheck) string {
	r := c.Request
	if r == nil {
		return ""
	}
	switch flowType {
	case "api":
		if r.Header.Get("Origin") != "" {
			return "an API flow was submitted with an Origin header"
		}
		for _, ck := range r.Cookies() {
			if !isCloudflareCookie(ck.Name) {
				return "an API flow was submitted with cookies"
			}
		}
	case "browser":
		if !CSRFTokenValid(r, c.CSRFCookieName, c.Submit.CSRFToken) {
			return "the CSRF token does not match the CSRF cookie"
		}
	}
	return ""
}

// isCloudflareCookie is Kratos's exemption for cookies Cloudflare sets.
func isCloudflareCookie(name string) bool {
	return strings.HasPrefix(name, "__cf") || strings.HasPrefix(name, "_cf") || strings.HasPrefix(name, "cf_")
}

// traitsRefusal validates the traits that reach the identity: the
// submitted ones for registration (and settings profile).
func traitsRefusal(c SubmitCheck) string {
	if c.Schema == nil {
		return ""
	}
	if c.Flow != Registration && !(c.Flow == Settings && c.Method == "profile") {
		return ""
	}
	traits := c.Submit.Traits
	if traits == nil {
		traits = []byte("{}")
	}
	scan, err := c.Schema.validateTraits(traits)
	if err != nil {
		return "the traits do not match the identity schema"
	}
	if c.Flow == Registration && c.Method == "password" && len(scan.identifiers) == 0 {
		return "the traits hold no password identifier"
	}
	return ""
}

// secondFactorRefusal: settings submits of the second-factor methods that
// complete nothing, so Kratos runs no hook (selfservice/strategy/totp and
// lookup, settings.go): a TOTP setup without a code, and lookup codes
// revealed or regenerated (only confirming or disabling them is a change).
func secondFactorRefusal(c SubmitCheck) string {
	if c.Flow != Settings {
		return ""
	}
	s := c.Submit
	switch c.Method {
	case "totp":
		if !s.Flag("totp_unlink") && s.Field("totp_code") == "" {
			return "the TOTP code is missing"
		}
	case "lookup_secret":
		if !s.Flag("lookup_secret_confirm") && !s.Flag("lookup_secret_disable") {
			return "revealing or regenerating lookup codes changes nothing Kratos runs hooks for"
		}
		// Kratos confirms only codes regenerated in this flow (kept in its
		// internal context, lookup/settings.go), and shows the confirm
		// button exactly then.
		if !s.Flag("lookup_secret_disable") && !hasNodeNamed(c.FlowJSON, "lookup_secret_confirm") {
			return "lookup codes are confirmed only after they were regenerated in this flow"
		}
	}
	return ""
}

// hasNodeNamed reports a ui node whose input is called name.
func hasNodeNamed(flow []byte, name string) bool {
	found := false
	flowField(flow, "ui.nodes").ForEach(func(_, n gjson.Result) bool {
		found = n.Get("attributes.name").String() == name
		return !found
	})
	return found
}
