package integration

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// settingsClient returns a client of that kind signed in as a fresh
// identity: API clients carry the session token, browser clients the
// session cookie from a login through the gateway.
func settingsClient(t *testing.T, gw *gateway, kind clientKind) (*flowClient, string, string) {
	t.Helper()
	email, reg := registered(t, gw, "settings")
	c := newFlowClient(t, gw.URL, kind)
	if kind == apiClient {
		c.token = reg.SessionToken
		return c, email, reg.IdentityID
	}
	init := c.mustInit("login")
	if r := c.submit("login", init, loginFields(email)); r.Status != http.StatusOK && r.Status != http.StatusSeeOther {
		t.Fatalf("login: %s", r)
	}
	return c, email, reg.IdentityID
}

func profileFields(email, first string) map[string]any {
	return map[string]any{"method": "profile", "traits": map[string]any{"email": email, "name": map[string]any{"first": first, "last": "Lovelace"}}}
}

// settingsOutcome reads the flow a settings submit led to: the body for
// JSON clients, the refetched flow for form clients (303 either way).
func settingsOutcome(t *testing.T, c *flowClient, r response) response {
	t.Helper()
	if c.kind != browserFormClient {
		return r
	}
	if r.Status != http.StatusSeeOther {
		t.Fatalf("want 303 to the settings UI, got %s", r)
	}
	loc, _ := url.Parse(r.Header.Get("Location"))
	if !strings.HasSuffix(loc.Path, "/settings") {
		t.Fatalf("Location = %q", r.Header.Get("Location"))
	}
	return c.fetchFromLocation("settings", r.Header.Get("Location"))
}

func TestSettingsProfileParseInterruptStoresNothing(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, `{"messages":[{"instance_ptr":"#/traits/name/first","messages":[{"id":77,"text":"Pick another name","type":"error"}]}]}`))
	gw := startGateway(t, hookBlock("settings after profile", rc.URL(), "response parse"))
	for _, kind := range allClients {
		t.Run(string(kind), func(t *testing.T) {
			c, email, id := settingsClient(t, gw, kind)
			init := c.mustInit("settings")

			r := c.submit("settings", init, profileFields(email, "Mallory"))

			if kind != browserFormClient && r.Status != http.StatusBadRequest {
				t.Fatalf("want 400 + flow, got %s", r)
			}
			flow := settingsOutcome(t, c, r)
			msgs := nodeMessages(flow.Body, "traits.name.first")
			if len(msgs) != 1 || msgs[0].Get("id").Int() != 77 {
				t.Errorf("traits.name.first messages = %v", msgs)
			}
			if v := nodeValue(flow.Body, "traits.name.first"); v != "Mallory" {
				t.Errorf("traits.name.first value = %q, want the submitted value", v)
			}
			if flow.json("state").String() == "success" {
				t.Error("an interrupted settings submit must not look successful")
			}
			if got := adminIdentity(t, gw, id).Get("traits.name"); got.Get("first").String() == "Mallory" {
				t.Errorf("nothing may be stored: traits.name = %s", got.Raw)
			}
			ctx := rc.Calls()[len(rc.Calls())-1].Body
			if gjson.GetBytes(ctx, "identity.traits.name.first").String() != "Mallory" || gjson.GetBytes(ctx, "identity.id").String() != id {
				t.Errorf("ctx.identity = %s, want the stored identity with the submitted traits", gjson.GetBytes(ctx, "identity").Raw)
			}
		})
	}
}

func TestSettingsProfileParsePatchIsStored(t *testing.T) {
	for _, kind := range allClients {
		t.Run(string(kind), func(t *testing.T) {
			rc := newReceiver(t, func(_ int, call receivedCall) answer {
				email := gjson.GetBytes(call.Body, "identity.traits.email").String()
				first := strings.ToUpper(gjson.GetBytes(call.Body, "identity.traits.name.first").String())
				return answer{status: 200, body: fmt.Sprintf(`{"identity":{"traits":{"email":%q,"name":{"first":%q}},"metadata_public":{"edited":true}}}`, email, first)}
			})
			gw := startGateway(t, hookBlock("settings after profile", rc.URL(), "response parse"))
			c, email, id := settingsClient(t, gw, kind)
			init := c.mustInit("settings")

			r := c.submit("settings", init, profileFields(email, "grace"))

			if kind != browserFormClient && r.Status != http.StatusOK {
				t.Fatalf("want 200, got %s", r)
			}
			flow := settingsOutcome(t, c, r)
			if flow.json("state").String() != "success" || flow.json("identity.traits.name.first").String() != "GRACE" {
				t.Errorf("flow state %q, identity.traits = %s", flow.json("state").String(), flow.json("identity.traits").Raw)
			}
			stored := adminIdentity(t, gw, id)
			if stored.Get("traits.name.first").String() != "GRACE" || !stored.Get("metadata_public.edited").Bool() {
				t.Errorf("stored = %s / %s", stored.Get("traits").Raw, stored.Get("metadata_public").Raw)
			}
		})
	}
}

func TestSettingsAfterWithoutParseSeesTheStoredChange(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := startGateway(t, hookBlock("settings after profile", rc.URL()))
	for _, kind := range allClients {
		t.Run(string(kind), func(t *testing.T) {
			c, email, id := settingsClient(t, gw, kind)
			before := len(rc.Calls())
			init := c.mustInit("settings")
			r := c.submit("settings", init, profileFields(email, "Edsger"))
			flow := settingsOutcome(t, c, r)
			if flow.json("state").String() != "success" {
				t.Fatalf("want success, got %s", flow)
			}
			calls := rc.waitCalls(t, before+1, 5*time.Second)
			ctx := calls[len(calls)-1].Body
			if gjson.GetBytes(ctx, "identity.id").String() != id || gjson.GetBytes(ctx, "identity.traits.name.first").String() != "Edsger" {
				t.Errorf("ctx.identity = %s", gjson.GetBytes(ctx, "identity").Raw)
			}
			// As Kratos (checked by the conformance suite): the success state,
			// the submit's transient payload, and still the identity the flow
			// was loaded with.
			if gjson.GetBytes(ctx, "flow.state").String() != "success" || !gjson.GetBytes(ctx, "flow.transient_payload").Exists() {
				t.Errorf("ctx.flow: state %q, transient_payload present %v", gjson.GetBytes(ctx, "flow.state").String(), gjson.GetBytes(ctx, "flow.transient_payload").Exists())
			}
			if got := gjson.GetBytes(ctx, "flow.identity.traits.name.first").String(); got == "Edsger" || gjson.GetBytes(ctx, "flow.identity.id").String() != id {
				t.Errorf("ctx.flow.identity = %s, want the identity as loaded (no first name yet)", gjson.GetBytes(ctx, "flow.identity").Raw)
			}
		})
	}
}

func TestSettingsAfterFailureKeepsTheChange(t *testing.T) {
	rc := newReceiver(t, always(http.StatusInternalServerError, `{}`))
	gw := startGateway(t, hookBlock("settings after profile", rc.URL(), "retries 0"))
	c, email, id := settingsClient(t, gw, apiClient)
	init := c.mustInit("settings")
	r := c.submit("settings", init, profileFields(email, "Barbara"))
	if r.Status != http.StatusBadGateway {
		t.Fatalf("want 502, got %s", r)
	}
	if adminIdentity(t, gw, id).Get("traits.name.first").String() != "Barbara" {
		t.Error("as in Kratos, the change stays stored when a post-persist hook fails")
	}
}
