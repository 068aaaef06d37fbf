package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// Passwordless code registration: Kratos sends a code on the first submit
// and completes the registration on the second, running the after `code`
// hooks only then, and only for the right code.

// passwordlessKratos is kratostest.PasswordlessCode for one test.
func passwordlessKratos(t *testing.T) func(cfg map[string]any) {
	t.Helper()
	configure, err := kratostest.PasswordlessCode(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return configure
}

// codeRegistrationStart submits the traits: Kratos sends the code.
func codeRegistrationStart(t *testing.T, c *flowClient, email string) response {
	t.Helper()
	init := c.mustInit("registration")
	sent := c.submit("registration", init, map[string]any{"method": "code", "traits": map[string]any{"email": email}})
	if sent.Status != http.StatusBadRequest || sent.json("state").String() != "sent_email" {
		t.Fatalf("code sending step: want Kratos's 400 with the flow in sent_email, got %s", sent)
	}
	return sent
}

// codeRegistrationAnswer submits a code with the traits Kratos keeps in
// the flow's hidden nodes.
func codeRegistrationAnswer(c *flowClient, sent response, email, code string) response {
	return c.submit("registration", sent, map[string]any{"method": "code", "code": code, "traits": map[string]any{"email": email}})
}

func TestCodeRegistrationHooksRunOnceOnTheRightCode(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := variantGateway(t, passwordlessKratos(t),
		hookBlock("registration after code", rc.URL()+"/parse", "\tresponse parse")+"\n"+
			hookBlock("registration after code", rc.URL()+"/post"))
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			c := newFlowClient(t, gw.URL, kind)
			email := freshEmail("code-reg")
			before := len(rc.Calls())

			sent := codeRegistrationStart(t, c, email)
			if n := len(rc.Calls()) - before; n != 0 {
				t.Fatalf("%d hook call(s) on the submit that only sends the code; Kratos runs none", n)
			}
			wrong := codeRegistrationAnswer(c, sent, email, "000000")
			if wrong.Status != http.StatusBadRequest {
				t.Fatalf("wrong code: want Kratos's 400, got %s", wrong)
			}
			if n := len(rc.Calls()) - before; n != 0 {
				t.Fatalf("%d hook call(s) on a wrong code; Kratos runs none", n)
			}
			done := codeRegistrationAnswer(c, wrong, email, gw.kratos.CourierCode(t, email))
			if done.Status != http.StatusOK || !done.json("identity.id").Exists() {
				t.Fatalf("right code: want 200 with the identity, got %s", done)
			}
			calls := rc.waitCalls(t, before+2, 5*time.Second)[before:]
			if len(calls) != 2 || calls[0].Path != "/parse" || calls[1].Path != "/post" {
				t.Fatalf("hook calls = %v, want /parse then /post once each", paths(calls))
			}
			parse, post := calls[0].Body, calls[1].Body
			if id := gjson.GetBytes(parse, "identity.id").String(); id != nilUUID {
				t.Errorf("parse ctx.identity.id = %q, want the nil UUID (not stored yet)", id)
			}
			if got := gjson.GetBytes(parse, "identity.traits.email").String(); got != email {
				t.Errorf("parse ctx.identity.traits.email = %q", got)
			}
			if st := gjson.GetBytes(parse, "flow.state").String(); st != "passed_challenge" {
				t.Errorf("parse ctx.flow.state = %q, want passed_challenge", st)
			}
			if id := gjson.GetBytes(post, "identity.id").String(); id != done.json("identity.id").String() {
				t.Errorf("post ctx.identity.id = %q, want the stored %q", id, done.json("identity.id").String())
			}
			if n := len(identitiesByEmail(t, gw, email)); n != 1 {
				t.Errorf("%d identities stored, want 1", n)
			}
		})
	}
}

