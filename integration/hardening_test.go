package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// A receiver answering 503 with Retry-After: 3600 holds no client for an
// hour: the hook's deadline bounds the whole call, Retry-After included.
func TestRetryAfterIsCappedByTheHookDeadline(t *testing.T) {
	rc := newReceiver(t, func(int, receivedCall) answer {
		return answer{status: http.StatusServiceUnavailable, body: "{}", header: map[string]string{"Retry-After": "3600"}}
	})
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse", "deadline 2s"))
	c := newFlowClient(t, gw.URL, apiClient)
	init := c.mustInit("registration")
	start := time.Now()
	email := freshEmail("retry-after")
	r := c.submit("registration", init, registrationFields(email))
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the client waited %s", took)
	}
	if r.Status != http.StatusBadGateway {
		t.Fatalf("want the 502 of a hook that gave up, got %s", r)
	}
	if n := len(identitiesByEmail(t, gw, email)); n != 0 {
		t.Fatalf("stored %d identities past a failed parse hook", n)
	}
}

// ctx.request_url is what Kratos behind Caddy would report: a client that
// is not one of Caddy's trusted proxies cannot choose its host or scheme.
func TestForwardedHeadersOfUntrustedClientsAreIgnored(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := startGateway(t, hookBlock("registration before", rc.URL()))
	c := newFlowClient(t, gw.URL, apiClient)
	r := c.do(http.MethodGet, "/self-service/registration/api", nil, map[string]string{
		"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
	})
	if r.Status != http.StatusOK {
		t.Fatalf("init: %s", r)
	}
	ctx := rc.waitCalls(t, 1, 5*time.Second)[0].Body
	want := gw.URL + "/self-service/registration/api"
	if got := gjson.GetBytes(ctx, "request_url").String(); got != want {
		t.Fatalf("ctx.request_url = %q, want %q", got, want)
	}
	if got := gjson.GetBytes(ctx, "flow.request_url").String(); strings.Contains(got, "evil.example") {
		t.Fatalf("Kratos itself saw the forged host: flow.request_url = %q", got)
	}
}

// When a hook's patch cannot be applied after Kratos stored the identity,
// its decision is not silently dropped: the new session is revoked and the
// client gets a 502.
func TestUnappliablePatchRevokesTheSession(t *testing.T) {
	rc := newReceiver(t, always(http.StatusOK, `{"identity":{"state":"bogus-state"}}`))
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
	c := newFlowClient(t, gw.URL, apiClient)
	init := c.mustInit("registration")
	email := freshEmail("bad-patch")
	r := c.submit("registration", init, registrationFields(email))
	if r.Status != http.StatusBadGateway || r.json("session_token").Exists() {
		t.Fatalf("want a 502 without a session, got %s", r)
	}
	stored := identitiesByEmail(t, gw, email)
	if len(stored) != 1 {
		t.Fatalf("want the identity Kratos stored, got %d", len(stored))
	}
	if n := activeSessions(t, gw, stored[0].Get("id").String()); n != 0 {
		t.Fatalf("%d sessions of the identity are still active", n)
	}
}

// TestLoginSpellingsRunTheHook: the login guard judges every spelling
// Kratos executes.
func TestLoginSpellingsRunTheHook(t *testing.T) {
	rc := guardReceiver(t)
	gw := guardedGateway(t, rc)
	for _, target := range []string{"/self-service/login?flow=%s", "//self-service//login?flow=%s", "/a/../self-service/login?flow=%s"} {
		email := freshEmail("test-login")
		id := createIdentity(t, gw, email)
		c := newFlowClient(t, gw.URL, apiClient)
		flow := c.mustInit("login").json("id").String()
		body := []byte(`{"method":"password","identifier":"` + email + `","password":"Correct-Horse-Battery-9"}`)
		r := rawRequest(t, gw.URL, "POST", strings.Replace(target, "%s", flow, 1), jsonHeader("application/json"), body)
		if r.Status != http.StatusBadRequest || r.json("session_token").Exists() {
			t.Errorf("%s: want the guard's interrupt, got %s", target, r)
		}
		if n := activeSessions(t, gw, id); n != 0 {
			t.Errorf("%s: %d active sessions after an interrupted login", target, n)
		}
	}
}
