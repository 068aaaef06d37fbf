package oryactions

import (
	"context"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveRegistrationSubmit runs `registration after` hooks (DESIGN §4):
// parse hooks before forwarding, so nothing is created when they interrupt;
// other hooks after Kratos has stored the identity.
func (rt *runtime) serveRegistrationSubmit(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, route kratos.Route) error {
	s, err := rt.beginSubmit(w, r, next, route)
	if s == nil {
		return err
	}
	parts := ctxParts{flow: s.flow, transient: s.sub.TransientPayloadOrEmpty(), req: r}

	var pending []patchedField
	var invalidPatch bool
	if len(s.parse) > 0 {
		res, handled := rt.registrationPrePersist(w, r, s, &parts)
		if handled {
			return nil
		}
		var traits []byte
		traits, pending = splitPatches(res.patched)
		if traits != nil {
			// Kratos validates the patched traits itself and answers with
			// its own messages; forwarding them gets exactly that answer.
			invalidPatch = rt.traitsInvalid(r.Context(), traits)
			if rewritten, err := kratos.ReplaceTraits(s.sub, traits); err == nil {
				s.body = rewritten
			}
		}
	}

	buf := getBuf()
	defer putBuf(buf)
	ans, ok, err := rt.forwardSubmit(w, r, next, s, buf, func(status int, h http.Header) bool {
		return successAnswers(status, h) || (invalidPatch && status == http.StatusBadRequest && isJSONAnswer(h))
	})
	if err != nil || !ok {
		return err
	}
	if invalidPatch && ans.status == http.StatusBadRequest {
		// Kratos refills nodes from the submit, but a hook's traits never
		// were the client's submit: show the values the flow had.
		writeBuffered(w, ans.status, kratos.RestoreTraitValues(ans.body, s.flow))
		return nil
	}
	// Post-persist hooks are detached from the client, as in Kratos: the
	// identity exists now whatever the client does.
	ctx := context.WithoutCancel(r.Context())
	identity, known := rt.registeredIdentity(ctx, ans, w.Header())
	if !known {
		writeBuffered(w, ans.status, ans.body)
		return nil
	}
	if identity == nil {
		// Kratos succeeded but the identity cannot be read back: running
		// the hooks blind is not an option, skipping them silently neither.
		dropSetCookies(w.Header(), isSessionCookie)
		rt.answerFailure(w, r, kratos.Registration, s.flow, &failure{status: http.StatusBadGateway, message: "the new identity could not be read back from Kratos"})
		return nil
	}
	rt.finishPersisted(ctx, w, r, s, ans, identity, pending, parts)
	return nil
}

// registrationPrePersist runs registration parse hooks on the identity
// Kratos would store. handled reports that the client has been answered.
// The submit is decoded again with the schema, as Kratos's decoder types
// form values and adds {} for objects the client left out, so ctx.identity
// matches Kratos's.
func (rt *runtime) registrationPrePersist(w http.ResponseWriter, r *http.Request, s *submission, parts *ctxParts) (pointResult, bool) {
	schema := rt.schemaFor(w, r, s, rt.schemaID)
	if schema == nil {
		return pointResult{}, true
	}
	if typed, err := kratos.ParseSubmitWithSchema(r.Header.Get("Content-Type"), s.body, schema); err == nil {
		s.sub = typed
		parts.transient = typed.TransientPayloadOrEmpty()
	}
	if rt.refused(r, s, schema) {
		return pointResult{}, false
	}
	identity := kratos.PrePersistIdentity(rt.schemaID, s.sub.Traits, schema, time.Now())
	res := rt.runSync(r.Context(), kratos.Registration, s.parse, *parts, identity)
	opt := kratos.MapOptions{
		ResetMessages: true,
		Refill:        kratos.TraitValues(s.sub.Traits),
		Order:         kratos.NodeOrderFor(kratos.Registration, schema.KeysInOrder()),
	}
	switch {
	case res.fail != nil:
		rt.answerFailure(w, r, kratos.Registration, s.flow, res.fail)
		return res, true
	case res.interrupt != nil:
		rt.answerInterrupt(w, r, kratos.Registration, s.flow, res.interrupt, opt)
		return res, true
	}
	if id := patchedString(res.patched, "schema_id"); id != "" {
		if _, err := rt.schemas.get(r.Context(), id); err != nil {
			// Kratos refuses an identity whose schema it cannot find before
			// storing anything: 400 and the flow with message 4000001.
			// Kratos refills no node here: the error comes from storing, not
			// from validating the form.
			opt.Refill = nil
			rt.answerInterrupt(w, r, kratos.Registration, s.flow, kratos.UnknownSchemaMessages(id), opt)
			return res, true
		}
	}
	return res, false
}

// traitsInvalid reports whether patched traits break the default schema.
func (rt *runtime) traitsInvalid(ctx context.Context, traits []byte) bool {
	schema, err := rt.schemas.get(ctx, rt.schemaID)
	return err == nil && schema.ValidateTraits(traits) != nil
}

// registeredIdentity returns the identity Kratos just created. known is
// false when the submit did not succeed. API and JSON clients get the
// identity in the body; a form client only gets a redirect and the session
// cookie, so the gateway asks whoami with that cookie (SPEC §11).
func (rt *runtime) registeredIdentity(ctx context.Context, ans recorded, h http.Header) (identity []byte, known bool) {
	if ans.status == http.StatusOK {
		identity = jsonRaw(ans.body, "identity")
		return identity, identity != nil
	}
	if ans.status != http.StatusSeeOther {
		return nil, false // 302: a form submit Kratos refused
	}
	session := setCookieValue(h, sessionCookieName)
	if session == "" {
		// Without the session hook a form success carries no cookie.
		return nil, false
	}
	resp, err := rt.kratos.Whoami(ctx, sessionCookieName+"="+session, "")
	if err != nil || resp.Status != http.StatusOK {
		rt.logger.Error("whoami with the new session failed; after hooks cannot run", zap.Int("status", resp.Status), zap.Error(err))
		return nil, true
	}
	return jsonRaw(resp.Body, "identity"), true
}
