package integration

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Bad input and outages get a defined answer, and never skip a hook.

func TestOversizedSubmitIs413AndCallsNoHook(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := startGateway(t, "max_body_size 2KiB\n"+hookBlock("registration after password", rc.URL(), "response parse"))
	c := newFlowClient(t, gw.URL, apiClient)
	init := c.mustInit("registration")
	fields := registrationFields(freshEmail("big"))
	fields["transient_payload"] = map[string]any{"blob": strings.Repeat("x", 4096)}

	r := c.submit("registration", init, fields)

	if r.Status != http.StatusRequestEntityTooLarge || r.json("error.code").Int() != 413 {
		t.Fatalf("want the 413 envelope, got %s", r)
	}
	if n := len(rc.Calls()); n != 0 {
		t.Errorf("receiver got %d calls", n)
	}
}

func TestMalformedSubmitReachesKratosUntouched(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse"))
	c := newFlowClient(t, gw.URL, apiClient)
	init := c.mustInit("registration")
	r := c.do(http.MethodPost, "/self-service/registration?flow="+init.json("id").String(), []byte(`{"method":"password",`), nil)
	if r.Status != http.StatusBadRequest {
		t.Fatalf("want Kratos's own 400 for a malformed body, got %s", r)
	}
	if n := len(rc.Calls()); n != 0 {
		t.Errorf("receiver got %d calls", n)
	}
}

func TestKratosUnreachableForTheFlowFailsClosed(t *testing.T) {
	rc := newReceiver(t, nil)
	dead := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	gw := startGatewayReading(t, dead, "", hookBlock("registration after password", rc.URL(), "response parse"))
	c := newFlowClient(t, gw.URL, apiClient)
	email := freshEmail("outage")
	init := c.mustInit("registration") // reverse_proxy still reaches Kratos

	r := c.submit("registration", init, registrationFields(email))

	if r.Status != http.StatusBadGateway || r.json("error.code").Int() != 502 {
		t.Fatalf("want a 502 envelope, got %s", r)
	}
	if n := len(rc.Calls()); n != 0 {
		t.Errorf("receiver got %d calls", n)
	}
	if n := len(identitiesByEmail(t, gw, email)); n != 0 {
		t.Errorf("a parse hook that could not run must not let the registration through: %d stored", n)
	}
}

func TestSecretsStayOutOfTheLogAndTheAnswer(t *testing.T) {
	rc := newReceiver(t, always(http.StatusInternalServerError, `{}`))
	gw := startGateway(t, fmt.Sprintf("hook registration after password {\n url %s/h?token=query-secret-123\n method POST\n body %s\n auth basic_auth {\n user u\n password pw-secret-456\n }\n response parse\n retries 0\n}", rc.URL(), wholeCtx))
	c := newFlowClient(t, gw.URL, apiClient)
	init := c.mustInit("registration")
	r := c.submit("registration", init, registrationFields(freshEmail("secret")))
	if r.Status != http.StatusBadGateway {
		t.Fatalf("want 502, got %s", r)
	}
	for _, secret := range []string{"query-secret-123", "pw-secret-456"} {
		if bytes.Contains(r.Body, []byte(secret)) {
			t.Errorf("the answer leaks %q: %s", secret, r.Body)
		}
	}
	if got := rc.Calls()[0].Header.Get("Authorization"); got == "" {
		t.Error("the receiver must still get the credentials")
	}
}
