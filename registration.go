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
	sub, body, ok := rt.readSubmit(w, r)
	if !ok {
		return nil
	}
	hs := selectMethod(rt.hooksAt(kratos.Registration, "after"), sub.Method)
	if len(hs) == 0 || body == nil {
		return next.ServeHTTP(w, r)
	}
	parse, post, async := partition(hs)

	flow := rt.submittedFlow(r, route)
	if flow == nil {
		// Kratos will refuse this submit itself (unknown, expired or
		// foreign flow); no hook would have run.
		return next.ServeHTTP(w, r)
	}
	parts := ctxParts{flow: flow, transient: sub.TransientPayload, req: r}

	var pending []patchedField
	if len(parse) > 0 {
		res, handled := rt.runPrePersist(w, r, route, flow, sub, parts, parse)
		if handled {
			return nil
		}
		for _, f := range res.patched {
			if f.name != "traits" {
				pending = append(pending, f)
				continue
			}
			if rewritten, err := kratos.ReplaceTraits(sub, f.value); err == nil {
				body = rewritten
			}
		}
		setBody(r, body)
	}

	buf := getBuf()
	defer putBuf(buf)
	ans, ok, err := forward(w, r, next, buf, func(status int, h http.Header) bool {
		return (status == http.StatusOK && isJSONAnswer(h)) || status == http.StatusSeeOther
	})
	if err != nil || !ok {
		return err
	}
	// Post-persist hooks are detached from the client, as in Kratos: the
	// identity exists now whatever the client does.
	ctx := context.WithoutCancel(r.Context())
	identity, identityID := rt.registeredIdentity(ctx, ans, w.Header())
	if identity == nil {
		writeBuffered(w, ans.status, ans.body)
		return nil
	}
	out := ans.body
	if len(pending) > 0 {
		var stop bool
		identity, out, stop = rt.applyStoredPatch(ctx, w, r, identityID, identity, out, pending)
		if stop {
			return nil
		}
	}
	if len(post) > 0 {
		res := rt.runSync(ctx, kratos.Registration, post, parts, identity)
		if res.fail != nil {
			dropSetCookies(w.Header(), isSessionCookie)
			rt.respondFailure(w, r, res.fail)
			return nil
		}
	}
	rt.dispatchAsync(ctx, kratos.Registration, async, parts, identity)
	writeBuffered(w, ans.status, out)
	return nil
}

// runPrePersist runs registration parse hooks on the identity Kratos would
// store. handled reports that the client has been answered.
func (rt *runtime) runPrePersist(w http.ResponseWriter, r *http.Request, route kratos.Route, flow []byte, sub kratos.Submit, parts ctxParts, parse []*hookRef) (pointResult, bool) {
	schema, err := rt.schemas.get(r.Context(), rt.schemaID)
	if err != nil {
		rt.logger.Error("identity schema unavailable; parse hooks cannot run", zap.String("schema_id", rt.schemaID), zap.Error(err))
		rt.respondFailure(w, r, &failure{status: http.StatusBadGateway, message: "the identity schema could not be fetched from Kratos", hook: parse[0].id})
		return pointResult{}, true
	}
	check := kratos.SubmitCheck{Flow: kratos.Registration, FlowJSON: flow, Request: r, Submit: sub, Method: sub.Method, Schema: schema, Now: time.Now()}
	if reason := kratos.SubmitRefusal(check); reason != "" {
		rt.logger.Debug("Kratos will refuse this submit; parse hooks skipped", zap.String("reason", reason))
		return pointResult{}, false
	}
	identity := kratos.PrePersistIdentity(rt.schemaID, sub.Traits, schema, time.Now())
	res := rt.runSync(r.Context(), kratos.Registration, parse, parts, identity)
	switch {
	case res.fail != nil:
		rt.respondFailure(w, r, res.fail)
		return res, true
	case res.interrupt != nil:
		rt.respondSubmitInterrupt(w, r, route, flow, sub, res)
		return res, true
	}
	return res, false
}

// registeredIdentity returns the identity Kratos just created and its id, or
// nil when the submit did not succeed. API and JSON clients get it in the
// body; a form client only gets a redirect and the session cookie, so the
// gateway asks whoami with that cookie (SPEC §11).
func (rt *runtime) registeredIdentity(ctx context.Context, ans recorded, h http.Header) ([]byte, string) {
	if ans.status == http.StatusOK {
		id := jsonRaw(ans.body, "identity")
		if id == nil {
			return nil, ""
		}
		return id, jsonString(id, "id")
	}
	session := setCookieValue(h, sessionCookieName)
	if session == "" {
		return nil, ""
	}
	resp, err := rt.kratos.Whoami(ctx, sessionCookieName+"="+session, "")
	if err != nil || resp.Status != http.StatusOK {
		rt.logger.Error("whoami with the new session failed; after hooks cannot run", zap.Int("status", resp.Status), zap.Error(err))
		return nil, ""
	}
	id := jsonRaw(resp.Body, "identity")
	return id, jsonString(id, "id")
}
