package oryactions

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// runtime is everything Provision builds from the config and ServeHTTP only
// reads. It is immutable after construction, so one value serves all
// requests at once.
type runtime struct {
	kratos      *kratos.Client
	points      map[point][]*hookRef
	interested  map[kratos.Flow]phaseSet
	dispatcher  *hooks.Dispatcher
	drain       time.Duration
	headerAllow map[string]struct{}
	key         [32]byte
	sealer      *kratos.Sealer
	ui          *uiURLs
	schemaID    string
	maxBody     int64
	schemas     *schemaCache
	metrics     *metrics
	flows       *flowCache
	logger      *zap.Logger
}

// point is a hook point: a flow and "before" or "after".
type point struct {
	flow kratos.Flow
	when string
}

// phaseSet says which phases of a flow have hooks, so that ServeHTTP can
// pass every other request through after one map lookup.
type phaseSet struct{ before, after bool }

// hookRef is one configured hook ready to run.
type hookRef struct {
	id   string
	cfg  HookConfig
	call *hooks.Hook
	tmpl *render.Template // nil when the config has no body template
}

// newRuntime validates the hooks, resolves their secrets, compiles their
// templates and builds the clients.
func newRuntime(ctx caddy.Context, h *Handler) (*runtime, error) {
	rt := &runtime{
		points:     map[point][]*hookRef{},
		interested: map[kratos.Flow]phaseSet{},
		drain:      time.Duration(h.Async.DrainTimeout),
		schemaID:   h.Kratos.SchemaID,
		maxBody:    h.MaxBodySize,
		logger:     h.logger,
	}
	if rt.drain <= 0 {
		rt.drain = defaultDrainTimeout
	}
	repl := caddy.NewReplacer()
	err := rt.setKey(repl.ReplaceKnown(h.Secret, ""))
	if err != nil {
		return nil, err
	}
	if rt.sealer, err = kratos.NewSealer(rt.key); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	rt.ui = newUIURLs(h.UI)
	rt.flows = newFlowCache()
	if !h.DisableMetrics {
		if rt.metrics, err = newMetrics(ctx.GetMetricsRegistry()); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	rt.setHeaderAllowList(h.RequestHeaders)

	kc, err := kratos.NewClient(repl.ReplaceKnown(h.Kratos.PublicURL, ""), repl.ReplaceKnown(h.Kratos.AdminURL, ""), nil)
	if err != nil {
		return nil, fmt.Errorf("kratos: %w", err)
	}
	rt.kratos = kc
	rt.schemas = newSchemaCache(kc)

	opts := render.Options{
		ImportDir: h.Templates.ImportDir,
		MaxOutput: h.Templates.MaxOutput,
		Timeout:   time.Duration(h.Templates.Timeout),
	}
	webhookClient := newWebhookClient()
	counts := map[point]int{}
	for i, hc := range h.Hooks {
		hc.Config = resolveSecrets(repl, hc.Config)
		if err := hc.validate(i); err != nil {
			return nil, err
		}
		flow, _ := kratos.ParseFlow(hc.Flow)
		p := point{flow, hc.When}
		counts[p]++
		ref := &hookRef{id: hc.ID, cfg: hc}
		if ref.id == "" {
			ref.id = defaultHookID(hc, counts[p])
		}
		if hc.Config.Body != "" {
			name, code, err := render.Load(ctx, hc.Config.Body, opts)
			if err != nil {
				return nil, fmt.Errorf("hooks[%d] (%s): config.body: %w", i, ref.id, err)
			}
			if ref.tmpl, err = render.Compile(name, code, opts); err != nil {
				return nil, fmt.Errorf("hooks[%d] (%s): config.body: %w", i, ref.id, err)
			}
		}
		if ref.call, err = hooks.New(hc.Config, hc.policy(), webhookClient); err != nil {
			return nil, fmt.Errorf("hooks[%d] (%s): config.%w", i, ref.id, err)
		}
		rt.points[p] = append(rt.points[p], ref)
		ps := rt.interested[flow]
		if hc.When == "before" {
			ps.before = true
		} else {
			ps.after = true
		}
		rt.interested[flow] = ps
	}

	workers, queue := h.Async.Workers, h.Async.Queue
	if workers <= 0 {
		workers = defaultWorkers
	}
	if queue <= 0 {
		queue = defaultQueue
	}
	rt.dispatcher = hooks.NewDispatcher(workers, queue)
	return rt, nil
}

// defaultHookID names a hook after its point, e.g. registration_after_password_1.
func defaultHookID(hc HookConfig, n int) string {
	id := hc.Flow + "_" + hc.When
	if hc.Method != "" {
		id += "_" + hc.Method
	}
	return id + "_" + strconv.Itoa(n)
}

// resolveSecrets expands Caddy placeholders such as {env.CRM_KEY} once, at
// load, in every field that may carry a secret or an address.
func resolveSecrets(repl *caddy.Replacer, c hooks.Config) hooks.Config {
	c.URL = repl.ReplaceKnown(c.URL, "")
	if len(c.Headers) > 0 {
		hdr := make(map[string]string, len(c.Headers))
		for k, v := range c.Headers {
			hdr[k] = repl.ReplaceKnown(v, "")
		}
		c.Headers = hdr
	}
	if c.Auth != nil {
		a := *c.Auth
		a.Config.User = repl.ReplaceKnown(a.Config.User, "")
		a.Config.Password = repl.ReplaceKnown(a.Config.Password, "")
		a.Config.Name = repl.ReplaceKnown(a.Config.Name, "")
		a.Config.Value = repl.ReplaceKnown(a.Config.Value, "")
		c.Auth = &a
	}
	return c
}

// setKey derives the sealing key from the configured secret, or draws a
// random one; a random key cannot be shared by several Caddy instances.
func (rt *runtime) setKey(secret string) error {
	if secret != "" {
		rt.key = sha256.Sum256([]byte(secret))
		return nil
	}
	if _, err := rand.Read(rt.key[:]); err != nil {
		return fmt.Errorf("secret: generating a random key: %w", err)
	}
	rt.logger.Warn("no secret configured: carry tokens and gateway error ids use a random per-process key and will not survive a restart or work across instances")
	return nil
}

// setHeaderAllowList installs the ctx.request_headers allow-list.
func (rt *runtime) setHeaderAllowList(names []string) {
	if len(names) == 0 {
		rt.headerAllow = kratos.DefaultHeaderAllowList
		return
	}
	rt.headerAllow = make(map[string]struct{}, len(names))
	for _, n := range names {
		rt.headerAllow[textproto.CanonicalMIMEHeaderKey(n)] = struct{}{}
	}
}

// newWebhookClient is shared by all hooks of a config so connections to a
// receiver are reused. Per-attempt deadlines come from each hook's policy.
func newWebhookClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr}
}

// close drains async hooks within the deadline.
func (rt *runtime) close() error {
	if rt.dispatcher == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), rt.drain)
	defer cancel()
	if dropped := rt.dispatcher.Close(ctx); dropped > 0 {
		rt.logger.Warn("async web hooks cancelled at unload", zap.Int("dropped", dropped), zap.Duration("drain_timeout", rt.drain))
	}
	return nil
}

// hooksAt returns the hooks of a point, in configured order.
func (rt *runtime) hooksAt(f kratos.Flow, when string) []*hookRef {
	return rt.points[point{f, when}]
}
