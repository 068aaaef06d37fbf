package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// A social sign-in from a login flow for a subject no identity has becomes
// a registration in Kratos (selfservice/strategy/oidc/strategy_login.go,
// processLogin): on the callback Kratos creates a registration flow of its
// own, takes the login flow's return_to, transient payload and
// organization over, marks oidc active and runs the registration hooks for
// oidc with that flow in ctx.flow. Its id shows nowhere a successful
// callback answers, so the gateway cannot fetch it: it starts a browser
// registration flow of the same kind for the same browser and gives it the
// same settings. The registration hooks see that flow, and an interrupt
// sends the browser to it, where the messages show as on Kratos's (which
// the browser never saw either). Kratos also runs the registration before
// hooks when it creates its flow; the gateway runs them on its own.

// switchedRegistrationFlow is the registration flow a login turned into a
// registration on this callback: before as Kratos's registration before
// hooks see it (as created), flow as its after hooks see it (with the
// login's settings taken over).
func (x *exchange) switchedRegistrationFlow(ctx context.Context, login []byte) (before, flow []byte, err error) {
	// Kratos's flow.request_url is the callback's URL, with the login
	// flow's return_to taken over (x.TakeOverReturnToParameter).
	requestURL := kratos.RequestURLBehindProxy(x.r, x.gw.trustForwarded != nil && x.gw.trustForwarded(x.r))
	origin, err := url.Parse(requestURL)
	if err != nil {
		return nil, nil, err
	}
	query := url.Values{}
	if rt := jsonString(login, "return_to"); rt != "" {
		query.Set("return_to", rt)
	}
	resp, err := x.gw.kratos.InitBrowserFlowFor(ctx, kratos.Registration, query, origin, csrfCookieOnly(x.r))
	if err != nil {
		return nil, nil, err
	}
	if resp.Status != http.StatusOK || !gjson.GetBytes(resp.Body, "ui").IsObject() {
		return nil, nil, fmt.Errorf("the registration init answered %d", resp.Status)
	}
	// Kratos's registration before hooks see the flow as created, before
	// the login's settings are taken over.
	before, err = sjson.SetBytes(resp.Body, "request_url", requestURL)
	if err != nil {
		return nil, nil, err
	}
	requestURL = takeOverReturnTo(jsonString(login, "request_url"), requestURL)
	flow, err = sjson.SetBytes(resp.Body, "request_url", requestURL)
	set := func(path string, raw []byte) {
		if err == nil {
			flow, err = sjson.SetRawBytes(flow, path, raw)
		}
	}
	set("active", []byte(`"oidc"`))
	for _, field := range []string{"transient_payload", "organization_id"} {
		if v := gjson.GetBytes(login, field); v.Exists() {
			set(field, []byte(v.Raw))
		}
	}
	return before, flow, err
}

// switchedRegistrationBefore runs the registration before hooks Kratos
// runs when it creates the registration flow on the callback
// (registration.Handler.NewRegistrationFlow), before it stores the
// identity. Kratos has stored it by now: a hook that refuses undoes it, and
// the browser gets what Kratos answers when creating that flow fails: the
// login flow with the messages, or the error. It reports whether the
// callback was answered.
func (x *exchange) switchedRegistrationBefore(ctx context.Context, before, login []byte, ans answer, identityID string) (answered bool) {
	gw := x.gw
	sync, async := splitAsync(gw.hooksAt(kratos.Registration, Before))
	parts := ctxParts{flow: beforeCtxFlow(kratos.Registration, before), req: x.r}
	res := gw.runSync(ctx, kratos.Registration, sync, parts, nil)
	switch {
	case res.fail != nil:
		x.undoRegistration(ctx, ans, identityID)
		x.answerFailure(kratos.Login, login, res.fail)
		return true
	case res.interrupt != nil:
		x.undoRegistration(ctx, ans, identityID)
		x.answerInterrupt(kratos.Login, loginCtxFlow(login, "oidc"), res.interrupt,
			kratos.MapOptions{ResetMessages: true, Order: kratos.NodeOrderFor(kratos.Login, nil)})
		return true
	}
	if len(res.patched) > 0 {
		gw.logger.Warn("a before hook answered with an identity patch; there is no identity yet, so it is ignored (Kratos v1.3.1 panics here)", zap.String("flow", string(kratos.Registration)))
	}
	gw.dispatchAsync(ctx, kratos.Registration, async, parts, nil)
	return false
}

