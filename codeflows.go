package oryactions

import (
	"context"
	"net/http"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveCodeSubmit runs `recovery after` and `verification after` hooks once
// Kratos accepted the code (DESIGN §4). The state change has happened by
// then, as in Kratos, so a failing hook only changes what the client hears.
// Neither the request nor Kratos's answer names the identity; the address
// comes from the flow fetched before the submit (SPEC §11).
func (rt *runtime) serveCodeSubmit(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, route kratos.Route) error {
	s, err := rt.beginSubmit(w, r, next, route)
	if s == nil {
		return err
	}
	address := nodeValueOf(s.flow, "email")
	var before []byte
	if route.Flow == kratos.Recovery {
		// Kratos's recovery hooks see the identity as it was loaded, before
		// the recovery marked the address verified: read it now.
		before = rt.identityByAddress(r.Context(), route.Flow, address)
	}
	buf := getBuf()
	defer putBuf(buf)
	ans, ok, err := rt.forwardSubmit(w, r, next, s, buf, func(status int, h http.Header) bool {
		return successAnswers(status, h) || (status == http.StatusUnprocessableEntity && isJSONAnswer(h))
	})
	if err != nil || !ok {
		return err
	}
	ctx := context.WithoutCancel(r.Context())
	passed, done := rt.codeSucceeded(ctx, r, s, ans, w.Header())
	if !passed {
		writeBuffered(w, ans.status, ans.body)
		return nil
	}
	identity := before
	if identity == nil {
		identity = rt.codeIdentity(ctx, s, ans, w.Header(), address)
	}
	if identity == nil {
		dropSetCookies(w.Header(), isSessionCookie)
		rt.answerFailure(w, r, route.Flow, s.flow, &failure{status: http.StatusBadGateway, message: "the identity could not be read back from Kratos"})
		return nil
	}
	parts := ctxParts{flow: codeCtxFlow(s.flow, done), transient: s.sub.TransientPayloadOrEmpty(), req: r}
	res := rt.runSync(ctx, route.Flow, s.sync, parts, publicIdentity(identity))
	switch {
	case res.interrupt != nil && route.Flow == kratos.Verification:
		rt.answerVerificationInterrupt(w, r, s, res.interrupt)
		return nil
	case res.interrupt != nil:
		dropSetCookies(w.Header(), isSessionCookie)
		reissueCSRFCookie(w, r, s.flow)
		rt.answerInterrupt(w, r, route.Flow, s.flow, res.interrupt, kratos.MapOptions{ResetMessages: kratos.ResetOptionsFor(route.Flow)})
		return nil
	case res.fail != nil:
		dropSetCookies(w.Header(), isSessionCookie)
		reissueCSRFCookie(w, r, s.flow)
		rt.answerFailure(w, r, route.Flow, s.flow, res.fail)
		return nil
	}
	rt.dispatchAsync(ctx, route.Flow, s.async, parts, res.identity)
	writeBuffered(w, ans.status, ans.body)
	return nil
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

// publicIdentity drops what Kratos's public identity never shows (SPEC §7):
// admin reads carry credentials and metadata_admin.
func publicIdentity(identity []byte) []byte {
	out := identity
	for _, k := range []string{"credentials", "metadata_admin"} {
		if gjson.GetBytes(out, k).Exists() {
			out, _ = sjson.DeleteBytes(out, k)
		}
	}
	return out
}

// codeSucceeded tells a passed challenge from the many answers that are not
// one: a wrong code is a 200 with the flow still in sent_email (SPEC §3).
// done is the passed_challenge flow when Kratos answered with one (a JSON
// 200, or for a form the flow re-fetched after the redirect).
func (rt *runtime) codeSucceeded(ctx context.Context, r *http.Request, s *submission, ans recorded, h http.Header) (bool, []byte) {
	switch ans.status {
	case http.StatusOK:
		if gjson.GetBytes(ans.body, "state").String() == "passed_challenge" {
			return true, ans.body
		}
	case http.StatusUnprocessableEntity:
		// Recovery's API and JSON success: go to the settings UI.
		return s.route.Flow == kratos.Recovery && gjson.GetBytes(ans.body, "error.id").String() == "browser_location_change_required", nil
	case http.StatusSeeOther:
		if s.route.Flow == kratos.Recovery {
			return setCookieValue(h, sessionCookieName) != "", nil
		}
		cookie := mergeCookies(r.Header.Get("Cookie"), h.Values("Set-Cookie"))
		resp, err := rt.kratos.FetchFlow(ctx, string(s.route.Flow), s.route.FlowID, cookie, "")
		if err != nil || resp.Status != http.StatusOK {
			rt.logger.Error("fetching the flow after a form submit failed; after hooks cannot run", zap.String("flow", string(s.route.Flow)), zap.Int("status", resp.Status), zap.Error(err))
			return false, nil
		}
		if gjson.GetBytes(resp.Body, "state").String() == "passed_challenge" {
			return true, resp.Body
		}
	}
	return false, nil
}

// codeIdentity finds the identity whose recovery or verification passed:
// from the new session where Kratos issued one (recovery), else by the
// address the flow was for, through the admin API.
func (rt *runtime) codeIdentity(ctx context.Context, s *submission, ans recorded, h http.Header, address string) []byte {
	if c := setCookieValue(h, sessionCookieName); c != "" {
		if resp, err := rt.kratos.Whoami(ctx, sessionCookieName+"="+c, ""); err == nil && resp.Status == http.StatusOK {
			return jsonRaw(resp.Body, "identity")
		}
	}
	for _, cw := range gjson.GetBytes(ans.body, "continue_with").Array() {
		if tok := cw.Get("ory_session_token").String(); tok != "" {
			if resp, err := rt.kratos.Whoami(ctx, "", tok); err == nil && resp.Status == http.StatusOK {
				return jsonRaw(resp.Body, "identity")
			}
		}
	}
	return rt.identityByAddress(ctx, s.route.Flow, address)
}

// identityByAddress finds the one identity whose login identifier is the
// address (v1.3.1's admin API cannot search verifiable addresses).
func (rt *runtime) identityByAddress(ctx context.Context, f kratos.Flow, address string) []byte {
	if address == "" {
		return nil
	}
	resp, err := rt.kratos.IdentitiesByIdentifier(ctx, address)
	if err != nil || resp.Status != http.StatusOK {
		rt.logger.Error("admin lookup of the identity failed", zap.String("flow", string(f)), zap.Int("status", resp.Status), zap.Error(err))
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
