package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path"
	"time"

	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// Social sign-in (OIDC) in a browser takes two requests. The submit naming
// a provider makes Kratos send the browser to the provider (a 303, or a
// 422 with redirect_browser_to for JSON clients) and runs no hook. The
// provider sends the browser back to /self-service/methods/oidc/callback/
// {provider}, where Kratos completes the flow and runs the after `oidc`
// hooks: registration parse hooks before it stores the identity, the
// others after; login hooks before it issues the session.
//
// Kratos's state parameter is encrypted, so the gateway records, on the
// submit, which flow the state belongs to, in a sealed cookie the browser
// brings back on the callback (as it brings Kratos's own continuity
// cookie). On the callback Kratos decides first (the identity comes from
// the provider's claims through Kratos's mapper, which the gateway cannot
// reproduce); the hooks then run on what Kratos did, and an interrupt or
// failure undoes it: a new identity is deleted, a new session revoked,
// and the browser is sent to the flow's UI with the messages.

// oidcStartMaxAge bounds a provider round trip.
const oidcStartMaxAge = 30 * time.Minute

// oidcStartMaxCookie is about the largest cookie value browsers keep (4096
// bytes for name, value and attributes).
const oidcStartMaxCookie = 3900

// beginOIDC handles a submit naming a provider while oidc hooks exist: one
// with an id_token (a native app's sign-in, which completes at once) is
// refused, as the gateway cannot run hooks on it yet; the others send the
// browser to the provider (a settings link only when no settings hook
// applies to oidc).
func (x *exchange) beginOIDC(s *submission, cached []byte) bool {
	if s.sub.Field("id_token") != "" {
		x.refuseOIDC()
		return true
	}
	flow, _, answered := x.submittedFlow(cached)
	if answered {
		return true
	}
	s.flow = flow
	x.serveOIDCStart(s)
	return true
}

// serveOIDCStart forwards a submit that sends the browser to the provider
// and records which flow the provider's answer will complete.
func (x *exchange) serveOIDCStart(s *submission) {
	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forwardSubmit(s, buf, func(status int, h http.Header) bool {
		return status == http.StatusSeeOther || status == http.StatusFound ||
			status == http.StatusUnprocessableEntity && isJSONAnswer(h)
	})
	if answered {
		return
	}
	location := x.w.Header().Get("Location")
	if ans.status == http.StatusUnprocessableEntity {
		location = gjson.GetBytes(ans.body, "redirect_browser_to").String()
	}
	if state := kratos.ProviderState(location); state != "" {
		now := time.Now()
		start := kratos.OIDCStart{State: state, FlowID: x.route.FlowID, Flow: x.route.Flow, Expires: now.Add(oidcStartMaxAge),
			TransientPayload: s.sub.TransientPayload}
		if exp := flowExpiry(s.flow); !exp.IsZero() && exp.Before(start.Expires) {
			start.Expires = exp
		}
		if tok, err := kratos.SealOIDCStart(x.gw.sealer, start); err == nil {
			if len(tok) > oidcStartMaxCookie {
				// Browsers drop such a cookie, and the callback is then
				// refused: say why here.
				x.gw.logger.Warn("the social sign-in record is too large for a cookie (a large transient_payload?); its callback will be refused", zap.Int("bytes", len(tok)))
			}
			http.SetCookie(x.w, kratos.OIDCStartCookie(tok, start.Expires, x.r.TLS != nil, now))
		}
	}
	writeBuffered(x.w, ans)
}