// csrfCookieOnly are the credentials of a browser that holds only the
// request's Kratos anti-CSRF cookie: the flow Kratos starts with them
// carries a token valid for the browser's cookie, and no session (the
// browser may hold one) makes Kratos refuse the init.
func csrfCookieOnly(r *http.Request) kratos.Credentials {
	var kept []string
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, "csrf_token_") {
			kept = append(kept, c.Name+"="+c.Value)
		}
	}
	return kratos.Credentials{Cookie: strings.Join(kept, "; ")}
}

// takeOverReturnTo is Kratos's x.TakeOverReturnToParameter: the return_to
// of from's query set on to's query, when there is one.
func takeOverReturnTo(from, to string) string {
	f, err := url.Parse(from)
	if err != nil {
		return to
	}
	returnTo := f.Query().Get("return_to")
	if returnTo == "" {
		return to
	}
	t, err := url.Parse(to)
	if err != nil {
		return to
	}
	q := t.Query()
	q.Set("return_to", returnTo)
	t.RawQuery = q.Encode()
	return t.String()
}

// switchedLoginBefore runs the login before hooks Kratos runs when a
// social sign-up for a subject that already has an identity becomes a
// login (strategy_registration.go, registrationToLogin: a new login flow,
// whose creation runs them) before it issues the session. The gateway
// starts a browser login flow for the same browser for them; Kratos has
// issued the session by now, so a refusal revokes it and shows the
// messages on that login flow. It reports whether the callback was
// answered.
func (x *exchange) switchedLoginBefore(ctx context.Context, registration []byte, ans answer, sessionID string) (answered bool) {
	gw := x.gw
	hs := gw.hooksAt(kratos.Login, Before)
	if len(hs) == 0 {
		return false
	}
	requestURL := kratos.RequestURLBehindProxy(x.r, gw.trustForwarded != nil && gw.trustForwarded(x.r))
	origin, err := url.Parse(requestURL)
	var resp kratos.Response
	if err == nil {
		resp, err = gw.kratos.InitBrowserFlowFor(ctx, kratos.Login, url.Values{}, origin, csrfCookieOnly(x.r))
	}
	if err == nil && (resp.Status != http.StatusOK || !gjson.GetBytes(resp.Body, "ui").IsObject()) {
		err = fmt.Errorf("the login init answered %d", resp.Status)
	}
	var login []byte
	if err == nil {
		login, err = sjson.SetBytes(resp.Body, "request_url", requestURL)
	}
	if err != nil {
		gw.logger.Error("a social sign-up became a login, but no login flow could be started for its before hooks; the session is revoked", zap.Error(err))
		x.undoLogin(ctx, sessionID)
		x.failClosed(kratos.Registration, registration, "a login flow could not be started at Kratos")
		return true
	}
	sync, async := splitAsync(hs)
	parts := ctxParts{flow: beforeCtxFlow(kratos.Login, login), req: x.r}
	res := gw.runSync(ctx, kratos.Login, sync, parts, nil)
	switch {
	case res.fail != nil:
		x.undoLogin(ctx, sessionID)
		x.answerFailure(kratos.Login, login, res.fail)
		return true
	case res.interrupt != nil:
		x.undoLogin(ctx, sessionID)
		x.answerInterrupt(kratos.Login, login, res.interrupt,
			kratos.MapOptions{ResetMessages: true, Order: kratos.NodeOrderFor(kratos.Login, nil)})
		return true
	}
	gw.dispatchAsync(ctx, kratos.Login, async, parts, nil)
	return false
}
