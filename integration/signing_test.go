package integration

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Signing secrets of these tests: the Standard Webhooks reference
// libraries' test-vector secret, and a second one for a rotation.
const (
	signingSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rotatedSecret = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24tdGVzdHMh"
)

// signatureReceiver is a receiver that verifies every call with the
// reference library, as a real one would on arrival (the timestamp
// tolerance included), answers 401 when no secret verifies it, and
// otherwise follows script.
type signatureReceiver struct {
	*receiver
	mu       sync.Mutex
	verified map[string][]bool // secret → verdict per call
}

func newSignatureReceiver(t *testing.T, secrets []string, script func(n int) answer) *signatureReceiver {
	t.Helper()
	sr := &signatureReceiver{verified: map[string][]bool{}}
	verifiers := map[string]*standardwebhooks.Webhook{}
	for _, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatal(err)
		}
		verifiers[s] = wh
	}
	sr.receiver = newReceiver(t, func(n int, call receivedCall) answer {
		sr.mu.Lock()
		ok := false
		for s, wh := range verifiers {
			err := wh.Verify(call.Body, call.Header)
			sr.verified[s] = append(sr.verified[s], err == nil)
			ok = ok || err == nil
		}
		sr.mu.Unlock()
		if !ok {
			return answer{status: http.StatusUnauthorized, body: `{"error":"bad signature"}`}
		}
		return script(n)
	})
	return sr
}

// verdicts returns, per call, whether secret verified it.
func (sr *signatureReceiver) verdicts(secret string) []bool {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	return append([]bool(nil), sr.verified[secret]...)
}

func TestSignedRegistrationHookVerifiesAndRetriesKeepTheID(t *testing.T) {
	// The second secret comes from a placeholder, resolved at load.
	t.Setenv("ORY_ACTIONS_TEST_SIGNING_SECRET", rotatedSecret)
	for _, kind := range bothClients {
		t.Run(string(kind), func(t *testing.T) {
			rc := newSignatureReceiver(t, []string{signingSecret, rotatedSecret}, func(n int) answer {
				if n == 1 {
					return answer{status: http.StatusInternalServerError, body: `{}`}
				}
				return answer{status: http.StatusOK, body: `{}`}
			})
			gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse", "retries 2",
				"sign {\n\tsecret "+signingSecret+"\n\tsecret {env.ORY_ACTIONS_TEST_SIGNING_SECRET}\n}"))
			c := newFlowClient(t, gw.URL, kind)
			init := c.mustInit("registration")

			r := c.submit("registration", init, registrationFields(freshEmail("signed")))

			// The parse hook decides the flow: the registration goes through
			// only if the receiver verified the retried delivery.
			if r.Status != http.StatusOK || !r.json("identity.id").Exists() {
				t.Fatalf("registration through a signed hook: %s", r)
			}
			calls := rc.Calls()
			if len(calls) != 2 {
				t.Fatalf("receiver got %d calls, want a 500 and its retry", len(calls))
			}
			for _, secret := range []string{signingSecret, rotatedSecret} {
				if v := rc.verdicts(secret); len(v) != 2 || !v[0] || !v[1] {
					t.Errorf("verification with one of the two secrets, per call: %v; want both calls verified", v)
				}
			}
			first, retry := calls[0].Header, calls[1].Header
			if id := first.Get("Webhook-Id"); id == "" || id != retry.Get("Webhook-Id") {
				t.Errorf("webhook-id %q then %q: want one id for the trigger, kept on its retry", id, retry.Get("Webhook-Id"))
			}
			for i, h := range []http.Header{first, retry} {
				ts, err := strconv.ParseInt(h.Get("Webhook-Timestamp"), 10, 64)
				if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
					t.Errorf("call %d: webhook-timestamp %q is not now in unix seconds", i+1, h.Get("Webhook-Timestamp"))
				}
				if sigs := strings.Fields(h.Get("Webhook-Signature")); len(sigs) != 2 {
					t.Errorf("call %d: webhook-signature %q, want one v1 signature per secret", i+1, h.Get("Webhook-Signature"))
				}
				if _, sent := h["Ory-Webhook-Trigger-Id"]; sent {
					t.Errorf("call %d: Ory-Webhook-Trigger-Id sent; webhook-id replaces it", i+1)
				}
			}
			if first.Get("Ory-Webhook-Request-Id") == retry.Get("Ory-Webhook-Request-Id") {
				t.Error("Kratos's Ory-Webhook-Request-Id must still be fresh per attempt")
			}
		})
	}
}

