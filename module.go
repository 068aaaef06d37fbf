// Package oryactions is a Caddy HTTP handler that runs Ory Actions (Kratos
// `web_hook`s) in the gateway, in front of an unmodified Ory Kratos.
//
// Only this package imports Caddy. It classifies each request with package
// kratos, renders webhook bodies with package render, calls them with package
// hooks, and rewrites Kratos's answer as Kratos's native web_hook would have.
package oryactions

import (
	"fmt"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler runs Kratos web hooks at the gateway. Its JSON form mirrors the
// Caddyfile directive `ory_actions`.
type Handler struct {
	// Kratos says where the Kratos public and admin APIs are.
	Kratos KratosConfig `json:"kratos"`

	// Secret seals the carry tokens and gateway error ids handed to browser
	// form clients. Caddy placeholders such as {env.ORY_ACTIONS_SECRET} are
	// resolved at load. When empty, a random key is generated per process
	// (tokens then do not survive a restart or reach another instance).
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

	// Async sizes the queue of response.ignore hooks.
	Async AsyncConfig `json:"async,omitzero"`

	rt     *runtime
	logger *zap.Logger
}

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
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.ory_actions",
		New: func() caddy.Module { return new(Handler) },
	}
}

const (
	defaultMaxBody      = 1 << 20
	defaultWorkers      = 8
	defaultQueue        = 1024
	defaultDrainTimeout = 10 * time.Second
	defaultSchemaID     = "default"
)

// Provision resolves placeholders, compiles every template and prepares the
// clients, so that nothing but the request itself is left for ServeHTTP.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	if h.Kratos.PublicURL == "" {
		return fmt.Errorf("kratos.public_url: required")
	}
	if h.MaxBodySize <= 0 {
		h.MaxBodySize = defaultMaxBody
	}
	if h.Kratos.SchemaID == "" {
		h.Kratos.SchemaID = defaultSchemaID
	}
	rt, err := newRuntime(ctx, h)
	if err != nil {
		return err
	}
	h.rt = rt
	return nil
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
	if h.rt == nil {
		return nil
	}
	return h.rt.close()
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
