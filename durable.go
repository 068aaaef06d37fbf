package oryactions

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/durable"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/gateway"
)

// DurableConfig stores response.ignore deliveries in NATS JetStream, so
// that they survive a crash or restart and, with a shared NATS, are sent by
// exactly one of several gateways.
type DurableConfig struct {
	// NATS is the URL (or comma-separated URLs) of an existing NATS server
	// or cluster with JetStream. Empty starts an embedded JetStream server
	// inside Caddy, with no network listener.
	NATS string `json:"nats,omitempty"`
	// CredsFile is a NATS credentials file for NATS. Optional.
	CredsFile string `json:"creds_file,omitempty"`
	// StoreDir is the embedded server's file store. Default: ory_actions/
	// jetstream under Caddy's data directory.
	StoreDir string `json:"store_dir,omitempty"`
	// Stream names the JetStream stream (its dead letters are <Stream>_DEAD).
	// Default ORY_ACTIONS_DELIVERIES.
	Stream string `json:"stream,omitempty"`
	// MaxAttempts per delivery before it becomes a dead letter. Default 12.
	MaxAttempts int `json:"max_attempts,omitempty"`
	// Backoff is the wait before attempt n+1; the last one repeats.
	// Default 1s 5s 30s 2m 10m 30m 1h 2h 4h 8h (about 24 h in all).
	Backoff []caddy.Duration `json:"backoff,omitempty"`
	// MaxAge is how long a delivery may wait in all; a delivery whose next
	// attempt would be later becomes a dead letter. Default 24h.
	MaxAge caddy.Duration `json:"max_age,omitempty"`
	// Workers is how many deliveries this process attempts at once.
	// Default 8.
	Workers int `json:"workers,omitempty"`
	// RedeliverAfter is how long a delivery taken by a gateway that then
	// crashed waits before another attempt takes it (JetStream's AckWait).
	// Keep it above the hooks' per-attempt timeout, or a slow attempt is
	// made twice (checked at load). Default 60s.
	RedeliverAfter caddy.Duration `json:"redeliver_after,omitempty"`
}

// durablePool shares one JetStream connection, queue and consumer per
// store or server across the configurations that use it, so a config
// reload neither opens the embedded store twice nor loses the consumer.
var durablePool = caddy.NewUsagePool()

// durableBackend is one pooled queue; it routes deliveries to the hooks of
// whichever loaded configurations have them.
type durableBackend struct {
	embedded *durable.Embedded // nil with an external NATS
	nc       *nats.Conn
	queue    *durable.Queue
	router   *durable.Router
	// shared is the fleet's key-value state (only with an external NATS:
	// an embedded server serves one gateway).
	shared *durable.Shared
}

// Destruct closes the queue (waiting for attempts under way), then the
// connection and the embedded server. Deliveries not acked stay stored.
func (b *durableBackend) Destruct() error {
	b.queue.Close()
	b.closeConn()
	return nil
}

// closeConn closes the connection, and the embedded server with its store
// lock when there is one.
func (b *durableBackend) closeConn() {
	if b.embedded != nil {
		b.embedded.Close()
		return
	}
	b.nc.Close()
}

// options turns the config into the queue's options.
func (c *DurableConfig) options() durable.Options {
	o := durable.Options{Stream: c.Stream, MaxAttempts: c.MaxAttempts, MaxAge: time.Duration(c.MaxAge), Workers: c.Workers,
		AckWait: time.Duration(c.RedeliverAfter)}
	for _, b := range c.Backoff {
		o.Backoff = append(o.Backoff, time.Duration(b))
	}
	return o
}

// validate names the key of a bad value.
func (c *DurableConfig) validate() error {
	if c.NATS != "" && c.StoreDir != "" {
		return errors.New("async.durable.store_dir: only for the embedded server; not with nats")
	}
	for _, u := range strings.Split(c.NATS, ",") {
		if u = strings.TrimSpace(u); c.NATS != "" && !strings.HasPrefix(u, "nats://") && !strings.HasPrefix(u, "tls://") {
			return fmt.Errorf("async.durable.nats: %q is not a nats:// or tls:// URL", u)
		}
	}
	if c.MaxAttempts < 0 {
		return errors.New("async.durable.max_attempts: must be positive")
	}
	for _, b := range c.Backoff {
		if b <= 0 {
			return errors.New("async.durable.backoff: every wait must be positive")
		}
	}
	if c.MaxAge < 0 {
		return errors.New("async.durable.max_age: must be positive")
	}
	if c.Workers < 0 {
		return errors.New("async.durable.workers: must be positive")
	}
	if c.RedeliverAfter < 0 {
		return errors.New("async.durable.redeliver_after: must be positive")
	}
	if c.Stream != "" && strings.ContainsAny(c.Stream, " .*>") {
		return fmt.Errorf("async.durable.stream: %q: a JetStream stream name has no spaces, dots, * or >", c.Stream)
	}
	return nil
}

