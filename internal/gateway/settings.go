package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveSettingsSubmit runs `settings after` hooks: parse hooks before
// forwarding, on the identity as it would be stored; other hooks after
// Kratos has stored the change.
func (x *exchange) serveSettingsSubmit(s *submission) {
	if credential, ok := factorSetup(s); ok {
		x.serveFactorSetup(s, credential)
		return
	}
	if s.refusal != "" {
		x.forwardExpectingRefusal(s)
		return
	}
	var pending []patchedField
	if len(s.parse) > 0 {
		res, refused, answered := x.settingsPrePersist(s)
		if answered {
			return
		}
		if refused {
			x.forwardExpectingRefusal(s)
			return
		}
		var traits []byte
		traits, pending = splitPatches(res.patched)
		if traits != nil {
			if s.sub.Method == "profile" && !s.resumed {
				s.rewriteTraits(traits)
			} else {
				pending = append(pending, patchedField{name: "traits", value: traits})
			}
		}
	}

	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forwardSubmit(s, buf, successAnswers)
	if answered {
		return
	}
	x.rememberPausedChange(s)
	ctx := context.WithoutCancel(x.r.Context())
	done, err := x.settingsOutcome(ctx, s, ans)
	if err != nil {
		x.gw.logger.Error("the settings flow could not be read back after the submit; after hooks cannot run", zap.Error(err))
		x.revokeAnswerSession(ctx, ans)
		x.failClosed(kratos.Settings, s.flow, "the settings flow could not be read back from Kratos")
		return
	}
	if done == nil {
		writeBuffered(x.w, ans)
		return
	}
	if s.resumed {
		http.SetCookie(x.w, kratos.ExpiredContinuationCookie(x.r.TLS != nil))
	}
	identity := jsonRaw(done, "identity")
	if !gjson.GetBytes(identity, "state_changed_at").Exists() {
		// Kratos's updated identity carries a zero one, rendered null.
		identity, _ = sjson.SetRawBytes(identity, "state_changed_at", []byte("null"))
	}
	x.finishPersisted(ctx, s, ans, identity, pending, settingsPostParts(x.r, s, done))
}

// settingsPostParts is the ctx of post-persist settings hooks: the flow in
// its success state as Kratos holds it in memory then — the success UI, but
// still the identity the flow was loaded with, the submit's transient
// payload (profile), and only the verification step among continue_with
// (the redirect is added later, when Kratos writes the answer).
func settingsPostParts(r *http.Request, s *submission, done []byte) ctxParts {
	flow := done
	if old := jsonRaw(s.flow, "identity"); old != nil {
		flow, _ = sjson.SetRawBytes(flow, "identity", old)
	}
	if cw := gjson.GetBytes(done, "continue_with"); cw.Exists() {
		kept := []byte("[]")
		for _, item := range cw.Array() {
			if item.Get("action").String() == "show_verification_ui" {
				kept, _ = sjson.SetRawBytes(kept, "-1", []byte(item.Raw))
			}
		}
		if string(kept) == "[]" {
			// Nothing but the redirect: Kratos's in-memory flow has no
			// items yet, and its continue_with is omitempty.
			flow, _ = sjson.DeleteBytes(flow, "continue_with")
		} else {
			flow, _ = sjson.SetRawBytes(flow, "continue_with", kept)
		}
	}
	parts := ctxParts{flow: flow, req: r}
	if keepsTransientPayload(s) {
		parts.transient = s.sub.TransientPayloadOrEmpty()
	}
	return parts
}

// keepsTransientPayload reports the settings strategies whose flow holds
// the submit's transient payload when the hooks run (observed against
// Kratos v1.3.1 in the differential suite): profile, TOTP, lookup codes,
// passkeys; the password strategy's does not.
func keepsTransientPayload(s *submission) bool {
	return s.sub.Method == "profile" || s.method == "totp" || s.method == "lookup_secret" || s.method == "passkey"
}

