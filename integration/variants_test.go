package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// Success detection must not depend on Kratos's defaults: each test here
// runs a Kratos configured the other way, with the gateway as its public
// base URL (so every redirect Kratos writes comes back through it).

// variantGateway starts a Kratos with configure applied and the gateway in
// front of it.
func variantGateway(t *testing.T, configure func(cfg map[string]any), hooksBlock string) *gateway {
	t.Helper()
	port := kratostest.FreePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	k := kratostest.Start(t, kratostest.Options{PublicBaseURL: base + "/", Configure: configure})
	return startGatewayAt(t, port, k, "", "", hooksBlock)
}

// createIdentity stores an identity with a password through the admin API.
func createIdentity(t *testing.T, gw *gateway, email string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"schema_id":   "default",
		"traits":      map[string]any{"email": email},
		"credentials": map[string]any{"password": map[string]any{"config": map[string]any{"password": "Correct-Horse-Battery-9"}}},
	})
	resp, err := http.Post(gw.kratos.AdminURL+"/admin/identities", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil {
		t.Fatalf("admin create identity: %d", resp.StatusCode)
	}
	return out.ID
}

// activeSessions counts an identity's active sessions.
func activeSessions(t *testing.T, gw *gateway, identityID string) int {
	t.Helper()
	list := gjson.ParseBytes(adminGet(t, gw, "/admin/identities/"+identityID+"/sessions?active=true")).Array()
	return len(list)
}

// TestCustomSessionCookieWithoutSessionHook: Kratos names its session
// cookie differently and registration issues no session. Form clients'
// registrations are still recognised (the new identity is found by its
// identifier), and a login interrupt still revokes the session under its
// custom name.
func TestCustomSessionCookieWithoutSessionHook(t *testing.T) {
	rc := guardReceiver(t)
	gw := variantGateway(t, func(cfg map[string]any) {
		kratostest.SetConfig(cfg, "session.cookie.name", "my_app_session")
		kratostest.SetConfig(cfg, "selfservice.flows.registration.after.password.hooks", []any{})
	}, strings.Join([]string{
		hookBlock("registration after", rc.URL()+"/registration"),
		hookBlock("login after", rc.URL()+"/login", "response parse"),
	}, "\n"))

	t.Run("registration form", func(t *testing.T) {
		c := newFlowClient(t, gw.URL, browserFormClient)
		email := freshEmail("custom-reg")
		init := c.mustInit("registration")
		before := len(rc.Calls())
		r := c.submit("registration", init, registrationFields(email))
		if r.Status != http.StatusSeeOther || hasSetCookie(r.Header, "my_app_session") {
			t.Fatalf("want Kratos's 303 without a session, got %s %v", r, r.Header.Values("Set-Cookie"))
		}
		calls := rc.Calls()[before:]
		if len(calls) != 1 || gjson.GetBytes(calls[0].Body, "identity.traits.email").String() != email {
			t.Fatalf("the after hook must run on the new identity: %d calls", len(calls))
		}
		if id := gjson.GetBytes(calls[0].Body, "identity.id").String(); id == nilUUID || id == "" {
			t.Errorf("ctx.identity.id = %q, want the stored identity", id)
		}
	})

	for _, allowed := range []bool{false, true} {
		t.Run(fmt.Sprintf("login form allowed=%v", allowed), func(t *testing.T) {
			email := freshEmail("test-custom-login")
			if allowed {
				email = strings.TrimPrefix(email, "test-")
			}
			id := createIdentity(t, gw, email)
			c := newFlowClient(t, gw.URL, browserFormClient)
			init := c.mustInit("login")
			before := len(rc.Calls())
			r := c.submit("login", init, loginFields(email))
			if len(rc.Calls()) != before+1 {
				t.Fatalf("the login hook must run: %s", r)
			}
			n := activeSessions(t, gw, id)
			if allowed && (n != 1 || !hasSetCookie(r.Header, "my_app_session")) {
				t.Errorf("an allowed login keeps its session: %d active, %v", n, r.Header.Values("Set-Cookie"))
			}
			if !allowed && (n != 0 || hasSetCookie(r.Header, "my_app_session")) {
				t.Errorf("an interrupted login must leave no session: %d active, %v", n, r.Header.Values("Set-Cookie"))
			}
		})
	}
}

