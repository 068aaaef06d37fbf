package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newValidateCommand(host Host) *cobra.Command {
	var file, adapter string
	cmd := &cobra.Command{
		Use:   "validate --config FILE [--adapter NAME]",
		Short: "Validates a config as Caddy loads it and prints its hook points",
		Long: `Loads the config as 'caddy validate' does (adapted, then every module
provisioned: templates loaded and compiled, secrets resolved, hooks checked)
and prints, for each ory_actions handler, a table of its hooks: flow, when,
method, hook id, URL (without userinfo and query), response mode, and the
per-attempt timeout, retries and whole-call deadline in force.

Without error_ui_url the module asks Kratos for its error UI at load; a
Kratos that cannot be reached only logs a warning. Fails, naming the key,
on any error.`,
		Example: `  caddy ory-actions validate --config Caddyfile`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runValidate(host, file, adapter, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "", "config file (Caddyfile or JSON)")
	cmd.Flags().StringVarP(&adapter, "adapter", "a", "", "config adapter (default: from the file name, as caddy run)")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

// runValidate is the validate command.
func runValidate(host Host, file, adapter string, stdout io.Writer) error {
	config, err := host.LoadConfig(file, adapter)
	if err != nil {
		return err
	}
	if err := host.Validate(config); err != nil {
		return err
	}
	hs, err := findHandlers(host, config)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Valid configuration")
	if len(hs) == 0 {
		_, err := fmt.Fprintf(stdout, "No %s handler in %s.\n", handlerName, file)
		return err
	}
	for _, h := range hs {
		fmt.Fprintf(stdout, "\n%s handler at %s (Kratos %s)\n", handlerName, h.Path, safeURLString(h.KratosPublicURL))
		if err := printHookTable(stdout, h.Hooks); err != nil {
			return err
		}
	}
	return nil
}