func TestSignedHookWithAWrongSecretFailsTheFlow(t *testing.T) {
	rc := newSignatureReceiver(t, []string{signingSecret}, func(int) answer { return answer{status: http.StatusOK, body: `{}`} })
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse", "retries 0",
		"sign {\n\tsecret "+rotatedSecret+"\n}"))
	c := newFlowClient(t, gw.URL, apiClient)
	init := c.mustInit("registration")

	r := c.submit("registration", init, registrationFields(freshEmail("wrongsig")))

	if r.Status == http.StatusOK {
		t.Fatalf("the receiver refused the signature, yet the registration passed: %s", r)
	}
	if v := rc.verdicts(signingSecret); len(v) != 1 || v[0] {
		t.Fatalf("verdicts %v, want one refused call", v)
	}
}

func TestSignOffSendsKratosHeadersOnly(t *testing.T) {
	rc := newReceiver(t, func(n int, _ receivedCall) answer {
		if n == 1 {
			return answer{status: http.StatusInternalServerError, body: `{}`}
		}
		return answer{status: http.StatusOK, body: `{}`}
	})
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse", "retries 2"))
	c := newFlowClient(t, gw.URL, apiClient)
	init := c.mustInit("registration")

	if r := c.submit("registration", init, registrationFields(freshEmail("unsigned"))); r.Status != http.StatusOK {
		t.Fatalf("registration: %s", r)
	}
	calls := rc.Calls()
	if len(calls) != 2 {
		t.Fatalf("receiver got %d calls, want 2", len(calls))
	}
	for i, call := range calls {
		for _, name := range []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", "Ory-Webhook-Trigger-Id"} {
			if _, sent := call.Header[name]; sent {
				t.Errorf("call %d: %s sent by a hook without sign", i+1, name)
			}
		}
		if call.Header.Get("Ory-Webhook-Request-Id") == "" {
			t.Errorf("call %d: Kratos's Ory-Webhook-Request-Id missing", i+1)
		}
	}
}

func TestSignBadSecretFailsTheLoadNamingTheKey(t *testing.T) {
	const bad = "whsec_not-base64-at-all"
	t.Setenv("ORY_ACTIONS_TEST_BAD_SECRET", bad)
	caddyfile := `{
	admin off
}
:0 {
	ory_actions {
		kratos {
			public_url http://127.0.0.1:9
		}
		hook login after {
			url http://127.0.0.1:9/
			method POST
			sign {
				secret ` + signingSecret + `
				secret {env.ORY_ACTIONS_TEST_BAD_SECRET}
			}
		}
	}
	respond ok
}
`
	cfgJSON, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
	if err != nil {
		t.Fatalf("adapt: %v", err)
	}
	var cfg caddy.Config
	if err := caddy.StrictUnmarshalJSON(cfgJSON, &cfg); err != nil {
		t.Fatal(err)
	}
	err = caddy.Validate(&cfg)
	const want = "hooks[0] (#1): sign.secrets[1]: not a whsec_ base64 secret"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("load error = %v, want it to contain %q", err, want)
	}
	if strings.Contains(err.Error(), strings.TrimPrefix(bad, "whsec_")) {
		t.Fatalf("load error %q echoes the secret", err)
	}
}