// settingsPrePersist runs settings parse hooks on the identity the submit
// would produce. refused reports a submit Kratos will refuse before its
// hooks.
func (x *exchange) settingsPrePersist(s *submission) (res pointResult, refused, answered bool) {
	gw := x.gw
	stored := jsonRaw(s.flow, "identity")
	schema, answered := x.schemaOrFail(s, jsonString(stored, "schema_id"))
	if answered {
		return res, false, true
	}
	if typed, err := x.decodeWithSchema(s, schema); err == nil {
		s.sub = typed
	}
	if reason := x.preflightRefusal(s, s.method, schema); reason != "" {
		s.refusal = reason
		return res, true, false
	}
	parts := ctxParts{flow: s.flow, req: x.r}
	if keepsTransientPayload(s) {
		parts.transient = s.sub.TransientPayloadOrEmpty()
	}
	identity := stored
	if s.sub.Method == "profile" {
		// The profile method keeps the transient payload and shows the
		// submitted traits in both the flow and the identity.
		parts.transient = s.sub.TransientPayloadOrEmpty()
		if f, err := kratos.HydrateProfileTraits(s.flow, s.sub.Traits, ""); err == nil {
			parts.flow = f
		}
		if id, err := kratos.SettingsPrePersistIdentity(stored, s.sub.Traits, schema); err == nil {
			identity = id
		}
	}
	res = gw.runSync(x.r.Context(), kratos.Settings, s.parse, parts, identity)
	if (res.fail != nil || res.interrupt != nil) && s.resumed {
		// The paused change is refused: neither Kratos nor the gateway
		// may resume it again.
		x.forgetPausedChange()
	}
	switch {
	case res.fail != nil:
		x.answerFailure(kratos.Settings, s.flow, res.fail)
		return res, false, true
	case res.interrupt != nil:
		opt := kratos.MapOptions{Order: kratos.NodeOrderFor(kratos.Settings, schema.KeysInOrder())}
		if s.sub.Method == "profile" {
			opt.Refill = kratos.TraitValues(s.sub.Traits)
		}
		x.answerInterrupt(kratos.Settings, s.flow, res.interrupt, opt)
		return res, false, true
	}
	return res, false, false
}

// settingsOutcome returns the flow in its success state, or nil when the
// submit did not complete. JSON clients get it in the body; a form client
// gets a 303 to the settings UI either way, so the gateway fetches the
// flow with the client's credentials (and the refreshed session) to read
// its state. An error means the outcome could not be established.
func (x *exchange) settingsOutcome(ctx context.Context, s *submission, ans answer) ([]byte, error) {
	switch ans.status {
	case http.StatusOK:
		if gjson.GetBytes(ans.body, "state").String() == "success" {
			return ans.body, nil
		}
		return nil, nil
	case http.StatusSeeOther:
		flow, err := x.flowAfterRedirect(ctx)
		if err != nil || gjson.GetBytes(flow, "state").String() != "success" {
			return nil, err
		}
		return flow, nil
	}
	return nil, nil
}

// settingsSucceeded is settingsOutcome for callers that only ask whether.
func (x *exchange) settingsSucceeded(ctx context.Context, s *submission, ans answer) []byte {
	done, err := x.settingsOutcome(ctx, s, ans)
	if err != nil {
		return []byte("{}") // cannot tell: count it as done, so the caller fails closed
	}
	return done
}

// resumeOrDropContinuity handles a settings change Kratos paused for
// re-authentication. For a browser form client carrying Kratos's
// continuity cookie, Kratos resumes the saved change instead of reading
// the request: when the gateway recorded that change (a continuation
// cookie for this flow), the hooks judge it as saved; otherwise Kratos's
// cookie is taken off the forwarded request, so Kratos reads the request
// the hooks see.
func (x *exchange) resumeOrDropContinuity(s *submission) {
	if kratos.IsJSONRequest(x.r.Header) || !kratos.HasContinuityCookie(x.r) {
		return
	}
	if c, ok := kratos.OpenContinuation(x.gw.sealer, x.continuation, x.route.FlowID, time.Now()); ok {
		s.sub, s.resumed = c.Submit(), true
		return
	}
	x.gw.logger.Info("a settings submit carried Kratos's continuity cookie without a change the hooks saw; the cookie is not forwarded")
	stripCookie(x.r.Header, kratos.KratosContinuityCookie)
}

// rememberPausedChange records, when Kratos paused a form client's settings
// change for re-authentication (its answer sets the continuity cookie), the
// change as the hooks saw it, so they can judge it again when Kratos
// resumes it.
func (x *exchange) rememberPausedChange(s *submission) {
	if !kratos.SetsContinuity(x.w.Header().Values("Set-Cookie")) || s.sub.Method == "" {
		return
	}
	now := time.Now()
	c := kratos.Continuation{
		FlowID: x.route.FlowID, Method: s.sub.Method, Traits: s.sub.Traits,
		TransientPayload: s.sub.TransientPayload, Expires: now.Add(15 * time.Minute),
	}
	tok, ok := kratos.SealContinuation(x.gw.sealer, c)
	if !ok {
		x.gw.logger.Warn("the paused settings change is too large for a cookie; Kratos will not be allowed to resume it")
		return
	}
	http.SetCookie(x.w, kratos.ContinuationCookie(tok, c.Expires, x.r.TLS != nil, now))
}

// forgetPausedChange deletes both records of a paused change in the
// browser: Kratos's continuity cookie and the gateway's continuation.
func (x *exchange) forgetPausedChange() {
	secure := x.r.TLS != nil
	http.SetCookie(x.w, kratos.ExpiredContinuationCookie(secure))
	http.SetCookie(x.w, &http.Cookie{Name: kratos.KratosContinuityCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}
