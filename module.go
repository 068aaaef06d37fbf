// Package oryactions is a Caddy HTTP handler that runs Ory Actions (Kratos
// `web_hook`s) in the gateway, in front of an unmodified Ory Kratos.
//
// This package is the Caddy glue only: the module and its configuration
// (module.go, config.go), the durable queue shared across config reloads
// (durable.go), the Caddyfile directive (caddyfile*.go) and ServeHTTP
// (handler.go). The gateway itself — routing, the hook points
// of every flow, the answers — is the plain-Go package internal/gateway.
package oryactions

import (
	"fmt"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/gateway"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler runs Kratos web hooks at the gateway. Its JSON form mirrors the
// Caddyfile directive `ory_actions`.
type Handler struct {
	// Kratos says where the Kratos public and admin APIs are.
	Kratos KratosConfig `json:"kratos"`

	// Secret seals the carry tokens, continuation tokens and gateway error
	// ids handed to browsers; the key is derived from it with HKDF. It must
	// be at least 32 bytes. Caddy placeholders such as
	// {env.ORY_ACTIONS_SECRET} are resolved at load. When empty, a random
	// key is drawn once per process (kept across config reloads): tokens
	// then do not survive a restart or reach another instance, and the
	// module logs a warning at every load.
	Secret string `json:"secret,omitempty"`

	// Hooks are the web hooks, in the order they run at each hook point.
	Hooks []HookConfig `json:"hooks,omitempty"`

	// RequestHeaders replaces Kratos's allow-list of client request headers
	// copied into ctx.request_headers. Empty keeps Kratos's list.
	RequestHeaders []string `json:"request_headers,omitempty"`

	// MaxBodySize caps the client request body read on intercepted submits
	// and the Kratos answer buffered for rewriting, in bytes. Default 1 MiB.
	MaxBodySize int64 `json:"max_body_size,omitempty"`

	// UI overrides the self-service UI URLs form clients are redirected to.
	UI UIConfig `json:"ui,omitzero"`

	// Templates bounds Jsonnet evaluation.
	Templates TemplateConfig `json:"templates,omitzero"`

	// DisableMetrics turns the module's Prometheus metrics off.
	DisableMetrics bool `json:"disable_metrics,omitempty"`

	// LogBodies adds each rendered web hook body to its delivery log entry,
	// for debugging and for `caddy ory-actions replay`. Bodies carry personal
	// data (traits, addresses), so it is off by default.
	LogBodies bool `json:"log_bodies,omitempty"`

	// Async sizes the queue of response.ignore hooks.
	Async AsyncConfig `json:"async,omitzero"`

	gw     *gateway.Gateway
	logger *zap.Logger

	// durable is the pooled JetStream queue (nil without async.durable);
	// unregister removes this config's hooks from its router.
	durable    *durableBackend
	unregister func()
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.ory_actions",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision resolves placeholders, compiles every template and prepares the
// clients, so that nothing but the request itself is left for ServeHTTP.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	if h.Kratos.PublicURL == "" {
		return fmt.Errorf("kratos.public_url: required")
	}
	if h.MaxBodySize <= 0 {
		h.MaxBodySize = gateway.DefaultMaxBodySize
	}
	if h.Kratos.SchemaID == "" {
		h.Kratos.SchemaID = gateway.DefaultSchemaID
	}
	repl := caddy.NewReplacer()
	key, err := h.sealingKey(repl.ReplaceKnown(h.Secret, ""))
	if err != nil {
		return err
	}
	cfg := gateway.Config{
		KratosPublicURL: repl.ReplaceKnown(h.Kratos.PublicURL, ""),
		KratosAdminURL:  repl.ReplaceKnown(h.Kratos.AdminURL, ""),
		SchemaID:        h.Kratos.SchemaID,
		Key:             key,
		RequestHeaders:  h.RequestHeaders,
		MaxBodySize:     h.MaxBodySize,
		UIURLs:          map[kratos.Flow]string{},
		ErrorUIURL:      h.UI.ErrorURL,
		Render: render.Options{
			ImportDir: h.Templates.ImportDir,
			MaxOutput: h.Templates.MaxOutput,
			Timeout:   time.Duration(h.Templates.Timeout),
		},
		AsyncWorkers:   h.Async.Workers,
		AsyncQueue:     h.Async.Queue,
		DrainTimeout:   time.Duration(h.Async.DrainTimeout),
		Logger:         h.logger,
		LogBodies:      h.LogBodies,
		Publish:        publishPlaceholder,
		ClearPublished: clearPlaceholders,
		TrustForwarded: trustedProxy,
	}
	for name, u := range h.UI.Flows {
		if f, ok := kratos.ParseFlow(name); ok {
			cfg.UIURLs[f] = u
		}
	}
	if !h.DisableMetrics {
		cfg.Metrics = ctx.GetMetricsRegistry()
	}
	if cfg.Hooks, err = h.hookSpecs(repl); err != nil {
		return err
	}
	if h.Async.Durable != nil {
		if err := h.Async.Durable.checkTimeouts(cfg.Hooks); err != nil {
			return err
		}
		if h.durable, err = h.loadDurable(); err != nil {
			return err
		}
		cfg.Durable = h.durable.queue
		if h.durable.shared != nil {
			cfg.Shared = h.durable.shared
		}
		if cfg.Metrics != nil {
			if err := registerDurableMetrics(cfg.Metrics, h.durable); err != nil {
				return fmt.Errorf("async.durable: metrics: %w", err)
			}
		}
	}
	if h.gw, err = gateway.New(ctx, cfg); err != nil {
		return err
	}
	if h.durable != nil {
		h.unregister = h.durable.router.Register(h.gw.DurableSenders())
	}
	h.warnAboutOIDC()
	return nil
}

