package cli

import (
	"github.com/spf13/cobra"
)

// The `caddy ory-actions` command as Caddy's command registry wants it.
const (
	Name  = "ory-actions"
	Usage = "render|validate|import-kratos|replay|deliveries [flags]"
	Short = "Tools for the ory_actions handler: render templates, validate, import Kratos web_hooks, replay deliveries, dead letters"
	Long  = `
Tools for the ory_actions handler (Ory Kratos web_hooks run by Caddy).

  render         prints the request the gateway would send for a template and
                 a ctx (a JSON file or a recorded Kratos fixture), secrets
                 masked; --kratos compares with Kratos v1.3.1's rendering
  validate       loads a config as 'caddy validate' does and prints its hook
                 points
  import-kratos  turns the web_hooks of a kratos.yml into an ory_actions
                 block, and prints the kratos.yml to keep (without them)
  replay         re-sends a delivery recorded in Caddy's JSON log (with
                 log_bodies on) to its receiver
  deliveries     lists, retries or purges the dead letters of durable async
                 delivery (list|retry|purge)

Run 'caddy ory-actions <command> --help' for a command's flags.
`
)

// Setup returns the function Caddy calls with the `caddy ory-actions` cobra
// command: it adds the subcommands, which reach Caddy through host.
func Setup(host Host) func(*cobra.Command) {
	return func(cmd *cobra.Command) {
		cmd.AddCommand(
			newRenderCommand(host),
			newValidateCommand(host),
			newImportKratosCommand(),
			newReplayCommand(host),
			newDeliveriesCommand(),
		)
	}
}
