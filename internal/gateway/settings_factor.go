package gateway

import (
	"context"

	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// factorSetup reports a settings submit that sets up a second factor Kratos
// must verify first: a TOTP key confirmed with a code. Kratos runs the
// settings after hooks only once the code is right; the gateway cannot
// check it.
func factorSetup(s *submission) (credential string, ok bool) {
	// Kratos offers a key (totp_secret_key) only while none is set up; with
	// a key set up, a TOTP submit is a removal or changes nothing, and a
	// refusal must never delete the key the identity already had.
	if s.method == "totp" && s.sub.Field("totp_code") != "" && !s.sub.Flag("totp_unlink") && offersTOTPKey(s.flow) {
		return "totp", true
	}
	return "", false
}

// serveFactorSetup lets Kratos verify the new factor first. When it has
// stored it, the parse hooks run on the identity as the flow shows it (as
// Kratos's hooks see it: the factor is no trait), and when they interrupt
// or fail the new credential is deleted again with the admin API before
// the client gets the interrupt. (Kratos adds the factor to the session
// before its hooks run, and so does this path: an interrupt leaves the
// session as Kratos leaves it.)
func (x *exchange) serveFactorSetup(s *submission, credential string) {
	if s.refusal != "" {
		x.forwardExpectingRefusal(s)
		return
	}
	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forwardSubmit(s, buf, successAnswers)
	if answered {
		return
	}
	ctx := context.WithoutCancel(x.r.Context())
	done, err := x.settingsOutcome(ctx, s, ans)
	if err != nil {
		x.gw.logger.Error("the settings flow could not be read back after a second factor was set up; its hooks cannot run, so the factor is removed again", zap.Error(err))
		x.removeFactor(ctx, s, credential)
		x.failClosed(kratos.Settings, s.flow, "the settings flow could not be read back from Kratos")
		return
	}
	if done == nil {
		writeBuffered(x.w, ans) // a wrong code: Kratos ran no hook
		return
	}
	var pending []patchedField
	if len(s.parse) > 0 {
		// Kratos's hooks see the flow as its code check left it: the
		// earlier submit's messages (a wrong code) are gone.
		flow := s.flow
		if reset, err := kratos.ApplyMessages(s.flow, nil, kratos.MapOptions{ResetMessages: true}); err == nil {
			flow = reset
		}
		parts := ctxParts{flow: flow, transient: s.sub.TransientPayloadOrEmpty(), req: x.r}
		res := x.gw.runSync(ctx, kratos.Settings, s.parse, parts, jsonRaw(s.flow, "identity"))
		if res.fail != nil || res.interrupt != nil {
			x.removeFactor(ctx, s, credential)
			x.w.Header().Del("Set-Cookie")
			if res.fail != nil {
				x.answerFailure(kratos.Settings, s.flow, res.fail)
				return
			}
			// Kratos answers with the flow as its code check left it: the
			// earlier submit's messages (a wrong code) are gone.
			var keys []string
			if schema, err := x.gw.schemas.get(ctx, jsonString(s.flow, "identity.schema_id")); err == nil {
				keys = schema.KeysInOrder()
			}
			x.answerInterrupt(kratos.Settings, s.flow, res.interrupt, kratos.MapOptions{
				ResetMessages: true, Order: kratos.NodeOrderFor(kratos.Settings, keys),
			})
			return
		}
		pending = res.patched
	}
	x.finishPersisted(ctx, s, ans, jsonRaw(done, "identity"), pending, settingsPostParts(x.r, s, done))
}

// removeFactor deletes the credential a refused setup stored.
func (x *exchange) removeFactor(ctx context.Context, s *submission, credential string) {
	id := jsonString(s.flow, "identity.id")
	resp, err := x.gw.kratos.DeleteCredential(ctx, id, credential)
	if err != nil || resp.Status >= 300 {
		x.gw.logger.Error("could not remove the second factor a settings hook refused", zap.String("identity_id", id),
			zap.String("credential", credential), zap.Int("status", resp.Status), zap.Error(err))
		return
	}
	x.gw.logger.Info("removed the second factor a settings hook refused", zap.String("identity_id", id), zap.String("credential", credential))
}

// offersTOTPKey reports a settings flow that offers a new TOTP key.
func offersTOTPKey(flow []byte) bool {
	for _, n := range gjson.GetBytes(flow, "ui.nodes").Array() {
		if n.Get("attributes.id").String() == "totp_secret_key" {
			return true
		}
	}
	return false
}