func TestCodeRegistrationInterruptStoresNothing(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
	gw := variantGateway(t, passwordlessKratos(t), hookBlock("registration after code", rc.URL(), "\tresponse parse"))
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			c := newFlowClient(t, gw.URL, kind)
			email := freshEmail("code-reg-refused")
			sent := codeRegistrationStart(t, c, email)

			r := codeRegistrationAnswer(c, sent, email, gw.kratos.CourierCode(t, email))

			if r.Status != http.StatusBadRequest || len(nodeMessages(r.Body, "traits.email")) == 0 {
				t.Fatalf("want 400 with the hook's message on traits.email, got %s", r)
			}
			if r.json("session_token").Exists() || hasSetCookie(r.Header, "ory_kratos_session") {
				t.Errorf("the interrupted registration hands out a session: %s", r)
			}
			if n := len(identitiesByEmail(t, gw, email)); n != 0 {
				t.Errorf("%d identities stored after the hook interrupted, want 0", n)
			}
			whoami := c.do(http.MethodGet, "/sessions/whoami", nil, nil)
			if whoami.Status != http.StatusUnauthorized {
				t.Errorf("whoami after the interrupt: %s", whoami)
			}
		})
	}
}

// paths lists the receiver paths of calls.
func paths(calls []receivedCall) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Path
	}
	return out
}

// codeLoginStart asks Kratos to send a login code to email.
func codeLoginStart(t *testing.T, c *flowClient, email string) response {
	t.Helper()
	init := c.mustInit("login")
	sent := c.submit("login", init, map[string]any{"method": "code", "identifier": email})
	if sent.Status != http.StatusBadRequest || sent.json("state").String() != "sent_email" {
		t.Fatalf("login code sending step: want Kratos's 400 with the flow in sent_email, got %s", sent)
	}
	return sent
}

func TestCodeLoginHooksRunOnceOnTheRightCode(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := variantGateway(t, passwordlessKratos(t),
		hookBlock("login after code", rc.URL()+"/parse", "\tresponse parse")+"\n"+
			hookBlock("login after password", rc.URL()+"/password"))
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			email := freshEmail("code-login")
			createIdentity(t, gw, email)
			c := newFlowClient(t, gw.URL, kind)
			before := len(rc.Calls())

			sent := codeLoginStart(t, c, email)
			wrong := c.submit("login", sent, map[string]any{"method": "code", "identifier": email, "code": "000000"})
			if wrong.Status != http.StatusBadRequest {
				t.Fatalf("wrong code: want Kratos's 400, got %s", wrong)
			}
			// A resend (Kratos mails a new code; the old one is void) runs
			// no hook either.
			resent := c.submit("login", wrong, map[string]any{"method": "code", "identifier": email, "resend": "code"})
			if resent.Status != http.StatusBadRequest && resent.Status != http.StatusOK {
				t.Fatalf("resend: want Kratos's flow answer, got %s", resent)
			}
			if n := len(rc.Calls()) - before; n != 0 {
				t.Fatalf("%d hook call(s) before the right code (after a wrong code and a resend); Kratos runs none", n)
			}
			done := c.submit("login", resent, map[string]any{"method": "code", "identifier": email, "code": gw.kratos.CourierCode(t, email)})
			if done.Status != http.StatusOK || !done.json("session.id").Exists() {
				t.Fatalf("right code: want 200 with the session, got %s", done)
			}
			calls := rc.waitCalls(t, before+1, 5*time.Second)[before:]
			time.Sleep(200 * time.Millisecond) // a stray call to the password hook would show by now
			if calls = rc.Calls()[before:]; len(calls) != 1 || calls[0].Path != "/parse" {
				t.Fatalf("hook calls = %v, want /parse once (the password hook is for another method)", paths(calls))
			}
			if got := gjson.GetBytes(calls[0].Body, "identity.traits.email").String(); got != email {
				t.Errorf("ctx.identity.traits.email = %q", got)
			}
		})
	}
}

func TestCodeLoginInterruptLeavesNoSession(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
	gw := variantGateway(t, passwordlessKratos(t), hookBlock("login after code", rc.URL(), "\tresponse parse"))
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			email := freshEmail("code-login-refused")
			id := createIdentity(t, gw, email)
			c := newFlowClient(t, gw.URL, kind)
			sent := codeLoginStart(t, c, email)

			r := c.submit("login", sent, map[string]any{"method": "code", "identifier": email, "code": gw.kratos.CourierCode(t, email)})

			if r.Status != http.StatusBadRequest || r.json("session").Exists() || r.json("session_token").Exists() {
				t.Fatalf("want 400 with the flow and no session, got %s", r)
			}
			if n := activeSessions(t, gw, id); n != 0 {
				t.Errorf("%d active sessions after the interrupt, want 0", n)
			}
		})
	}
}
