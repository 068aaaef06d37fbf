package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/webauthntest"
)

// Kratos's passkey strategy serves browser flows only
// (selfservice/strategy/passkey: "flow type is not browser"): a passkey
// submit to an API flow finds no responsible strategy and Kratos refuses
// it, running no hook. The gateway must not run its parse hook first.
// (Passkey ceremonies that complete are shown below with a software
// authenticator, and in e2e/passkey_test.go with a real browser's WebAuthn
// API.)
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

// Kratos verifies a new passkey before its registration after hooks
// (selfservice/strategy/passkey Register → go-webauthn CreateCredential):
// a credential made for another challenge than the flow's (another flow's,
// a replay) is refused and runs no hook. The gateway reads the flow's
// challenge from its passkey_create_data node and forwards such a submit
// without calling its parse hook; the credential for the flow's own
// challenge then runs the hook once and signs the user up.
func TestPasskeySignUpForAnotherChallengeRunsNoHook(t *testing.T) {
	const origin = "http://localhost:4455"
	configure, err := kratostest.Passkeys(t.TempDir(), origin)
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, nil)
	gw := variantGateway(t, configure,
		hookBlock("registration after passkey", rc.URL()+"/parse", "\tresponse parse"))
	c := newFlowClient(t, gw.URL, browserJSONClient)
	email := freshEmail("pk-stale")
	traits := map[string]any{"email": email}
	init := c.mustInit("registration")
	step := c.submit("registration", init, map[string]any{"method": "profile", "traits": traits})
	var createData string
	for _, n := range step.json("ui.nodes").Array() {
		if n.Get("attributes.name").String() == "passkey_create_data" {
			createData = n.Get("attributes.value").String()
		}
	}
	if createData == "" {
		t.Fatalf("the profile step shows no passkey creation options: %s", step)
	}
	device := webauthntest.New(origin)
	stale, err := sjson.Set(createData, "credentialOptions.publicKey.challenge", "c3RhbGUtY2hhbGxlbmdlLWZyb20tYW5vdGhlci1mbG93")
	if err != nil {
		t.Fatal(err)
	}
	staleCredential, err := device.Create([]byte(stale))
	if err != nil {
		t.Fatal(err)
	}
	refused := c.submit("registration", step, map[string]any{"method": "passkey", "traits": traits, "passkey_register": string(staleCredential)})
	if refused.Status < http.StatusBadRequest || !strings.Contains(refused.json("error.reason").String(), "challenge") {
		t.Fatalf("want Kratos's refusal of the credential for another challenge, got %s", refused)
	}
	if n := len(rc.Calls()); n != 0 {
		t.Fatalf("%d hook call(s) for a credential Kratos refuses before its hooks; Kratos runs none", n)
	}

	credential, err := device.Create([]byte(createData))
	if err != nil {
		t.Fatal(err)
	}
	ok := c.submit("registration", step, map[string]any{"method": "passkey", "traits": traits, "passkey_register": string(credential)})
	if ok.Status != http.StatusOK || ok.json("identity.traits.email").String() != email {
		t.Fatalf("want the passkey sign-up to succeed, got %s", ok)
	}
	if n := len(rc.Calls()); n != 1 {
		t.Errorf("%d hook call(s) for the accepted passkey, want 1", n)
	}
	ids := adminGet(t, gw, "/admin/identities?credentials_identifier="+email)
	if !gjson.GetBytes(ids, "0.credentials.passkey").Exists() {
		t.Errorf("the stored identity has no passkey credential: %s", ids)
	}
}
