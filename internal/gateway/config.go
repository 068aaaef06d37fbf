package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/durable"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// Config is everything New needs. The host (the Caddy module) fills it
// from its own configuration with every placeholder already resolved.
type Config struct {
	// KratosPublicURL and KratosAdminURL locate Kratos's APIs; the admin
	// URL may be empty when no hook needs it (identity patches,
	// compensations).
	KratosPublicURL, KratosAdminURL string
	// SchemaID is Kratos's identity.default_schema_id.
	SchemaID string
	// Key seals carry tokens, continuation tokens and gateway error ids
	// (see DeriveKey).
	Key [32]byte
	// Hooks are the web hooks in configured order.
	Hooks []HookSpec
	// RequestHeaders replaces Kratos's ctx.request_headers allow-list when
	// not empty.
	RequestHeaders []string
	// MaxBodySize caps client bodies read on intercepted requests and the
	// Kratos answers buffered for rewriting.
	MaxBodySize int64
	// UIURLs are configured flow UI URLs; others are learned.
	UIURLs map[kratos.Flow]string
	// ErrorUIURL is Kratos's selfservice.flows.error.ui_url.
	ErrorUIURL string
	// Render bounds Jsonnet evaluation.
	Render render.Options
	// AsyncWorkers and AsyncQueue size the response.ignore dispatcher;
	// DrainTimeout bounds Close.
	AsyncWorkers, AsyncQueue int
	DrainTimeout             time.Duration
	// Durable, when set, takes response.ignore deliveries instead of the
	// in-memory dispatcher: each is rendered and stored (Publish returns
	// once it is) before the client is answered, and the host's queue
	// sends it with the senders DurableSenders returns.
	Durable DurablePublisher
	// Shared, when set, shares the interrupts of API flows and learned UI
	// URLs with the other gateways of a fleet.
	Shared SharedState
	// Metrics is the registry for the gateway's collectors; nil turns
	// metrics off.
	Metrics prometheus.Registerer
	// Logger receives every log line; nil means zap.NewNop.
	Logger *zap.Logger
	// LogBodies adds each rendered web hook body to its delivery log entry
	// (for debugging and replay; bodies hold personal data, so it is off by
	// default).
	LogBodies bool
	// Publish, when set, exposes a result of the request to the host (Caddy
	// placeholders http.ory_actions.<key>); ClearPublished drops earlier
	// values of the same request.
	Publish        func(ctx context.Context, key, value string)
	ClearPublished func(ctx context.Context)
	// TrustForwarded reports whether the request's X-Forwarded-Host and
	// X-Forwarded-Proto come from a trusted proxy. Kratos behind the host's
	// reverse proxy sees them only then (the proxy overwrites them
	// otherwise), so ctx.request_url must follow the same rule. Nil trusts
	// nobody.
	TrustForwarded func(r *http.Request) bool
}

// DurablePublisher stores a delivery so that it survives a crash.
type DurablePublisher interface {
	Publish(ctx context.Context, d durable.Delivery) error
}

// When is the side of a flow a hook runs on.
type When string

// Before hooks run when a flow is created, after hooks when it completes.
const (
	Before When = "before"
	After  When = "after"
)

// HookSpec is one configured web hook.
type HookSpec struct {
	// ID names the hook in logs, metrics and placeholders.
	ID string
	// Flow and When say where the hook runs; Method restricts an after hook
	// to one Kratos method ("" = every method).
	Flow   kratos.Flow
	When   When
	Method string
	// Config is Kratos's web_hook config; Policy its delivery policy.
	Config hooks.Config
	Policy hooks.Policy
	// ContinueOnError lets the flow go on when this (non-parse) hook fails.
	ContinueOnError bool
}

// Defaults for what a Config leaves at zero.
const (
	DefaultMaxBodySize  = 1 << 20
	DefaultWorkers      = 8
	DefaultQueue        = 1024
	DefaultDrainTimeout = 10 * time.Second
	DefaultSchemaID     = "default"
)
