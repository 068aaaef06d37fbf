package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveCodeSubmit runs `recovery after` and `verification after` hooks
// once Kratos accepted the code or the link's token. The state change has
// happened by then, as in Kratos, so a failing hook only changes what the
// client hears. Neither the request nor Kratos's answer names the
// identity; the address comes from the flow loaded before the submit.
func (x *exchange) serveCodeSubmit(s *submission) {
	if s.refusal != "" {
		x.forwardExpectingRefusal(s)
		return
	}
	gw, f := x.gw, x.route.Flow
	address := nodeValueOf(s.flow, "email")
	var before []byte
	if f == kratos.Recovery {
		// Kratos's recovery hooks see the identity as it was loaded, before
		// the recovery marked the address verified: read it now.
		before = x.identityByAddress(x.r.Context(), address)
	}
	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forwardSubmit(s, buf, func(status int, h http.Header) bool {
		return successAnswers(status, h) || (status == http.StatusUnprocessableEntity && isJSONAnswer(h))
	})
	if answered {
		return
	}
	ctx := context.WithoutCancel(x.r.Context())
	passed, done := x.codeSucceeded(ctx, s, ans)
	if !passed {
		writeBuffered(x.w, ans)
		return
	}
	identity := before
	if identity == nil {
		identity = x.codeIdentity(ctx, ans, address)
	}
	if identity == nil {
		x.gw.logger.Error("the identity of a passed recovery or verification cannot be found; after hooks cannot run", zap.String("flow", string(f)))
		x.revokeAnswerSession(ctx, ans)
		x.failClosed(f, s.flow, "the identity could not be read back from Kratos")
		return
	}
	parts := ctxParts{flow: codeCtxFlow(s.flow, done), transient: s.sub.TransientPayloadOrEmpty(), req: x.r}
	if f == kratos.Recovery && s.method == "link" {
		parts.flow, parts.transient = x.linkRecoveryCtxFlow(parts.flow), nil
	}
	res := gw.runSync(ctx, f, s.sync, parts, publicIdentity(identity))
	switch {
	case res.interrupt != nil && s.method == "link":
		x.revokeAnswerSession(ctx, ans)
		x.answerLinkInterrupt(s, res.interrupt)
		return
	case res.interrupt != nil && f == kratos.Verification:
		x.answerVerificationInterrupt(s, res.interrupt)
		return
	case res.interrupt != nil:
		x.revokeAnswerSession(ctx, ans)
		reissueCSRFCookie(x.w, x.r, s.flow)
		x.answerInterrupt(f, s.flow, res.interrupt, kratos.MapOptions{ResetMessages: kratos.ResetOptionsFor(f)})
		return
	case res.fail != nil:
		x.revokeAnswerSession(ctx, ans)
		reissueCSRFCookie(x.w, x.r, s.flow)
		x.answerFailure(f, s.flow, res.fail)
		return
	}
	gw.dispatchAsync(ctx, f, s.async, parts, res.identity)
	writeBuffered(x.w, ans)
}

// codeCtxFlow is ctx.flow of recovery and verification after hooks: the
// flow in its passed_challenge state. Verification answers with it (done);
// recovery moves on to settings, so its flow is the submitted one, with
// the state set and no messages (Kratos clears them: the key is absent).
func codeCtxFlow(submitted, done []byte) []byte {
	if done != nil {
		return done
	}
	flow, _ := sjson.SetBytes(submitted, "state", "passed_challenge")
	flow, _ = sjson.DeleteBytes(flow, "ui.messages")
	return flow
}

// linkRecoveryCtxFlow is ctx.flow of a recovery a link's token completed.
// Kratos's link strategy (selfservice/strategy/link/strategy_recovery.go,
// recoveryUseToken) loads the flow afresh from its store, so the submit's
// transient payload is not on it, and it regenerates the flow's anti-CSRF
// token whatever the flow's type (the code strategy only for browser
// flows): the csrf_token node holds the new token, masked, of the CSRF
// cookie Kratos's answer sets.
func (x *exchange) linkRecoveryCtxFlow(flow []byte) []byte {
	token, ok := kratos.MaskCSRFToken(kratos.CSRFCookieValue(x.r, x.w.Header().Values("Set-Cookie")))
	if !ok {
		return flow
	}
	for i, n := range gjson.GetBytes(flow, "ui.nodes").Array() {
		if n.Get("attributes.name").String() == "csrf_token" {
			out, err := sjson.SetBytes(flow, "ui.nodes."+strconv.Itoa(i)+".attributes.value", token)
			if err == nil {
				return out
			}
		}
	}
	return flow
}

