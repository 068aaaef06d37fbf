package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/durable"
)

// newDeliveriesCommand: `caddy ory-actions deliveries list|retry|purge`,
// the dead letters of durable asynchronous delivery (async { durable }).
func newDeliveriesCommand() *cobra.Command {
	var natsURL, creds, store, stream string
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "deliveries",
		Short: "List, retry or purge the dead letters of durable async delivery",
		Long: `Durable asynchronous deliveries (async { durable } or async { nats <url> })
whose retry policy was used up are kept in a dead-letter stream.

  list          prints them, oldest first (--json for one JSON document)
  retry SEQ|all puts them back in the queue with a fresh attempt count; the
                webhook-id stays, so a receiver still deduplicates
  purge SEQ|all deletes them

With --nats the commands reach the NATS server the gateways share. With
--store they open an embedded store directly: stop Caddy first (one process
at a time may open a JetStream store).`,
	}
	cmd.PersistentFlags().StringVar(&natsURL, "nats", "", "NATS URL of the gateways' server (async.durable.nats)")
	cmd.PersistentFlags().StringVar(&creds, "creds", "", "NATS credentials file")
	cmd.PersistentFlags().StringVar(&store, "store", "", "embedded store directory (async.durable.store_dir), Caddy stopped")
	cmd.PersistentFlags().StringVar(&stream, "stream", "", "stream name (async.durable.stream; default ORY_ACTIONS_DELIVERIES)")
	open := func(ctx context.Context) (*durable.Queue, func(), error) {
		return openDeliveries(ctx, natsURL, creds, store, stream)
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "Print the dead letters",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			q, done, err := open(c.Context())
			if err != nil {
				return err
			}
			defer done()
			letters, err := q.DeadLetters(c.Context(), limit)
			if err != nil {
				return err
			}
			return printDeadLetters(c.OutOrStdout(), letters, asJSON)
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
	list.Flags().IntVar(&limit, "limit", 0, "print at most this many (0: all)")
	act := func(use, short string, f func(*durable.Queue, context.Context, uint64) (int, error), verb string) *cobra.Command {
		return &cobra.Command{
			Use:   use + " SEQ|all",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				seq, err := parseSeq(args[0])
				if err != nil {
					return err
				}
				q, done, err := open(c.Context())
				if err != nil {
					return err
				}
				defer done()
				n, err := f(q, c.Context(), seq)
				fmt.Fprintf(c.OutOrStdout(), "%s %d dead letter(s)\n", verb, n)
				return err
			},
		}
	}
	cmd.AddCommand(list,
		act("retry", "Put dead letters back in the queue", (*durable.Queue).Retry, "requeued"),
		act("purge", "Delete dead letters", (*durable.Queue).Purge, "purged"))
	return cmd
}

func parseSeq(s string) (uint64, error) {
	if s == "all" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q: give a dead letter's sequence number (see list) or all", s)
	}
	return n, nil
}

// openDeliveries connects to the queue's streams without consuming.
func openDeliveries(ctx context.Context, natsURL, creds, store, stream string) (*durable.Queue, func(), error) {
	var nc *nats.Conn
	done := func() {}
	switch {
	case natsURL != "" && store != "":
		return nil, nil, errors.New("give --nats or --store, not both")
	case natsURL != "":
		opts := []nats.Option{nats.Name("caddy ory-actions deliveries"), nats.Timeout(5 * time.Second)}
		if creds != "" {
			opts = append(opts, nats.UserCredentials(creds))
		}
		var err error
		if nc, err = nats.Connect(natsURL, opts...); err != nil {
			return nil, nil, fmt.Errorf("--nats: %w", err)
		}
		done = nc.Close
	case store != "":
		e, err := durable.StartEmbedded(store)
		if err != nil {
			return nil, nil, fmt.Errorf("--store: %w", err)
		}
		nc, done = e.Conn, e.Close
	default:
		return nil, nil, errors.New("give --nats <url> or --store <dir>")
	}
	q, err := durable.OpenStreams(ctx, nc, durable.Options{Stream: stream})
	if err != nil {
		done()
		return nil, nil, err
	}
	return q, done, nil
}

func printDeadLetters(w io.Writer, letters []durable.DeadLetter, asJSON bool) error {
	if asJSON {
		if letters == nil {
			letters = []durable.DeadLetter{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(letters)
	}
	if len(letters) == 0 {
		fmt.Fprintln(w, "no dead letters")
		return nil
	}
	for _, dl := range letters {
		d := dl.Delivery
		why := d.LastError
		if why == "" && d.LastStatus != 0 {
			why = "status " + strconv.Itoa(d.LastStatus)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\tcreated %s\t%s\n", dl.Seq, d.Hook, d.Flow, d.WebhookID, d.URL,
			d.Created.UTC().Format(time.RFC3339), why)
	}
	return nil
}
