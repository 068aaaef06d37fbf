package kratostest

import (
	"crypto/rand"
	_ "embed" // for the identity schema
	"encoding/hex"
	"strings"
	"time"
)

// identitySchema is the schema of the fixture captures (the configuration of the recorded exchanges in testdata/kratos/fixtures): a required
// e-mail that is the password identifier and the verification and recovery
// address, and an optional first and last name; nothing else. The titles are
// the node labels the fixtures show.
//
//go:embed identity.schema.json
var identitySchema []byte

// IdentitySchema returns a copy of the identity schema (id "default") that
// every Kratos started by Start uses.
func IdentitySchema() []byte { return append([]byte(nil), identitySchema...) }

// DefaultUIBaseURL is where the UI URLs point unless Options.UIBaseURL says
// otherwise. Nothing listens there: Kratos only puts it into redirects.
const DefaultUIBaseURL = "http://127.0.0.1:4455"

// baseConfigInput is what the base configuration depends on.
type baseConfigInput struct {
	publicBaseURL, adminBaseURL string
	publicPort, adminPort       int
	uiBaseURL                   string
	flowLifespan                time.Duration // 0: login/registration 10m, others Kratos's default
	schemaURL                   string
}

// baseConfig returns the capture setup of the recorded exchanges in testdata/kratos/fixtures as a Kratos configuration
// document: password (no haveibeenpwned), code and profile methods; recovery
// and verification by code; the session hook after password registration;
// bcrypt cost 4 so that registrations and logins take milliseconds; fresh
// random secrets. The courier is left unconfigured: `serve` without
// --watch-courier never sends mail, and messages stay queued where the admin
// API (and CourierCode) can read them.
func baseConfig(in baseConfigInput) map[string]any {
	ui := strings.TrimRight(in.uiBaseURL, "/")
	flow := func(path string) map[string]any {
		m := map[string]any{"ui_url": ui + path}
		if in.flowLifespan > 0 {
			m["lifespan"] = in.flowLifespan.String()
		}
		return m
	}
	login, registration := flow("/login"), flow("/registration")
	if in.flowLifespan == 0 {
		login["lifespan"], registration["lifespan"] = "10m", "10m"
	}
	registration["after"] = map[string]any{
		"password": map[string]any{"hooks": []any{map[string]any{"hook": "session"}}},
	}
	recovery, verification := flow("/recovery"), flow("/verification")
	for _, m := range []map[string]any{recovery, verification} {
		m["enabled"], m["use"] = true, "code"
	}

	return map[string]any{
		"version": kratosVersion,
		"dsn":     "memory",
		"dev":     true,
		"serve": map[string]any{
			"public": map[string]any{"base_url": in.publicBaseURL, "host": "127.0.0.1", "port": in.publicPort},
			"admin":  map[string]any{"base_url": in.adminBaseURL, "host": "127.0.0.1", "port": in.adminPort},
		},
		"identity": map[string]any{
			"default_schema_id": "default",
			"schemas":           []any{map[string]any{"id": "default", "url": in.schemaURL}},
		},
		"secrets": map[string]any{
			"default": []any{randomSecret()},
			"cookie":  []any{randomSecret()},
			"cipher":  []any{randomSecret()},
		},
		"hashers": map[string]any{"algorithm": "bcrypt", "bcrypt": map[string]any{"cost": 4}},
		"log":     map[string]any{"level": "info", "format": "text"},
		"selfservice": map[string]any{
			"default_browser_return_url": ui + "/welcome",
			"allowed_return_urls":        []any{ui + "/"},
			"methods": map[string]any{
				"password": map[string]any{"enabled": true, "config": map[string]any{"haveibeenpwned_enabled": false}},
				"code":     map[string]any{"enabled": true},
				"profile":  map[string]any{"enabled": true},
			},
			"flows": map[string]any{
				"error":        map[string]any{"ui_url": ui + "/error"},
				"login":        login,
				"registration": registration,
				"settings":     flow("/settings"),
				"recovery":     recovery,
				"verification": verification,
				"logout":       map[string]any{"after": map[string]any{"default_browser_return_url": ui + "/login"}},
			},
		},
	}
}

// randomSecret returns 32 random hex characters: long enough for every
// Kratos secret and exactly the length cipher secrets must have.
func randomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b)
}

// SetConfig sets value at the dotted path in a configuration document,
// creating intermediate objects, for use in Options.Configure. Example:
//
//	kratostest.SetConfig(cfg, "selfservice.flows.registration.after.password.hooks", []any{})
func SetConfig(cfg map[string]any, path string, value any) {
	keys := strings.Split(path, ".")
	m := cfg
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = value
}
