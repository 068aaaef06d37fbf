package gateway

import (
	"context"
	"net/http"

	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// forwardExpectingRefusal forwards a submit that Kratos will refuse before
// anything a hook guards, without calling the hooks (Kratos would not call
// them either), and checks Kratos's answer. Should Kratos complete the
// submit after all — the gateway's reading of it was wrong — the change is
// undone where the admin API allows it and the client gets a 502: a
// prediction may cost a hook call, never a hook.
func (x *exchange) forwardExpectingRefusal(s *submission) {
	ctx := context.WithoutCancel(x.r.Context())
	var before map[string]bool
	if x.route.Flow == kratos.Registration && x.form(s) {
		if ids, err := x.identitiesByIdentifiers(ctx, s); err == nil {
			before = map[string]bool{}
			for _, id := range ids {
				before[gjson.GetBytes(id, "id").String()] = true
			}
		}
	}
	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forwardSubmit(s, buf, func(status int, h http.Header) bool {
		return successAnswers(status, h) || (status == http.StatusUnprocessableEntity && isJSONAnswer(h))
	})
	if answered {
		return
	}
	if !x.completed(ctx, s, ans, before) {
		writeBuffered(x.w, ans)
		return
	}
	x.gw.logger.Error("Kratos completed a submit the gateway expected it to refuse, so its hooks did not run; undoing it and failing the flow",
		zap.String("flow", string(x.route.Flow)), zap.String("expected_refusal", s.refusal))
	x.undo(ctx, s, ans, before)
	x.failClosed(x.route.Flow, s.flow, "the submit could not be checked by the configured hooks")
}

// completed reports whether Kratos's answer completes the flow.
func (x *exchange) completed(ctx context.Context, s *submission, ans answer, before map[string]bool) bool {
	switch x.route.Flow {
	case kratos.Registration:
		_, ok, err := x.registeredIdentity(ctx, s, ans, before)
		return ok || err != nil
	case kratos.Login:
		session, ok, _ := x.loginSession(ctx, ans)
		return ok && session != nil
	case kratos.Settings:
		return x.settingsSucceeded(ctx, s, ans) != nil
	default:
		ok, _ := x.codeSucceeded(ctx, s, ans)
		return ok
	}
}

// undo reverses what it can of a completed submit no hook checked: a new
// identity is deleted (with its sessions), a new session revoked. A
// settings change or a verified address stays; the log says so.
func (x *exchange) undo(ctx context.Context, s *submission, ans answer, before map[string]bool) {
	gw := x.gw
	if x.route.Flow == kratos.Registration {
		identity, _, _ := x.registeredIdentity(ctx, s, ans, before)
		if id := jsonString(identity, "id"); id != "" {
			resp, err := gw.kratos.DeleteIdentity(ctx, id)
			if err == nil && resp.Status < 300 {
				gw.logger.Warn("deleted an identity registered past its hooks", zap.String("identity_id", id))
			} else {
				gw.logger.Error("could not delete an identity registered past its hooks", zap.String("identity_id", id), zap.Int("status", resp.Status), zap.Error(err))
			}
		}
	}
	if x.route.Flow == kratos.Settings || x.route.Flow == kratos.Verification {
		gw.logger.Error("a change Kratos applied without the gateway's hooks stays stored", zap.String("flow", string(x.route.Flow)))
	}
	x.revokeAnswerSession(ctx, ans)
}