// TestVerificationUIAndReturnTo: registration shows the verification UI
// instead of issuing a session, and the client asked for a return_to; the
// after hook still runs on the new identity.
func TestVerificationUIAndReturnTo(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := variantGateway(t, func(cfg map[string]any) {
		kratostest.SetConfig(cfg, "selfservice.flows.registration.after.password.hooks", []any{map[string]any{"hook": "show_verification_ui"}})
	}, hookBlock("registration after password", rc.URL()))
	c := newFlowClient(t, gw.URL, browserFormClient)
	email := freshEmail("verify-ui")
	r := c.do(http.MethodGet, "/self-service/registration/browser?return_to="+url.QueryEscape(kratostest.DefaultUIBaseURL+"/dashboard"), nil, map[string]string{"Accept": "text/html"})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("init: %s", r)
	}
	init := c.fetchFromLocation("registration", r.Header.Get("Location"))
	r = c.submit("registration", init, registrationFields(email))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("want Kratos's 303, got %s", r)
	}
	calls := rc.waitCalls(t, 1, 5*time.Second)
	if gjson.GetBytes(calls[0].Body, "identity.traits.email").String() != email {
		t.Fatalf("the hook saw %s", gjson.GetBytes(calls[0].Body, "identity").Raw)
	}
}

// TestSettingsChangeResumedAfterReauthentication: Kratos pauses a settings
// change that needs a fresh login and applies it on the GET the browser
// makes after re-authenticating, whatever that GET carries. The hook must
// judge the change then; and a continuity cookie the gateway has not seen
// paused must not let Kratos resume anything.
func TestSettingsChangeResumedAfterReauthentication(t *testing.T) {
	for _, tc := range []struct {
		name       string
		refuse     bool // the hook refuses the change when it is resumed
		dropOurs   bool // the browser lost the gateway's continuation
		wantStored bool
	}{
		{name: "resumed and allowed", wantStored: true},
		{name: "resumed and refused", refuse: true},
		{name: "continuity without the gateway's record", dropOurs: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, func(n int, call receivedCall) answer {
				if n >= 2 && tc.refuse {
					return answer{status: http.StatusBadRequest, body: guardMessages}
				}
				return answer{status: http.StatusOK, body: `{}`}
			})
			gw := variantGateway(t, func(cfg map[string]any) {
				kratostest.SetConfig(cfg, "selfservice.flows.settings.privileged_session_max_age", "1s")
			}, hookBlock("settings after profile", rc.URL(), "response parse"))
			email := freshEmail("reauth")
			id := createIdentity(t, gw, email)
			c := newFlowClient(t, gw.URL, browserFormClient)
			if r := c.submit("login", c.mustInit("login"), loginFields(email)); r.Status != http.StatusSeeOther {
				t.Fatalf("login: %s", r)
			}
			time.Sleep(1500 * time.Millisecond) // the session is no longer privileged

			settings := c.mustInit("settings")
			newEmail := freshEmail("changed")
			r := c.submit("settings", settings, map[string]any{"method": "profile", "traits": map[string]any{"email": newEmail}})
			loc := r.Header.Get("Location")
			if r.Status != http.StatusSeeOther || !strings.Contains(loc, "/self-service/login/browser") || !strings.Contains(loc, "refresh=true") {
				t.Fatalf("want Kratos's redirect to re-authenticate, got %s (Location %q)", r, loc)
			}
			if got := adminIdentity(t, gw, id).Get("traits.email").String(); got != email {
				t.Fatalf("the change was applied before re-authentication: %q", got)
			}

			// Re-authenticate through the gateway, as the browser does.
			r = c.follow(loc, map[string]string{"Accept": "text/html"})
			login := c.fetchFromLocation("login", r.Header.Get("Location"))
			r = c.submit("login", login, loginFields(email))
			back := r.Header.Get("Location")
			if r.Status != http.StatusSeeOther || !strings.Contains(back, "/self-service/settings?flow="+settings.json("id").String()) {
				t.Fatalf("want the redirect back to the settings submit, got %s (Location %q)", r, back)
			}
			if tc.dropOurs {
				c.dropCookie("ory_actions_continue")
			}
			before := len(rc.Calls())
			r = c.follow(back, map[string]string{"Accept": "text/html"})

			stored := adminIdentity(t, gw, id).Get("traits.email").String()
			calls := rc.Calls()[before:]
			switch {
			case tc.wantStored:
				if stored != newEmail || len(calls) != 1 || gjson.GetBytes(calls[0].Body, "identity.traits.email").String() != newEmail {
					t.Fatalf("want the resumed change judged by the hook and stored: stored %q, %d calls: %s", stored, len(calls), r)
				}
			default:
				if stored != email {
					t.Fatalf("the resumed change was stored past the hook (%q): %s", stored, r)
				}
				if tc.refuse && len(calls) != 1 {
					t.Fatalf("the hook must judge the resumed change: %d calls", len(calls))
				}
			}
		})
	}
}

