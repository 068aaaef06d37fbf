package gateway

import (
	"context"
	"net/http"

	"github.com/tidwall/gjson"
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
	ctx := x.r.Context()
	verifiedBefore := x.addressesBeforeCodeLogin(ctx, s)
	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forwardSubmit(s, buf, successAnswers)
	if answered {
		return
	}
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
	if s.method == "code" && verifiedBefore != nil {
		identity = withAddresses(identity, verifiedBefore)
		session = withSessionAddresses(session, verifiedBefore)
	}
	// Kratos marks the submitted method active before its hooks run, and
	// keeps it in the flow an interrupt answers with; a code login has
	// passed its challenge by then.
	s.flow = loginCtxFlow(s.flow, s.sub.Method)
	if s.method == "code" {
		s.flow = passedChallenge(s.flow)
	}
	parts := ctxParts{
		flow:      s.flow,
		transient: s.sub.TransientPayloadOrEmpty(),
		req:       x.r,
		session:   ctxSession(session),
	}
	if s.method == "lookup_secret" && s.flowType() != "browser" {
		// Kratos's lookup strategy (lookup/login.go) never copies the
		// submit's transient_payload into the flow, and on an API flow
		// its hooks see none (the field is not stored with the flow); on
		// a browser flow they see {}. Observed in the differential suite
		// (login_lookup_*); where Kratos sets the browser's {} was not
		// traced.
		parts.transient = nil
	}
	if gjson.GetBytes(s.flow, "requested_aal").String() == "aal2" {
		// A second factor upgrades the stored session: Kratos's hooks see
		// it with its ids.
		parts.session = session
	}
	res := gw.runSync(ctx, kratos.Login, s.sync, parts, identity)
	switch {
	case res.interrupt != nil:
		x.undoLogin(ctx, jsonString(session, "id"))
		// The password strategy blanks the identifier it refuses; the code
		// strategy's flow keeps it.
		x.answerInterrupt(kratos.Login, s.flow, res.interrupt, kratos.MapOptions{
			ResetMessages: true, ClearIdentifier: s.method != "code", Order: kratos.NodeOrderFor(kratos.Login, nil),
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

// addressesBeforeCodeLogin reads, for a form client's code login, the
// verifiable addresses of the identity signing in as they are before the
// submit: Kratos's hooks see the identity as loaded before the code
// verified its address, while the gateway reads a form client's identity
// back afterwards. JSON clients' answers carry Kratos's own copy. nil when
// not needed or not found.
func (x *exchange) addressesBeforeCodeLogin(ctx context.Context, s *submission) []byte {
	if s.method != "code" || !x.form(s) || s.sub.Field("code") == "" || len(s.sync)+len(s.async) == 0 {
		return nil
	}
	resp, err := x.gw.kratos.IdentitiesByIdentifier(ctx, s.sub.Field("identifier"))
	if err != nil || resp.Status != http.StatusOK {
		return nil
	}
	list := gjson.ParseBytes(resp.Body).Array()
	if len(list) != 1 {
		return nil
	}
	if a := list[0].Get("verifiable_addresses"); a.Exists() {
		return []byte(a.Raw)
	}
	return nil
}

// withAddresses replaces the verifiable addresses of identity.
func withAddresses(identity, addresses []byte) []byte {
	if out, err := sjson.SetRawBytes(identity, "verifiable_addresses", addresses); err == nil {
		return out
	}
	return identity
}

// withSessionAddresses replaces the verifiable addresses of the session's
// identity.
func withSessionAddresses(session, addresses []byte) []byte {
	if out, err := sjson.SetRawBytes(session, "identity.verifiable_addresses", addresses); err == nil {
		return out
	}
	return session
}
