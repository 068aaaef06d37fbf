package oryactions

import (
	"context"
	"net/http"
	"strconv"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveLoginSubmit runs `login after` hooks once Kratos has checked the
// credentials (DESIGN §4). Kratos runs them before storing the session; the
// gateway can only run them after, so an interrupt or failure revokes the
// new session and drops every Set-Cookie of Kratos's answer (the session and
// the rotated CSRF cookie), which leaves the client exactly where a failed
// login would: the flow still fetchable and submittable with its old CSRF
// pair (SPEC §3).
func (rt *runtime) serveLoginSubmit(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, route kratos.Route) error {
	s, err := rt.beginSubmit(w, r, next, route)
	if s == nil {
		return err
	}
	buf := getBuf()
	defer putBuf(buf)
	ans, ok, err := rt.forwardSubmit(w, r, next, s, buf, successAnswers)
	if err != nil || !ok {
		return err
	}
	ctx := r.Context()
	session, known := rt.loginSession(ctx, ans, w.Header())
	if !known {
		writeBuffered(w, ans.status, ans.body)
		return nil
	}
	if session == nil {
		rt.undoLogin(ctx, w, "")
		rt.answerFailure(w, r, kratos.Login, s.flow, &failure{status: http.StatusBadGateway, message: "the new session could not be read back from Kratos"})
		return nil
	}
	identity := jsonRaw(session, "identity")
	// Kratos marks the submitted method active before its hooks run, and
	// keeps it in the flow an interrupt answers with.
	s.flow = loginCtxFlow(s.flow, s.sub.Method)
	parts := ctxParts{
		flow:      s.flow,
		transient: s.sub.TransientPayloadOrEmpty(),
		req:       r,
		session:   ctxSession(session),
	}
	res := rt.runSync(ctx, kratos.Login, s.sync, parts, identity)
	switch {
	case res.interrupt != nil:
		rt.undoLogin(ctx, w, jsonString(session, "id"))
		rt.answerInterrupt(w, r, kratos.Login, s.flow, res.interrupt, kratos.MapOptions{
			ResetMessages: true, ClearIdentifier: true, Order: kratos.NodeOrderFor(kratos.Login, nil),
		})
		return nil
	case res.fail != nil:
		rt.undoLogin(ctx, w, jsonString(session, "id"))
		rt.answerFailure(w, r, kratos.Login, s.flow, res.fail)
		return nil
	}
	out := ans.body
	if len(res.patched) > 0 && ans.status == http.StatusOK {
		// As Kratos: a login patch changes this answer only, never the
		// stored identity.
		for _, f := range res.patched {
			if f.name == "metadata_admin" {
				continue
			}
			if b, err := sjson.SetRawBytes(out, "session.identity."+f.name, f.value); err == nil {
				out = b
			}
		}
	}
	rt.dispatchAsync(ctx, kratos.Login, s.async, parts, res.identity)
	writeBuffered(w, ans.status, out)
	return nil
}

// loginSession returns the session Kratos just created. known is false when
// the login did not succeed. API and JSON clients get it in the body; form
// clients get a 303 and the session cookie, read back with whoami.
func (rt *runtime) loginSession(ctx context.Context, ans recorded, h http.Header) ([]byte, bool) {
	if ans.status == http.StatusOK {
		s := jsonRaw(ans.body, "session")
		return s, s != nil
	}
	if ans.status != http.StatusSeeOther {
		return nil, false
	}
	cookie := setCookieValue(h, sessionCookieName)
	if cookie == "" {
		return nil, false // a 303 back to the login UI: the login failed
	}
	resp, err := rt.kratos.Whoami(ctx, sessionCookieName+"="+cookie, "")
	if err != nil || resp.Status != http.StatusOK {
		rt.logger.Error("whoami with the new session failed; login hooks cannot run", zap.Int("status", resp.Status), zap.Error(err))
		return nil, true
	}
	return resp.Body, true
}

// undoLogin revokes the session Kratos created and drops every cookie of
// its answer.
func (rt *runtime) undoLogin(ctx context.Context, w http.ResponseWriter, sessionID string) {
	w.Header().Del("Set-Cookie")
	if sessionID == "" {
		return
	}
	if resp, err := rt.kratos.RevokeSession(context.WithoutCancel(ctx), sessionID); err != nil || resp.Status >= 300 {
		rt.logger.Error("revoking the session of an interrupted login failed", zap.Int("status", resp.Status), zap.Error(err))
	}
}

// loginCtxFlow is the flow as Kratos hands it to login hooks: the submitted
// method is the active one (SPEC §7).
func loginCtxFlow(flow []byte, method string) []byte {
	if out, err := sjson.SetBytes(flow, "active", method); err == nil {
		return out
	}
	return flow
}

// ctxSession shapes a session as Kratos's login hooks see it: not stored
// yet, so its id and its devices' ids are the nil UUID (SPEC §7).
func ctxSession(session []byte) []byte {
	out, err := sjson.SetBytes(session, "id", kratos.NilUUID)
	if err != nil {
		return session
	}
	for i := range gjson.GetBytes(out, "devices").Array() {
		out, _ = sjson.SetBytes(out, "devices."+strconv.Itoa(i)+".id", kratos.NilUUID)
	}
	return out
}
