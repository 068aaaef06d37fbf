package oryactions

import (
	"bytes"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// submission is a self-service submit the gateway intercepts: the decoded
// body, the flow as Kratos stores it, and the hooks that apply.
type submission struct {
	route kratos.Route
	sub   kratos.Submit
	body  []byte
	// flow is the submitted flow as Kratos has it stored, including the
	// messages of an earlier interrupt the browser carries back.
	flow               []byte
	parse, post, async []*hookRef
	// sync are the non-async hooks in configured order (login runs parse
	// and non-parse hooks together, after Kratos succeeded).
	sync  []*hookRef
	carry bool
}

// flowType is "api" or "browser".
func (s *submission) flowType() string { return gjson.GetBytes(s.flow, "type").String() }

// form reports whether the client gets redirects rather than JSON.
func (s *submission) form(r *http.Request) bool { return formClient(r, s.flowType()) }

// beginSubmit reads the body and fetches the flow. It returns nil when no
// hook applies or Kratos will refuse the submit anyway: the request has then
// been passed to next (or answered, for an oversized body).
func (rt *runtime) beginSubmit(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, route kratos.Route) (*submission, error) {
	// Every submit may change the stored flow: a cached copy is used by
	// this submit at most, never by a later one.
	var flow []byte
	if cacheable(route.Flow) {
		flow = rt.flows.take(route.FlowID, csrfCookieValue(r, nil), time.Now())
	}
	sub, body, ok := rt.readSubmit(w, r)
	if !ok {
		return nil, nil
	}
	hs := selectMethod(rt.hooksAt(route.Flow, "after"), sub.Method)
	if len(hs) == 0 || body == nil {
		return nil, next.ServeHTTP(w, r)
	}
	if flow == nil {
		var unreachable bool
		if flow, unreachable = rt.submittedFlow(r, route); unreachable {
			rt.answerJSONError(w, kratos.WebhookFailed(http.StatusBadGateway, "the flow could not be loaded from Kratos"))
			return nil, nil
		}
	}
	if flow == nil {
		// Unknown, expired or foreign flow: Kratos refuses it itself and no
		// hook would have run.
		return nil, next.ServeHTTP(w, r)
	}
	s := &submission{route: route, sub: sub, body: body, flow: flow}
	s.parse, s.post, s.async = partition(hs)
	for _, h := range hs {
		if !h.cfg.Config.Async() {
			s.sync = append(s.sync, h)
		}
	}
	if c, ok := kratos.OpenCarry(rt.sealer, r, route.FlowID, time.Now()); ok && c.Flow == route.Flow {
		// Kratos keeps an interrupt's messages in the stored flow, so the
		// next hook's ctx.flow shows them; the browser carried them back.
		if withMsgs, err := c.Apply(flow, rt.carryMapOptions(r.Context(), c, flow)); err == nil {
			s.flow = withMsgs
		}
		s.carry = true
	}
	return s, nil
}

// forwardSubmit sends the (possibly rewritten) submit to Kratos and buffers
// the answers after which hooks may run. A carried interrupt is cleared:
// Kratos now decides what the stored flow shows.
func (rt *runtime) forwardSubmit(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, s *submission, buf *bytes.Buffer, want func(int, http.Header) bool) (recorded, bool, error) {
	setBody(r, s.body)
	if s.carry {
		http.SetCookie(w, kratos.ExpiredCarryCookie(r.TLS != nil))
	}
	return forward(w, r, next, buf, want)
}

// successAnswers buffers what a successful submit looks like: a JSON 200,
// or a redirect (form clients).
func successAnswers(status int, h http.Header) bool {
	return (status == http.StatusOK && isJSONAnswer(h)) || status == http.StatusSeeOther || status == http.StatusFound
}

// schemaFor returns the compiled identity schema, answering a 502 when
// Kratos cannot serve it (parse hooks must not be skipped silently).
func (rt *runtime) schemaFor(w http.ResponseWriter, r *http.Request, s *submission, id string) *kratos.Schema {
	schema, err := rt.schemas.get(r.Context(), id)
	if err != nil {
		rt.logger.Error("identity schema unavailable; parse hooks cannot run", zap.String("schema_id", id), zap.Error(err))
		rt.answerFailure(w, r, s.route.Flow, s.flow, &failure{status: http.StatusBadGateway, message: "the identity schema could not be fetched from Kratos"})
		return nil
	}
	return schema
}

// refused reports whether Kratos will refuse the submit before its hooks.
func (rt *runtime) refused(r *http.Request, s *submission, schema *kratos.Schema) bool {
	reason := kratos.SubmitRefusal(kratos.SubmitCheck{
		Flow: s.route.Flow, FlowJSON: s.flow, Request: r, Submit: s.sub,
		Method: s.sub.Method, Schema: schema, Now: time.Now(),
	})
	if reason != "" {
		rt.logger.Debug("Kratos will refuse this submit; parse hooks skipped", zap.String("flow", string(s.route.Flow)), zap.String("reason", reason))
	}
	return reason != ""
}

// splitPatches separates a traits patch, which rewrites the submit before
// Kratos validates and stores it, from the other fields, which the admin
// API writes afterwards.
func splitPatches(fields []patchedField) (traits []byte, others []patchedField) {
	for _, f := range fields {
		if f.name == "traits" {
			traits = f.value
			continue
		}
		others = append(others, f)
	}
	return traits, others
}