// serveOIDCCallback completes a social sign-in through Kratos and runs the
// hooks that apply to what Kratos did.
func (x *exchange) serveOIDCCallback() {
	gw := x.gw
	state, answered := x.callbackState()
	if answered {
		return
	}
	start, ok := kratos.OpenOIDCStart(gw.sealer, x.oidcStart, state, time.Now())
	if !ok {
		// Kratos needs its continuity cookie from the same browser too; a
		// callback the gateway cannot place is not let through, as its
		// hooks could not run.
		gw.logger.Warn("refused an OIDC callback the gateway did not see start (no or another sign-in record)")
		x.answerError(kratos.Error{Code: http.StatusBadRequest, Status: http.StatusText(http.StatusBadRequest),
			Reason:  "The social sign-in could not be matched to the flow it started from; start again.",
			Message: "the OIDC callback belongs to no sign-in this gateway started"})
		return
	}
	http.SetCookie(x.w, kratos.ExpiredOIDCStartCookie(x.r.TLS != nil))
	if start.Flow == kratos.Settings {
		// A link (a settings submit with hooks for oidc is refused before
		// it reaches the provider): no hook applies.
		x.pass()
		return
	}
	ctx := context.WithoutCancel(x.r.Context())
	resp, err := gw.kratos.FetchFlow(ctx, string(start.Flow), start.FlowID, kratos.CredentialsOf(x.r))
	if err != nil || resp.Status != http.StatusOK {
		gw.logger.Error("fetching the flow of an OIDC callback failed; refused", zap.String("flow", string(start.Flow)), zap.Int("status", resp.Status), zap.Error(err))
		x.failClosed(start.Flow, nil, "the flow could not be loaded from Kratos")
		return
	}
	flow := resp.Body
	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forward(buf, successAnswers)
	if answered {
		return
	}
	session, err := x.sessionFromAnswer(ctx)
	if err != nil {
		gw.logger.Error("an OIDC callback's session cannot be read back; its hooks cannot run", zap.Error(err))
		x.revokeAnswerSession(ctx, ans)
		x.failClosed(start.Flow, flow, "the new session could not be read back from Kratos")
		return
	}
	if session == nil {
		x.oidcWithoutSession(start, flow, ans)
		return
	}
	identity := jsonRaw(session, "identity")
	if registeredNow(identity, flow) {
		if start.Flow == kratos.Login {
			// Kratos turned the login into a registration, on a flow
			// of its own: see oidc_switch.go.
			before, reg, err := x.switchedRegistrationFlow(ctx, flow)
			if err != nil {
				gw.logger.Error("a login turned into a registration, but no registration flow could be started for its hooks; the registration is undone", zap.Error(err))
				x.undoRegistration(ctx, ans, jsonString(identity, "id"))
				x.failClosed(kratos.Registration, flow, "a registration flow could not be started at Kratos")
				return
			}
			if x.switchedRegistrationBefore(ctx, before, flow, ans, jsonString(identity, "id")) {
				return
			}
			// A later fetch of the flow (after an interrupt) shows
			// Kratos's request_url too.
			flow, x.carryRequestURL = reg, jsonString(reg, "request_url")
		}
		x.oidcRegistered(ctx, flow, ans, session, identity, start.TransientPayloadOrEmpty())
		return
	}
	if start.Flow == kratos.Registration && x.switchedLoginBefore(ctx, flow, ans, jsonString(session, "id")) {
		// Kratos turned the registration into a login, on a flow of its
		// own, and a login before hook refused it.
		return
	}
	x.oidcLoggedIn(ctx, flow, ans, session, identity, start.TransientPayloadOrEmpty())
}

// callbackState reads the state parameter the provider sent back: from
// the query of a GET, or the form of a POST (response_mode form_post).
func (x *exchange) callbackState() (string, bool) {
	if x.r.Method == http.MethodGet {
		return x.r.URL.Query().Get("state"), false
	}
	body, err := readBody(x.r, x.gw.maxBody)
	if errors.Is(err, errBodyTooLarge) {
		x.answerTooLarge()
		return "", true
	}
	if err != nil {
		x.answerError(badRequest("the request body could not be read"))
		return "", true
	}
	setBody(x.r, body)
	sub, err := kratos.DecodeSubmit(kratos.SubmitRequest{Method: x.r.Method, ContentType: x.r.Header.Get("Content-Type"),
		RawQuery: x.r.URL.RawQuery, Body: body}, nil)
	if err != nil {
		x.answerError(badRequest("the callback could not be decoded"))
		return "", true
	}
	if st := sub.Field("state"); st != "" {
		return st, false
	}
	return x.r.URL.Query().Get("state"), false
}

// registeredNow reports whether Kratos created the identity on this
// callback (Kratos turns a registration for a known subject into a login,
// and a login for an unknown one into a registration): created after the
// flow was issued, both times by Kratos's clock.
func registeredNow(identity, flow []byte) bool {
	created, err1 := time.Parse(time.RFC3339Nano, jsonString(identity, "created_at"))
	issued, err2 := time.Parse(time.RFC3339Nano, jsonString(flow, "issued_at"))
	return err1 == nil && err2 == nil && created.After(issued)
}

// oidcWithoutSession passes on a callback that issued no session: Kratos
// sent the browser to a UI (traits to complete, an error) without
// completing anything. A completed registration without a session (no
// session hook after oidc registration) cannot be told apart from the
// outside, and its hooks could not run: it is refused.
func (x *exchange) oidcWithoutSession(start kratos.OIDCStart, flow []byte, ans answer) {
	loc := x.w.Header().Get("Location")
	if ans.status != http.StatusSeeOther && ans.status != http.StatusFound || locationShowsAFlow(loc) {
		writeBuffered(x.w, ans)
		return
	}
	x.gw.logger.Error("an OIDC callback completed without a session, so the gateway cannot tell what it did; " +
		"configure Kratos's session hook after oidc registration (selfservice.flows.registration.after.oidc.hooks: [{hook: session}])")
	x.failClosed(start.Flow, flow, "the outcome of the social sign-in could not be established")
}

