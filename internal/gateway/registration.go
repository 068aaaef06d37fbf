package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveRegistrationSubmit runs `registration after` hooks: parse hooks
// before forwarding, so nothing is created when they interrupt (Kratos runs
// them pre-persist); other hooks after Kratos has stored the identity.
func (x *exchange) serveRegistrationSubmit(s *submission) {
	if s.method == "code" {
		x.serveCodeRegistration(s)
		return
	}
	if s.refusal != "" {
		x.forwardExpectingRefusal(s)
		return
	}
	parts := ctxParts{flow: s.flow, transient: s.sub.TransientPayloadOrEmpty(), req: x.r}
	var pending []patchedField
	var invalidPatch bool
	if len(s.parse) > 0 {
		res, refused, answered := x.registrationPrePersist(s, &parts)
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
			// Kratos validates the patched traits itself and answers with
			// its own messages; forwarding them gets exactly that answer.
			invalidPatch = x.traitsInvalid(traits)
			s.rewriteTraits(traits)
		}
	}
	before, answered := x.identitiesBefore(s, pending)
	if answered {
		return
	}

	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forwardSubmit(s, buf, func(status int, h http.Header) bool {
		return successAnswers(status, h) || (invalidPatch && status == http.StatusBadRequest && isJSONAnswer(h))
	})
	if answered {
		return
	}
	if invalidPatch && ans.status == http.StatusBadRequest {
		// Kratos refills nodes from the submit, but a hook's traits never
		// were the client's submit: show the values the flow had, now and
		// on the next fetch.
		x.restoreTraitValuesLater(s)
		writeBuffered(x.w, answer{ans.status, kratos.RestoreTraitValues(ans.body, s.flow)})
		return
	}
	// Post-persist hooks are detached from the client, as in Kratos: the
	// identity exists now whatever the client does.
	ctx := context.WithoutCancel(x.r.Context())
	identity, succeeded, err := x.registeredIdentity(ctx, s, ans, before)
	if !succeeded {
		if invalidPatch {
			x.restoreTraitValuesLater(s) // a form client's redirect
		}
		writeBuffered(x.w, ans)
		return
	}
	if err != nil || identity == nil {
		// Kratos succeeded but the identity cannot be read back: running
		// the hooks blind is not an option, skipping them silently neither.
		x.gw.logger.Error("registration succeeded but the new identity cannot be read back; after hooks cannot run", zap.Error(err))
		x.revokeAnswerSession(ctx, ans)
		x.failClosed(kratos.Registration, s.flow, "the new identity could not be read back from Kratos")
		return
	}
	x.finishPersisted(ctx, s, ans, identity, pending, parts)
}

// registrationPrePersist runs registration parse hooks on the identity
// Kratos would store. refused reports a submit Kratos will refuse before
// its hooks, which the gateway then forwards without calling them. The
// submit is decoded again with the schema, as Kratos's decoder types form
// values and adds {} for objects the client left out, so ctx.identity
// matches Kratos's.
func (x *exchange) registrationPrePersist(s *submission, parts *ctxParts) (res pointResult, refused, answered bool) {
	gw := x.gw
	schema, answered := x.schemaOrFail(s, gw.schemaID)
	if answered {
		return res, false, true
	}
	if typed, err := x.decodeWithSchema(s, schema); err == nil {
		s.sub = typed
		parts.transient = typed.TransientPayloadOrEmpty()
	}
	if reason := x.preflightRefusal(s, s.method, schema); reason != "" {
		s.refusal = reason
		return res, true, false
	}
	identity := kratos.PrePersistIdentity(gw.schemaID, s.sub.Traits, schema, time.Now())
	res = gw.runSync(x.r.Context(), kratos.Registration, s.parse, *parts, identity)
	opt := kratos.MapOptions{
		ResetMessages: true,
		Refill:        kratos.TraitValues(s.sub.Traits),
		Order:         kratos.NodeOrderFor(kratos.Registration, schema.KeysInOrder()),
	}
	switch {
	case res.fail != nil:
		x.answerFailure(kratos.Registration, s.flow, res.fail)
		return res, false, true
	case res.interrupt != nil:
		x.answerInterrupt(kratos.Registration, s.flow, res.interrupt, opt)
		return res, false, true
	}
	if id := patchedString(res.patched, "schema_id"); id != "" {
		if _, err := gw.schemas.get(x.r.Context(), id); err != nil {
			// Kratos refuses an identity whose schema it cannot find before
			// storing anything: 400 and the flow with message 4000001.
			// Kratos refills no node here: the error comes from storing, not
			// from validating the form.
			opt.Refill = nil
			x.answerInterrupt(kratos.Registration, s.flow, kratos.UnknownSchemaMessages(id), opt)
			return res, false, true
		}
	}
	return res, false, false
}

