package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// Second factors: TOTP and lookup codes, set up in settings and used in
// an AAL2 login. Kratos runs `settings after totp|lookup_secret` when a
// factor is set up or removed, and `login after totp|lookup_secret` when
// the second factor signs in.

// secondFactorKratos enables TOTP and lookup codes.
var secondFactorKratos = kratostest.SecondFactors

// totpCode is kratostest.TOTPCode for a test.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := kratostest.TOTPCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// signedInAPIClient registers nothing: it creates an identity with a
// password and signs in with it, returning the client (which sends the
// session token from now on) and the identity id.
func signedInAPIClient(t *testing.T, gw *gateway, prefix string) (*flowClient, string, string) {
	t.Helper()
	email := freshEmail(prefix)
	id := createIdentity(t, gw, email)
	c := newFlowClient(t, gw.URL, apiClient)
	init := c.mustInit("login")
	r := c.submit("login", init, map[string]any{"method": "password", "identifier": email, "password": "Correct-Horse-Battery-9"})
	if r.Status != http.StatusOK || r.json("session_token").String() == "" {
		t.Fatalf("password login: %s", r)
	}
	c.token = r.json("session_token").String()
	return c, id, email
}

// settingsFlow starts a settings flow for the signed-in API client.
func settingsFlow(t *testing.T, c *flowClient) response {
	t.Helper()
	r := c.do(http.MethodGet, "/self-service/settings/api", nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("settings init: %s", r)
	}
	return r
}

// totpSecret reads the secret of the TOTP key a settings flow offers.
func totpSecret(t *testing.T, flow response) string {
	t.Helper()
	for _, n := range flow.json("ui.nodes").Array() {
		if n.Get("attributes.id").String() == "totp_secret_key" {
			if s := n.Get("attributes.text.context.secret").String(); s != "" {
				return s
			}
			return n.Get("attributes.text.text").String()
		}
	}
	t.Fatalf("the settings flow offers no TOTP key: %s", flow)
	return ""
}