// codeSucceeded tells a passed challenge from the many answers that are not
// one: a wrong code is a 200 with the flow still in sent_email. done is the
// passed_challenge flow when Kratos answered with one (a JSON 200, or for a
// form the flow re-fetched after the redirect).
func (x *exchange) codeSucceeded(ctx context.Context, s *submission, ans answer) (bool, []byte) {
	f := x.route.Flow
	switch ans.status {
	case http.StatusOK:
		if gjson.GetBytes(ans.body, "state").String() == "passed_challenge" {
			return true, ans.body
		}
	case http.StatusUnprocessableEntity:
		// Recovery's API and JSON success: go to the settings UI.
		return f == kratos.Recovery && gjson.GetBytes(ans.body, "error.id").String() == "browser_location_change_required", nil
	case http.StatusSeeOther:
		if f == kratos.Recovery {
			session, err := x.sessionFromAnswer(ctx)
			return session != nil || err != nil, nil
		}
		if replacedBy(x.w.Header().Get("Location"), x.route.FlowID) {
			// Kratos retried the flow as a new one (a used or unknown
			// link token): the submitted flow may show an earlier pass.
			return false, nil
		}
		flow, err := x.flowAfterRedirect(ctx)
		if err != nil {
			// Whether the address was verified cannot be told: count it as
			// passed, so the caller fails closed rather than skip a hook.
			x.gw.logger.Error("reading the flow after a form submit failed", zap.String("flow", string(f)), zap.Error(err))
			return true, nil
		}
		if gjson.GetBytes(flow, "state").String() == "passed_challenge" {
			return true, flow
		}
	}
	return false, nil
}

// replacedBy reports a redirect to the UI of another flow than the one
// submitted: Kratos's retry of a flow it did not pass. Kratos sends a
// passed verification to the UI of the submitted flow itself.
func replacedBy(location, flowID string) bool {
	loc, err := url.Parse(location)
	if err != nil {
		return false
	}
	id := loc.Query().Get("flow")
	return id != "" && id != flowID
}

// codeIdentity finds the identity whose recovery or verification passed:
// from the new session where Kratos issued one (recovery), else by the
// address the flow was for, through the admin API.
func (x *exchange) codeIdentity(ctx context.Context, ans answer, address string) []byte {
	if session, err := x.sessionFromAnswer(ctx); err == nil && session != nil {
		return jsonRaw(session, "identity")
	}
	for _, cw := range gjson.GetBytes(ans.body, "continue_with").Array() {
		if tok := cw.Get("ory_session_token").String(); tok != "" {
			if session, err := x.gw.kratos.SessionOf(ctx, kratos.SessionTokenCredentials(tok)); err == nil && session != nil {
				return jsonRaw(session, "identity")
			}
		}
	}
	return x.identityByAddress(ctx, address)
}

// identityByAddress finds the one identity whose login identifier is the
// address (v1.3.1's admin API cannot search verifiable addresses).
func (x *exchange) identityByAddress(ctx context.Context, address string) []byte {
	if address == "" {
		return nil
	}
	resp, err := x.gw.kratos.IdentitiesByIdentifier(ctx, address)
	if err != nil || resp.Status != http.StatusOK {
		x.gw.logger.Error("admin lookup of the identity failed", zap.String("flow", string(x.route.Flow)), zap.Int("status", resp.Status), zap.Error(err))
		return nil
	}
	list := gjson.ParseBytes(resp.Body).Array()
	if len(list) != 1 {
		return nil
	}
	return []byte(list[0].Raw)
}

// nodeValueOf returns the value of the flow's node with that name.
func nodeValueOf(flow []byte, name string) string {
	for _, n := range gjson.GetBytes(flow, "ui.nodes").Array() {
		if n.Get("attributes.name").String() == name {
			return n.Get("attributes.value").String()
		}
	}
	return ""
}

// answerVerificationInterrupt answers a verification after hook's messages
// as Kratos does: it retries the flow — a new flow carrying the messages —
// and answers 410 self_service_flow_replaced with use_flow_id to JSON
// clients, or a 303 to the verification UI with the new flow to others.
func (x *exchange) answerVerificationInterrupt(s *submission, msgs []hooks.Message) {
	// Kratos regenerates the CSRF token when it replaces the flow: without
	// the old cookie it draws a new one, and the new flow's token matches
	// the cookie it sets. (The old cookie would give the new flow a token
	// of the old secret, which a regenerated cookie no longer matches.)
	creds := kratos.Credentials{Cookie: kratos.CredentialsOf(x.r).Cookie}.WithoutCSRFCookie()
	x.answerReplacedFlow(kratos.Verification, s.flow, s.flowType(), creds, x.form(s), msgs)
}

