package integration

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// Integration tests: Caddyfile → gateway → real Kratos v1.3.1, with real
// loopback receivers. One test per registration row of README's hook-point table, each for
// API and browser-JSON clients.

const nilUUID = "00000000-0000-0000-0000-000000000000"

// wholeCtx is Kratos's favourite debugging template: the receiver gets ctx.
var wholeCtx = "base64://" + base64.StdEncoding.EncodeToString([]byte("function(ctx) ctx"))

// hookBlock renders one `hook` directive.
func hookBlock(point, url string, extra ...string) string {
	return fmt.Sprintf("hook %s {\n\turl %s\n\tmethod POST\n\tbody %s\n%s\n}", point, url, wholeCtx, strings.Join(extra, "\n"))
}

var bothClients = []clientKind{apiClient, browserJSONClient}

const emailMessages = `{"messages":[{"instance_ptr":"#/traits/email","messages":[{"id":123,"text":"This e-mail domain is not allowed","type":"validation","context":{"domain":"blocked.example"}}]}]}`

func TestRegistrationBeforeHookContinues(t *testing.T) {
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			rc := newReceiver(t, nil)
			gw := startGateway(t, hookBlock("registration before", rc.URL()+"/before"))
			c := newFlowClient(t, gw.URL, kind)

			init := c.mustInit("registration")

			calls := rc.waitCalls(t, 1, 5*time.Second)
			ctx := calls[0].Body
			if got := gjson.GetBytes(ctx, "flow.id").String(); got != init.json("id").String() {
				t.Errorf("ctx.flow.id = %q, want the flow the client got %q", got, init.json("id").String())
			}
			if m := gjson.GetBytes(ctx, "request_method").String(); m != "GET" {
				t.Errorf("ctx.request_method = %q, want GET", m)
			}
			wantURL := gw.URL + "/self-service/registration/" + map[clientKind]string{apiClient: "api", browserJSONClient: "browser"}[kind]
			if u := gjson.GetBytes(ctx, "request_url").String(); u != wantURL {
				t.Errorf("ctx.request_url = %q, want %q", u, wantURL)
			}
			if gjson.GetBytes(ctx, "identity").Exists() {
				t.Error("a before hook's ctx must not carry an identity")
			}
		})
	}
}

func TestRegistrationBeforeHookInterrupts(t *testing.T) {
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			rc := newReceiver(t, always(http.StatusBadRequest, `{"messages":[{"instance_ptr":"#/","messages":[{"id":4711,"text":"Sign-ups are closed","type":"error"}]}]}`))
			gw := startGateway(t, hookBlock("registration before", rc.URL(), "response parse"))
			c := newFlowClient(t, gw.URL, kind)

			r := c.initFlow("registration")

			if r.Status < 400 || r.Status >= 500 {
				t.Fatalf("status = %d, want a 4xx error envelope: %s", r.Status, r.Body)
			}
			if r.json("error.code").Int() != int64(r.Status) {
				t.Errorf("error.code = %d, want the HTTP status %d", r.json("error.code").Int(), r.Status)
			}
			msgs := r.json("error.details.messages").String()
			if !strings.Contains(msgs, "Sign-ups are closed") || !strings.Contains(msgs, "4711") {
				t.Errorf("error.details.messages = %s, want the webhook's message", msgs)
			}
			flowID := gjson.GetBytes(rc.Calls()[0].Body, "flow.id").String()
			if flowID == "" || strings.Contains(string(r.Body), flowID) {
				t.Errorf("the answer must not reveal the discarded flow %q: %s", flowID, r.Body)
			}
		})
	}
}