func TestTOTPSetupAndLoginRunTheirHooksOnce(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := variantGateway(t, secondFactorKratos,
		hookBlock("settings after totp", rc.URL()+"/settings-totp", "\tresponse parse")+"\n"+
			hookBlock("settings after profile", rc.URL()+"/settings-profile")+"\n"+
			hookBlock("login after totp", rc.URL()+"/login-totp", "\tresponse parse")+"\n"+
			hookBlock("login after password", rc.URL()+"/login-password"))
	c, id, _ := signedInAPIClient(t, gw, "totp")
	calls := func() []string { return paths(rc.Calls()) }
	base := len(rc.Calls()) // the password login's hook

	flow := settingsFlow(t, c)
	secret := totpSecret(t, flow)
	wrong := c.submit("settings", flow, map[string]any{"method": "totp", "totp_code": "000000"})
	if wrong.Status != http.StatusBadRequest {
		t.Fatalf("wrong TOTP code: want Kratos's 400, got %s", wrong)
	}
	time.Sleep(200 * time.Millisecond)
	if got := calls()[base:]; len(got) != 0 {
		t.Fatalf("hook calls on a wrong TOTP code: %v; Kratos runs none", got)
	}
	done := c.submit("settings", wrong, map[string]any{"method": "totp", "totp_code": totpCode(t, secret, time.Now())})
	if done.Status != http.StatusOK || done.json("state").String() != "success" {
		t.Fatalf("TOTP setup: %s", done)
	}
	rc.waitCalls(t, base+1, 5*time.Second)
	if got := calls()[base:]; len(got) != 1 || got[0] != "/settings-totp" {
		t.Fatalf("hook calls of the TOTP setup: %v, want /settings-totp once", got)
	}
	if !adminIdentityHasCredential(t, gw, id, "totp") {
		t.Fatal("Kratos did not store the TOTP credential")
	}

	// The second factor: a fresh password login (Kratos added TOTP to the
	// session that set it up), then the AAL2 login upgrading it.
	base = len(rc.Calls())
	c, _, _ = signedInAPIClientFor(t, gw, c)
	rc.waitCalls(t, base+1, 5*time.Second) // the password login's hook
	base = len(rc.Calls())
	r := c.do(http.MethodGet, "/self-service/login/api?aal=aal2", nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("AAL2 login init: %s", r)
	}
	wrongLogin := c.submit("login", r, map[string]any{"method": "totp", "totp_code": "000000"})
	if wrongLogin.Status != http.StatusBadRequest {
		t.Fatalf("wrong TOTP code at login: want 400, got %s", wrongLogin)
	}
	login := c.submit("login", wrongLogin, map[string]any{"method": "totp", "totp_code": totpCode(t, secret, time.Now())})
	if login.Status != http.StatusOK || login.json("session.authenticator_assurance_level").String() != "aal2" {
		t.Fatalf("AAL2 login: %s", login)
	}
	rc.waitCalls(t, base+1, 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	got := rc.Calls()[base:]
	if len(got) != 1 || got[0].Path != "/login-totp" {
		t.Fatalf("hook calls of the AAL2 login: %v, want /login-totp once", paths(got))
	}
	if aal := gjson.GetBytes(got[0].Body, "session.authenticator_assurance_level").String(); aal != "aal2" {
		t.Errorf("ctx.session.authenticator_assurance_level = %q, want aal2", aal)
	}
}

// A login hook refusing the second factor: Kratos leaves the session at
// AAL1; the gateway only sees the login after Kratos upgraded the session,
// and cannot downgrade it, so it revokes it (fail closed, documented):
// either way the refused factor grants nothing.
func TestTOTPLoginInterruptGrantsNoAAL2(t *testing.T) {
	rc := newReceiver(t, func(n int, call receivedCall) answer {
		return answer{status: http.StatusBadRequest, body: `{"messages":[{"instance_ptr":"#/totp_code","messages":[{"id":4000001,"text":"second factor refused by policy","type":"error"}]}]}`}
	})
	gw := variantGateway(t, secondFactorKratos, hookBlock("login after totp", rc.URL()+"/login-totp", "\tresponse parse"))
	c, _, _ := signedInAPIClient(t, gw, "totp-refused")
	flow := settingsFlow(t, c)
	secret := totpSecret(t, flow)
	if r := c.submit("settings", flow, map[string]any{"method": "totp", "totp_code": totpCode(t, secret, time.Now())}); r.json("state").String() != "success" {
		t.Fatalf("TOTP setup: %s", r)
	}
	// Kratos added TOTP to that session when it was set up; a fresh
	// password login gives an AAL1 session to upgrade.
	c2, _, _ := signedInAPIClientFor(t, gw, c)
	r := c2.do(http.MethodGet, "/self-service/login/api?aal=aal2", nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("AAL2 login init: %s", r)
	}
	refused := c2.submit("login", r, map[string]any{"method": "totp", "totp_code": totpCode(t, secret, time.Now())})
	if refused.Status != http.StatusBadRequest || refused.json("session").Exists() || len(nodeMessages(refused.Body, "totp_code")) == 0 {
		t.Fatalf("want 400 with the hook's message on totp_code and no session, got %s", refused)
	}
	if who := c2.do(http.MethodGet, "/sessions/whoami", nil, nil); who.Status == http.StatusOK && who.json("authenticator_assurance_level").String() == "aal2" {
		t.Errorf("the refused second factor left an AAL2 session: %s", who)
	}
	if n := len(rc.Calls()); n != 1 {
		t.Errorf("%d hook calls, want 1", n)
	}
}

// A settings hook refusing a new TOTP key: Kratos stores nothing; the
// gateway lets Kratos verify the code first and deletes the stored key
// again.
func TestTOTPSetupInterruptStoresNoKey(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, `{"messages":[{"instance_ptr":"#/totp_code","messages":[{"id":4000001,"text":"no authenticator apps here","type":"error"}]}]}`))
	gw := variantGateway(t, secondFactorKratos, hookBlock("settings after totp", rc.URL(), "\tresponse parse"))
	c, id, _ := signedInAPIClient(t, gw, "totp-setup-refused")
	flow := settingsFlow(t, c)
	secret := totpSecret(t, flow)

	r := c.submit("settings", flow, map[string]any{"method": "totp", "totp_code": totpCode(t, secret, time.Now())})

	if r.Status != http.StatusBadRequest || r.json("state").String() == "success" || len(nodeMessages(r.Body, "totp_code")) == 0 {
		t.Fatalf("want 400 with the hook's message on totp_code, got %s", r)
	}
	if adminIdentityHasCredential(t, gw, id, "totp") {
		t.Error("the refused TOTP key is stored")
	}
	if n := len(rc.Calls()); n != 1 {
		t.Errorf("%d hook calls, want 1", n)
	}
}

// signedInAPIClientFor signs in again, with a password, as the identity
// of c.
func signedInAPIClientFor(t *testing.T, gw *gateway, c *flowClient) (*flowClient, string, string) {
	t.Helper()
	who := c.do(http.MethodGet, "/sessions/whoami", nil, nil)
	email := who.json("identity.traits.email").String()
	c2 := newFlowClient(t, gw.URL, apiClient)
	init := c2.mustInit("login")
	r := c2.submit("login", init, map[string]any{"method": "password", "identifier": email, "password": "Correct-Horse-Battery-9"})
	if r.Status != http.StatusOK {
		t.Fatalf("password login: %s", r)
	}
	c2.token = r.json("session_token").String()
	return c2, who.json("identity.id").String(), email
}

// adminIdentityHasCredential reports whether Kratos stored a credential of
// type typ for the identity.
func adminIdentityHasCredential(t *testing.T, gw *gateway, id, typ string) bool {
	t.Helper()
	return adminIdentity(t, gw, id).Get("credentials." + typ).Exists()
}

