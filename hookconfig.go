package oryactions

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// HookConfig is one web hook and the point of a flow where it runs.
type HookConfig struct {
	// ID names the hook in logs, metrics and placeholders. Default
	// "<flow>_<when>[_<method>]_<n>", n counting from 1 per hook point.
	ID string `json:"id,omitempty"`
	// Flow is registration, login, settings, recovery or verification.
	Flow string `json:"flow"`
	// When is "before" (the flow is initialised) or "after" (it is submitted).
	When string `json:"when"`
	// Method restricts an "after" hook to one self-service method, as
	// Kratos's `<flow>.after.<method>.hooks` do (password, profile, code, …).
	// Empty means every method.
	Method string `json:"method,omitempty"`
	// Config is Kratos's web_hook config, unchanged.
	Config hooks.Config `json:"config"`
	// Timeout bounds each attempt. Default 30s, as Kratos.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// Retries is how many times a failed attempt is repeated. Default 2
	// (3 attempts in all, as Kratos); 0 disables retrying.
	Retries *int `json:"retries,omitempty"`
	// OnError "continue" lets the flow go on when a hook without
	// response.parse fails; default "fail", as Kratos.
	OnError string `json:"on_error,omitempty"`
}

// methodsByFlow lists the self-service methods Kratos v1.3.1 offers per flow.
var methodsByFlow = map[kratos.Flow][]string{
	kratos.Registration: {"password", "profile", "oidc", "code", "webauthn", "passkey", "saml"},
	kratos.Login:        {"password", "oidc", "code", "webauthn", "passkey", "totp", "lookup_secret", "identifier_first", "saml"},
	kratos.Settings:     {"password", "profile", "oidc", "totp", "webauthn", "lookup_secret", "passkey", "saml"},
	kratos.Recovery:     {"code", "link"},
	kratos.Verification: {"code", "link"},
}

// name is the hook's display name for errors and logs.
func (hc HookConfig) name(i int) string {
	if hc.ID != "" {
		return hc.ID
	}
	return "#" + strconv.Itoa(i+1)
}

// validate checks one hook; errors name the hook and the key.
func (hc HookConfig) validate(i int) error {
	wrap := func(format string, a ...any) error {
		return fmt.Errorf("hooks[%d] (%s): %s", i, hc.name(i), fmt.Sprintf(format, a...))
	}
	flow, ok := kratos.ParseFlow(hc.Flow)
	if !ok {
		return wrap("flow: unknown %q (want registration, login, settings, recovery or verification)", hc.Flow)
	}
	switch hc.When {
	case "before", "after":
	default:
		return wrap("when: unknown %q (want before or after)", hc.When)
	}
	if hc.Method != "" {
		if hc.When == "before" {
			return wrap("method: %q not allowed on a before hook (Kratos runs before hooks per flow, not per method)", hc.Method)
		}
		if !slices.Contains(methodsByFlow[flow], hc.Method) {
			return wrap("method: unknown %q for flow %s (want one of %v)", hc.Method, flow, methodsByFlow[flow])
		}
	}
	if err := hc.Config.Validate(); err != nil {
		return wrap("config.%v", err)
	}
	if hc.Timeout < 0 {
		return wrap("timeout: must not be negative")
	}
	if hc.Retries != nil && (*hc.Retries < 0 || *hc.Retries > 10) {
		return wrap("retries: %d out of range 0..10", *hc.Retries)
	}
	switch hc.OnError {
	case "", "fail":
	case "continue":
		if hc.Config.Parses() {
			return wrap("on_error: continue is not allowed with response.parse (a parse hook decides the flow)")
		}
	default:
		return wrap("on_error: unknown %q (want fail or continue)", hc.OnError)
	}
	return nil
}

// policy is the delivery policy: Kratos's, with this hook's overrides.
func (hc HookConfig) policy() hooks.Policy {
	p := hooks.DefaultPolicy()
	if hc.Timeout > 0 {
		p.Timeout = time.Duration(hc.Timeout)
	}
	if hc.Retries != nil {
		p.Attempts = *hc.Retries + 1
	}
	return p
}