func TestRegistrationBeforeHookFailureIs502(t *testing.T) {
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			rc := newReceiver(t, always(http.StatusBadRequest, `{}`))
			gw := startGateway(t, hookBlock("registration before", rc.URL()))
			c := newFlowClient(t, gw.URL, kind)

			r := c.initFlow("registration")

			if r.Status != http.StatusBadGateway || r.json("error.code").Int() != 502 {
				t.Fatalf("want 502 envelope, got %s", r)
			}
			if msg := r.json("error.message").String(); msg != "webhook failed with status code 400" {
				t.Errorf("error.message = %q", msg)
			}
			if n := len(rc.Calls()); n != 1 {
				t.Errorf("a 400 is not retried: receiver got %d calls, want 1", n)
			}
		})
	}
}

func TestRegistrationAfterParseInterruptCreatesNothing(t *testing.T) {
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
			gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
			c := newFlowClient(t, gw.URL, kind)
			email := freshEmail("blocked")
			init := c.mustInit("registration")
			fields := registrationFields(email)
			fields["transient_payload"] = map[string]any{"consent": "newsletter", "n": 1}

			r := c.submit("registration", init, fields)

			if r.Status != http.StatusBadRequest || r.json("id").String() != init.json("id").String() {
				t.Fatalf("want 400 + the same flow, got %s", r)
			}
			msgs := nodeMessages(r.Body, "traits.email")
			if len(msgs) != 1 || msgs[0].Get("id").Int() != 123 || msgs[0].Get("type").String() != "info" ||
				msgs[0].Get("context.domain").String() != "blocked.example" {
				t.Errorf("traits.email messages = %v, want the webhook's message typed info", msgs)
			}
			if v := nodeValue(r.Body, "traits.email"); v != email {
				t.Errorf("traits.email value = %q, want it refilled with %q", v, email)
			}
			if strings.Contains(string(r.Body), "Correct-Horse-Battery-9") {
				t.Error("the password must never be echoed")
			}
			if n := len(identitiesByEmail(t, gw, email)); n != 0 {
				t.Errorf("Kratos stored %d identities, want none", n)
			}
			ctx := rc.waitCalls(t, 1, time.Second)[0].Body
			assertPrePersistIdentity(t, ctx, email)
			if tp := gjson.GetBytes(ctx, "flow.transient_payload").Raw; tp == "" || gjson.Get(tp, "consent").String() != "newsletter" {
				t.Errorf("ctx.flow.transient_payload = %s", tp)
			}
			if h := gjson.GetBytes(ctx, "request_headers"); h.Get("Accept").Exists() == false || h.Get("User-Agent.0").String() != "caddy-ory-actions-test/1.0" {
				t.Errorf("ctx.request_headers = %s", h.Raw)
			}
		})
	}
}

func TestRegistrationAfterParsePatchesTraitsBeforeKratosStores(t *testing.T) {
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			email := freshEmail("patch")
			rc := newReceiver(t, always(http.StatusOK, fmt.Sprintf(`{"identity":{"traits":{"email":%q,"name":{"first":"Patched","last":"ByHook"}}}}`, email)))
			gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
			c := newFlowClient(t, gw.URL, kind)
			init := c.mustInit("registration")

			r := c.submit("registration", init, registrationFields(email))

			if r.Status != http.StatusOK {
				t.Fatalf("want 200, got %s", r)
			}
			if got := r.json("identity.traits.name.first").String(); got != "Patched" {
				t.Errorf("answer identity.traits.name.first = %q, want Patched", got)
			}
			stored := identitiesByEmail(t, gw, email)
			if len(stored) != 1 || stored[0].Get("traits.name.last").String() != "ByHook" {
				t.Fatalf("stored identities = %v, want one with the patched traits", stored)
			}
		})
	}
}

