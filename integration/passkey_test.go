package integration

import (
	"net/http"
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// Kratos's passkey strategy serves browser flows only
// (selfservice/strategy/passkey: "flow type is not browser"): a passkey
// submit to an API flow finds no responsible strategy and Kratos refuses
// it, running no hook. The gateway must not run its parse hook first.
// (Passkey ceremonies that complete are shown in e2e/passkey_test.go,
// with a real browser's WebAuthn API.)
func TestPasskeySubmitToAnAPIFlowRunsNoHook(t *testing.T) {
	configure, err := kratostest.Passkeys(t.TempDir(), "http://localhost")
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, nil)
	gw := variantGateway(t, configure,
		hookBlock("registration after passkey", rc.URL()+"/parse", "\tresponse parse"))
	c := newFlowClient(t, gw.URL, apiClient)
	email := freshEmail("pk-api")
	init := c.mustInit("registration")
	ans := c.submit("registration", init, map[string]any{
		"method": "passkey", "traits": map[string]any{"email": email},
		"passkey_register": `{"id":"not-a-credential","type":"public-key"}`,
	})
	if ans.Status < http.StatusBadRequest {
		t.Fatalf("want Kratos's refusal, got %s", ans)
	}
	if n := len(rc.Calls()); n != 0 {
		t.Errorf("%d hook call(s) for a passkey submit Kratos refuses; Kratos runs none", n)
	}
}
