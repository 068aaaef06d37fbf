package gateway

import (
	"context"
	"net/http"

	"github.com/tidwall/sjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveLoginSubmit runs `login after` hooks once Kratos has checked the
// credentials. Kratos runs them before storing the session; the gateway
// can only run them after, so an interrupt or failure revokes the new
// session and drops every Set-Cookie of Kratos's answer (the session and
// the rotated CSRF cookie), which leaves the client exactly where a failed
// login would: the flow still fetchable and submittable with its old CSRF
// pair.
func (x *exchange) serveLoginSubmit(s *submission) {
	if s.refusal != "" {
		x.forwardExpectingRefusal(s)
		return
	}
	gw := x.gw
	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forwardSubmit(s, buf, successAnswers)
	if answered {
		return
	}
	ctx := x.r.Context()
	session, succeeded, err := x.loginSession(ctx, ans)
	if !succeeded {
		writeBuffered(x.w, ans)
		return
	}
	if err != nil || session == nil {
		gw.logger.Error("login succeeded but the new session cannot be read back; login hooks cannot run", zap.Error(err))
		x.undoLogin(ctx, x.sessionIDOfAnswer(ctx, ans))
		x.failClosed(kratos.Login, s.flow, "the new session could not be read back from Kratos")
		return
	}
	identity := jsonRaw(session, "identity")
	// Kratos marks the submitted method active before its hooks run, and
	// keeps it in the flow an interrupt answers with.
	s.flow = loginCtxFlow(s.flow, s.sub.Method)
	parts := ctxParts{
		flow:      s.flow,
		transient: s.sub.TransientPayloadOrEmpty(),
		req:       x.r,
		session:   ctxSession(session),
	}
	res := gw.runSync(ctx, kratos.Login, s.sync, parts, identity)
	switch {
	case res.interrupt != nil:
		x.undoLogin(ctx, jsonString(session, "id"))
		x.answerInterrupt(kratos.Login, s.flow, res.interrupt, kratos.MapOptions{
			ResetMessages: true, ClearIdentifier: true, Order: kratos.NodeOrderFor(kratos.Login, nil),
		})
		return
	case res.fail != nil:
		x.undoLogin(ctx, jsonString(session, "id"))
		x.answerFailure(kratos.Login, s.flow, res.fail)
		return
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
	gw.dispatchAsync(ctx, kratos.Login, s.async, parts, res.identity)
	writeBuffered(x.w, answer{ans.status, out})
}

// loginSession tells whether the login succeeded and returns the session
// Kratos created. API and JSON clients get it in the body; form clients get
// a 303 and the session cookie (whatever its name), read back with whoami.
func (x *exchange) loginSession(ctx context.Context, ans answer) (session []byte, succeeded bool, err error) {
	switch ans.status {
	case http.StatusOK:
		s := jsonRaw(ans.body, "session")
		return s, s != nil, nil
	case http.StatusSeeOther:
		s, err := x.sessionFromAnswer(ctx)
		if err != nil {
			return nil, true, err
		}
		return s, s != nil, nil
	}
	return nil, false, nil
}

// undoLogin revokes the session Kratos created and drops every cookie of
// its answer.
func (x *exchange) undoLogin(ctx context.Context, sessionID string) {
	if sessionID != "" {
		x.gw.revokeSession(ctx, sessionID, "a login hook stopped the login")
	}
	x.w.Header().Del("Set-Cookie")
}

// loginCtxFlow is the flow as Kratos hands it to login hooks: the submitted
// method is the active one.
func loginCtxFlow(flow []byte, method string) []byte {
	if out, err := sjson.SetBytes(flow, "active", method); err == nil {
		return out
	}
	return flow
}
