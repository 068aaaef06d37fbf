package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/spf13/cobra"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/gateway"
)

type replayOptions struct {
	config, adapter, log, delivery string
}

func newReplayCommand(host Host) *cobra.Command {
	var o replayOptions
	cmd := &cobra.Command{
		Use:   "replay --config FILE --log LOGFILE --delivery ID",
		Short: "Re-sends a delivery recorded in the log to its receiver",
		Long: `Finds the delivery log entry ("` + gateway.DeliveryLogMessage + `") with the delivery
id in Caddy's JSON log, finds its hook by id in the config, and sends the
logged body again with that hook's method, URL, headers, auth and retry
policy (placeholders such as {env.X} resolved as at load), then prints the
outcome. The call has the logged delivery id, so a signed hook's webhook-id
is the original one: a receiver that deduplicates sees a retry of that
delivery.

The body is in the log only when the handler logs bodies (log_bodies); an
entry without one cannot be replayed. The outcome is printed, never applied:
no flow is interrupted and no identity patched. Exits non-zero when the
call fails.`,
		Example: `  caddy ory-actions replay --config Caddyfile --log /var/log/caddy.json --delivery 0b6f…`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReplay(cmd.Context(), host, o, cmd.InOrStdin(), cmd.OutOrStdout(), http.DefaultTransport)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.config, "config", "c", "", "config file with the hook (Caddyfile or JSON)")
	f.StringVarP(&o.adapter, "adapter", "a", "", "config adapter (default: from the file name, as caddy run)")
	f.StringVar(&o.log, "log", "", `Caddy's JSON log ("-" for stdin)`)
	f.StringVar(&o.delivery, "delivery", "", "the delivery id (the entry's delivery field)")
	for _, name := range []string{"config", "log", "delivery"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// runReplay is the replay command; transport carries the request.
func runReplay(ctx context.Context, host Host, o replayOptions, stdin io.Reader, stdout io.Writer, transport http.RoundTripper) error {
	entry, err := readDelivery(o.log, o.delivery, stdin)
	if err != nil {
		return err
	}
	config, err := host.LoadConfig(o.config, o.adapter)
	if err != nil {
		return err
	}
	hs, err := findHandlers(host, config)
	if err != nil {
		return err
	}
	h, i, err := hookByID(hs, entry.Hook)
	if err != nil {
		return fmt.Errorf("delivery %s was made by hook %q: %w", o.delivery, entry.Hook, err)
	}
	spec := h.Hooks[i]
	var body []byte
	switch {
	case spec.Config.Body == "":
		// A hook without a template sends no body, and none is logged.
	case entry.Body == nil:
		return fmt.Errorf("delivery %s was logged without its body, so it cannot be replayed: bodies are logged only with log_bodies on", o.delivery)
	default:
		body = []byte(*entry.Body)
	}
	hook, err := hooks.New(spec.Config, spec.Policy, &http.Client{Transport: transport})
	if err != nil {
		return fmt.Errorf("hook %s: config.%w", spec.ID, err)
	}
	fmt.Fprintf(stdout, "Replaying delivery %s of hook %s (%s %s, first sent with outcome %s) to %s %s, %d bytes\n",
		entry.Delivery, spec.ID, entry.Flow, spec.When, entry.Outcome, spec.Config.Method, safeURLString(spec.Config.URL), len(body))
	out := hook.Call(ctx, body, hooks.Trigger{ID: entry.Delivery, Observe: func(a hooks.Attempt) {
		printAttempt(stdout, a)
	}})
	return printOutcome(stdout, out)
}

// readDelivery finds the entry in the log file ("-": stdin).
func readDelivery(path, id string, stdin io.Reader) (delivery, error) {
	if path == "-" {
		return findDelivery(stdin, id)
	}
	f, err := os.Open(path)
	if err != nil {
		return delivery{}, err
	}
	defer f.Close()
	return findDelivery(f, id)
}

func printAttempt(w io.Writer, a hooks.Attempt) {
	switch {
	case a.Err != nil:
		fmt.Fprintf(w, "attempt %d: %v after %s\n", a.Number, a.Err, a.Duration)
	default:
		fmt.Fprintf(w, "attempt %d: status %d in %s\n", a.Number, a.Status, a.Duration)
	}
	if a.Stopped != "" {
		fmt.Fprintf(w, "  no further attempt: %s\n", a.Stopped)
	}
}

// printOutcome prints the interpreted answer; a failure is the command's
// error, so scripts see it in the exit status.
func printOutcome(w io.Writer, out hooks.Outcome) error {
	label := out.Label()
	fmt.Fprintf(w, "outcome: %s (status %d, %s)\n", label, out.Status, plural(out.Attempts, "attempt"))
	switch out.Kind {
	case hooks.Interrupt:
		msgs, _ := json.MarshalIndent(out.Messages, "", "  ")
		fmt.Fprintf(w, "the receiver would interrupt the flow with:\n%s\n", msgs)
	case hooks.Patch:
		fmt.Fprintf(w, "the receiver would patch the identity with:\n%s\n", out.Identity)
	case hooks.Fail:
		if out.Err == nil {
			return errors.New("the replayed delivery failed")
		}
		return errors.New("the replayed delivery failed: " + out.Err.Error())
	}
	return nil
}