// follow sends a GET to an absolute URL on the gateway.
func (c *flowClient) follow(location string, header map[string]string) response {
	c.t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(http.MethodGet, u.RequestURI(), nil, header)
}

// dropCookie removes a cookie from the client's jar.
func (c *flowClient) dropCookie(name string) {
	u, _ := url.Parse(c.base)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: "", Path: "/", MaxAge: -1}})
}

// courierLink returns the self-service link of the newest message to
// email (a link-method verification or recovery mail).
func courierLink(t *testing.T, k *kratostest.Kratos, email string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if msgs := k.CourierMessages(t, email); len(msgs) > 0 {
			for _, field := range strings.Fields(msgs[0].Body) {
				if strings.Contains(field, "/self-service/") && strings.Contains(field, "token=") {
					return strings.Trim(field, `"'<>`)
				}
			}
			t.Fatalf("no link in %s", msgs[0].Body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no courier message to %s", email)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLinkCompletesOnGETAndRunsTheHook: with the link method, verification
// and recovery complete on the GET the e-mail link makes. The hook runs on
// it; opened in a browser that cannot show the flow (another device), the
// gateway cannot tell whose address it is, and refuses it before Kratos
// acts.
func TestLinkCompletesOnGETAndRunsTheHook(t *testing.T) {
	for _, f := range []string{"verification", "recovery"} {
		t.Run(f, func(t *testing.T) {
			rc := newReceiver(t, nil)
			gw := variantGateway(t, func(cfg map[string]any) {
				kratostest.SetConfig(cfg, "selfservice.methods.link.enabled", true)
				kratostest.SetConfig(cfg, "selfservice.flows."+f+".use", "link")
			}, hookBlock(f+" after", rc.URL()))
			for _, sameBrowser := range []bool{true, false} {
				email := freshEmail("link")
				id := createIdentity(t, gw, email)
				c := newFlowClient(t, gw.URL, browserFormClient)
				init := c.mustInit(f)
				sent := c.submit(f, init, map[string]any{"method": "link", "email": email})
				if sent.Status != http.StatusSeeOther {
					t.Fatalf("e-mail step: %s", sent)
				}
				link := courierLink(t, gw.kratos, email)
				opener := c
				if !sameBrowser {
					opener = newFlowClient(t, gw.URL, browserFormClient)
				}
				before := len(rc.Calls())
				r := opener.follow(link, map[string]string{"Accept": "text/html"})
				verified := adminIdentity(t, gw, id).Get("verifiable_addresses.0.verified").Bool()
				calls := rc.Calls()[before:]
				if sameBrowser {
					if r.Status != http.StatusSeeOther || len(calls) != 1 || gjson.GetBytes(calls[0].Body, "identity.id").String() != id {
						t.Fatalf("want Kratos's redirect and the hook on the identity: %s, %d calls", r, len(calls))
					}
					if f == "verification" && !verified {
						t.Fatal("the address was not verified")
					}
					continue
				}
				if r.Status < 400 && !strings.Contains(r.Header.Get("Location"), "/error") {
					t.Fatalf("want a refusal, got %s", r)
				}
				if len(calls) != 0 || verified {
					t.Fatalf("the link completed past the hook: %d calls, verified=%v", len(calls), verified)
				}
			}
		})
	}
}