func TestRegistrationAfterParsePatchesOtherFieldsWithAdminAPI(t *testing.T) {
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			rc := newReceiver(t, always(http.StatusOK, `{"identity":{"metadata_public":{"plan":"pro"},"metadata_admin":{"crm_id":"c-42"}}}`))
			gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
			c := newFlowClient(t, gw.URL, kind)
			email := freshEmail("meta")
			init := c.mustInit("registration")

			r := c.submit("registration", init, registrationFields(email))

			if r.Status != http.StatusOK {
				t.Fatalf("want 200, got %s", r)
			}
			if got := r.json("identity.metadata_public.plan").String(); got != "pro" {
				t.Errorf("answer identity.metadata_public = %s, want the patch", r.json("identity.metadata_public").Raw)
			}
			if r.json("identity.metadata_admin").Exists() {
				t.Error("the public identity must not show metadata_admin")
			}
			if r.json("session").Exists() && r.json("session.identity.metadata_public.plan").String() != "pro" {
				t.Errorf("session.identity.metadata_public = %s, want the patch", r.json("session.identity.metadata_public").Raw)
			}
			stored := identitiesByEmail(t, gw, email)
			if len(stored) != 1 {
				t.Fatalf("want one stored identity, got %d", len(stored))
			}
			full := adminIdentity(t, gw, stored[0].Get("id").String())
			if full.Get("metadata_public.plan").String() != "pro" || full.Get("metadata_admin.crm_id").String() != "c-42" {
				t.Errorf("stored metadata = %s / %s", full.Get("metadata_public").Raw, full.Get("metadata_admin").Raw)
			}
		})
	}
}

func TestRegistrationParseHookSkipsSubmitsKratosRefuses(t *testing.T) {
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
			gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
			c := newFlowClient(t, gw.URL, kind)
			init := c.mustInit("registration")

			r := c.submit("registration", init, registrationFields("not-an-email"))

			if r.Status != http.StatusBadRequest {
				t.Fatalf("want Kratos's 400, got %s", r)
			}
			msgs := nodeMessages(r.Body, "traits.email")
			if len(msgs) != 1 || msgs[0].Get("id").Int() != 4000001 {
				t.Errorf("want Kratos's own schema message 4000001, got %v", msgs)
			}
			if n := len(rc.Calls()); n != 0 {
				t.Errorf("the parse hook must not see a submit Kratos refuses; receiver got %d calls", n)
			}
		})
	}
}

func TestRegistrationAfterWithoutParseSeesStoredIdentity(t *testing.T) {
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			rc := newReceiver(t, nil)
			gw := startGateway(t, hookBlock("registration after password", rc.URL()))
			c := newFlowClient(t, gw.URL, kind)
			email := freshEmail("post")
			init := c.mustInit("registration")

			r := c.submit("registration", init, registrationFields(email))

			if r.Status != http.StatusOK {
				t.Fatalf("want 200, got %s", r)
			}
			ctx := rc.waitCalls(t, 1, time.Second)[0].Body
			id := gjson.GetBytes(ctx, "identity.id").String()
			if id == nilUUID || id != r.json("identity.id").String() {
				t.Errorf("ctx.identity.id = %q, want the stored identity %q", id, r.json("identity.id").String())
			}
			if s := gjson.GetBytes(ctx, "identity.verifiable_addresses.0.status").String(); s != "sent" {
				t.Errorf("stored address status = %q, want sent", s)
			}
		})
	}
}

func TestRegistrationAfterWithoutParseFailureKeepsIdentity(t *testing.T) {
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			rc := newReceiver(t, always(http.StatusBadRequest, `{}`))
			gw := startGateway(t, hookBlock("registration after password", rc.URL()))
			c := newFlowClient(t, gw.URL, kind)
			email := freshEmail("postfail")
			init := c.mustInit("registration")

			r := c.submit("registration", init, registrationFields(email))

			if r.Status != http.StatusBadGateway || r.json("error.message").String() != "webhook failed with status code 400" {
				t.Fatalf("want Kratos's 502 envelope, got %s", r)
			}
			if hasSetCookie(r.Header, "ory_kratos_session") {
				t.Error("the session cookie must be dropped when a post-persist hook fails")
			}
			if n := len(identitiesByEmail(t, gw, email)); n != 1 {
				t.Errorf("the identity stays stored, as in Kratos: got %d", n)
			}
		})
	}
}

