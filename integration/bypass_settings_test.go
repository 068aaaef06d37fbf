package integration

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestSettingsCarriersAndSpellingsRunTheHook: a settings change reaches
// Kratos with the session in any carrier Kratos reads, on GET as on POST,
// on any path spelling Kratos cleans; the guard must judge each, and a
// test- address must never be stored.
func TestSettingsCarriersAndSpellingsRunTheHook(t *testing.T) {
	rc := guardReceiver(t)
	gw := guardedGateway(t, rc)
	type shape struct {
		name string
		send func(t *testing.T, flow, token, email string) response
	}
	post := func(target string, header http.Header) func(*testing.T, string, string, string) response {
		return func(t *testing.T, flow, token, email string) response {
			h := jsonHeader("application/json")
			for k, v := range header {
				h[k] = v
			}
			for k, v := range h {
				h[k] = []string{strings.ReplaceAll(v[0], "TOKEN", token)}
			}
			body := []byte(fmt.Sprintf(`{"method":"profile","traits":{"email":%q}}`, email))
			return rawRequest(t, gw.URL, "POST", fmt.Sprintf(target, flow), h, body)
		}
	}
	shapes := []shape{
		{"X-Session-Token", post("/self-service/settings?flow=%s", http.Header{"X-Session-Token": {"TOKEN"}})},
		{"Authorization Bearer", post("/self-service/settings?flow=%s", http.Header{"Authorization": {"Bearer TOKEN"}})},
		{"double slashes", post("//self-service//settings?flow=%s", http.Header{"X-Session-Token": {"TOKEN"}})},
		{"dot-dot", post("/a/../self-service/settings?flow=%s", http.Header{"Authorization": {"Bearer TOKEN"}})},
		{"GET with the change in the query", func(t *testing.T, flow, token, email string) response {
			q := url.Values{"flow": {flow}, "method": {"profile"}, "traits.email": {email}}
			return rawRequest(t, gw.URL, "GET", "/self-service/settings?"+q.Encode(),
				http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer " + token}}, nil)
		}},
		{"GET on a double-slash path", func(t *testing.T, flow, token, email string) response {
			q := url.Values{"flow": {flow}, "method": {"profile"}, "traits.email": {email}}
			return rawRequest(t, gw.URL, "GET", "//self-service//settings?"+q.Encode(),
				http.Header{"Accept": {"application/json"}, "X-Session-Token": {token}}, nil)
		}},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			for _, allowed := range []bool{false, true} {
				original := freshEmail("owner")
				reg := gw.kratos.RegisterAPI(t, original, "Correct-Horse-Battery-9")
				c := newFlowClient(t, gw.URL, apiClient)
				c.token = reg.SessionToken
				flow := c.mustInit("settings").json("id").String()
				email := freshEmail("test-settings")
				if allowed {
					email = strings.TrimPrefix(email, "test-")
				}
				before := len(rc.Calls())
				r := sh.send(t, flow, reg.SessionToken, email)
				sawIt := false
				for _, call := range rc.Calls()[before:] {
					sawIt = sawIt || gjson.GetBytes(call.Body, "identity.traits.email").String() == email
				}
				stored := adminIdentity(t, gw, reg.IdentityID).Get("traits.email").String()
				switch {
				case !allowed && stored == email:
					t.Errorf("a test- address was stored: %s", r)
				case allowed && stored != email:
					t.Errorf("Kratos executes this shape: want the allowed change stored, got %q: %s", stored, r)
				case stored == email && !sawIt:
					t.Errorf("Kratos stored a change the hook never saw: %s", r)
				case !allowed && !sawIt && r.Status < 400:
					t.Errorf("neither the hook nor the gateway refused: %s", r)
				}
			}
		})
	}
}

// TestSettingsBrowserCookieOnTwoLines: HTTP/2 clients send one Cookie line
// per cookie; the flow the hook needs is loaded with all of them.
func TestSettingsBrowserCookieOnTwoLines(t *testing.T) {
	rc := guardReceiver(t)
	gw := guardedGateway(t, rc)
	c, _, id := settingsClient(t, gw, browserJSONClient)
	init := c.mustInit("settings")
	u, _ := url.Parse(gw.URL)
	var lines []string
	for _, ck := range c.http.Jar.Cookies(u) {
		lines = append(lines, ck.Name+"="+ck.Value)
	}
	if len(lines) < 2 {
		t.Fatalf("want a session and a CSRF cookie, got %v", lines)
	}
	email := freshEmail("test-twolines")
	body := []byte(fmt.Sprintf(`{"method":"profile","csrf_token":%q,"traits":{"email":%q}}`, csrfToken(init), email))
	h := jsonHeader("application/json")
	h["Cookie"] = lines
	r := rawRequest(t, gw.URL, "POST", "/self-service/settings?flow="+init.json("id").String(), h, body)
	if r.Status != http.StatusBadRequest || len(nodeMessages(r.Body, "traits.email")) != 1 {
		t.Fatalf("want the guard's interrupt, got %s", r)
	}
	if got := adminIdentity(t, gw, id).Get("traits.email").String(); got == email {
		t.Fatal("the change was stored")
	}
}
