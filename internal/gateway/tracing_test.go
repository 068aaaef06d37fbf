package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// With a tracer in the request's context (Caddy's tracing directive), each
// hook call is a child span of the request's, and the receiver gets that
// span as its traceparent.
func TestHookCallsAreChildSpans(t *testing.T) {
	var traceparent string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traceparent = r.Header.Get("Traceparent")
		w.WriteHeader(http.StatusOK)
	}))
	defer rc.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx, parent := tp.Tracer("caddy").Start(context.Background(), "request")

	gw, err := New(context.Background(), Config{KratosPublicURL: "http://127.0.0.1:1", Key: ProcessKey(), Hooks: []HookSpec{
		{ID: "crm", Flow: kratos.Registration, When: After, Policy: hooks.DefaultPolicy(), Config: hooks.Config{URL: rc.URL, Method: "POST"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	req := httptest.NewRequest("POST", "/self-service/registration", nil).WithContext(ctx)
	res := gw.runHooks(ctx, kratos.Registration, gw.hooksAt(kratos.Registration, After), ctxParts{flow: []byte(`{}`), req: req}, nil)
	parent.End()
	if res.fail != nil {
		t.Fatalf("hook failed: %+v", res.fail)
	}
	var hookSpan sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "ory_actions.webhook crm" {
			hookSpan = s
		}
	}
	if hookSpan == nil {
		t.Fatalf("no hook span among %d ended spans", len(rec.Ended()))
	}
	if hookSpan.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Fatal("the hook span is not a child of the request span")
	}
	if !strings.Contains(traceparent, hookSpan.SpanContext().SpanID().String()) || !strings.Contains(traceparent, parent.SpanContext().TraceID().String()) {
		t.Fatalf("the receiver's traceparent %q is not the hook span", traceparent)
	}
}
