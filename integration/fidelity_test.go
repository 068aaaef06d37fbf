package integration

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// Without error_ui_url the gateway asks Kratos where its error UI is, and
// sends HTML clients there as Kratos would, instead of answering a 500.
func TestErrorUIIsLearnedFromKratos(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, `{}`))
	gw := startGateway(t, noErrorUI+"\n"+hookBlock("registration before", rc.URL()))
	c := newFlowClient(t, gw.URL, browserFormClient)
	r := c.do(http.MethodGet, "/self-service/registration/browser", nil, map[string]string{"Accept": "text/html"})
	loc := r.Header.Get("Location")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(loc, kratostest.DefaultUIBaseURL+"/error?id=oa1.") {
		t.Fatalf("want a 303 to Kratos's error UI with a gateway error id, got %s (Location %q)", r, loc)
	}
}

// A browser flow a hook interrupted shows a freshly masked CSRF token, as
// Kratos's stored flow does after a failed submit, and the nodes sorted
// with it; the token stays valid with the client's cookie.
func TestInterruptReissuesTheCSRFToken(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, `{"messages":[{"instance_ptr":"#/traits/email","messages":[{"id":1,"text":"no","type":"error"}]},`+
		`{"instance_ptr":"#/traits/does_not_exist","messages":[{"id":2,"text":"no node","type":"error"}]}]}`))
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
	for _, kind := range []clientKind{browserJSONClient, browserFormClient} {
		t.Run(string(kind), func(t *testing.T) {
			c := newFlowClient(t, gw.URL, kind)
			init := c.mustInit("registration")
			r := c.submit("registration", init, registrationFields(freshEmail("test-csrf")))
			flow := r
			if kind == browserFormClient {
				flow = c.fetchFromLocation("registration", r.Header.Get("Location"))
			}
			token := csrfToken(flow)
			if token == "" || token == csrfToken(init) {
				t.Fatalf("want a re-masked CSRF token, got %q (init %q)", token, csrfToken(init))
			}
			// Kratos's node sort puts the added node and csrf_token (both
			// unplaced by the schema) in the order of their values' text.
			var names []string
			for _, n := range gjson.GetBytes(flow.Body, "ui.nodes").Array() {
				if name := n.Get("attributes.name").String(); name == "csrf_token" || name == "traits.does_not_exist" {
					names = append(names, name)
				}
			}
			want := []string{"csrf_token", "traits.does_not_exist"}
			if "<nil>" < token {
				want = []string{"traits.does_not_exist", "csrf_token"}
			}
			if strings.Join(names, ",") != strings.Join(want, ",") {
				t.Errorf("node order %v, want %v for token %q", names, want, token)
			}
			// The shown token is accepted with the client's cookie.
			again := c.submit("registration", flow, registrationFields(freshEmail("ok-csrf")))
			if again.Status == http.StatusForbidden || strings.Contains(string(again.Body), "security_csrf_violation") {
				t.Fatalf("the re-masked token was refused: %s", again)
			}
		})
	}
}

// The gateway's own cookies never reach a hook's ctx.
func TestGatewayCookiesStayOutOfTheCtx(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
	c := newFlowClient(t, gw.URL, browserFormClient)
	init := c.mustInit("registration")
	r := c.submit("registration", init, registrationFields(freshEmail("test-cookie")))
	if !hasSetCookie(r.Header, "ory_actions_carry") {
		t.Fatalf("want a carry cookie: %s", r)
	}
	fetched := c.fetchFromLocation("registration", r.Header.Get("Location"))
	c.submit("registration", fetched, registrationFields(freshEmail("test-cookie")))
	calls := rc.waitCalls(t, 2, 5*time.Second)
	second := calls[1].Body
	if gjson.GetBytes(second, "request_cookies.ory_actions_carry").Exists() || strings.Contains(gjson.GetBytes(second, "request_headers").Raw, "ory_actions") {
		t.Fatalf("the gateway's cookie reached the ctx: %s", gjson.GetBytes(second, "request_cookies").Raw)
	}
	if !gjson.GetBytes(second, `flow.ui.nodes.#(attributes.name=="traits.email").messages.0`).Exists() {
		t.Fatal("the carried messages must still reach ctx.flow")
	}
}

// Ory's Actions documentation reads ctx.transient_payload (its Segment
// example); Kratos v1.3.1 has it only under ctx.flow. Templates that read
// it get it; templates that do not get exactly Kratos's ctx.
func TestTopLevelTransientPayload(t *testing.T) {
	rc := newReceiver(t, nil)
	segment := "base64://" + base64.StdEncoding.EncodeToString([]byte(
		`function(ctx) { userId: ctx.identity.id, traits: { email: ctx.identity.traits.email, consent: ctx.transient_payload.custom_data.consent } }`))
	gw := startGateway(t, strings.Join([]string{
		"hook registration after password {\n\turl " + rc.URL() + "/segment\n\tmethod POST\n\tbody " + segment + "\n}",
		hookBlock("registration after password", rc.URL()+"/whole"),
	}, "\n"))
	c := newFlowClient(t, gw.URL, apiClient)
	fields := registrationFields(freshEmail("segment"))
	fields["transient_payload"] = map[string]any{"custom_data": map[string]any{"consent": "yes"}}
	if r := c.submit("registration", c.mustInit("registration"), fields); r.Status != http.StatusOK {
		t.Fatalf("registration: %s", r)
	}
	calls := rc.waitCalls(t, 2, 5*time.Second)
	for _, call := range calls {
		switch call.Path {
		case "/segment":
			if gjson.GetBytes(call.Body, "traits.consent").String() != "yes" {
				t.Errorf("the Segment template got %s", call.Body)
			}
		case "/whole":
			if gjson.GetBytes(call.Body, "transient_payload").Exists() || gjson.GetBytes(call.Body, "flow.transient_payload.custom_data.consent").String() != "yes" {
				t.Errorf("a template that reads the whole ctx must get Kratos's ctx: %s", call.Body)
			}
		}
	}
}
