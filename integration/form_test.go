package integration

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// Browser form clients (issue 3): interrupts answer with Kratos's redirect
// and a carry cookie; the UI's next fetch of the flow shows the messages.

func TestFormRegistrationInterruptShowsMessagesOnRefetch(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
	c := newFlowClient(t, gw.URL, browserFormClient)
	init := c.mustInit("registration")
	email := freshEmail("test-form")

	r := c.submit("registration", init, registrationFields(email))

	if r.Status != http.StatusFound {
		t.Fatalf("want Kratos's 302 for a registration form error, got %s", r)
	}
	loc, _ := url.Parse(r.Header.Get("Location"))
	if loc.Query().Get("flow") != init.json("id").String() || !strings.HasSuffix(loc.Path, "/registration") {
		t.Errorf("Location = %q, want the registration UI with the same flow", r.Header.Get("Location"))
	}
	if !hasSetCookie(r.Header, "ory_actions_carry") {
		t.Fatal("want a carry cookie")
	}
	fetched := c.fetchFromLocation("registration", r.Header.Get("Location"))
	if fetched.Status != http.StatusOK {
		t.Fatalf("fetch: %s", fetched)
	}
	msgs := nodeMessages(fetched.Body, "traits.email")
	if len(msgs) != 1 || msgs[0].Get("text").String() != "This e-mail domain is not allowed" || msgs[0].Get("type").String() != "info" {
		t.Errorf("traits.email messages on refetch = %v", msgs)
	}
	if v := nodeValue(fetched.Body, "traits.email"); v != email {
		t.Errorf("traits.email value = %q, want %q refilled", v, email)
	}
	if strings.Contains(string(fetched.Body), "Correct-Horse-Battery-9") {
		t.Error("the password must never be echoed")
	}
	if n := len(identitiesByEmail(t, gw, email)); n != 0 {
		t.Errorf("Kratos stored %d identities, want none", n)
	}

	// A second submit of the same flow shows the carried messages in
	// ctx.flow, as Kratos's stored flow would.
	again := c.submit("registration", fetched, registrationFields(freshEmail("test-form")))
	if again.Status != http.StatusFound {
		t.Fatalf("second submit: %s", again)
	}
	calls := rc.waitCalls(t, 2, time.Second)
	if got := gjson.GetBytes(calls[1].Body, `flow.ui.nodes.#(attributes.name=="traits.email").messages.0.id`).Int(); got != 123 {
		t.Errorf("ctx.flow of the second submit should carry the first interrupt's message, got id %d", got)
	}
}

func TestCarryCookieIsIgnoredWhenTamperedOrForeign(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
	c := newFlowClient(t, gw.URL, browserFormClient)
	init := c.mustInit("registration")
	r := c.submit("registration", init, registrationFields(freshEmail("test-tamper")))
	if r.Status != http.StatusFound {
		t.Fatalf("submit: %s", r)
	}
	u, _ := url.Parse(gw.URL)
	var carry *http.Cookie
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "ory_actions_carry" {
			carry = ck
		}
	}
	if carry == nil {
		t.Fatal("no carry cookie in the jar")
	}
	tampered := carry.Value[:len(carry.Value)-2] + "AA"
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "ory_actions_carry", Value: tampered, Path: "/"}})
	fetched := c.fetch("registration", init.json("id").String())
	if fetched.Status != http.StatusOK || len(nodeMessages(fetched.Body, "traits.email")) != 0 {
		t.Errorf("a tampered carry must be ignored: %s", fetched)
	}

	// A valid carry for one flow does not leak into another flow.
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "ory_actions_carry", Value: carry.Value, Path: "/"}})
	other := c.mustInit("registration")
	if len(nodeMessages(other.Body, "traits.email")) != 0 {
		t.Error("a carry must only apply to its own flow")
	}
}

