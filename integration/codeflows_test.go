package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// codeFlow drives recovery or verification by code: send the address, read
// the code Kratos queued, submit it.
func codeFlow(t *testing.T, c *flowClient, gw *gateway, flow, email string) response {
	t.Helper()
	init := c.mustInit(flow)
	sent := c.submit(flow, init, map[string]any{"method": "code", "email": email})
	if c.kind == browserFormClient {
		if sent.Status != http.StatusSeeOther {
			t.Fatalf("%s e-mail step: %s", flow, sent)
		}
		sent = c.fetchFromLocation(flow, sent.Header.Get("Location"))
	}
	if sent.json("state").String() != "sent_email" {
		t.Fatalf("%s e-mail step: want sent_email, got %s", flow, sent)
	}
	code := gw.kratos.CourierCode(t, email)
	return c.submit(flow, sent, map[string]any{"method": "code", "code": code})
}

func TestRecoveryAfterHookGetsTheRecoveredIdentity(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := startGateway(t, hookBlock("recovery after", rc.URL()))
	for _, kind := range allClients {
		t.Run(string(kind), func(t *testing.T) {
			email, reg := registered(t, gw, "recover")
			c := newFlowClient(t, gw.URL, kind)
			before := len(rc.Calls())

			r := codeFlow(t, c, gw, "recovery", email)

			switch kind {
			case browserFormClient:
				if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/settings") {
					t.Fatalf("want Kratos's 303 to the settings UI, got %s", r)
				}
			default:
				if r.Status != http.StatusUnprocessableEntity || r.json("error.id").String() != "browser_location_change_required" {
					t.Fatalf("want Kratos's 422, got %s", r)
				}
			}
			calls := rc.waitCalls(t, before+1, 5*time.Second)
			ctx := calls[len(calls)-1].Body
			if gjson.GetBytes(ctx, "identity.id").String() != reg.IdentityID {
				t.Errorf("ctx.identity.id = %q, want %q", gjson.GetBytes(ctx, "identity.id").String(), reg.IdentityID)
			}
			if gjson.GetBytes(ctx, "flow.state").String() != "passed_challenge" {
				t.Errorf("ctx.flow.state = %q", gjson.GetBytes(ctx, "flow.state").String())
			}
		})
	}
}

func TestVerificationAfterHookSeesTheVerifiedAddress(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := startGateway(t, hookBlock("verification after", rc.URL()))
	for _, kind := range allClients {
		t.Run(string(kind), func(t *testing.T) {
			email, reg := registered(t, gw, "verify")
			c := newFlowClient(t, gw.URL, kind)
			before := len(rc.Calls())

			r := codeFlow(t, c, gw, "verification", email)

			if kind == browserFormClient {
				r = c.fetchFromLocation("verification", r.Header.Get("Location"))
			}
			if r.json("state").String() != "passed_challenge" {
				t.Fatalf("want passed_challenge, got %s", r)
			}
			calls := rc.waitCalls(t, before+1, 5*time.Second)
			ctx := calls[len(calls)-1].Body
			if gjson.GetBytes(ctx, "identity.id").String() != reg.IdentityID || !gjson.GetBytes(ctx, "identity.verifiable_addresses.0.verified").Bool() {
				t.Errorf("ctx.identity = %s", gjson.GetBytes(ctx, "identity").Raw)
			}
		})
	}
}

func TestWrongCodeRunsNoHook(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := startGateway(t, hookBlock("verification after", rc.URL()))
	email, _ := registered(t, gw, "wrongcode")
	c := newFlowClient(t, gw.URL, apiClient)
	init := c.mustInit("verification")
	sent := c.submit("verification", init, map[string]any{"method": "code", "email": email})
	r := c.submit("verification", sent, map[string]any{"method": "code", "code": "000000"})
	if r.Status != http.StatusOK || r.json("state").String() != "sent_email" {
		t.Fatalf("a wrong code is Kratos's 200 in sent_email: %s", r)
	}
	if n := len(rc.Calls()); n != 0 {
		t.Errorf("receiver got %d calls for a wrong code", n)
	}
}

func TestVerificationAfterFailureIs502(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, `{}`))
	gw := startGateway(t, hookBlock("verification after", rc.URL()))
	email, reg := registered(t, gw, "verifyfail")
	c := newFlowClient(t, gw.URL, apiClient)
	r := codeFlow(t, c, gw, "verification", email)
	if r.Status != http.StatusBadGateway {
		t.Fatalf("want 502, got %s", r)
	}
	if !adminIdentity(t, gw, reg.IdentityID).Get("verifiable_addresses.0.verified").Bool() {
		t.Error("as in Kratos, the address stays verified")
	}
}

func TestRegistrationPatchStateInactiveRefusesTheSession(t *testing.T) {
	rc := newReceiver(t, always(http.StatusOK, `{"identity":{"state":"inactive"}}`))
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
	for _, kind := range []clientKind{apiClient, browserJSONClient} {
		t.Run(string(kind), func(t *testing.T) {
			c := newFlowClient(t, gw.URL, kind)
			email := freshEmail("inactive")
			init := c.mustInit("registration")
			r := c.submit("registration", init, registrationFields(email))
			if r.Status != http.StatusUnauthorized || r.json("error.reason").String() != "This account was disabled." {
				t.Fatalf("want Kratos's 401, got %s", r)
			}
			if hasSetCookie(r.Header, "ory_kratos_session") {
				t.Error("no session cookie for a disabled account")
			}
			stored := identitiesByEmail(t, gw, email)
			if len(stored) != 1 || stored[0].Get("state").String() != "inactive" {
				t.Fatalf("want the identity stored inactive, got %v", stored)
			}
			id := stored[0].Get("id").String()
			if r.json("error.details.identity_id").String() != id {
				t.Errorf("details.identity_id = %q, want %q", r.json("error.details.identity_id").String(), id)
			}
			active := gjson.ParseBytes(adminGet(t, gw, "/admin/identities/"+id+"/sessions?active=true")).Array()
			if len(active) != 0 {
				t.Errorf("%d active sessions, want none", len(active))
			}
		})
	}
}
