package gateway

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveCodeRegistration handles passwordless code registration, which
// takes two submits (Kratos v1.3.1, selfservice/strategy/code/
// strategy_registration.go). The first, on a flow in choose_method (or
// any submit with resend=code), sends the code; Kratos answers with the
// flow and runs no after hook. The second, on a flow in sent_email,
// answers the code; only when the code is right does Kratos run the after
// hooks: parse hooks on the identity before storing it, the others after.
//
// The gateway cannot check a code, and running the parse hooks before
// Kratos would call them for every mistyped code. So Kratos decides first:
// when it has completed the registration, the parse hooks run on the
// identity as Kratos would have shown it before storing it, and when they
// interrupt or fail the registration is undone (the identity deleted with
// its sessions, the session cookie dropped) before the client gets the
// interrupt: nothing stays stored, as with Kratos.
func (x *exchange) serveCodeRegistration(s *submission) {
	if s.refusal != "" {
		x.forwardExpectingRefusal(s)
		return
	}
	buf := getBuf()
	defer putBuf(buf)
	if !codeRegistrationCompletes(s) {
		x.forwardSubmit(s, buf, func(int, http.Header) bool { return false })
		return
	}
	gw := x.gw
	schema, answered := x.schemaOrFail(s, gw.schemaID)
	if answered {
		return
	}
	if typed, err := x.decodeWithSchema(s, schema); err == nil {
		s.sub = typed
	}
	parts := ctxParts{flow: passedChallenge(s.flow), transient: s.sub.TransientPayloadOrEmpty(), req: x.r}
	// Kratos has verified the address the code went to before its hooks run.
	prePersist := kratos.MarkAddressesVerified(kratos.PrePersistIdentity(gw.schemaID, s.sub.Traits, schema, time.Now()),
		schema.LoginIdentifiers(s.sub.Traits))

	ctx := context.WithoutCancel(x.r.Context())
	var before map[string]bool
	if x.form(s) {
		ids, err := x.identitiesByIdentifiers(ctx, s)
		if err != nil {
			gw.logger.Error("admin lookup of the submitted identifiers failed; the code registration's hooks could not find the new identity", zap.Error(err))
			x.failClosed(kratos.Registration, s.flow, "the identity lookup on Kratos's admin API failed")
			return
		}
		before = map[string]bool{}
		for _, id := range ids {
			before[gjson.GetBytes(id, "id").String()] = true
		}
	}
	ans, answered := x.forwardSubmit(s, buf, successAnswers)
	if answered {
		return
	}
	identity, succeeded, err := x.registeredIdentity(ctx, s, ans, before)
	if !succeeded {
		writeBuffered(x.w, ans) // a wrong or expired code: Kratos ran no hook
		return
	}
	if err != nil || identity == nil {
		gw.logger.Error("code registration succeeded but the new identity cannot be read back; its hooks cannot run, so it is undone", zap.Error(err))
		x.undo(ctx, s, ans, before)
		x.revokeAnswerSession(ctx, ans)
		x.failClosed(kratos.Registration, s.flow, "the new identity could not be read back from Kratos")
		return
	}
	var pending []patchedField
	if len(s.parse) > 0 {
		res := gw.runSync(ctx, kratos.Registration, s.parse, parts, prePersist)
		if res.fail != nil || res.interrupt != nil {
			x.undoRegistration(ctx, ans, jsonString(identity, "id"))
			if res.fail != nil {
				x.answerFailure(kratos.Registration, parts.flow, res.fail)
				return
			}
			x.answerInterrupt(kratos.Registration, parts.flow, res.interrupt, kratos.MapOptions{
				ResetMessages: true,
				Refill:        kratos.TraitValues(s.sub.Traits),
				Order:         kratos.NodeOrderFor(kratos.Registration, schema.KeysInOrder()),
			})
			return
		}
		// Kratos applies a parse hook's patch before storing the identity;
		// here it is stored already, so the patch follows with the admin API.
		pending = res.patched
	}
	x.finishPersisted(ctx, s, ans, identity, pending, parts)
}

// codeRegistrationCompletes reports the submit that answers the code: the
// flow has sent it and the client is not asking for it again.
func codeRegistrationCompletes(s *submission) bool {
	return gjson.GetBytes(s.flow, "state").String() == "sent_email" && !strings.EqualFold(s.sub.Field("resend"), "code")
}

// passedChallenge is the flow as Kratos's hooks see it on the submit that
// answered the code: Kratos moves it to passed_challenge first.
func passedChallenge(flow []byte) []byte {
	if out, err := sjson.SetBytes(flow, "state", "passed_challenge"); err == nil {
		return out
	}
	return flow
}

// undoRegistration deletes an identity Kratos stored before its parse
// hooks refused it (its sessions go with it) and drops every cookie of
// Kratos's answer: the session and the CSRF cookie Kratos rotated with it,
// which no longer matches the flow the client goes on with.
func (x *exchange) undoRegistration(ctx context.Context, ans answer, identityID string) {
	x.revokeAnswerSession(ctx, ans)
	if identityID != "" {
		resp, err := x.gw.kratos.DeleteIdentity(ctx, identityID)
		if err != nil || resp.Status >= 300 {
			x.gw.logger.Error("could not delete the identity a parse hook refused", zap.String("identity_id", identityID), zap.Int("status", resp.Status), zap.Error(err))
		}
	}
	x.w.Header().Del("Set-Cookie")
}