func TestRegistrationFailuresKeepTheirTrueStatus(t *testing.T) {
	cases := []struct {
		name       string
		script     func(int, receivedCall) answer
		extra      []string
		wantStatus int
		wantCalls  int
	}{
		{"5xx retried then 502", always(http.StatusInternalServerError, emailMessages), []string{"response parse", "retries 2"}, 502, 3},
		{"4xx without messages is 502", always(http.StatusBadRequest, `{"messages":[]}`), []string{"response parse"}, 502, 1},
		{"non-JSON 200 is 502", always(http.StatusOK, `not json`), []string{"response parse"}, 502, 1},
		{"timeout is 504", func(int, receivedCall) answer { return answer{status: 200, body: "{}", delay: 3 * time.Second} }, []string{"response parse", "timeout 200ms", "retries 0"}, 504, 1},
	}
	for _, tc := range cases {
		for _, kind := range bothClients {
			t.Run(tc.name+"/"+string(kind), func(t *testing.T) {
				rc := newReceiver(t, tc.script)
				gw := startGateway(t, hookBlock("registration after password", rc.URL(), tc.extra...))
				c := newFlowClient(t, gw.URL, kind)
				email := freshEmail("status")
				init := c.mustInit("registration")

				r := c.submit("registration", init, registrationFields(email))

				if r.Status != tc.wantStatus || r.json("error.code").Int() != int64(tc.wantStatus) {
					t.Fatalf("want %d envelope, got %s", tc.wantStatus, r)
				}
				if n := len(rc.Calls()); n != tc.wantCalls {
					t.Errorf("receiver got %d calls, want %d", n, tc.wantCalls)
				}
				if n := len(identitiesByEmail(t, gw, email)); n != 0 {
					t.Errorf("nothing may be stored when a parse hook fails; got %d identities", n)
				}
			})
		}
	}
}

func TestRegistrationTemplateErrorIs500(t *testing.T) {
	rc := newReceiver(t, nil)
	broken := "base64://" + base64.StdEncoding.EncodeToString([]byte(`function(ctx) { email: ctx.identity.traits.no_such_field }`))
	gw := startGateway(t, fmt.Sprintf("hook registration after password {\n url %s\n method POST\n body %s\n response parse\n}", rc.URL(), broken))
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			c := newFlowClient(t, gw.URL, kind)
			init := c.mustInit("registration")
			r := c.submit("registration", init, registrationFields(freshEmail("tmpl")))
			if r.Status != http.StatusInternalServerError || r.json("error.code").Int() != 500 {
				t.Fatalf("want 500 envelope, got %s", r)
			}
			if strings.Contains(string(r.Body), "no_such_field") {
				t.Error("the Jsonnet trace belongs in the log, not in the client's answer")
			}
		})
	}
	if n := len(rc.Calls()); n != 0 {
		t.Errorf("receiver got %d calls, want none", n)
	}
}

func TestRegistrationCancelSkipsTheHook(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
	cancelIf := "base64://" + base64.StdEncoding.EncodeToString([]byte(
		`function(ctx) if std.startsWith(ctx.identity.traits.email, "skip-") then error "cancel" else { email: ctx.identity.traits.email }`))
	gw := startGateway(t, fmt.Sprintf("hook registration after password {\n url %s\n method POST\n body %s\n response parse\n}", rc.URL(), cancelIf))
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			c := newFlowClient(t, gw.URL, kind)
			init := c.mustInit("registration")
			r := c.submit("registration", init, registrationFields(freshEmail("skip")))
			if r.Status != http.StatusOK {
				t.Fatalf("a cancelled hook lets the flow go on: got %s", r)
			}
		})
	}
	if n := len(rc.Calls()); n != 0 {
		t.Errorf("receiver got %d calls, want none", n)
	}
}

