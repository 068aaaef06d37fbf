package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// ctxParts are the pieces of a Jsonnet ctx that stay fixed across the hooks
// of one point; the identity may change when a hook patches it.
type ctxParts struct {
	flow      []byte
	transient []byte
	req       *http.Request
	session   []byte
}

// pointResult is what the hooks of one point decided together.
type pointResult struct {
	// interrupt holds the messages of the hook that interrupted, if any.
	interrupt []hooks.Message
	// fail is set when a hook failed and the flow must stop.
	fail *failure
	// identity is the identity after every patch (nil when none was given).
	identity []byte
	// patched lists the identity fields hooks replaced, in order, with the
	// last value each took.
	patched []patchedField
	// decidedBy is the hook that interrupted.
	decidedBy string
}

// runSync runs the synchronous hooks of a point in order. A patch is applied
// to the working identity before the next hook renders its ctx.
func (gw *Gateway) runSync(ctx context.Context, flow kratos.Flow, hs []*hook, parts ctxParts, identity []byte) pointResult {
	res := gw.runHooks(ctx, flow, hs, parts, identity)
	gw.publishResult(ctx, res)
	return res
}

// runHooks is runSync without publishing the result.
func (gw *Gateway) runHooks(ctx context.Context, flow kratos.Flow, hs []*hook, parts ctxParts, identity []byte) pointResult {
	res := pointResult{identity: identity}
	for _, ref := range hs {
		// One delivery id per hook call, the same on every retry of it:
		// a signed delivery's webhook-id, a receiver's idempotency key.
		out, skipped := gw.runOne(ctx, flow, ref, parts, res.identity, uuid.NewString())
		if skipped {
			gw.publishValue(ctx, "hooks."+ref.id+".outcome", "cancel")
			continue
		}
		gw.publishValue(ctx, "hooks."+ref.id+".outcome", out.Label())
		switch out.Kind {
		case hooks.Interrupt:
			res.interrupt, res.decidedBy = out.Messages, ref.id
			return res
		case hooks.Patch:
			res.identity, res.patched = applyPatch(res.identity, res.patched, out.Identity)
		case hooks.Fail:
			if ref.spec.ContinueOnError {
				continue
			}
			res.fail = failureOf(ref, out)
			return res
		}
	}
	return res
}

// runOne renders and calls one hook. skipped reports a Jsonnet `error
// "cancel"`; a template failure comes back as a Fail outcome.
func (gw *Gateway) runOne(ctx context.Context, flow kratos.Flow, ref *hook, parts ctxParts, identity []byte, trigger string) (hooks.Outcome, bool) {
	body, err := gw.renderBody(ctx, ref, parts, identity)
	if errors.Is(err, render.ErrCancel) {
		gw.logger.Debug("web hook cancelled by its template", zap.String("hook", ref.id), zap.String("flow", string(flow)))
		gw.metrics.outcome(ref.id, string(flow), "cancel")
		return hooks.Outcome{}, true
	}
	if err != nil {
		gw.logger.Error("web hook template failed", zap.String("hook", ref.id), zap.String("flow", string(flow)), zap.Error(err))
		gw.metrics.outcome(ref.id, string(flow), "fail_template")
		return hooks.Outcome{Kind: hooks.Fail, Failure: hooks.FailConfig, Err: errTemplate}, false
	}
	start := time.Now()
	ctx, span := hookSpan(ctx, ref, flow, trigger)
	out := ref.call.Call(ctx, body, gw.trigger(ctx, parts.req, ref, flow, trigger))
	endHookSpan(span, out)
	gw.metrics.outcome(ref.id, string(flow), out.Label())
	gw.logDelivery(ref, flow, trigger, body, out, time.Since(start), false)
	return out, false
}

// errTemplate is the client-facing text of a template failure; the Jsonnet
// trace may quote ctx values, so it goes to the log only.
var errTemplate = errors.New("the web hook's body template could not be evaluated")

// renderBody builds the ctx and evaluates the hook's template.
func (gw *Gateway) renderBody(ctx context.Context, ref *hook, parts ctxParts, identity []byte) ([]byte, error) {
	if ref.tmpl == nil {
		return nil, nil
	}
	// The ctx document only lives for the evaluation (render keeps no
	// reference to it), so its buffer is pooled.
	buf := getBuf()
	defer putBuf(buf)
	in := gw.ctxInput(parts, identity)
	in.TopLevelTransientPayload = ref.tmpl.ReadsCtxField("transient_payload")
	c := kratos.BuildCtx(buf.AvailableBuffer(), in)
	out, err := ref.tmpl.Evaluate(ctx, c)
	buf.Write(c) // hand the grown storage back to the pool
	return out, err
}