// hookSpecs validates every hook and turns it into the gateway's form, with
// its id defaulted and its secrets resolved (Provision and the CLI share it).
func (h *Handler) hookSpecs(repl *caddy.Replacer) ([]gateway.HookSpec, error) {
	var specs []gateway.HookSpec
	counts := map[string]int{}
	for i, hc := range h.Hooks {
		if err := hc.validate(i); err != nil {
			return nil, err
		}
		point := hc.Flow + "/" + hc.When
		counts[point]++
		id := hc.ID
		if id == "" {
			id = defaultHookID(hc, counts[point])
		}
		specs = append(specs, hc.spec(repl, id))
	}
	return specs, nil
}

// sealingKey derives the key from the configured secret, or takes the
// process's random key (loudly: it cannot be shared by several instances).
func (h *Handler) sealingKey(secret string) ([32]byte, error) {
	if secret == "" {
		h.logger.Warn("no secret configured: carry tokens, continuations and gateway error ids use a random per-process key; " +
			"they do not survive a restart and do not work across instances (set secret to 32 or more random bytes)")
		return gateway.ProcessKey(), nil
	}
	key, err := gateway.DeriveKey(secret)
	if err != nil {
		return key, fmt.Errorf("secret: %w", err)
	}
	return key, nil
}

// warnAboutOIDC says at load which social sign-in (OIDC) requests will be
// refused: browser sign-in and sign-up run their hooks on Kratos's
// callback, but a native app's id_token submit and linking a provider in
// settings complete where the gateway cannot run hooks yet.
func (h *Handler) warnAboutOIDC() {
	for _, hc := range h.Hooks {
		if hc.When == "after" && (hc.Method == "" || hc.Method == "oidc") &&
			(hc.Flow == "registration" || hc.Flow == "login" || hc.Flow == "settings") {
			h.logger.Warn("after hooks apply to social sign-in (OIDC): browser sign-in and sign-up run them on the provider callback; " +
				"native id_token submits (and, with settings hooks, linking a provider in settings) are refused with 501; " +
				"give these hooks a method to let such requests through without them")
			return
		}
	}
}

// Validate checks what Provision could not reject on its own.
func (h *Handler) Validate() error {
	if h.Kratos.PublicURL == "" {
		return fmt.Errorf("kratos.public_url: required")
	}
	for name := range h.UI.Flows {
		if _, ok := kratos.ParseFlow(name); !ok {
			return fmt.Errorf("ui_url: unknown flow %q", name)
		}
	}
	for i, hc := range h.Hooks {
		if hc.Config.Parses() && h.Kratos.AdminURL == "" && hc.When == "after" {
			return fmt.Errorf("hooks[%d] (%s): kratos.admin_url: required by response.parse (identity patches use the admin API)", i, hc.name(i))
		}
	}
	return nil
}

// Cleanup drains async hooks within the configured deadline. It copes with a
// Provision that failed halfway.
func (h *Handler) Cleanup() error {
	if h.unregister != nil {
		h.unregister()
	}
	err := h.gw.Close()
	if h.durable != nil {
		// The last configuration using the backend closes it; stored
		// deliveries wait for the next start.
		_, _ = durablePool.Delete(h.Async.Durable.poolKey())
	}
	return err
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
