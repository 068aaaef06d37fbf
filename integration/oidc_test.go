package integration

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/hydratest"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// Social sign-in against a real Ory Hydra: the browser goes from the
// gateway to Hydra (whose login and consent app the test runs), and back
// to Kratos's callback through the gateway, where the oidc hooks run.

// oidcGateway starts Hydra, a Kratos with Hydra as its "hydra" provider
// (and the session hook after oidc registration), and the gateway in front
// of Kratos as its public base URL.
func oidcGateway(t *testing.T, hooksBlock string) (*gateway, *hydratest.Hydra) {
	t.Helper()
	port := kratostest.FreePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	h := hydratest.Start(t, base+"/self-service/methods/oidc/callback/hydra")
	k := kratostest.Start(t, kratostest.Options{PublicBaseURL: base + "/", Configure: h.KratosProvider(hydratest.Client{ID: h.ClientID, Secret: h.ClientSecret})})
	return startGatewayAt(t, port, k, "", "", hooksBlock), h
}

// browser is a browser: cookies, and redirects followed everywhere except
// to the self-service UI, which these tests do not serve (the redirect
// there is the answer the test looks at).
type browser struct {
	t  *testing.T
	hc *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), kratostest.DefaultUIBaseURL) || len(via) > 20 {
				return http.ErrUseLastResponse
			}
			return nil
		}}}
}

func (b *browser) do(method, u string, form url.Values, accept string) response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// signInWithHydra starts a browser flow (registration or login) at the
// gateway, picks the "hydra" provider and follows the browser through
// Hydra back to the callback. It returns the flow id and the final answer:
// the redirect to the UI (welcome page, or the flow's page with messages).
func (b *browser) signInWithHydra(gw *gateway, flow string) (string, response) {
	b.t.Helper()
	return b.signInWithHydraSubmitting(gw, flow, nil)
}

// signInWithHydraSubmitting is signInWithHydra with more fields on the
// submit that picks the provider.
func (b *browser) signInWithHydraSubmitting(gw *gateway, flow string, extra url.Values) (string, response) {
	b.t.Helper()
	init := b.do(http.MethodGet, gw.URL+"/self-service/"+flow+"/browser", nil, "text/html")
	if init.Status != http.StatusSeeOther {
		b.t.Fatalf("%s init: %s", flow, init)
	}
	loc, _ := url.Parse(init.Header.Get("Location"))
	id := loc.Query().Get("flow")
	f := b.do(http.MethodGet, gw.URL+"/self-service/"+flow+"/flows?id="+id, nil, "application/json")
	if f.Status != http.StatusOK {
		b.t.Fatalf("%s fetch: %s", flow, f)
	}
	form := url.Values{"provider": {"hydra"}, "csrf_token": {csrfToken(f)}}
	for k, v := range extra {
		form[k] = v
	}
	end := b.do(http.MethodPost, gw.URL+"/self-service/"+flow+"?flow="+id, form, "text/html")
	return id, end
}

func (b *browser) whoami(gw *gateway) response {
	return b.do(http.MethodGet, gw.URL+"/sessions/whoami", nil, "application/json")
}

