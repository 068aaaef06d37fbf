package cli

import (
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/gateway"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// Host is what the commands need from Caddy and from the module's own config
// types, which this package cannot import (the module imports it).
type Host struct {
	// LoadConfig reads a config file and returns Caddy's JSON config,
	// adapted as `caddy run` adapts it: with the named adapter, or the one
	// the file name suggests when adapter is empty.
	LoadConfig func(file, adapter string) ([]byte, error)
	// Validate loads a JSON config as `caddy validate` does: every module
	// is provisioned (templates compiled, secrets resolved) and cleaned up.
	Validate func(config []byte) error
	// Handler decodes one ory_actions handler's JSON as the module does at
	// load: each hook checked, its id defaulted, its placeholders resolved
	// and its delivery policy set.
	Handler func(raw []byte) (Handler, error)
}

// Handler is one ory_actions handler of a config, as the commands use it.
type Handler struct {
	// Path says where the handler is in the JSON config, e.g.
	// apps.http.servers.srv0.routes[0].handle[0]. Set by findHandlers.
	Path string
	// KratosPublicURL is the handler's kratos.public_url.
	KratosPublicURL string
	// Hooks are the handler's hooks in configured order.
	Hooks []gateway.HookSpec
	// Render holds the handler's templates settings (import_dir, timeout,
	// max_output).
	Render render.Options
}
