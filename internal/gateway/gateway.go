package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// Upstream is what the gateway hands requests on to: Kratos, through the
// host's proxy. It returns an error as Caddy's handlers do, so that the
// host's error handling still sees what the proxy reported.
type Upstream interface {
	ServeHTTP(http.ResponseWriter, *http.Request) error
}

// UpstreamFunc adapts a function to Upstream.
type UpstreamFunc func(http.ResponseWriter, *http.Request) error

// ServeHTTP calls f.
func (f UpstreamFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) error { return f(w, r) }

// Gateway is everything New builds from a Config and ServeHTTP only reads.
// It is immutable after New, so one value serves all requests at once.
type Gateway struct {
	kratos      *kratos.Client
	points      map[point][]*hook
	interested  map[kratos.Flow]phaseSet
	dispatcher  *hooks.Dispatcher
	durable     DurablePublisher
	stopSharing func() // set by shareState
	drain       time.Duration
	headerAllow map[string]struct{}
	sealer      *kratos.Sealer
	ui          *uiURLs
	schemaID    string
	maxBody     int64
	schemas     *schemaCache
	metrics     *metrics
	flows       *flowCache
	interrupts  *interrupts
	logger      *zap.Logger
	logBodies   bool
	// oidc is set when an after hook applies to social sign-in (OIDC).
	oidc bool

	publish        func(ctx context.Context, key, value string)
	clearPublished func(ctx context.Context)
	trustForwarded func(r *http.Request) bool
}

// point is a hook point: a flow and before or after.
type point struct {
	flow kratos.Flow
	when When
}

// phaseSet says which sides of a flow have hooks, so that requests no hook
// concerns pass after one map lookup.
type phaseSet struct{ before, after bool }

// hook is one configured web hook, ready to run.
type hook struct {
	id     string
	spec   HookSpec
	call   *hooks.Hook
	tmpl   *render.Template // nil when the config has no body
	parse  bool
	async  bool
	method string
}

// New compiles every template and prepares the clients, so that nothing but
// the request itself is left for ServeHTTP. ctx bounds template loading
// (http(s):// templates are fetched here).
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	gw := &Gateway{
		points:         map[point][]*hook{},
		interested:     map[kratos.Flow]phaseSet{},
		drain:          orDefault(cfg.DrainTimeout, DefaultDrainTimeout),
		schemaID:       cfg.SchemaID,
		maxBody:        cfg.MaxBodySize,
		logger:         cfg.Logger,
		logBodies:      cfg.LogBodies,
		publish:        cfg.Publish,
		clearPublished: cfg.ClearPublished,
		trustForwarded: cfg.TrustForwarded,
		durable:        cfg.Durable,
	}
	if gw.logger == nil {
		gw.logger = zap.NewNop()
	}
	if gw.schemaID == "" {
		gw.schemaID = DefaultSchemaID
	}
	if gw.maxBody <= 0 {
		gw.maxBody = DefaultMaxBodySize
	}
	var err error
	if gw.sealer, err = kratos.NewSealer(cfg.Key); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	gw.ui = newUIURLs(cfg.UIURLs, cfg.ErrorUIURL)
	gw.flows = newFlowCache()
	gw.interrupts = newInterrupts()
	if gw.metrics, err = newMetrics(cfg.Metrics); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	gw.headerAllow = headerAllowList(cfg.RequestHeaders)
	if gw.kratos, err = kratos.NewClient(cfg.KratosPublicURL, cfg.KratosAdminURL, nil); err != nil {
		return nil, fmt.Errorf("kratos: %w", err)
	}
	gw.schemas = newSchemaCache(gw.kratos)

	webhookClient := newWebhookClient()
	renderOpts := cfg.Render
	logger := gw.logger
	renderOpts.OnFastPathPanic = func(p render.FastPathPanic) {
		// The evaluation fell back to go-jsonnet and is correct; the panic
		// is a bug of the fast path worth a report.
		logger.Error("the Jsonnet fast path panicked; the template was evaluated by go-jsonnet instead",
			zap.String("template", p.Template), zap.Any("panic", p.Value), zap.ByteString("stack", p.Stack))
	}
	for i, spec := range cfg.Hooks {
		h, err := compileHook(ctx, spec, renderOpts, webhookClient)
		if err != nil {
			return nil, fmt.Errorf("hooks[%d] (%s): %w", i, spec.ID, err)
		}
		p := point{spec.Flow, spec.When}
		gw.points[p] = append(gw.points[p], h)
		ps := gw.interested[spec.Flow]
		if spec.When == Before {
			ps.before = true
		} else {
			ps.after = true
		}
		gw.interested[spec.Flow] = ps
	}
	gw.oidc = gw.oidcHooked()
	if err := gw.learnErrorUI(ctx); err != nil {
		return nil, err
	}
	if cfg.Shared != nil {
		// Last: nothing after it can fail and leave the watchers running.
		if err := gw.shareState(cfg.Shared); err != nil {
			return nil, fmt.Errorf("shared state: %w", err)
		}
	}
	gw.dispatcher = hooks.NewDispatcher(orDefault(cfg.AsyncWorkers, DefaultWorkers), orDefault(cfg.AsyncQueue, DefaultQueue))
	return gw, nil
}