func TestOIDCRegistrationHooksRunOnTheCallback(t *testing.T) {
	rc := newReceiver(t, nil)
	gw, h := oidcGateway(t,
		hookBlock("registration after oidc", rc.URL()+"/parse", "\tresponse parse")+"\n"+
			hookBlock("registration after oidc", rc.URL()+"/post")+"\n"+
			hookBlock("registration after password", rc.URL()+"/password"))
	email := freshEmail("oidc-reg")
	h.SignInAs(hydratest.User{Subject: "sub-" + email, Email: email})
	b := newBrowser(t)

	_, end := b.signInWithHydra(gw, "registration")

	if end.Status != http.StatusSeeOther || !strings.HasPrefix(end.Header.Get("Location"), kratostest.DefaultUIBaseURL+"/welcome") {
		t.Fatalf("want Kratos's redirect to the return URL, got %s (Location %s)", end, end.Header.Get("Location"))
	}
	if h.Logins() != 1 {
		t.Fatalf("Hydra accepted %d logins, want 1", h.Logins())
	}
	calls := rc.waitCalls(t, 2, 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	if got := paths(rc.Calls()); len(got) != 2 || got[0] != "/parse" || got[1] != "/post" {
		t.Fatalf("hook calls = %v, want /parse then /post", got)
	}
	if id := gjson.GetBytes(calls[0].Body, "identity.id").String(); id != nilUUID {
		t.Errorf("parse ctx.identity.id = %q, want the nil UUID (not stored yet)", id)
	}
	if got := gjson.GetBytes(calls[0].Body, "identity.traits.email").String(); got != email {
		t.Errorf("parse ctx.identity.traits.email = %q, want the provider's %q", got, email)
	}
	who := b.whoami(gw)
	if who.Status != http.StatusOK || who.json("identity.traits.email").String() != email {
		t.Fatalf("whoami after the social sign-up: %s", who)
	}
	if got := gjson.GetBytes(calls[1].Body, "identity.id").String(); got != who.json("identity.id").String() {
		t.Errorf("post ctx.identity.id = %q, want the stored %q", got, who.json("identity.id").String())
	}
}

func TestOIDCRegistrationInterruptStoresNothing(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
	gw, h := oidcGateway(t, hookBlock("registration after oidc", rc.URL(), "\tresponse parse"))
	email := freshEmail("oidc-reg-refused")
	h.SignInAs(hydratest.User{Subject: "sub-" + email, Email: email})
	b := newBrowser(t)

	id, end := b.signInWithHydra(gw, "registration")

	loc, _ := url.Parse(end.Header.Get("Location"))
	if end.Status/100 != 3 || !strings.HasPrefix(loc.String(), kratostest.DefaultUIBaseURL+"/registration") || loc.Query().Get("flow") != id {
		t.Fatalf("want a redirect to the registration UI with the flow, got %s (Location %s)", end, loc)
	}
	if n := len(identitiesByEmail(t, gw, email)); n != 0 {
		t.Errorf("%d identities stored after the hook interrupted, want 0", n)
	}
	if who := b.whoami(gw); who.Status != http.StatusUnauthorized {
		t.Errorf("whoami after the interrupt: %s", who)
	}
	f := b.do(http.MethodGet, gw.URL+"/self-service/registration/flows?id="+id, nil, "application/json")
	if len(nodeMessages(f.Body, "traits.email")) == 0 {
		t.Errorf("the flow shows no hook message on traits.email: %s", f)
	}
}

func TestOIDCLoginHooksRunOnTheCallback(t *testing.T) {
	rc := newReceiver(t, func(n int, call receivedCall) answer {
		if call.Path == "/login" && n > 1 {
			return answer{status: http.StatusBadRequest, body: emailMessages}
		}
		return answer{status: http.StatusOK, body: "{}"}
	})
	gw, h := oidcGateway(t, hookBlock("login after oidc", rc.URL()+"/login", "\tresponse parse"))
	email := freshEmail("oidc-login")
	h.SignInAs(hydratest.User{Subject: "sub-" + email, Email: email})
	// Sign up first (no registration hook applies).
	if _, end := newBrowser(t).signInWithHydra(gw, "registration"); end.Status != http.StatusSeeOther {
		t.Fatalf("social sign-up: %s", end)
	}

	b := newBrowser(t)
	_, end := b.signInWithHydra(gw, "login")
	if end.Status != http.StatusSeeOther || !strings.HasPrefix(end.Header.Get("Location"), kratostest.DefaultUIBaseURL+"/welcome") {
		t.Fatalf("social sign-in: %s (Location %s)", end, end.Header.Get("Location"))
	}
	calls := rc.waitCalls(t, 1, 5*time.Second)
	if got := gjson.GetBytes(calls[0].Body, "identity.traits.email").String(); got != email {
		t.Errorf("login ctx.identity.traits.email = %q", got)
	}
	if got := gjson.GetBytes(calls[0].Body, "flow.active").String(); got != "oidc" {
		t.Errorf("login ctx.flow.active = %q, want oidc", got)
	}
	if who := b.whoami(gw); who.Status != http.StatusOK {
		t.Fatalf("whoami after the social sign-in: %s", who)
	}

	// The second sign-in is refused by the hook: no session.
	b2 := newBrowser(t)
	id, end := b2.signInWithHydra(gw, "login")
	loc, _ := url.Parse(end.Header.Get("Location"))
	if !strings.HasPrefix(loc.String(), kratostest.DefaultUIBaseURL+"/login") || loc.Query().Get("flow") != id {
		t.Fatalf("want a redirect to the login UI with the flow, got %s (Location %s)", end, loc)
	}
	if who := b2.whoami(gw); who.Status != http.StatusUnauthorized {
		t.Errorf("whoami after the refused sign-in: %s", who)
	}
}

// Kratos turns a social login of an unknown subject into a registration,
// and a social registration of a known one into a login: the hooks of
// what Kratos did run, whichever flow the browser started.
func TestOIDCFlowSwitchesRunTheHooksOfWhatKratosDid(t *testing.T) {
	rc := newReceiver(t, nil)
	gw, h := oidcGateway(t,
		hookBlock("registration after oidc", rc.URL()+"/registration", "\tresponse parse")+"\n"+
			hookBlock("login after oidc", rc.URL()+"/login"))
	email := freshEmail("oidc-switch")
	h.SignInAs(hydratest.User{Subject: "sub-" + email, Email: email})

	loginID, end := newBrowser(t).signInWithHydra(gw, "login")
	if end.Status != http.StatusSeeOther {
		t.Fatalf("social login of an unknown subject: %s", end)
	}
	calls := rc.waitCalls(t, 1, 5*time.Second)
	if got := paths(rc.Calls()); len(got) != 1 || got[0] != "/registration" {
		t.Fatalf("hook calls = %v, want /registration (Kratos registered the unknown subject)", got)
	}
	// Kratos's hooks see the registration flow it created on the
	// callback, not the login flow.
	flow := gjson.GetBytes(calls[0].Body, "flow")
	if id := flow.Get("id").String(); id == "" || id == loginID {
		t.Errorf("registration ctx.flow.id = %q, want a registration flow (the login flow is %q)", id, loginID)
	}
	if got := flow.Get("ui.action").String(); !strings.Contains(got, "/self-service/registration?flow="+flow.Get("id").String()) {
		t.Errorf("registration ctx.flow.ui.action = %q, want the registration flow's action", got)
	}
	if got := flow.Get("request_url").String(); !strings.HasPrefix(got, gw.URL+"/self-service/methods/oidc/callback/hydra?") {
		t.Errorf("registration ctx.flow.request_url = %q, want the callback's URL", got)
	}
	if got := flow.Get("active").String(); got != "oidc" {
		t.Errorf("registration ctx.flow.active = %q, want oidc", got)
	}
	if n := len(identitiesByEmail(t, gw, email)); n != 1 {
		t.Fatalf("%d identities, want 1", n)
	}

	if _, end := newBrowser(t).signInWithHydra(gw, "registration"); end.Status != http.StatusSeeOther {
		t.Fatalf("social registration of a known subject: %s", end)
	}
	rc.waitCalls(t, 2, 5*time.Second)
	if got := paths(rc.Calls()); len(got) != 2 || got[1] != "/login" {
		t.Fatalf("hook calls = %v, want /registration then /login (Kratos signed the known subject in)", got)
	}
}

// A registration hook refusing a login Kratos turned into a registration
// sends the browser to that registration flow with the messages, as
// Kratos does; nothing stays stored.
func TestOIDCLoginTurnedRegistrationInterrupt(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
	gw, h := oidcGateway(t, hookBlock("registration after oidc", rc.URL(), "\tresponse parse"))
	email := freshEmail("oidc-switch-refused")
	h.SignInAs(hydratest.User{Subject: "sub-" + email, Email: email})
	b := newBrowser(t)

	loginID, end := b.signInWithHydra(gw, "login")

	loc, _ := url.Parse(end.Header.Get("Location"))
	regID := loc.Query().Get("flow")
	if end.Status != http.StatusFound || !strings.HasPrefix(loc.String(), kratostest.DefaultUIBaseURL+"/registration") || regID == "" || regID == loginID {
		t.Fatalf("want a redirect to the registration UI with a registration flow, got %s (Location %s)", end, loc)
	}
	if n := len(identitiesByEmail(t, gw, email)); n != 0 {
		t.Errorf("%d identities stored after the hook interrupted, want 0", n)
	}
	if who := b.whoami(gw); who.Status != http.StatusUnauthorized {
		t.Errorf("whoami after the interrupt: %s", who)
	}
	f := b.do(http.MethodGet, gw.URL+"/self-service/registration/flows?id="+regID, nil, "application/json")
	if f.Status != http.StatusOK || len(nodeMessages(f.Body, "traits.email")) == 0 {
		t.Fatalf("the registration flow shows no hook message on traits.email: %s", f)
	}
	if got := f.json("request_url").String(); !strings.HasPrefix(got, gw.URL+"/self-service/methods/oidc/callback/hydra?") {
		t.Errorf("the registration flow's request_url = %q, want the callback's URL, as Kratos's", got)
	}
	if got := f.json("ui.nodes.#(attributes.name==\"provider\").attributes.value").String(); got != "hydra" {
		t.Errorf("the registration flow offers no hydra button to continue: %s", f)
	}
	if got := gjson.GetBytes(rc.Calls()[0].Body, "flow.id").String(); got != regID {
		t.Errorf("the hook saw flow %q, the browser was sent to %q", got, regID)
	}
}

// Kratos runs the registration before hooks when it turns a social login
// into a registration; one that refuses leaves nothing stored and sends
// the browser back to the login flow with its messages.
func TestOIDCLoginTurnedRegistrationBeforeHookRefuses(t *testing.T) {
	rc := newReceiver(t, func(n int, call receivedCall) answer {
		if call.Path == "/before" && n > 1 {
			return answer{status: http.StatusBadRequest, body: `{"messages":[{"instance_ptr":"#/","messages":[{"id":4711,"text":"Not now","type":"error"}]}]}`}
		}
		return answer{status: http.StatusOK, body: "{}"}
	})
	gw, h := oidcGateway(t, hookBlock("registration before", rc.URL()+"/before", "\tresponse parse")+"\n"+
		hookBlock("registration after oidc", rc.URL()+"/after"))
	email := freshEmail("oidc-switch-before")
	h.SignInAs(hydratest.User{Subject: "sub-" + email, Email: email})
	b := newBrowser(t)

	// The browser starts a login, so the only registration before call is
	// the one for Kratos's switch: answered 200 the first time, refused
	// after.
	if _, end := b.signInWithHydra(gw, "login"); end.Status != http.StatusSeeOther || !strings.HasPrefix(end.Header.Get("Location"), kratostest.DefaultUIBaseURL+"/welcome") {
		t.Fatalf("social login of an unknown subject: %s (Location %s)", end, end.Header.Get("Location"))
	}
	rc.waitCalls(t, 2, 5*time.Second)
	if got := paths(rc.Calls()); len(got) != 2 || got[0] != "/before" || got[1] != "/after" {
		t.Fatalf("hook calls = %v, want /before then /after", got)
	}

	other := freshEmail("oidc-switch-before-refused")
	h.SignInAs(hydratest.User{Subject: "sub-" + other, Email: other})
	b2 := newBrowser(t)
	loginID, end := b2.signInWithHydra(gw, "login")
	loc, _ := url.Parse(end.Header.Get("Location"))
	if end.Status != http.StatusSeeOther || !strings.HasPrefix(loc.String(), kratostest.DefaultUIBaseURL+"/login") || loc.Query().Get("flow") != loginID {
		t.Fatalf("want a redirect to the login UI with the login flow, got %s (Location %s)", end, loc)
	}
	if n := len(identitiesByEmail(t, gw, other)); n != 0 {
		t.Errorf("%d identities stored after the before hook refused, want 0", n)
	}
	if who := b2.whoami(gw); who.Status != http.StatusUnauthorized {
		t.Errorf("whoami after the refusal: %s", who)
	}
	f := b2.do(http.MethodGet, gw.URL+"/self-service/login/flows?id="+loginID, nil, "application/json")
	if got := f.json("ui.messages.0.text").String(); got != "Not now" {
		t.Errorf("the login flow does not show the hook's message: %s", f)
	}
	if got := paths(rc.Calls()); len(got) != 3 || got[2] != "/before" {
		t.Errorf("hook calls = %v, want the after hook not to run on the refused registration", got)
	}
}

// Kratos keeps the transient payload of the submit that sends the browser
// to the provider for the callback, where the hooks see it; the gateway
// records it with the sign-in.
func TestOIDCHooksSeeTheSubmitsTransientPayload(t *testing.T) {
	rc := newReceiver(t, nil)
	gw, h := oidcGateway(t, hookBlock("registration after oidc", rc.URL(), "\tresponse parse"))
	email := freshEmail("oidc-transient")
	h.SignInAs(hydratest.User{Subject: "sub-" + email, Email: email})

	_, end := newBrowser(t).signInWithHydraSubmitting(gw, "registration", url.Values{"transient_payload": {`{"consent":"newsletter"}`}})
	if end.Status != http.StatusSeeOther {
		t.Fatalf("social sign-up: %s", end)
	}
	calls := rc.waitCalls(t, 1, 5*time.Second)
	if got := gjson.GetBytes(calls[0].Body, "flow.transient_payload.consent").String(); got != "newsletter" {
		t.Errorf("ctx.flow.transient_payload = %s, want the submit's", gjson.GetBytes(calls[0].Body, "flow.transient_payload").Raw)
	}
}

// A callback the gateway did not see start is refused before Kratos sees
// it: its hooks could not be placed.
func TestOIDCCallbackWithoutItsStartIsRefused(t *testing.T) {
	rc := newReceiver(t, nil)
	gw, _ := oidcGateway(t, hookBlock("registration after oidc", rc.URL(), "\tresponse parse"))
	r := newBrowser(t).do(http.MethodGet, gw.URL+"/self-service/methods/oidc/callback/hydra?code=x&state=forged", nil, "application/json")
	if r.Status != http.StatusBadRequest || !strings.Contains(r.json("error.message").String(), "no sign-in") {
		t.Fatalf("want the gateway's 400, got %s", r)
	}
}

// A settings link is not refused when no settings hook applies to oidc:
// its callback is placed by its recorded start and passed on, and Kratos
// links the provider's identity.
func TestOIDCSettingsLinkPassesWhenNoSettingsHookApplies(t *testing.T) {
	rc := newReceiver(t, nil)
	gw, h := oidcGateway(t, hookBlock("registration after oidc", rc.URL(), "\tresponse parse"))
	email := freshEmail("oidc-link")
	id := createIdentity(t, gw, email)
	h.SignInAs(hydratest.User{Subject: "sub-" + email, Email: email})
	b := newBrowser(t)

	init := b.do(http.MethodGet, gw.URL+"/self-service/login/browser", nil, "application/json")
	login := b.do(http.MethodPost, gw.URL+"/self-service/login?flow="+init.json("id").String(),
		url.Values{"method": {"password"}, "identifier": {email}, "password": {"Correct-Horse-Battery-9"}, "csrf_token": {csrfToken(init)}}, "application/json")
	if login.Status != http.StatusOK {
		t.Fatalf("password login: %s", login)
	}
	settings := b.do(http.MethodGet, gw.URL+"/self-service/settings/browser", nil, "application/json")
	if settings.Status != http.StatusOK {
		t.Fatalf("settings init: %s", settings)
	}
	end := b.do(http.MethodPost, gw.URL+"/self-service/settings?flow="+settings.json("id").String(),
		url.Values{"link": {"hydra"}, "csrf_token": {csrfToken(settings)}}, "text/html")

	if end.Status != http.StatusSeeOther || !strings.HasPrefix(end.Header.Get("Location"), kratostest.DefaultUIBaseURL+"/settings") {
		t.Fatalf("want Kratos's redirect to the settings UI, got %s (Location %s)", end, end.Header.Get("Location"))
	}
	if !adminIdentityHasCredential(t, gw, id, "oidc") {
		t.Error("Kratos did not link the provider's identity")
	}
	if n := len(rc.Calls()); n != 0 {
		t.Errorf("%d hook calls, want none (no hook applies to the link)", n)
	}
}

// With registration before hooks alone (no after hook applies to oidc),
// a social login that Kratos turns into a registration still runs them:
// the callback is placed and the refusal stores nothing.
func TestOIDCLoginTurnedRegistrationRunsBeforeOnlyHooks(t *testing.T) {
	rc := newReceiver(t, func(int, receivedCall) answer {
		return answer{status: http.StatusBadRequest, body: `{"messages":[{"instance_ptr":"#/","messages":[{"id":4712,"text":"Sign-ups are closed","type":"error"}]}]}`}
	})
	gw, h := oidcGateway(t, hookBlock("registration before", rc.URL()+"/before", "\tresponse parse"))
	email := freshEmail("oidc-before-only")
	h.SignInAs(hydratest.User{Subject: "sub-" + email, Email: email})
	b := newBrowser(t)
	loginID, end := b.signInWithHydra(gw, "login")
	loc, _ := url.Parse(end.Header.Get("Location"))
	if end.Status != http.StatusSeeOther || !strings.HasPrefix(loc.String(), kratostest.DefaultUIBaseURL+"/login") || loc.Query().Get("flow") != loginID {
		t.Fatalf("want a redirect to the login UI with the login flow, got %s (Location %s)", end, loc)
	}
	if got := paths(rc.Calls()); len(got) != 1 || got[0] != "/before" {
		t.Fatalf("hook calls = %v, want the registration before hook once", got)
	}
	if n := len(identitiesByEmail(t, gw, email)); n != 0 {
		t.Errorf("%d identities stored though the registration before hook refused, want 0", n)
	}
	if who := b.whoami(gw); who.Status != http.StatusUnauthorized {
		t.Errorf("whoami after the refusal: %s", who)
	}
}

// A social sign-up for a subject that already has an identity becomes a
// login in Kratos, which runs the login before hooks on the login flow it
// creates: a refusal leaves the browser without a session and shows the
// message on a login flow.
func TestOIDCRegistrationTurnedLoginRunsLoginBeforeHooks(t *testing.T) {
	refuse := false
	var mu sync.Mutex
	rc := newReceiver(t, func(int, receivedCall) answer {
		mu.Lock()
		defer mu.Unlock()
		if refuse {
			return answer{status: http.StatusBadRequest, body: `{"messages":[{"instance_ptr":"#/","messages":[{"id":4713,"text":"Logins are paused","type":"error"}]}]}`}
		}
		return answer{status: http.StatusOK, body: "{}"}
	})
	gw, h := oidcGateway(t, hookBlock("login before", rc.URL()+"/login-before", "\tresponse parse"))
	email := freshEmail("oidc-reg-to-login")
	h.SignInAs(hydratest.User{Subject: "sub-" + email, Email: email})
	if _, end := newBrowser(t).signInWithHydra(gw, "registration"); end.Status != http.StatusSeeOther {
		t.Fatalf("social sign-up of a new subject: %s", end)
	}
	if n := len(identitiesByEmail(t, gw, email)); n != 1 {
		t.Fatalf("%d identities after the sign-up, want 1", n)
	}
	before := len(rc.Calls())

	mu.Lock()
	refuse = true
	mu.Unlock()
	b := newBrowser(t)
	_, end := b.signInWithHydra(gw, "registration")
	loc, _ := url.Parse(end.Header.Get("Location"))
	if end.Status != http.StatusSeeOther || !strings.HasPrefix(loc.String(), kratostest.DefaultUIBaseURL+"/login") || loc.Query().Get("flow") == "" {
		t.Fatalf("want a redirect to the login UI with a login flow, got %s (Location %s)", end, loc)
	}
	if got := paths(rc.Calls()[before:]); len(got) != 1 || got[0] != "/login-before" {
		t.Fatalf("hook calls = %v, want the login before hook once (Kratos's registration-to-login switch)", got)
	}
	if who := b.whoami(gw); who.Status != http.StatusUnauthorized {
		t.Errorf("whoami after the login before hook refused: %s", who)
	}
	f := b.do(http.MethodGet, gw.URL+"/self-service/login/flows?id="+loc.Query().Get("flow"), nil, "application/json")
	if got := f.json("ui.messages.0.text").String(); got != "Logins are paused" {
		t.Errorf("the login flow does not show the hook's message: %s", f)
	}
}
