package oryactions

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/cli"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// `caddy ory-actions …`: the commands live in internal/cli, which is plain
// Go; this file hands them what only Caddy and this package know.
func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  cli.Name,
		Usage: cli.Usage,
		Short: cli.Short,
		Long:  cli.Long,
		CobraFunc: cli.Setup(cli.Host{
			LoadConfig: loadConfig,
			Validate:   validateConfig,
			Handler:    decodeHandler,
		}),
	})
}

// loadConfig reads and adapts a config file as `caddy run` does.
func loadConfig(file, adapter string) ([]byte, error) {
	config, _, _, err := caddycmd.LoadConfig(file, adapter)
	if err != nil {
		return nil, err
	}
	if config == nil {
		return nil, errors.New("no config to load (use --config)")
	}
	return caddy.RemoveMetaFields(config), nil
}

// validateConfig is `caddy validate` on an adapted config.
func validateConfig(config []byte) error {
	var cfg *caddy.Config
	if err := caddy.StrictUnmarshalJSON(config, &cfg); err != nil {
		return fmt.Errorf("decoding config: %v", err)
	}
	return caddy.Validate(cfg)
}

// decodeHandler turns an ory_actions handler's JSON into what the commands
// use, with Provision's own steps, so that a command sees each hook exactly
// as the module runs it: the same checks, default ids, resolved secrets and
// policy.
func decodeHandler(raw []byte) (cli.Handler, error) {
	var h Handler
	if err := json.Unmarshal(raw, &h); err != nil {
		return cli.Handler{}, err
	}
	repl := caddy.NewReplacer()
	out := cli.Handler{
		KratosPublicURL: repl.ReplaceKnown(h.Kratos.PublicURL, ""),
		Render: render.Options{
			ImportDir: h.Templates.ImportDir,
			MaxOutput: h.Templates.MaxOutput,
			Timeout:   time.Duration(h.Templates.Timeout),
		},
	}
	var err error
	out.Hooks, err = h.hookSpecs(repl)
	return out, err
}