// lookupCodes reads the codes a settings flow shows after regenerating.
func lookupCodes(t *testing.T, flow response) []string {
	t.Helper()
	for _, n := range flow.json("ui.nodes").Array() {
		if n.Get("attributes.id").String() == "lookup_secret_codes" {
			return strings.Split(n.Get("attributes.text.text").String(), ", ")
		}
	}
	t.Fatalf("the settings flow shows no lookup codes: %s", flow)
	return nil
}

func TestLookupCodesRunHooksOnConfirmAndLogin(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := variantGateway(t, secondFactorKratos,
		hookBlock("settings after lookup_secret", rc.URL()+"/settings-lookup", "\tresponse parse")+"\n"+
			hookBlock("login after lookup_secret", rc.URL()+"/login-lookup"))
	c, id, _ := signedInAPIClient(t, gw, "lookup")
	base := len(rc.Calls())

	flow := settingsFlow(t, c)
	regen := c.submit("settings", flow, map[string]any{"method": "lookup_secret", "lookup_secret_regenerate": true})
	if regen.Status != http.StatusOK {
		t.Fatalf("regenerate: %s", regen)
	}
	codes := lookupCodes(t, regen)
	time.Sleep(200 * time.Millisecond)
	if got := paths(rc.Calls()[base:]); len(got) != 0 {
		t.Fatalf("hook calls on regenerating codes: %v; Kratos runs none", got)
	}
	confirm := c.submit("settings", regen, map[string]any{"method": "lookup_secret", "lookup_secret_confirm": true})
	if confirm.Status != http.StatusOK || confirm.json("state").String() != "success" {
		t.Fatalf("confirm: %s", confirm)
	}
	rc.waitCalls(t, base+1, 5*time.Second)
	if got := paths(rc.Calls()[base:]); len(got) != 1 || got[0] != "/settings-lookup" {
		t.Fatalf("hook calls of the confirm: %v, want /settings-lookup once", got)
	}
	if !adminIdentityHasCredential(t, gw, id, "lookup_secret") {
		t.Fatal("Kratos did not store the lookup codes")
	}

	base = len(rc.Calls())
	c2, _, _ := signedInAPIClientFor(t, gw, c)
	r := c2.do(http.MethodGet, "/self-service/login/api?aal=aal2", nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("AAL2 login init: %s", r)
	}
	login := c2.submit("login", r, map[string]any{"method": "lookup_secret", "lookup_secret": codes[0]})
	if login.Status != http.StatusOK || login.json("session.authenticator_assurance_level").String() != "aal2" {
		t.Fatalf("AAL2 login with a lookup code: %s", login)
	}
	rc.waitCalls(t, base+1, 5*time.Second)
	if got := paths(rc.Calls()[base:]); len(got) != 1 || got[0] != "/login-lookup" {
		t.Fatalf("hook calls of the AAL2 login: %v, want /login-lookup once", got)
	}
}

// TestLookupConfirmWithoutRegenerateRunsNoHook: Kratos confirms only codes
// regenerated in the same flow and refuses the confirm otherwise, running
// no hook; the gateway does not call the parse hook for it either. The
// same confirm after a regenerate runs it.
func TestLookupConfirmWithoutRegenerateRunsNoHook(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := variantGateway(t, secondFactorKratos,
		hookBlock("settings after lookup_secret", rc.URL()+"/settings-lookup", "\tresponse parse"))
	c, id, _ := signedInAPIClient(t, gw, "lookup-noregen")
	base := len(rc.Calls())

	flow := settingsFlow(t, c)
	confirm := c.submit("settings", flow, map[string]any{"method": "lookup_secret", "lookup_secret_confirm": true})
	if confirm.Status == http.StatusOK && confirm.json("state").String() == "success" {
		t.Fatalf("confirm without regenerate: Kratos refuses it, got %s", confirm)
	}
	time.Sleep(200 * time.Millisecond)
	if got := paths(rc.Calls()[base:]); len(got) != 0 {
		t.Fatalf("hook calls on a confirm Kratos refuses: %v; Kratos runs none", got)
	}
	if adminIdentityHasCredential(t, gw, id, "lookup_secret") {
		t.Fatal("Kratos stored lookup codes that were never regenerated")
	}

	flow = settingsFlow(t, c)
	regen := c.submit("settings", flow, map[string]any{"method": "lookup_secret", "lookup_secret_regenerate": true})
	if regen.Status != http.StatusOK {
		t.Fatalf("regenerate: %s", regen)
	}
	if ok := c.submit("settings", regen, map[string]any{"method": "lookup_secret", "lookup_secret_confirm": true}); ok.Status != http.StatusOK {
		t.Fatalf("confirm after regenerate: %s", ok)
	}
	rc.waitCalls(t, base+1, 5*time.Second)
}
