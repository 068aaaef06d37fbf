package oryactions

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/gateway"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// KratosConfig locates Kratos.
type KratosConfig struct {
	// PublicURL is Kratos's public API base URL, used to fetch flows,
	// sessions and identity schemas. Required.
	PublicURL string `json:"public_url"`
	// AdminURL is Kratos's admin API base URL. Required by hooks that patch
	// identities (any response.parse hook) and by compensations such as
	// revoking a session.
	AdminURL string `json:"admin_url,omitempty"`
	// SchemaID is the identity schema new registrations use (Kratos's
	// identity.default_schema_id). Default "default".
	SchemaID string `json:"schema_id,omitempty"`
}

// UIConfig overrides the self-service UI URLs the gateway redirects form
// clients to. Unset ones are learned from Kratos's own init redirects.
type UIConfig struct {
	// Flows maps a flow name to its UI URL, as Kratos's
	// selfservice.flows.<flow>.ui_url.
	Flows map[string]string `json:"flows,omitempty"`
	// ErrorURL is Kratos's selfservice.flows.error.ui_url, where form
	// clients land when a hook fails. It cannot be learned reliably, so set
	// it whenever form clients use hooks.
	ErrorURL string `json:"error_url,omitempty"`
}

// TemplateConfig bounds Jsonnet.
type TemplateConfig struct {
	// ImportDir enables Jsonnet imports, restricted to this directory.
	// Empty (the default) disables imports.
	ImportDir string `json:"import_dir,omitempty"`
	// Timeout bounds one evaluation. Default 1s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// MaxOutput caps a rendered body, in bytes. Default 256 KiB.
	MaxOutput int `json:"max_output,omitempty"`
}

// AsyncConfig sizes the response.ignore dispatcher.
type AsyncConfig struct {
	// Workers is how many async hooks run at once. Default 8.
	Workers int `json:"workers,omitempty"`
	// Queue is how many async hooks may wait. Default 1024; when full, a
	// hook is dropped, logged and counted rather than delaying a client.
	Queue int `json:"queue,omitempty"`
	// DrainTimeout bounds how long a config unload waits for queued and
	// running async hooks. Default 10s.
	DrainTimeout caddy.Duration `json:"drain_timeout,omitempty"`
	// Durable, when set, stores each delivery in NATS JetStream before the
	// client is answered and sends it from there (Workers and Queue then
	// size only the fallback used while JetStream cannot be reached).
	Durable *DurableConfig `json:"durable,omitempty"`
}

// SignConfig holds a hook's Standard Webhooks signing secrets.
type SignConfig struct {
	// Secrets are "whsec_" followed by the standard base64 encoding of 24
	// to 64 random bytes. Every secret signs every attempt and all the
	// signatures are sent, space-separated, so that a receiver can be moved
	// to a new secret while the old one still verifies: list both during a
	// rotation. Placeholders such as {env.HOOK_SIGNING_SECRET} are resolved
	// at load; a bad secret fails the load, naming its index, never its value.
	Secrets []string `json:"secrets"`
}

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
	// Sign, when set, signs every attempt of this hook as Standard Webhooks
	// (standardwebhooks.com) specifies: each attempt carries webhook-id (one
	// id per trigger, the same on every retry), webhook-timestamp and
	// webhook-signature, with one "v1" signature per secret. It sits beside
	// config, not in it, because Kratos's web_hook has no such setting.
	// Unset, the receiver gets exactly Kratos's request.
	Sign *SignConfig `json:"sign,omitempty"`
	// Timeout bounds each attempt. Default 30s, as Kratos.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// Retries is how many times a failed attempt is repeated. Default 2
	// (3 attempts in all, as Kratos); 0 disables retrying.
	Retries *int `json:"retries,omitempty"`
	// Deadline bounds one whole call of the hook: every attempt, every
	// wait between attempts (a receiver's Retry-After included). Default:
	// Kratos's worst case for the attempts and timeout in force (93s with
	// the defaults: 3 × 30s plus the 1s and 2s backoff).
	Deadline caddy.Duration `json:"deadline,omitempty"`
	// OnError "continue" lets the flow go on when a hook without
	// response.parse fails; default "fail", as Kratos.
	OnError string `json:"on_error,omitempty"`
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
		if !slices.Contains(kratos.HookMethods[flow], hc.Method) {
			return wrap("method: unknown %q for flow %s (want one of %v)", hc.Method, flow, kratos.HookMethods[flow])
		}
	}
	cfg := hc.Config
	if hc.Sign != nil {
		// Checked resolved, as they will be used; a fresh replacer reads
		// the same environment and files the load's will.
		cfg.Sign = hc.Sign.resolve(caddy.NewReplacer())
		if len(cfg.Sign.Secrets) == 0 {
			return wrap("sign.secrets: at least one required")
		}
		for j, secret := range cfg.Sign.Secrets {
			if _, err := hooks.ParseSigningSecret(secret); err != nil {
				return wrap("sign.secrets[%d]: %v", j, err)
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return wrap("config.%v", err)
	}
	if hc.Timeout < 0 {
		return wrap("timeout: must not be negative")
	}
	if hc.Deadline < 0 {
		return wrap("deadline: must not be negative")
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
	if hc.Deadline > 0 {
		p.Deadline = time.Duration(hc.Deadline)
	}
	return p
}

// spec turns a validated hook into the gateway's form, with its secrets
// resolved.
func (hc HookConfig) spec(repl *caddy.Replacer, id string) gateway.HookSpec {
	flow, _ := kratos.ParseFlow(hc.Flow)
	cfg := resolveSecrets(repl, hc.Config)
	if hc.Sign != nil {
		cfg.Sign = hc.Sign.resolve(repl)
	}
	return gateway.HookSpec{
		ID: id, Flow: flow, When: gateway.When(hc.When), Method: hc.Method,
		Config: cfg, Policy: hc.policy(),
		ContinueOnError: hc.OnError == "continue",
	}
}

// defaultHookID names a hook after its point, e.g. registration_after_password_1.
func defaultHookID(hc HookConfig, n int) string {
	id := hc.Flow + "_" + hc.When
	if hc.Method != "" {
		id += "_" + hc.Method
	}
	return id + "_" + strconv.Itoa(n)
}

// resolveSecrets expands Caddy placeholders such as {env.CRM_KEY} once, at
// load, in every field that may carry a secret or an address.
func resolveSecrets(repl *caddy.Replacer, c hooks.Config) hooks.Config {
	c.URL = repl.ReplaceKnown(c.URL, "")
	if len(c.Headers) > 0 {
		hdr := make(map[string]string, len(c.Headers))
		for k, v := range c.Headers {
			hdr[k] = repl.ReplaceKnown(v, "")
		}
		c.Headers = hdr
	}
	if c.Auth != nil {
		a := *c.Auth
		a.Config.User = repl.ReplaceKnown(a.Config.User, "")
		a.Config.Password = repl.ReplaceKnown(a.Config.Password, "")
		a.Config.Name = repl.ReplaceKnown(a.Config.Name, "")
		a.Config.Value = repl.ReplaceKnown(a.Config.Value, "")
		c.Auth = &a
	}
	return c
}

// resolve expands placeholders in the signing secrets, as resolveSecrets
// does for the other secrets, into package hooks' form.
func (sc *SignConfig) resolve(repl *caddy.Replacer) *hooks.Signing {
	out := &hooks.Signing{Secrets: make([]string, len(sc.Secrets))}
	for i, secret := range sc.Secrets {
		out.Secrets[i] = repl.ReplaceKnown(secret, "")
	}
	return out
}