// locationShowsAFlow reports a redirect to a UI page showing a flow or an
// error (?flow= or ?id=), rather than to a return URL.
func locationShowsAFlow(loc string) bool {
	u, err := url.Parse(loc)
	if err != nil {
		return false
	}
	q := u.Query()
	return q.Get("flow") != "" || q.Get("id") != ""
}

// oidcRegistered runs the registration hooks for oidc on the identity
// Kratos created: parse hooks on it as Kratos shows it before storing it,
// then the others.
func (x *exchange) oidcRegistered(ctx context.Context, flow []byte, ans answer, session, identity, transient []byte) {
	gw := x.gw
	hs := selectMethod(gw.hooksAt(kratos.Registration, After), "oidc")
	s := &submission{flow: flow, method: "oidc"}
	s.parse, s.post, s.async = partition(hs)
	s.sync, _ = splitAsync(hs)
	// Kratos's hooks see the flow as loaded, the oidc method active.
	flow = loginCtxFlow(flow, "oidc")
	parts := ctxParts{flow: flow, transient: transient, req: x.r}
	var pending []patchedField
	if len(s.parse) > 0 {
		schemaID := jsonString(identity, "schema_id")
		schema, err := gw.schemas.get(ctx, schemaID)
		if err != nil {
			gw.logger.Error("identity schema unavailable; the social sign-up's parse hooks cannot run, so it is undone", zap.Error(err))
			x.undoRegistration(ctx, ans, jsonString(identity, "id"))
			x.failClosed(kratos.Registration, flow, "the identity schema could not be fetched from Kratos")
			return
		}
		traits := jsonRaw(identity, "traits")
		prePersist := kratos.PrePersistIdentity(schemaID, traits, schema, time.Now())
		res := gw.runSync(ctx, kratos.Registration, s.parse, parts, prePersist)
		if res.fail != nil || res.interrupt != nil {
			x.undoRegistration(ctx, ans, jsonString(identity, "id"))
			if res.fail != nil {
				x.answerFailure(kratos.Registration, flow, res.fail)
				return
			}
			provider := path.Base(x.r.URL.Path)
			values := kratos.TraitValues(traits)
			shown := flow
			if ui, err := kratos.OIDCRegistrationErrorUI(flow, provider, values); err == nil {
				shown = ui
			}
			x.oidcProvider = provider
			x.answerInterrupt(kratos.Registration, shown, res.interrupt, kratos.MapOptions{
				ResetMessages: true, Refill: values, Order: kratos.NodeOrderFor(kratos.Registration, schema.KeysInOrder()),
			})
			return
		}
		pending = res.patched
	}
	x.finishPersisted(ctx, s, ans, publicIdentity(identity), pending, parts)
}

// oidcLoggedIn runs the login hooks for oidc on the session Kratos issued;
// an interrupt or failure revokes it.
func (x *exchange) oidcLoggedIn(ctx context.Context, flow []byte, ans answer, session, identity, transient []byte) {
	gw := x.gw
	hs := selectMethod(gw.hooksAt(kratos.Login, After), "oidc")
	sync, async := splitAsync(hs)
	flow = loginCtxFlow(flow, "oidc")
	parts := ctxParts{flow: flow, transient: transient, req: x.r, session: ctxSession(session)}
	res := gw.runSync(ctx, kratos.Login, sync, parts, identity)
	switch {
	case res.interrupt != nil:
		x.undoLogin(ctx, jsonString(session, "id"))
		x.answerInterrupt(kratos.Login, flow, res.interrupt, kratos.MapOptions{ResetMessages: true, Order: kratos.NodeOrderFor(kratos.Login, nil)})
		return
	case res.fail != nil:
		x.undoLogin(ctx, jsonString(session, "id"))
		x.answerFailure(kratos.Login, flow, res.fail)
		return
	}
	gw.dispatchAsync(ctx, kratos.Login, async, parts, identity)
	writeBuffered(x.w, ans)
}

// settingsOIDCHooked reports a settings after hook that applies to oidc.
func (gw *Gateway) settingsOIDCHooked() bool {
	return len(selectMethod(gw.hooksAt(kratos.Settings, After), "oidc")) > 0
}
