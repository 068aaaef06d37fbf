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

// serveSettingsSubmit runs `settings after` hooks (DESIGN §4): parse hooks
// before forwarding, on the identity as it would be stored; other hooks
// after Kratos has stored the change.
func (rt *runtime) serveSettingsSubmit(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, route kratos.Route) error {
	s, err := rt.beginSubmit(w, r, next, route)
	if s == nil {
		return err
	}
	var pending []patchedField
	if len(s.parse) > 0 {
		res, handled := rt.settingsPrePersist(w, r, s)
		if handled {
			return nil
		}
		var traits []byte
		traits, pending = splitPatches(res.patched)
		if traits != nil {
			if s.sub.Method == "profile" {
				if rewritten, err := kratos.ReplaceTraits(s.sub, traits); err == nil {
					s.body = rewritten
				}
			} else {
				pending = append(pending, patchedField{name: "traits", value: traits})
			}
		}
	}

	buf := getBuf()
	defer putBuf(buf)
	ans, ok, err := rt.forwardSubmit(w, r, next, s, buf, successAnswers)
	if err != nil || !ok {
		return err
	}
	ctx := context.WithoutCancel(r.Context())
	done := rt.settingsSucceeded(ctx, r, s, ans, w.Header())
	if done == nil {
		writeBuffered(w, ans.status, ans.body)
		return nil
	}
	identity := jsonRaw(done, "identity")
	if !gjson.GetBytes(identity, "state_changed_at").Exists() {
		// Kratos's updated identity carries a zero one, rendered null.
		identity, _ = sjson.SetRawBytes(identity, "state_changed_at", []byte("null"))
	}
	rt.finishPersisted(ctx, w, r, s, ans, identity, pending, settingsPostParts(r, s, done))
	return nil
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
		flow, _ = sjson.SetRawBytes(flow, "continue_with", kept)
	}
	parts := ctxParts{flow: flow, req: r}
	if s.sub.Method == "profile" {
		parts.transient = s.sub.TransientPayloadOrEmpty()
	}
	return parts
}

// settingsPrePersist runs settings parse hooks on the identity the submit
// would produce. handled reports that the client has been answered.
func (rt *runtime) settingsPrePersist(w http.ResponseWriter, r *http.Request, s *submission) (pointResult, bool) {
	stored := jsonRaw(s.flow, "identity")
	schema := rt.schemaFor(w, r, s, jsonString(stored, "schema_id"))
	if schema == nil {
		return pointResult{}, true
	}
	if typed, err := kratos.ParseSubmitWithSchema(r.Header.Get("Content-Type"), s.body, schema); err == nil {
		s.sub = typed
	}
	if rt.refused(r, s, schema) {
		return pointResult{}, false
	}
	parts := ctxParts{flow: s.flow, req: r}
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
	res := rt.runSync(r.Context(), kratos.Settings, s.parse, parts, identity)
	switch {
	case res.fail != nil:
		rt.answerFailure(w, r, kratos.Settings, s.flow, res.fail)
		return res, true
	case res.interrupt != nil:
		opt := kratos.MapOptions{Order: kratos.NodeOrderFor(kratos.Settings, schema.KeysInOrder())}
		if s.sub.Method == "profile" {
			opt.Refill = kratos.TraitValues(s.sub.Traits)
		}
		rt.answerInterrupt(w, r, kratos.Settings, s.flow, res.interrupt, opt)
		return res, true
	}
	return res, false
}

// settingsSucceeded returns the flow in its success state, or nil when the
// submit failed. JSON clients get it in the body; a form client gets a 303
// to the settings UI either way, so the gateway fetches the flow with the
// client's cookies (and the refreshed session) to read its state (SPEC §3).
func (rt *runtime) settingsSucceeded(ctx context.Context, r *http.Request, s *submission, ans recorded, h http.Header) []byte {
	if ans.status == http.StatusOK {
		if gjson.GetBytes(ans.body, "state").String() == "success" {
			return ans.body
		}
		return nil
	}
	if ans.status != http.StatusSeeOther {
		return nil
	}
	cookie := mergeCookies(r.Header.Get("Cookie"), h.Values("Set-Cookie"))
	resp, err := rt.kratos.FetchFlow(ctx, string(kratos.Settings), s.route.FlowID, cookie, r.Header.Get("X-Session-Token"))
	if err != nil || resp.Status != http.StatusOK {
		rt.logger.Error("fetching the settings flow after a form submit failed; after hooks cannot run", zap.Int("status", resp.Status), zap.Error(err))
		return nil
	}
	if gjson.GetBytes(resp.Body, "state").String() != "success" {
		return nil
	}
	return resp.Body
}