func TestFormPostPersistFailureRedirectsToGatewayErrorID(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, `{}`))
	gw := startGateway(t, hookBlock("registration after password", rc.URL()))
	c := newFlowClient(t, gw.URL, browserFormClient)
	init := c.mustInit("registration")
	email := freshEmail("form-fail")

	r := c.submit("registration", init, registrationFields(email))

	if r.Status != http.StatusSeeOther {
		t.Fatalf("want 303 to the error UI, got %s", r)
	}
	loc, _ := url.Parse(r.Header.Get("Location"))
	if loc.Path != "/error" || !strings.HasPrefix(loc.Query().Get("id"), "oa1.") {
		t.Fatalf("Location = %q, want the error UI with a gateway error id", r.Header.Get("Location"))
	}
	if hasSetCookie(r.Header, "ory_kratos_session") {
		t.Error("the session cookie must be dropped")
	}
	e := c.do(http.MethodGet, "/self-service/errors?id="+url.QueryEscape(loc.Query().Get("id")), nil, nil)
	if e.Status != http.StatusOK || e.json("error.code").Int() != 502 || e.json("id").String() != loc.Query().Get("id") {
		t.Errorf("gateway error fetch = %s", e)
	}
	if e.json("error.message").String() != "webhook failed with status code 400" {
		t.Errorf("error.message = %q", e.json("error.message").String())
	}
	// Ids the gateway did not mint are Kratos's to answer.
	if k := c.do(http.MethodGet, "/self-service/errors?id=00000000-0000-0000-0000-000000000000", nil, nil); k.Status == http.StatusOK {
		t.Errorf("an unknown id must reach Kratos (404), got %s", k)
	}
	if n := len(identitiesByEmail(t, gw, email)); n != 1 {
		t.Errorf("the identity stays stored: got %d", n)
	}
}

func TestHTMLInitBeforeHookInterruptRedirectsToErrorUI(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, `{"messages":[{"instance_ptr":"#/","messages":[{"id":4711,"text":"Closed","type":"error"}]}]}`))
	gw := startGateway(t, hookBlock("registration before", rc.URL(), "response parse"))
	c := newFlowClient(t, gw.URL, browserFormClient)

	r := c.do(http.MethodGet, "/self-service/registration/browser", nil, map[string]string{"Accept": "text/html"})

	if r.Status != http.StatusSeeOther {
		t.Fatalf("want 303, got %s", r)
	}
	loc, _ := url.Parse(r.Header.Get("Location"))
	id := loc.Query().Get("id")
	if loc.Path != "/error" || !strings.HasPrefix(id, "oa1.") {
		t.Fatalf("Location = %q", r.Header.Get("Location"))
	}
	e := c.do(http.MethodGet, "/self-service/errors?id="+url.QueryEscape(id), nil, nil)
	if e.json("error.code").Int() != 403 || !strings.Contains(e.json("error.details.messages").Raw, "Closed") {
		t.Errorf("error document = %s", e)
	}
}

func TestFormRegistrationPatchAndAsyncUseWhoami(t *testing.T) {
	rc := newReceiver(t, always(http.StatusOK, `{"identity":{"metadata_public":{"via":"form"}}}`))
	async := newReceiver(t, nil)
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse")+"\n"+
		hookBlock("registration after password", async.URL(), "response ignore"))
	c := newFlowClient(t, gw.URL, browserFormClient)
	init := c.mustInit("registration")
	email := freshEmail("form-patch")

	r := c.submit("registration", init, registrationFields(email))

	if r.Status != http.StatusSeeOther || !hasSetCookie(r.Header, "ory_kratos_session") {
		t.Fatalf("want Kratos's 303 with the session, got %s %v", r, r.Header)
	}
	stored := identitiesByEmail(t, gw, email)
	if len(stored) != 1 || adminIdentity(t, gw, stored[0].Get("id").String()).Get("metadata_public.via").String() != "form" {
		t.Fatalf("want the patch stored, got %v", stored)
	}
	call := async.waitCalls(t, 1, 5*time.Second)[0]
	if id := gjson.GetBytes(call.Body, "identity.id").String(); id != stored[0].Get("id").String() {
		t.Errorf("async ctx.identity.id = %q, want %q", id, stored[0].Get("id").String())
	}
	if v := gjson.GetBytes(call.Body, "identity.metadata_public.via").String(); v != "form" {
		t.Errorf("the async hook after the parse hook sees the patch: got %q", v)
	}
}

// registered makes an identity straight at Kratos, for login and settings
// tests; it returns the e-mail and the session token.
func registered(t *testing.T, gw *gateway, prefix string) (string, kratostest.Registration) {
	t.Helper()
	email := freshEmail(prefix)
	return email, gw.kratos.RegisterAPI(t, email, "Correct-Horse-Battery-9")
}
