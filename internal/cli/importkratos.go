package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

type importOptions struct {
	caddyfileOut, kratosOut, site string
}

func newImportKratosCommand() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import-kratos KRATOS_CONFIG",
		Short: "Turns a kratos.yml's web_hooks into an ory_actions block",
		Long: `Reads a Kratos v1.3.1 config (YAML or JSON) and prints
 (a) an ory_actions Caddyfile block with one 'hook <flow> before|after [<method>]'
     per web_hook of selfservice.flows.<flow>.before.hooks, .after.hooks and
     .after.<method>.hooks, in Kratos's order (url, method, body, headers, auth,
     response, can_interrupt, emit_analytics_event), and
 (b) the Kratos config to keep: the same, with every web_hook removed and every
     other hook (session, …) kept, as YAML.

Secrets (auth passwords and api_key values, secret-looking headers) are not
copied: the block reads them from environment variables, listed at its top.
Body URIs are kept as written; a relative file path was read by Kratos from
its working directory and is read by Caddy from its own. Where the gateway
would run a hook differently from Kratos (Kratos runs after.hooks only for
methods without hooks of their own, and never runs parse hooks from
registration's or settings' after.hooks), a warning comment says so.`,
		Example: `  caddy ory-actions import-kratos kratos.yml
  caddy ory-actions import-kratos --site auth.example.com --caddyfile Caddyfile.ory --kratos-out kratos.nohooks.yml kratos.yml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImportKratos(args[0], o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.caddyfileOut, "caddyfile", "", "write the Caddyfile block to this file instead of stdout")
	f.StringVar(&o.kratosOut, "kratos-out", "", "write the Kratos config to keep to this file instead of stdout")
	f.StringVar(&o.site, "site", "", "wrap the block in a site with this address, proxying to Kratos")
	return cmd
}

// runImportKratos is the import-kratos command.
func runImportKratos(path string, o importOptions, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	c, block, yml, err := importConfig(data, path, o.site)
	if err != nil {
		return err
	}
	if o.caddyfileOut == "" {
		fmt.Fprintf(stdout, "# ==== Caddyfile ====\n%s\n", block.text)
	} else if err := os.WriteFile(o.caddyfileOut, []byte(block.text), 0o644); err != nil {
		return err
	}
	if o.kratosOut == "" {
		fmt.Fprintf(stdout, "# ==== %s to keep (without web_hooks) ====\n%s", filepath.Base(path), yml)
	} else if err := os.WriteFile(o.kratosOut, yml, 0o600); err != nil { // it keeps Kratos's own secrets
		return err
	}
	if o.caddyfileOut != "" || o.kratosOut != "" {
		fmt.Fprintf(stdout, "%s moved to the ory_actions block, %s, %s to set.\n",
			plural(len(c.webHooks), "web_hook"), plural(len(block.warnings), "warning"), plural(len(block.secrets), "environment variable"))
	}
	return nil
}
