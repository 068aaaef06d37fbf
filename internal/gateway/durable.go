package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/durable"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// publishTimeout bounds storing one delivery on the request path; past it
// the delivery goes to the in-memory dispatcher rather than be lost.
const publishTimeout = 5 * time.Second

// publishDurable renders a response.ignore hook's body now and stores the
// delivery before the client is answered, so a crash after the answer
// loses nothing. It reports whether the delivery is taken care of (stored,
// cancelled by the template, or failed for good); false sends it the
// in-memory way instead (the store could not be reached), with a log line.
func (gw *Gateway) publishDurable(ctx context.Context, flow kratos.Flow, ref *hook, c []byte, trigger string, r *http.Request) bool {
	var body []byte
	if ref.tmpl != nil {
		var err error
		body, err = ref.tmpl.Evaluate(ctx, c)
		if errors.Is(err, render.ErrCancel) {
			gw.metrics.outcome(ref.id, string(flow), "cancel")
			return true
		}
		if err != nil {
			gw.logger.Error("async web hook template failed", zap.String("hook", ref.id), zap.Error(err))
			gw.metrics.outcome(ref.id, string(flow), "fail_template")
			return true
		}
	}
	d := durable.Delivery{
		Hook: ref.id, Flow: string(flow), URL: ref.call.SafeURL(), Method: ref.spec.Config.Method,
		Body: body, WebhookID: trigger, Created: time.Now(),
	}
	if h := traceHeaders(ctx, r); len(h) > 0 {
		d.Header = map[string]string{}
		for name := range h {
			d.Header[name] = h.Get(name)
		}
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if err := gw.durable.Publish(pctx, d); err != nil {
		gw.logger.Error("durable queue unavailable; this delivery is sent from memory and is lost if the process stops first",
			zap.String("hook", ref.id), zap.String("delivery", trigger), zap.Error(err))
		gw.metrics.outcome(ref.id, string(flow), "durable_unavailable")
		return false
	}
	gw.metrics.outcome(ref.id, string(flow), "queued")
	return true
}

// DurableSenders returns, by hook id, how a durable queue sends a stored
// delivery of this configuration's response.ignore hooks: one attempt with
// the hook's current URL, auth and signing secrets (none of which the queue
// stores), logged and counted like any attempt.
func (gw *Gateway) DurableSenders() map[string]durable.Sender {
	out := map[string]durable.Sender{}
	for _, hs := range gw.points {
		for _, ref := range hs {
			if !ref.async {
				continue
			}
			ref := ref
			out[ref.id] = func(ctx context.Context, d durable.Delivery) (int, error) {
				return gw.sendDurable(ctx, ref, d)
			}
		}
	}
	return out
}

func (gw *Gateway) sendDurable(ctx context.Context, ref *hook, d durable.Delivery) (int, error) {
	trig := hooks.Trigger{ID: d.WebhookID}
	if len(d.Header) > 0 {
		trig.Header = http.Header{}
		for k, v := range d.Header {
			trig.Header.Set(k, v)
		}
	}
	flow := kratos.Flow(d.Flow)
	ctx, span := hookSpan(ctx, ref, flow, d.WebhookID)
	status, took, err := ref.call.Attempt(ctx, d.Body, trig)
	out := hooks.Outcome{Kind: hooks.Continue, Attempts: d.Attempts, Status: status}
	if err != nil || status < 200 || status > 299 {
		out.Kind = hooks.Fail
		out.Failure = hooks.FailUnusable
		out.Err = err
	}
	endHookSpan(span, out)
	gw.metrics.attempt(ref.id, hooks.Attempt{Number: d.Attempts, Status: status, Duration: took, Err: err})
	fields := []zap.Field{
		zap.String("hook", ref.id), zap.String("flow", d.Flow), zap.String("delivery", d.WebhookID),
		zap.Bool("async", true), zap.Bool("durable", true), zap.Int("attempt", d.Attempts),
		zap.Int("status", status), zap.Duration("duration", took),
	}
	if gw.logBodies && d.Body != nil {
		fields = append(fields, zap.ByteString("body", d.Body))
	}
	if out.Kind == hooks.Fail {
		gw.logger.Warn(DeliveryLogMessage, append(fields, zap.String("outcome", "retry_later"), zap.Error(err))...)
		return status, err
	}
	gw.metrics.outcome(ref.id, d.Flow, "async")
	gw.logger.Info(DeliveryLogMessage, append(fields, zap.String("outcome", "async"))...)
	return status, nil
}