func TestRegistrationIgnoreHookRunsOffThePath(t *testing.T) {
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			release := make(chan struct{})
			rc := newReceiver(t, func(n int, _ receivedCall) answer {
				if n == 1 {
					<-release // the client must get its answer while we hold this
				}
				return answer{status: http.StatusInternalServerError, body: `{}`}
			})
			gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response ignore", "retries 2"))
			c := newFlowClient(t, gw.URL, kind)
			email := freshEmail("async")
			init := c.mustInit("registration")

			r := c.submit("registration", init, registrationFields(email))
			close(release)

			if r.Status != http.StatusOK {
				t.Fatalf("want 200 while the async hook is still running, got %s", r)
			}
			calls := rc.waitCalls(t, 3, 15*time.Second)
			if id := gjson.GetBytes(calls[0].Body, "identity.id").String(); id != r.json("identity.id").String() {
				t.Errorf("async ctx identity = %q, want %q", id, r.json("identity.id").String())
			}
			if calls[0].Header.Get("Ory-Webhook-Trigger-Id") != "" {
				t.Error("the receiver's request must be Kratos's: no Ory-Webhook-Trigger-Id")
			}
			if calls[0].Header.Get("Ory-Webhook-Request-Id") == calls[1].Header.Get("Ory-Webhook-Request-Id") {
				t.Error("each attempt has a fresh Ory-Webhook-Request-Id")
			}
		})
	}
}

// assertPrePersistIdentity checks ctx.identity against Kratos's
// pre-persist shape.
func assertPrePersistIdentity(t *testing.T, ctx []byte, email string) {
	t.Helper()
	id := gjson.GetBytes(ctx, "identity")
	checks := map[string]string{
		"id":                                nilUUID,
		"created_at":                        "0001-01-01T00:00:00Z",
		"schema_url":                        "",
		"schema_id":                         "default",
		"state":                             "active",
		"traits.email":                      email,
		"verifiable_addresses.0.status":     "pending",
		"verifiable_addresses.0.id":         nilUUID,
		"verifiable_addresses.0.value":      email,
		"recovery_addresses.0.via":          "email",
		"recovery_addresses.0.id":           nilUUID,
		"recovery_addresses.0.value":        email,
		"verifiable_addresses.0.updated_at": "0001-01-01T00:00:00Z",
	}
	for path, want := range checks {
		if got := id.Get(path).String(); got != want {
			t.Errorf("ctx.identity.%s = %q, want %q", path, got, want)
		}
	}
	for _, absent := range []string{"credentials", "metadata_admin"} {
		if id.Get(absent).Exists() {
			t.Errorf("ctx.identity.%s must be absent", absent)
		}
	}
}

// nodeValue returns the value attribute of the named node.
func nodeValue(flow []byte, name string) string {
	for _, n := range gjson.GetBytes(flow, "ui.nodes").Array() {
		if n.Get("attributes.name").String() == name {
			return n.Get("attributes.value").String()
		}
	}
	return ""
}

// identitiesByEmail asks Kratos's admin API what it stored.
func identitiesByEmail(t *testing.T, gw *gateway, email string) []gjson.Result {
	t.Helper()
	r := adminGet(t, gw, "/admin/identities?credentials_identifier="+email)
	return gjson.ParseBytes(r).Array()
}

func adminIdentity(t *testing.T, gw *gateway, id string) gjson.Result {
	t.Helper()
	return gjson.ParseBytes(adminGet(t, gw, "/admin/identities/"+id))
}

func adminGet(t *testing.T, gw *gateway, path string) []byte {
	t.Helper()
	c := newFlowClient(t, gw.kratos.AdminURL, apiClient)
	r := c.do(http.MethodGet, path, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("admin GET %s: %s", path, r)
	}
	var probe json.RawMessage
	if err := json.Unmarshal(r.Body, &probe); err != nil {
		t.Fatalf("admin GET %s: not JSON: %v", path, err)
	}
	return r.Body
}
