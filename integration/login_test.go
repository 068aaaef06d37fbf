package integration

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

var allClients = []clientKind{apiClient, browserJSONClient, browserFormClient}

func loginFields(email string) map[string]any {
	return map[string]any{"method": "password", "identifier": email, "password": "Correct-Horse-Battery-9"}
}

func TestLoginAfterParseInterruptRevokesTheSession(t *testing.T) {
	for _, kind := range allClients {
		t.Run(string(kind), func(t *testing.T) {
			blocked := true
			rc := newReceiver(t, func(int, receivedCall) answer {
				if blocked {
					return answer{status: http.StatusForbidden, body: `{"messages":[{"instance_ptr":"#/","messages":[{"id":9001,"text":"Login paused","type":"error"}]}]}`}
				}
				return answer{status: http.StatusOK, body: `{}`}
			})
			gw := startGateway(t, hookBlock("login after password", rc.URL(), "response parse"))
			email, reg := registered(t, gw, "login-int")
			c := newFlowClient(t, gw.URL, kind)
			init := c.mustInit("login")

			r := c.submit("login", init, loginFields(email))

			for _, line := range r.Header.Values("Set-Cookie") {
				if !strings.HasPrefix(line, "ory_actions_carry=") {
					t.Errorf("every Kratos Set-Cookie must be dropped, got %q", line)
				}
			}
			var flow response
			switch kind {
			case browserFormClient:
				if r.Status != http.StatusSeeOther {
					t.Fatalf("want 303 to the login UI, got %s", r)
				}
				loc, _ := url.Parse(r.Header.Get("Location"))
				if !strings.HasSuffix(loc.Path, "/login") || loc.Query().Get("flow") != init.json("id").String() {
					t.Errorf("Location = %q", r.Header.Get("Location"))
				}
				flow = c.fetchFromLocation("login", r.Header.Get("Location"))
			default:
				if r.Status != http.StatusBadRequest {
					t.Fatalf("want 400 + flow, got %s", r)
				}
				flow = r
			}
			msgs := flow.json("ui.messages").Array()
			if len(msgs) != 1 || msgs[0].Get("id").Int() != 9001 || msgs[0].Get("type").String() != "error" {
				t.Errorf("ui.messages = %s", flow.json("ui.messages").Raw)
			}
			if v := nodeValue(flow.Body, "identifier"); v != "" {
				t.Errorf("Kratos does not refill the identifier after a hook interrupt; got %q", v)
			}
			ctx := rc.waitCalls(t, 1, time.Second)[0].Body
			if gjson.GetBytes(ctx, "session.id").String() != nilUUID || gjson.GetBytes(ctx, "identity.traits.email").String() != email {
				t.Errorf("ctx.session.id = %q, ctx.identity.traits.email = %q", gjson.GetBytes(ctx, "session.id").String(), gjson.GetBytes(ctx, "identity.traits.email").String())
			}
			if gjson.GetBytes(ctx, "flow.active").String() != "password" {
				t.Errorf("ctx.flow.active = %q, want password", gjson.GetBytes(ctx, "flow.active").String())
			}
			if w := c.do(http.MethodGet, "/sessions/whoami", nil, nil); w.Status != http.StatusUnauthorized {
				t.Errorf("the client must not be signed in: whoami = %d", w.Status)
			}
			// Only the registration's own session may remain active.
			active := gjson.ParseBytes(adminGet(t, gw, "/admin/identities/"+reg.IdentityID+"/sessions?active=true")).Array()
			if len(active) != 1 || active[0].Get("id").String() != reg.SessionID {
				t.Errorf("active sessions = %d, want only the registration's: the interrupted login's session must be revoked", len(active))
			}

			// The same flow can be retried once the hook lets it through.
			blocked = false
			if kind == apiClient {
				retry := c.submit("login", init, loginFields(email))
				tok := retry.json("session_token").String()
				if retry.Status != http.StatusOK || tok == "" {
					t.Fatalf("retry: %s", retry)
				}
				if w := c.do(http.MethodGet, "/sessions/whoami", nil, map[string]string{"X-Session-Token": tok}); w.Status != http.StatusOK {
					t.Errorf("whoami after the retry = %d", w.Status)
				}
				return
			}
			retry := c.submit("login", flow, loginFields(email))
			if retry.Status != http.StatusOK && retry.Status != http.StatusSeeOther {
				t.Fatalf("retry with the old CSRF pair: %s", retry)
			}
			if w := c.do(http.MethodGet, "/sessions/whoami", nil, nil); w.Status != http.StatusOK {
				t.Errorf("signed in after the retry: whoami = %d", w.Status)
			}
		})
	}
}