// answerLinkInterrupt answers the messages of a hook on a recovery or
// verification a link completed. Kratos's link strategy retries such a
// flow as a browser flow whatever the original's type
// (selfservice/strategy/link/strategy_*.go, retry…FlowWithError with
// flow.TypeBrowser): a new browser flow carrying the messages, with a fresh
// CSRF cookie, and a 303 to the flow's UI, whatever the client accepts.
func (x *exchange) answerLinkInterrupt(s *submission, msgs []hooks.Message) {
	x.answerReplacedFlow(x.route.Flow, s.flow, "browser", kratos.Credentials{}, true, msgs)
}

// answerReplacedFlow creates the flow that replaces the submitted one, of
// flowType, with creds, and answers with it: a 303 to its UI for form
// clients, else 410 self_service_flow_replaced with use_flow_id. The
// replacement carries the messages (and the request URL of the submit, as
// Kratos's replacement has).
func (x *exchange) answerReplacedFlow(f kratos.Flow, submitted []byte, flowType string, creds kratos.Credentials, form bool, msgs []hooks.Message) {
	path := "/self-service/" + string(f) + "/api"
	if flowType == "browser" {
		path = "/self-service/" + string(f) + "/browser"
	}
	resp, err := x.gw.kratos.InitFlow(x.r.Context(), path, creds)
	newID := gjson.GetBytes(resp.Body, "id").String()
	if err != nil || resp.Status != http.StatusOK || newID == "" {
		x.gw.logger.Error("could not create the replacement flow", zap.String("flow", string(f)), zap.Int("status", resp.Status), zap.Error(err))
		x.answerFailure(f, submitted, &failure{status: http.StatusBadGateway, message: "the " + string(f) + " flow could not be replaced"})
		return
	}
	x.w.Header().Del("Set-Cookie")
	for _, c := range resp.Header.Values("Set-Cookie") {
		x.w.Header().Add("Set-Cookie", c)
	}
	// For API flows too (where Kratos's init sets no cookie).
	reissueCSRFCookie(x.w, x.r, submitted)
	carry := kratos.Carry{
		FlowID: newID, Flow: f, Expires: flowExpiry(resp.Body), Messages: msgs,
		RequestURL: kratos.RequestURLBehindProxy(x.r, x.gw.trustForwarded != nil && x.gw.trustForwarded(x.r)),
	}
	if flowType == "browser" {
		x.setCarry(carry)
	} else {
		x.gw.interrupts.put(carry, time.Now())
	}
	if form {
		ui := x.gw.ui.flowURLOrAsk(x.r.Context(), x.gw.kratos, f, x.r, x.route.FlowID)
		if ui == "" {
			x.gw.logger.Error("no UI URL known for the flow; set ui_url in the ory_actions config", zap.String("flow", string(f)))
			x.answerError(kratos.WebhookFailed(http.StatusInternalServerError, "the gateway does not know the "+string(f)+" UI URL"))
			return
		}
		redirect(x.w, x.r, withQuery(ui, "flow", newID), http.StatusSeeOther)
		return
	}
	e := kratos.Error{ID: "self_service_flow_replaced", Code: http.StatusGone, Status: http.StatusText(http.StatusGone),
		Reason: "An error occured, please retry the flow.", Message: "self-service flow replaced"}
	body := kratos.ErrorEnvelope(e)
	body = append(body[:len(body)-1], `,"use_flow_id":"`+newID+`"}`...)
	writeJSON(x.w, http.StatusGone, contentTypeError, body)
}

// reissueCSRFCookie mirrors Kratos's error answers on recovery and
// verification submits, which regenerate the CSRF token: the client gets a
// fresh CSRF cookie under the name Kratos uses.
func reissueCSRFCookie(w http.ResponseWriter, r *http.Request, flow []byte) {
	for _, line := range w.Header().Values("Set-Cookie") {
		if strings.HasPrefix(line, "csrf_token_") {
			return
		}
	}
	name := ""
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, "csrf_token_") {
			name = c.Name
		}
	}
	if name == "" {
		action := gjson.GetBytes(flow, "ui.action").String()
		base, _, ok := strings.Cut(action, "self-service/")
		if !ok {
			return
		}
		name = kratos.CSRFCookieName(base)
	}
	token := make([]byte, 32)
	if _, err := rand.Read(token); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: base64.StdEncoding.EncodeToString(token), Path: "/", MaxAge: 31536000,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}
