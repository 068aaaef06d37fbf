package gateway

import (
	"context"
	"fmt"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// sessionFromAnswer asks Kratos whether its answer signed somebody in: the
// cookies the answer sets are sent to whoami on their own, so the session
// cookie is recognised whatever session.cookie.name says. nil without an
// error means no session was issued; an error means Kratos could not tell.
func (x *exchange) sessionFromAnswer(ctx context.Context) ([]byte, error) {
	lines := x.w.Header().Values("Set-Cookie")
	if !kratos.SetsCookieBesidesCSRF(lines) {
		return nil, nil
	}
	return x.gw.kratos.SessionOf(ctx, kratos.SetCookiesOnly(lines))
}

// sessionIDOfAnswer finds the id of the session Kratos's answer issued: in
// the body (API and JSON clients), else through whoami with the answer's
// cookies. "" when there is none.
func (x *exchange) sessionIDOfAnswer(ctx context.Context, ans answer) string {
	if id := gjson.GetBytes(ans.body, "session.id").String(); id != "" {
		return id
	}
	if tok := gjson.GetBytes(ans.body, "session_token").String(); tok != "" {
		if s, err := x.gw.kratos.SessionOf(ctx, kratos.SessionTokenCredentials(tok)); err == nil && s != nil {
			return gjson.GetBytes(s, "id").String()
		}
	}
	if s, err := x.sessionFromAnswer(ctx); err == nil && s != nil {
		return gjson.GetBytes(s, "id").String()
	}
	return ""
}

// revokeAnswerSession revokes the session Kratos's answer issued, if the
// flow issues new ones (registration, login, recovery), and drops the
// answer's session cookie: used when the gateway must fail a flow that
// Kratos completed. A settings answer only refreshes the session the user
// already had, which stays.
func (x *exchange) revokeAnswerSession(ctx context.Context, ans answer) {
	switch x.route.Flow {
	case kratos.Registration, kratos.Login, kratos.Recovery:
		if id := x.sessionIDOfAnswer(ctx, ans); id != "" {
			x.gw.revokeSession(ctx, id, "the flow was stopped after Kratos completed it")
		}
	}
	dropSessionCookies(x.w.Header())
}

// revokeSession deactivates a session with the admin API and logs failures.
func (gw *Gateway) revokeSession(ctx context.Context, id, why string) {
	resp, err := gw.kratos.RevokeSession(context.WithoutCancel(ctx), id)
	if err != nil || resp.Status >= 300 {
		gw.logger.Error("revoking a session failed", zap.String("why", why), zap.Int("status", resp.Status), zap.Error(err))
		return
	}
	gw.logger.Info("session revoked", zap.String("why", why))
}

// ctxSession shapes a session as Kratos's login hooks see it: not stored
// yet, so its id and its devices' ids are the nil UUID.
func ctxSession(session []byte) []byte {
	out, err := sjson.SetBytes(session, "id", kratos.NilUUID)
	if err != nil {
		return session
	}
	for i := range gjson.GetBytes(out, "devices").Array() {
		out, _ = sjson.SetBytes(out, fmt.Sprintf("devices.%d.id", i), kratos.NilUUID)
	}
	return out
}

// publicIdentity drops what Kratos's public identity never shows: admin
// reads carry credentials and metadata_admin, which no hook's ctx holds.
func publicIdentity(identity []byte) []byte {
	out := identity
	for _, k := range []string{"credentials", "metadata_admin"} {
		if gjson.GetBytes(out, k).Exists() {
			out, _ = sjson.DeleteBytes(out, k)
		}
	}
	return out
}

// jsonRaw returns the raw JSON at path, or nil when absent or null.
func jsonRaw(doc []byte, path string) []byte {
	v := gjson.GetBytes(doc, path)
	if !v.Exists() || v.Type == gjson.Null {
		return nil
	}
	return []byte(v.Raw)
}

// jsonString returns the string at path, or "".
func jsonString(doc []byte, path string) string {
	return gjson.GetBytes(doc, path).String()
}

// errStatus is an unexpected status from Kratos.
type errStatus int

func (e errStatus) Error() string { return fmt.Sprintf("Kratos answered %d", int(e)) }

// flowAfterRedirect fetches the submitted flow as the browser will after
// Kratos's redirect (its cookies with the answer's Set-Cookie applied): a
// form client's settings or verification answer is the same redirect on
// success and failure, and only the flow's state tells them apart.
func (x *exchange) flowAfterRedirect(ctx context.Context) ([]byte, error) {
	creds := kratos.CredentialsOf(x.r).WithSetCookies(x.w.Header().Values("Set-Cookie"))
	resp, err := x.gw.kratos.FetchFlow(ctx, string(x.route.Flow), x.route.FlowID, creds)
	if err != nil {
		return nil, err
	}
	if resp.Status != 200 {
		return nil, errStatus(resp.Status)
	}
	return resp.Body, nil
}
