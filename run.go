package oryactions

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
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

// failure is a hook failure on its way to the client.
type failure struct {
	status  int
	message string
	hook    string
}

// patchedField is one identity field a hook replaced.
type patchedField struct {
	name  string
	value []byte
}

// patchableFields are the identity fields a web hook may replace (SPEC §8).
var patchableFields = []string{"traits", "schema_id", "state", "verifiable_addresses", "recovery_addresses", "metadata_public", "metadata_admin"}

// runSync runs the synchronous hooks of a point in order. A patch is applied
// to the working identity before the next hook renders its ctx.
func (rt *runtime) runSync(ctx context.Context, flow kratos.Flow, hs []*hookRef, parts ctxParts, identity []byte) pointResult {
	res := rt.runHooks(ctx, flow, hs, parts, identity)
	publishResult(ctx, res)
	return res
}

// runHooks is runSync without publishing the result.
func (rt *runtime) runHooks(ctx context.Context, flow kratos.Flow, hs []*hookRef, parts ctxParts, identity []byte) pointResult {
	res := pointResult{identity: identity}
	trigger := uuid.NewString()
	for _, ref := range hs {
		out, skipped := rt.runOne(ctx, flow, ref, parts, res.identity, trigger)
		if skipped {
			publish(ctx, "hooks."+ref.id+".outcome", "cancel")
			continue
		}
		publish(ctx, "hooks."+ref.id+".outcome", outcomeLabel(out))
		switch out.Kind {
		case hooks.Interrupt:
			res.interrupt, res.decidedBy = out.Messages, ref.id
			return res
		case hooks.Patch:
			res.identity, res.patched = applyPatch(res.identity, res.patched, out.Identity)
		case hooks.Fail:
			if ref.cfg.OnError == "continue" {
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
func (rt *runtime) runOne(ctx context.Context, flow kratos.Flow, ref *hookRef, parts ctxParts, identity []byte, trigger string) (hooks.Outcome, bool) {
	body, err := rt.renderBody(ctx, ref, parts, identity)
	if errors.Is(err, render.ErrCancel) {
		rt.logger.Debug("web hook cancelled by its template", zap.String("hook", ref.id), zap.String("flow", string(flow)))
		rt.metrics.outcome(ref.id, string(flow), "cancel")
		return hooks.Outcome{}, true
	}
	if err != nil {
		rt.logger.Error("web hook template failed", zap.String("hook", ref.id), zap.String("flow", string(flow)), zap.Error(err))
		rt.metrics.outcome(ref.id, string(flow), "fail_template")
		return hooks.Outcome{Kind: hooks.Fail, Failure: hooks.FailConfig, Err: errTemplate}, false
	}
	out := ref.call.Call(ctx, body, rt.trigger(parts.req, ref, flow, trigger))
	rt.metrics.outcome(ref.id, string(flow), outcomeLabel(out))
	return out, false
}

// errTemplate is the client-facing text of a template failure; the Jsonnet
// trace may quote ctx values, so it goes to the log only.
var errTemplate = errors.New("the web hook's body template could not be evaluated")

// renderBody builds the ctx and evaluates the hook's template.
func (rt *runtime) renderBody(ctx context.Context, ref *hookRef, parts ctxParts, identity []byte) ([]byte, error) {
	if ref.tmpl == nil {
		return nil, nil
	}
	// The ctx document only lives for the evaluation (render keeps no
	// reference to it), so its buffer is pooled.
	buf := getBuf()
	defer putBuf(buf)
	c := kratos.BuildCtx(buf.AvailableBuffer(), rt.ctxInput(parts, identity))
	out, err := ref.tmpl.Evaluate(ctx, c)
	buf.Write(c) // hand the grown storage back to the pool
	return out, err
}

// ctxInput is what BuildCtx needs for one hook point.
func (rt *runtime) ctxInput(parts ctxParts, identity []byte) kratos.CtxInput {
	return kratos.CtxInput{
		Flow:             parts.flow,
		TransientPayload: parts.transient,
		Request:          parts.req,
		HeaderAllowList:  rt.headerAllow,
		Identity:         identity,
		Session:          parts.session,
	}
}

// trigger describes one hook invocation to package hooks; it logs each
// attempt as one line.
func (rt *runtime) trigger(r *http.Request, ref *hookRef, flow kratos.Flow, id string) hooks.Trigger {
	return hooks.Trigger{
		ID:     id,
		Header: traceHeaders(r),
		Observe: func(a hooks.Attempt) {
			rt.metrics.attempt(ref.id, a)
			fields := []zap.Field{
				zap.String("hook", ref.id),
				zap.String("flow", string(flow)),
				zap.Int("attempt", a.Number),
				zap.Int("status", a.Status),
				zap.Duration("duration", a.Duration),
				zap.Bool("retry", a.Retry),
			}
			if a.Err != nil {
				rt.logger.Warn("web hook attempt failed", append(fields, zap.Error(a.Err))...)
				return
			}
			rt.logger.Info("web hook attempt", fields...)
		},
	}
}

// dispatchAsync renders and calls response.ignore hooks off the request
// path. The ctx bytes are copied now: the request and its buffers are gone
// by the time the job runs.
func (rt *runtime) dispatchAsync(ctx context.Context, flow kratos.Flow, hs []*hookRef, parts ctxParts, identity []byte) {
	if len(hs) == 0 {
		return
	}
	trigger := uuid.NewString()
	// One ctx serves every async hook of the point: the jobs only read it.
	c := kratos.BuildCtx(nil, rt.ctxInput(parts, identity))
	for _, ref := range hs {
		ref := ref
		tr := rt.trigger(parts.req, ref, flow, trigger)
		ok := rt.dispatcher.Submit(func(jobCtx context.Context) {
			var body []byte
			if ref.tmpl != nil {
				var err error
				body, err = ref.tmpl.Evaluate(jobCtx, c)
				if errors.Is(err, render.ErrCancel) {
					rt.metrics.outcome(ref.id, string(flow), "cancel")
					return
				}
				if err != nil {
					rt.logger.Error("async web hook template failed", zap.String("hook", ref.id), zap.Error(err))
					rt.metrics.outcome(ref.id, string(flow), "fail_template")
					return
				}
			}
			out := ref.call.Call(jobCtx, body, tr)
			rt.metrics.outcome(ref.id, string(flow), outcomeLabel(out))
			if out.Kind == hooks.Fail {
				rt.logger.Warn("async web hook failed; the error is ignored as response.ignore asks", zap.String("hook", ref.id), zap.Int("attempts", out.Attempts), zap.Error(out.Err))
			}
		})
		if !ok {
			rt.logger.Error("async web hook dropped: queue full", zap.String("hook", ref.id), zap.String("flow", string(flow)))
			rt.metrics.drop(ref.id)
		}
	}
}

// failureOf maps a failed outcome to the status the client gets (DESIGN §4
// "Failures keep their true status").
func failureOf(ref *hookRef, out hooks.Outcome) *failure {
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

// applyPatch replaces each field the answer carries, as Kratos does: a
// present, non-empty field replaces the whole field; nothing is merged.
func applyPatch(identity []byte, patched []patchedField, answer []byte) ([]byte, []patchedField) {
	for _, name := range patchableFields {
		v := gjson.GetBytes(answer, name)
		if !replacesField(name, v) {
			continue
		}
		raw := []byte(v.Raw)
		if updated, err := sjson.SetRawBytes(identity, name, raw); err == nil {
			identity = updated
		}
		patched = upsertField(patched, name, raw)
	}
	return identity, patched
}

// replacesField mirrors Kratos's "present and non-empty" test per field
// type: strings and lists must be non-empty; traits must be an object; the
// metadata fields may be set to null to clear them, as Kratos allows.
func replacesField(name string, v gjson.Result) bool {
	switch {
	case !v.Exists():
		return false
	case name == "traits":
		return v.IsObject()
	case name == "metadata_public" || name == "metadata_admin":
		return true
	case v.Type == gjson.String:
		return v.Str != ""
	case v.IsArray():
		return len(v.Array()) > 0
	}
	return false
}

// patchedString returns a patched string field's value, or "".
func patchedString(fs []patchedField, name string) string {
	for _, f := range fs {
		if f.name == name {
			return gjson.ParseBytes(f.value).String()
		}
	}
	return ""
}

// upsertField records the latest value of a patched field.
func upsertField(fs []patchedField, name string, v []byte) []patchedField {
	for i := range fs {
		if fs[i].name == name {
			fs[i].value = v
			return fs
		}
	}
	return append(fs, patchedField{name: name, value: v})
}