// decodeWithSchema decodes the submit again, typing trait values by the
// identity schema as Kratos's decoder does.
func (x *exchange) decodeWithSchema(s *submission, schema *kratos.Schema) (kratos.Submit, error) {
	if s.resumed {
		return s.sub, nil
	}
	return kratos.DecodeSubmit(kratos.SubmitRequest{
		Method: x.r.Method, ContentType: x.r.Header.Get("Content-Type"), RawQuery: x.r.URL.RawQuery,
		Body: s.body, QueryAndBody: queryAndBody(x.route.Flow),
	}, schema)
}

// restoreTraitValuesLater makes the next fetch of the flow show the trait
// values it had before the submit whose traits a hook patched into ones
// Kratos refused: Kratos stored the patched values as if the client had
// sent them; natively, Kratos keeps the flow's values.
func (x *exchange) restoreTraitValuesLater(s *submission) {
	c := kratos.Carry{
		FlowID: x.route.FlowID, Flow: kratos.Registration, Expires: flowExpiry(s.flow),
		Refill: kratos.TraitNodeValues(s.flow), ValuesOnly: true,
	}
	if s.flowType() == "browser" {
		x.setCarry(c)
	} else {
		x.gw.interrupts.put(c, time.Now())
	}
}

// traitsInvalid reports whether patched traits break the default schema.
func (x *exchange) traitsInvalid(traits []byte) bool {
	schema, err := x.gw.schemas.get(x.r.Context(), x.gw.schemaID)
	return err == nil && schema.ValidateTraits(traits) != nil
}

// identitiesBefore lists, for a form client whose registration needs the
// new identity afterwards, the identities that already hold the submitted
// identifiers. A form client's success carries no identity, and without
// Kratos's session hook no session cookie either: the new identity is then
// the one holding an identifier that none held before the submit.
func (x *exchange) identitiesBefore(s *submission, pending []patchedField) (map[string]bool, bool) {
	if !x.form(s) || len(s.post)+len(s.async)+len(pending) == 0 {
		return nil, false
	}
	ids, err := x.identitiesByIdentifiers(x.r.Context(), s)
	if err != nil {
		x.gw.logger.Error("admin lookup of the submitted identifiers failed; after hooks could not find the new identity", zap.Error(err))
		return nil, x.failClosed(kratos.Registration, s.flow, "the identity lookup on Kratos's admin API failed")
	}
	before := map[string]bool{}
	for _, id := range ids {
		before[gjson.GetBytes(id, "id").String()] = true
	}
	return before, false
}

// identitiesByIdentifiers returns the identities holding any login
// identifier the submitted traits carry.
func (x *exchange) identitiesByIdentifiers(ctx context.Context, s *submission) ([][]byte, error) {
	schema, err := x.gw.schemas.get(ctx, x.gw.schemaID)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, identifier := range schema.LoginIdentifiers(s.sub.Traits) {
		resp, err := x.gw.kratos.IdentitiesByIdentifier(ctx, identifier)
		if err != nil {
			return nil, err
		}
		if resp.Status != http.StatusOK {
			return nil, errStatus(resp.Status)
		}
		for _, item := range gjson.ParseBytes(resp.Body).Array() {
			out = append(out, []byte(item.Raw))
		}
	}
	return out, nil
}

// registeredIdentity tells whether the registration succeeded and returns
// the identity Kratos created. API and JSON clients get it in the body. A
// form client gets a 303 (a 302 is Kratos's form error): the identity is
// read back with the session cookie of the answer, whatever it is named,
// or, without Kratos's session hook, found by the submitted identifiers.
func (x *exchange) registeredIdentity(ctx context.Context, s *submission, ans answer, before map[string]bool) (identity []byte, succeeded bool, err error) {
	if ans.status == http.StatusOK {
		identity = jsonRaw(ans.body, "identity")
		return identity, identity != nil, nil
	}
	if ans.status != http.StatusSeeOther {
		return nil, false, nil
	}
	session, err := x.sessionFromAnswer(ctx)
	if err != nil {
		return nil, true, err
	}
	if session != nil {
		return jsonRaw(session, "identity"), true, nil
	}
	if before == nil {
		// Nothing needs the identity (no post-persist work): a 303 without
		// a session changes nothing the gateway has to do.
		return nil, false, nil
	}
	ids, err := x.identitiesByIdentifiers(ctx, s)
	if err != nil {
		return nil, true, err
	}
	for _, id := range ids {
		if !before[gjson.GetBytes(id, "id").String()] {
			return publicIdentity(id), true, nil
		}
	}
	return nil, false, nil
}