func TestLoginAfterPatchChangesTheAnswerOnly(t *testing.T) {
	rc := newReceiver(t, always(http.StatusOK, `{"identity":{"metadata_public":{"seen":"login"}}}`))
	gw := startGateway(t, hookBlock("login after password", rc.URL(), "response parse"))
	for _, kind := range []clientKind{apiClient, browserJSONClient} {
		t.Run(string(kind), func(t *testing.T) {
			email, reg := registered(t, gw, "login-patch")
			c := newFlowClient(t, gw.URL, kind)
			init := c.mustInit("login")
			r := c.submit("login", init, loginFields(email))
			if r.Status != http.StatusOK {
				t.Fatalf("want 200, got %s", r)
			}
			if r.json("session.identity.metadata_public.seen").String() != "login" {
				t.Errorf("session.identity.metadata_public = %s", r.json("session.identity.metadata_public").Raw)
			}
			if adminIdentity(t, gw, reg.IdentityID).Get("metadata_public.seen").Exists() {
				t.Error("as in Kratos, a login patch is not stored")
			}
		})
	}
}

func TestLoginAfterFailureIs502AndSignsNobodyIn(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, `{}`))
	gw := startGateway(t, hookBlock("login after password", rc.URL()))
	for _, kind := range allClients {
		t.Run(string(kind), func(t *testing.T) {
			email, _ := registered(t, gw, "login-fail")
			c := newFlowClient(t, gw.URL, kind)
			init := c.mustInit("login")
			r := c.submit("login", init, loginFields(email))
			if kind == browserFormClient {
				if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/error?id=oa1.") {
					t.Fatalf("want 303 to the error UI, got %s %v", r, r.Header.Get("Location"))
				}
			} else if r.Status != http.StatusBadGateway {
				t.Fatalf("want 502, got %s", r)
			}
			if hasSetCookie(r.Header, "ory_kratos_session") {
				t.Error("no session cookie may reach the client")
			}
			if w := c.do(http.MethodGet, "/sessions/whoami", nil, nil); w.Status != http.StatusUnauthorized {
				t.Errorf("whoami = %d, want 401", w.Status)
			}
		})
	}
}

func TestLoginIgnoreHookGetsTheSession(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := startGateway(t, hookBlock("login after", rc.URL(), "response ignore"))
	email, _ := registered(t, gw, "login-async")
	c := newFlowClient(t, gw.URL, browserFormClient)
	init := c.mustInit("login")
	r := c.submit("login", init, loginFields(email))
	if r.Status != http.StatusSeeOther || !hasSetCookie(r.Header, "ory_kratos_session") {
		t.Fatalf("want Kratos's 303 with the session, got %s", r)
	}
	ctx := rc.waitCalls(t, 1, 5*time.Second)[0].Body
	if gjson.GetBytes(ctx, "session.identity.traits.email").String() != email || gjson.GetBytes(ctx, "session.authenticator_assurance_level").String() != "aal1" {
		t.Errorf("ctx.session = %s", gjson.GetBytes(ctx, "session").Raw)
	}
	if gjson.GetBytes(ctx, "request_cookies.ory_kratos_session").Exists() {
		t.Error("request_cookies are the client's, who had no session yet")
	}
}
