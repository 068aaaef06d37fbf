package gateway

import (
	"bytes"
	"errors"
	"net/http"
	"time"

	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// submission is a self-service submit the gateway intercepts: the values
// as Kratos decodes them, the flow as Kratos stores it, and the hooks that
// apply.
type submission struct {
	sub kratos.Submit
	// body is what goes to Kratos: the (possibly rewritten) body of a POST,
	// or the raw query of a GET submit.
	body []byte
	// flow is the submitted flow as Kratos has it stored, including the
	// messages of an earlier interrupt the browser carries back; nil when
	// Kratos will refuse the submit for a reason found while loading it.
	flow               []byte
	parse, post, async []*hook
	// sync are the non-async hooks in configured order (login runs parse
	// and non-parse hooks together, after Kratos succeeded).
	sync []*hook
	// carry is set when an earlier interrupt of the flow was carried in;
	// carried is that interrupt.
	carry   bool
	carried kratos.Carry
	// refusal says why Kratos will refuse this submit before anything a
	// hook guards: hooks that must run before Kratos acts are then skipped
	// (Kratos would never call them), and Kratos's answer is checked to be
	// that refusal indeed.
	refusal string
	// resumed is set when Kratos will resume a settings change it paused
	// for re-authentication instead of decoding this request.
	resumed bool
	// method is the strategy Kratos will run (kratos.StrategyFor).
	method string
}

// flowType is "api" or "browser" ("" when the flow is unknown).
func (s *submission) flowType() string { return gjson.GetBytes(s.flow, "type").String() }

// form reports whether the client gets redirects rather than JSON.
func (x *exchange) form(s *submission) bool { return formClient(x.r, s.flowType()) }

// serveSubmit routes a submit to its flow's semantics.
func (x *exchange) serveSubmit() {
	s, answered := x.beginSubmit()
	if answered {
		return
	}
	switch x.route.Flow {
	case kratos.Registration:
		x.serveRegistrationSubmit(s)
	case kratos.Login:
		x.serveLoginSubmit(s)
	case kratos.Settings:
		x.serveSettingsSubmit(s)
	case kratos.Recovery, kratos.Verification:
		x.serveCodeSubmit(s)
	}
}

// beginSubmit decodes the submit as Kratos will, selects the hooks that
// apply to its method and loads the flow. It answers the client itself (a
// 413, a 400 for a body Kratos cannot decode either, a 502 when the flow
// cannot be loaded) or passes the request on when no hook applies.
func (x *exchange) beginSubmit() (*submission, bool) {
	gw, f := x.gw, x.route.Flow
	// Every submit may change the stored flow: a cached copy is used by
	// this submit at most, never by a later one.
	var cached []byte
	if cacheable(f) {
		cached = gw.flows.take(x.route.FlowID, kratos.CSRFCookieValue(x.r, nil), time.Now())
	}
	s, answered := x.readSubmit()
	if answered {
		return nil, true
	}
	if f == kratos.Settings {
		x.resumeOrDropContinuity(s)
	}
	strategy := kratos.StrategyFor(f, s.sub, x.r.URL.RawQuery)
	if strategy == "oidc" && gw.oidc && (f == kratos.Registration || f == kratos.Login) {
		return nil, x.beginOIDC(s, cached)
	}
	if strategy == "oidc" && gw.oidc && f == kratos.Settings && oidcCompletes(f, s.sub) && !gw.settingsOIDCHooked() {
		// A link no hook applies to: recorded so that its callback is
		// placed and passed on.
		return nil, x.beginOIDC(s, cached)
	}
	all := gw.hooksAt(f, After)
	if !methodCanApply(all, strategy, f) {
		return nil, x.pass()
	}
	flow, refusal, answered := x.submittedFlow(cached)
	if answered {
		return nil, true
	}
	s.flow, s.refusal = flow, refusal
	method := effectiveMethod(f, kratos.StrategyFor(f, s.sub, x.r.URL.RawQuery), flow)
	s.method = method
	hs := selectMethod(all, method)
	if len(hs) == 0 {
		return nil, x.pass()
	}
	if method == "oidc" && oidcCompletes(f, s.sub) {
		x.refuseOIDC() // a settings link
		return nil, true
	}
	switch {
	case s.refusal != "":
	case method == "":
		s.refusal = "the submit names no method: no Kratos strategy is responsible"
	case x.r.Method == http.MethodGet && !kratos.AcceptsGET(f, method) && !s.resumed:
		s.refusal = "Kratos decodes a " + method + " submit only from a POST"
	}
	s.parse, s.post, s.async = partition(hs)
	s.sync, _ = splitAsync(hs)
	if c, ok := x.carriedInterrupt(); ok && flow != nil {
		// Kratos keeps an interrupt's messages in the stored flow, so the
		// next hook's ctx.flow shows them; the browser carried them back.
		if withMsgs, err := c.Apply(flow, gw.carryMapOptions(x.r.Context(), c, flow)); err == nil {
			s.flow = withMsgs
		}
		s.carry, s.carried = true, c
	}
	return s, false
}

// readSubmit reads the body (POST) and decodes the submit from where
// Kratos reads it. A body over max_body_size gets a 413. A submit Kratos
// cannot decode either (malformed, multipart, unknown Content-Type) is
// refused here rather than forwarded: the gateway cannot tell which hooks
// apply to what it cannot read.
func (x *exchange) readSubmit() (*submission, bool) {
	var body []byte
	if x.r.Method != http.MethodGet {
		var err error
		body, err = readBody(x.r, x.gw.maxBody)
		if errors.Is(err, errBodyTooLarge) {
			x.answerTooLarge()
			return nil, true
		}
		if err != nil {
			x.gw.logger.Debug("could not read the submit body", zap.Error(err))
			x.answerError(badRequest("the request body could not be read"))
			return nil, true
		}
		setBody(x.r, body)
	}
	sub, err := kratos.DecodeSubmit(kratos.SubmitRequest{
		Method: x.r.Method, ContentType: x.r.Header.Get("Content-Type"), RawQuery: x.r.URL.RawQuery,
		Body: body, QueryAndBody: queryAndBody(x.route.Flow),
	}, nil)
	if err != nil {
		x.gw.logger.Info("refused a submit the gateway cannot decode", zap.String("flow", string(x.route.Flow)), zap.Error(err))
		x.answerError(badRequest("the submit could not be decoded; send JSON or a urlencoded form"))
		return nil, true
	}
	s := &submission{sub: sub, body: body}
	if sub.FromQuery {
		s.body = []byte(x.r.URL.RawQuery)
	}
	return s, false
}

// queryAndBody reports the flows whose strategies (code, link) read query
// values as well as the body.
func queryAndBody(f kratos.Flow) bool { return f == kratos.Recovery || f == kratos.Verification }

// badRequest is a 400 envelope.
func badRequest(message string) kratos.Error {
	return kratos.Error{Code: http.StatusBadRequest, Status: http.StatusText(http.StatusBadRequest), Message: message}
}

// submittedFlow loads the flow being submitted with the client's own
// credentials (every Cookie line, Authorization, X-Session-Token), exactly
// as Kratos loads it for the submit. When Kratos answers that the flow does
// not exist (404), has expired (410) or, for settings, that there is no
// session (401), it will refuse the submit for that same reason: refusal
// says so. Any other answer means the gateway cannot establish what the
// hooks need, and the client gets a 502 without Kratos seeing the submit.
func (x *exchange) submittedFlow(cached []byte) (flow []byte, refusal string, answered bool) {
	if cached != nil {
		return cached, "", false
	}
	f := x.route.Flow
	if x.route.FlowID == "" {
		return nil, "the submit names no flow", false
	}
	resp, err := x.gw.kratos.FetchFlow(x.r.Context(), string(f), x.route.FlowID, kratos.CredentialsOf(x.r))
	switch {
	case err != nil || resp.Status >= 500:
		x.gw.logger.Error("fetching the submitted flow from Kratos failed; refused", zap.String("flow", string(f)), zap.Int("status", resp.Status), zap.Error(err))
		return nil, "", x.failClosed(f, nil, "the flow could not be loaded from Kratos")
	case resp.Status == http.StatusOK:
		return resp.Body, "", false
	case resp.Status == http.StatusNotFound || resp.Status == http.StatusGone:
		return nil, "Kratos does not know the flow or it expired", false
	case resp.Status == http.StatusUnauthorized && f == kratos.Settings:
		return nil, "the settings submit carries no session", false
	}
	x.gw.logger.Warn("Kratos refused to show the submitted flow to its submitter; refused", zap.String("flow", string(f)), zap.Int("status", resp.Status))
	var known []byte
	if resp.Status == http.StatusForbidden && gjson.GetBytes(resp.Body, "error.id").String() == "security_csrf_violation" {
		// Only a browser flow is shown to its own CSRF cookie alone (an
		// e-mail link opened in another browser): an HTML client goes to
		// the error UI, as for any failure of a browser flow.
		known = []byte(`{"type":"browser"}`)
	}
	return nil, "", x.failClosed(f, known, "the submitted flow could not be loaded with the client's credentials")
}

// oidcCompletes reports an OIDC submit that completes a flow, or would
// start one whose completion the gateway cannot check: a login or
// registration with a provider (its id_token variant completes at once,
// the other sends the browser to the provider and completes on the
// callback), or a settings link. Settings unlink is an ordinary change.
func oidcCompletes(f kratos.Flow, s kratos.Submit) bool {
	switch f {
	case kratos.Registration, kratos.Login:
		return true
	case kratos.Settings:
		return s.Field("unlink") == ""
	}
	return false
}

// methodCanApply is a cheap early test: could any hook apply, whatever the
// flow turns out to be? Recovery and verification completions may carry no
// method (a link's token), so their method is only known with the flow.
func methodCanApply(hs []*hook, method string, f kratos.Flow) bool {
	if len(hs) == 0 {
		return false
	}
	if method == "" && queryAndBody(f) {
		return true
	}
	return len(selectMethod(hs, method)) > 0
}

// effectiveMethod is the strategy Kratos will run: the submitted method,
// or for recovery and verification, whose links and codes complete without
// one, the flow's active strategy.
func effectiveMethod(f kratos.Flow, method string, flow []byte) string {
	if method == "" && queryAndBody(f) {
		return gjson.GetBytes(flow, "active").String()
	}
	return method
}

// selectMethod keeps the hooks that apply to the submitted method.
func selectMethod(hs []*hook, method string) []*hook {
	var out []*hook
	for _, h := range hs {
		if h.method == "" || h.method == method {
			out = append(out, h)
		}
	}
	return out
}

// partition splits after hooks by when they run: parse hooks before the
// change is persisted, other synchronous hooks after, async ones off-path.
func partition(hs []*hook) (parse, post, async []*hook) {
	for _, h := range hs {
		switch {
		case h.async:
			async = append(async, h)
		case h.parse:
			parse = append(parse, h)
		default:
			post = append(post, h)
		}
	}
	return parse, post, async
}

// forwardSubmit sends the (possibly rewritten) submit to Kratos and buffers
// the answers after which hooks may run. A carried interrupt is cleared:
// Kratos now decides what the stored flow shows.
func (x *exchange) forwardSubmit(s *submission, buf *bytes.Buffer, want func(int, http.Header) bool) (answer, bool) {
	if s.sub.FromQuery {
		x.r.URL.RawQuery = string(s.body)
	} else {
		setBody(x.r, s.body)
	}
	kept, keep := s.carried.Persisting()
	if s.carry {
		// What Kratos would still hold of the interrupt replaces it.
		switch {
		case keep && s.flowType() == "browser":
			x.setCarry(kept)
		case keep:
			x.gw.interrupts.put(kept, time.Now())
		default:
			if x.carry != "" {
				http.SetCookie(x.w, kratos.ExpiredCarryCookie(x.r.TLS != nil))
			}
			x.gw.interrupts.drop(x.route.FlowID)
		}
	}
	keep = keep && s.carry
	// Kratos answers a refused submit with its stored flow, which still has
	// the nodes of the earlier interrupt: the answer gets them too.
	keptFlow := func(status int, h http.Header) bool {
		return keep && status == http.StatusBadRequest && isJSONAnswer(h) && !want(status, h)
	}
	ans, answered := x.forward(buf, func(status int, h http.Header) bool {
		return want(status, h) || keptFlow(status, h)
	})
	if answered || !keptFlow(ans.status, x.w.Header()) {
		return ans, answered
	}
	out, err := kept.Apply(ans.body, x.gw.carryMapOptions(x.r.Context(), kept, ans.body))
	if err != nil {
		out = ans.body
	}
	writeBuffered(x.w, answer{ans.status, out})
	return answer{}, true
}

// rewriteTraits puts patched traits into the submit Kratos will decode.
func (s *submission) rewriteTraits(traits []byte) {
	if rewritten, err := kratos.ReplaceTraits(s.sub, traits); err == nil {
		s.body = rewritten
	}
}

// schemaOrFail returns the compiled identity schema, answering a 502 when
// Kratos cannot serve it (parse hooks must not be skipped silently).
func (x *exchange) schemaOrFail(s *submission, id string) (*kratos.Schema, bool) {
	schema, err := x.gw.schemas.get(x.r.Context(), id)
	if err != nil {
		x.gw.logger.Error("identity schema unavailable; parse hooks cannot run", zap.String("schema_id", id), zap.Error(err))
		return nil, x.failClosed(x.route.Flow, s.flow, "the identity schema could not be fetched from Kratos")
	}
	return schema, false
}

// preflightRefusal reports why Kratos will refuse the submit before its
// hooks, or "". Certain refusals only: a wrong prediction is caught after
// the fact by checkRefused, but would have skipped a hook.
func (x *exchange) preflightRefusal(s *submission, method string, schema *kratos.Schema) string {
	if s.refusal != "" {
		return s.refusal
	}
	if s.resumed {
		return "" // Kratos resumes the saved change; the request's body is not what it reads
	}
	if !s.sub.FromQuery && s.sub.Form && kratos.MalformedQuery(x.r.URL.RawQuery) {
		return "a form submit with a malformed query (Kratos's form parser refuses it)"
	}
	reason := kratos.SubmitRefusal(kratos.SubmitCheck{
		Flow: x.route.Flow, FlowJSON: s.flow, Request: x.r, Submit: s.sub,
		Method: method, Schema: schema, Now: time.Now(),
	})
	if reason != "" {
		x.gw.logger.Debug("Kratos will refuse this submit; parse hooks skipped", zap.String("flow", string(x.route.Flow)), zap.String("reason", reason))
	}
	return reason
}