// learnErrorUI asks Kratos for its error UI URL at load when none is
// configured and a hook may need it (HTML clients of a stopped flow are
// sent there). Kratos that answers without revealing it fails the load,
// naming the key; Kratos that cannot be reached yet is asked again when the
// URL is first needed.
func (gw *Gateway) learnErrorUI(ctx context.Context) error {
	if gw.ui.errorURL != "" || len(gw.points) == 0 {
		return nil
	}
	probeCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	found, err := gw.kratos.ErrorUIURL(probeCtx)
	switch {
	case err != nil:
		gw.logger.Warn("Kratos is not reachable to tell its error UI URL; it is asked again when first needed", zap.Error(err))
	case found == "":
		return fmt.Errorf("error_ui_url: required: Kratos does not reveal its error UI URL (its HTML login init with a refused return_to did not redirect there)")
	default:
		gw.ui.learnedError.Store(&found)
		gw.logger.Info("learned the error UI URL from Kratos", zap.String("error_ui_url", found))
	}
	return nil
}

// compileHook loads and compiles the hook's template and builds its caller.
func compileHook(ctx context.Context, spec HookSpec, opts render.Options, client *http.Client) (*hook, error) {
	h := &hook{id: spec.ID, spec: spec, parse: spec.Config.Parses(), async: spec.Config.Async(), method: spec.Method}
	if spec.Config.Body != "" {
		name, code, err := render.Load(ctx, spec.Config.Body, opts)
		if err != nil {
			return nil, fmt.Errorf("config.body: %w", err)
		}
		if h.tmpl, err = render.Compile(name, code, opts); err != nil {
			return nil, fmt.Errorf("config.body: %w", err)
		}
	}
	var err error
	if h.call, err = hooks.New(spec.Config, spec.Policy, client); err != nil {
		return nil, fmt.Errorf("config.%w", err)
	}
	return h, nil
}

// orDefault returns v, or def when v is not positive.
func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// headerAllowList builds the ctx.request_headers allow-list.
func headerAllowList(names []string) map[string]struct{} {
	if len(names) == 0 {
		return kratos.DefaultHeaderAllowList
	}
	allow := make(map[string]struct{}, len(names))
	for _, n := range names {
		allow[textproto.CanonicalMIMEHeaderKey(n)] = struct{}{}
	}
	return allow
}

// Close drains async hooks within the configured deadline.
func (gw *Gateway) Close() error {
	if gw == nil || gw.dispatcher == nil {
		return nil
	}
	if gw.stopSharing != nil {
		gw.stopSharing()
	}
	ctx, cancel := context.WithTimeout(context.Background(), gw.drain)
	defer cancel()
	if dropped := gw.dispatcher.Close(ctx); dropped > 0 {
		gw.logger.Warn("async web hooks cancelled at unload", zap.Int("dropped", dropped), zap.Duration("drain_timeout", gw.drain))
	}
	return nil
}

// hooksAt returns the hooks of a point, in configured order.
func (gw *Gateway) hooksAt(f kratos.Flow, when When) []*hook {
	return gw.points[point{f, when}]
}

// Interested reports whether any hook runs on that side of the flow.
func (gw *Gateway) Interested(f kratos.Flow, when When) bool {
	ps := gw.interested[f]
	if when == Before {
		return ps.before
	}
	return ps.after
}
