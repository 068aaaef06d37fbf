package gateway

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// tracerName names the gateway's spans' instrumentation scope.
const tracerName = "github.com/caddy-ory-actions/caddy-ory-actions"

// startSpan starts a child of the span in ctx with that span's own tracer
// provider: with Caddy's `tracing` directive on, the request span Caddy
// started; without it, a no-op span that costs nothing. The gateway never
// installs a provider of its own.
func startSpan(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	tp := trace.SpanFromContext(ctx).TracerProvider()
	return tp.Tracer(tracerName).Start(ctx, name, trace.WithAttributes(attrs...), trace.WithSpanKind(trace.SpanKindClient))
}

// hookSpan is the span of one web hook call (all its attempts).
func hookSpan(ctx context.Context, ref *hook, flow kratos.Flow, delivery string) (context.Context, trace.Span) {
	return startSpan(ctx, "ory_actions.webhook "+ref.id,
		attribute.String("ory_actions.hook", ref.id),
		attribute.String("ory_actions.flow", string(flow)),
		attribute.String("ory_actions.delivery", delivery))
}

// endHookSpan records a call's outcome on its span.
func endHookSpan(span trace.Span, out hooks.Outcome) {
	span.SetAttributes(
		attribute.Int("ory_actions.attempts", out.Attempts),
		attribute.Int("http.response.status_code", out.Status),
		attribute.String("ory_actions.outcome", out.Label()))
	if out.Kind == hooks.Fail && out.Err != nil {
		span.RecordError(out.Err)
	}
	span.End()
}

// traceHeaders carries the trace to web hooks (W3C traceparent and
// tracestate), so a receiver's spans join it: the hook call's span when
// tracing is on, else the trace context the client sent, unchanged.
func traceHeaders(ctx context.Context, r *http.Request) http.Header {
	h := http.Header{}
	if trace.SpanContextFromContext(ctx).IsValid() {
		propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(h))
		return h
	}
	tp := r.Header.Get("Traceparent")
	if tp == "" {
		return nil
	}
	h["Traceparent"] = []string{tp}
	if ts := r.Header.Get("Tracestate"); ts != "" {
		h["Tracestate"] = []string{ts}
	}
	return h
}