// ctxInput is what BuildCtx needs for one hook point.
func (gw *Gateway) ctxInput(parts ctxParts, identity []byte) kratos.CtxInput {
	return kratos.CtxInput{
		Flow:             parts.flow,
		TransientPayload: parts.transient,
		Request:          parts.req,
		HeaderAllowList:  gw.headerAllow,
		Identity:         identity,
		Session:          parts.session,
		RequestURL:       kratos.RequestURLBehindProxy(parts.req, gw.trustForwarded != nil && gw.trustForwarded(parts.req)),
	}
}

// trigger describes one hook invocation to package hooks; it logs each
// attempt as one line.
func (gw *Gateway) trigger(ctx context.Context, r *http.Request, ref *hook, flow kratos.Flow, id string) hooks.Trigger {
	return hooks.Trigger{
		ID:     id,
		Header: traceHeaders(ctx, r),
		Observe: func(a hooks.Attempt) {
			gw.metrics.attempt(ref.id, a)
			fields := []zap.Field{
				zap.String("hook", ref.id),
				zap.String("flow", string(flow)),
				zap.Int("attempt", a.Number),
				zap.Int("status", a.Status),
				zap.Duration("duration", a.Duration),
				zap.Bool("retry", a.Retry),
			}
			if a.Stopped != "" {
				fields = append(fields, zap.String("stopped", a.Stopped))
			}
			if a.Err != nil {
				gw.logger.Warn("web hook attempt failed", append(fields, zap.Error(a.Err))...)
				return
			}
			gw.logger.Info("web hook attempt", fields...)
		},
	}
}

// dispatchAsync renders and calls response.ignore hooks off the request
// path. The ctx bytes are copied now: the request and its buffers are gone
// by the time the job runs.
func (gw *Gateway) dispatchAsync(ctx context.Context, flow kratos.Flow, hs []*hook, parts ctxParts, identity []byte) {
	if len(hs) == 0 {
		return
	}
	// One ctx serves every async hook of the point (the jobs only read it),
	// one more for templates that read the top-level transient_payload.
	in := gw.ctxInput(parts, identity)
	plain := kratos.BuildCtx(nil, in)
	var withTop []byte
	for _, ref := range hs {
		ref := ref
		c := plain
		if ref.tmpl != nil && ref.tmpl.ReadsCtxField("transient_payload") {
			if withTop == nil {
				top := in
				top.TopLevelTransientPayload = true
				withTop = kratos.BuildCtx(nil, top)
			}
			c = withTop
		}
		trigger := uuid.NewString()
		if gw.durable != nil && gw.publishDurable(ctx, flow, ref, c, trigger, parts.req) {
			continue
		}
		// The async call's span is a child of the request's span (which may
		// end first: the client does not wait for it), on the job's context.
		parent := trace.SpanFromContext(ctx)
		ok := gw.dispatcher.Submit(func(jobCtx context.Context) {
			var body []byte
			if ref.tmpl != nil {
				var err error
				body, err = ref.tmpl.Evaluate(jobCtx, c)
				if errors.Is(err, render.ErrCancel) {
					gw.metrics.outcome(ref.id, string(flow), "cancel")
					return
				}
				if err != nil {
					gw.logger.Error("async web hook template failed", zap.String("hook", ref.id), zap.Error(err))
					gw.metrics.outcome(ref.id, string(flow), "fail_template")
					return
				}
			}
			start := time.Now()
			callCtx, span := hookSpan(trace.ContextWithSpan(jobCtx, parent), ref, flow, trigger)
			out := ref.call.Call(callCtx, body, gw.trigger(callCtx, parts.req, ref, flow, trigger))
			endHookSpan(span, out)
			gw.metrics.outcome(ref.id, string(flow), out.Label())
			gw.logDelivery(ref, flow, trigger, body, out, time.Since(start), true)
			if out.Kind == hooks.Fail {
				gw.logger.Warn("async web hook failed; the error is ignored as response.ignore asks", zap.String("hook", ref.id), zap.Int("attempts", out.Attempts), zap.Error(out.Err))
			}
		})
		if !ok {
			gw.logger.Error("async web hook dropped: queue full", zap.String("hook", ref.id), zap.String("flow", string(flow)))
			gw.metrics.drop(ref.id)
		}
	}
}

// failureOf maps a failed outcome to the status the client gets: failures
// keep their true status (502 unusable answer, 504 timeout, 500 template
// error), where Kratos answers an uncoded 400 or 500.
func failureOf(ref *hook, out hooks.Outcome) *failure {
	f := &failure{status: http.StatusBadGateway, hook: ref.id}
	switch out.Failure {
	case hooks.FailTimeout:
		f.status = http.StatusGatewayTimeout
	case hooks.FailConfig:
		f.status = http.StatusInternalServerError
	}
	if out.Err != nil {
		f.message = out.Err.Error()
	}
	return f
}

// splitAsync separates response.ignore hooks, which never hold up a client.
func splitAsync(hs []*hook) (sync, async []*hook) {
	for _, h := range hs {
		if h.async {
			async = append(async, h)
		} else {
			sync = append(sync, h)
		}
	}
	return sync, async
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