// streamName is the delivery stream's name, defaulted.
func (c *DurableConfig) streamName() string {
	if c.Stream != "" {
		return c.Stream
	}
	return durable.DefaultStream
}

// checkTimeouts refuses a redeliver_after that a response.ignore hook's
// attempt could outlast: the delivery would be attempted by a second
// gateway while the first is still waiting for the receiver.
func (c *DurableConfig) checkTimeouts(specs []gateway.HookSpec) error {
	wait := time.Duration(c.RedeliverAfter)
	if wait <= 0 {
		wait = durable.DefaultAckWait
	}
	for i, s := range specs {
		if !s.Config.Async() {
			continue
		}
		if t := s.Policy.WithDefaults().Timeout; t >= wait {
			return fmt.Errorf("async.durable.redeliver_after: %s must exceed the timeout of every response ignore hook; hooks[%d] (%s) has %s", wait, i, s.ID, t)
		}
	}
	return nil
}

// poolKey identifies the backend: one per embedded store, one per NATS
// URL and stream.
func (c *DurableConfig) poolKey() string {
	if c.NATS != "" {
		return "nats|" + c.NATS + "|" + c.streamName()
	}
	return "embedded|" + c.storeDir()
}

func (c *DurableConfig) storeDir() string {
	if c.StoreDir != "" {
		return c.StoreDir
	}
	return filepath.Join(caddy.AppDataDir(), "ory_actions", "jetstream")
}

// loadDurable gets (or starts) the pooled backend of the config.
func (h *Handler) loadDurable() (*durableBackend, error) {
	c := h.Async.Durable
	if err := c.validate(); err != nil {
		return nil, err
	}
	v, _, err := durablePool.LoadOrNew(c.poolKey(), func() (caddy.Destructor, error) {
		return openDurable(c)
	})
	if err != nil {
		return nil, err
	}
	b := v.(*durableBackend)
	// A reload's retry schedule applies from now on (the stream, store and
	// workers are fixed for the backend's life).
	o := c.options()
	b.queue.SetRetry(durable.Retry{MaxAttempts: o.MaxAttempts, Backoff: o.Backoff, MaxAge: o.MaxAge})
	return b, nil
}

func openDurable(c *DurableConfig) (*durableBackend, error) {
	b := &durableBackend{router: durable.NewRouter()}
	var err error
	if c.NATS == "" {
		if b.embedded, err = durable.StartEmbedded(c.storeDir()); err != nil {
			return nil, fmt.Errorf("async.durable.store_dir: %w", err)
		}
		b.nc = b.embedded.Conn
	} else {
		opts := []nats.Option{nats.Name("caddy-ory-actions"), nats.MaxReconnects(-1), nats.Timeout(5 * time.Second)}
		if c.CredsFile != "" {
			opts = append(opts, nats.UserCredentials(c.CredsFile))
		}
		if b.nc, err = nats.Connect(c.NATS, opts...); err != nil {
			return nil, fmt.Errorf("async.durable.nats: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c.NATS != "" {
		if b.shared, err = durable.OpenShared(ctx, b.nc, c.streamName()+"_STATE", 24*time.Hour); err != nil {
			b.closeConn()
			return nil, fmt.Errorf("async.durable.nats: %w", err)
		}
	}
	if b.queue, err = durable.Open(ctx, b.nc, c.options(), b.router.Send); err != nil {
		b.closeConn()
		return nil, fmt.Errorf("async.durable: %w", err)
	}
	return b, nil
}

// registerDurableMetrics exports the queue's state on the config's
// registry (once per registry: several handlers may share a backend).
func registerDurableMetrics(reg prometheus.Registerer, b *durableBackend) error {
	err := reg.Register(b.queue.Collector("caddy_ory_actions"))
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		return nil
	}
	return err
}
