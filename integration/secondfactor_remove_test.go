package integration

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// Second factors removed or left as they are: Kratos runs `settings after
// totp|lookup_secret` when a TOTP key is unlinked or lookup codes are
// disabled (parse hooks before the removal is stored), and also for a TOTP
// code submitted while a key is set up already (selfservice/strategy/totp/
// settings.go keeps the identity as it is and runs the hooks anyway). A
// refusal there leaves every factor in place.

// refusingTOTP answers every call with an interrupt on totp_code.
const refusingTOTP = `{"messages":[{"instance_ptr":"#/totp_code","messages":[{"id":4000001,"text":"keep your authenticator","type":"error"}]}]}`

// withTOTP signs in an API client whose identity has a TOTP key, set up
// through the gateway before any refusing hook matters, and returns the
// client, the identity id and the key's secret.
func withTOTP(t *testing.T, gw *gateway, prefix string) (*flowClient, string, string) {
	t.Helper()
	c, id, _ := signedInAPIClient(t, gw, prefix)
	flow := settingsFlow(t, c)
	secret := totpSecret(t, flow)
	if r := c.submit("settings", flow, map[string]any{"method": "totp", "totp_code": totpCode(t, secret, time.Now())}); r.json("state").String() != "success" {
		t.Fatalf("TOTP setup: %s", r)
	}
	if !adminIdentityHasCredential(t, gw, id, "totp") {
		t.Fatal("Kratos did not store the TOTP key")
	}
	return c, id, secret
}

func TestTOTPUnlinkRunsSettingsHooksOnce(t *testing.T) {
	rc := newReceiver(t, nil)
	gw := variantGateway(t, secondFactorKratos,
		hookBlock("settings after totp", rc.URL()+"/parse", "\tresponse parse")+"\n"+
			hookBlock("settings after lookup_secret", rc.URL()+"/lookup"))
	c, id, _ := withTOTP(t, gw, "totp-unlink")
	base := len(rc.Calls()) // the setup's parse hook

	r := c.submit("settings", settingsFlow(t, c), map[string]any{"method": "totp", "totp_unlink": true})

	if r.Status != http.StatusOK || r.json("state").String() != "success" {
		t.Fatalf("unlink: %s", r)
	}
	rc.waitCalls(t, base+1, 5*time.Second)
	time.Sleep(200 * time.Millisecond) // a stray call to the lookup hook would show by now
	if got := paths(rc.Calls()[base:]); len(got) != 1 || got[0] != "/parse" {
		t.Fatalf("hook calls of the unlink: %v, want /parse once (the lookup hook is for another method)", got)
	}
	if adminIdentityHasCredential(t, gw, id, "totp") {
		t.Error("the unlinked TOTP key is still stored")
	}
}

// A parse hook refusing the unlink: Kratos never removes the key.
func TestTOTPUnlinkInterruptKeepsTheKey(t *testing.T) {
	var refuse atomic.Bool
	rc := newReceiver(t, func(int, receivedCall) answer {
		if refuse.Load() {
			return answer{status: http.StatusBadRequest, body: refusingTOTP}
		}
		return answer{status: http.StatusOK, body: "{}"}
	})
	gw := variantGateway(t, secondFactorKratos, hookBlock("settings after totp", rc.URL(), "\tresponse parse"))
	c, id, _ := withTOTP(t, gw, "totp-unlink-refused")
	refuse.Store(true)
	base := len(rc.Calls())

	r := c.submit("settings", settingsFlow(t, c), map[string]any{"method": "totp", "totp_unlink": true})

	if r.Status != http.StatusBadRequest || r.json("state").String() == "success" {
		t.Fatalf("want 400 with the hook's message, got %s", r)
	}
	if n := len(rc.Calls()) - base; n != 1 {
		t.Errorf("%d hook calls, want 1", n)
	}
	if !adminIdentityHasCredential(t, gw, id, "totp") {
		t.Error("the refused unlink removed the TOTP key")
	}
}

// A TOTP code submitted while a key is set up changes nothing, and Kratos
// runs the hooks on the unchanged identity: a refusal must not remove the
// key that was there before.
func TestTOTPCodeWithAKeySetUpKeepsItOnInterrupt(t *testing.T) {
	var refuse atomic.Bool
	rc := newReceiver(t, func(int, receivedCall) answer {
		if refuse.Load() {
			return answer{status: http.StatusBadRequest, body: refusingTOTP}
		}
		return answer{status: http.StatusOK, body: "{}"}
	})
	gw := variantGateway(t, secondFactorKratos, hookBlock("settings after totp", rc.URL(), "\tresponse parse"))
	c, id, secret := withTOTP(t, gw, "totp-again")
	refuse.Store(true)
	base := len(rc.Calls())

	r := c.submit("settings", settingsFlow(t, c), map[string]any{"method": "totp", "totp_code": totpCode(t, secret, time.Now())})

	if r.Status != http.StatusBadRequest || r.json("state").String() == "success" {
		t.Fatalf("want 400 with the hook's message, got %s", r)
	}
	if n := len(rc.Calls()) - base; n != 1 {
		t.Errorf("%d hook calls, want 1 (Kratos runs the hooks on the unchanged identity)", n)
	}
	if !adminIdentityHasCredential(t, gw, id, "totp") {
		t.Error("refusing a submit that changed nothing removed the TOTP key set up before")
	}
}

func TestLookupDisableRunsHooksAndItsInterruptKeepsTheCodes(t *testing.T) {
	var refuse atomic.Bool
	rc := newReceiver(t, func(int, receivedCall) answer {
		if refuse.Load() {
			return answer{status: http.StatusBadRequest, body: `{"messages":[{"instance_ptr":"#/lookup_secret_disable","messages":[{"id":4000001,"text":"keep your codes","type":"error"}]}]}`}
		}
		return answer{status: http.StatusOK, body: "{}"}
	})
	gw := variantGateway(t, secondFactorKratos, hookBlock("settings after lookup_secret", rc.URL(), "\tresponse parse"))
	c, id, _ := signedInAPIClient(t, gw, "lookup-disable")
	regen := c.submit("settings", settingsFlow(t, c), map[string]any{"method": "lookup_secret", "lookup_secret_regenerate": true})
	if confirm := c.submit("settings", regen, map[string]any{"method": "lookup_secret", "lookup_secret_confirm": true}); confirm.json("state").String() != "success" {
		t.Fatalf("confirm: %s", confirm)
	}
	if !adminIdentityHasCredential(t, gw, id, "lookup_secret") {
		t.Fatal("Kratos did not store the lookup codes")
	}

	refuse.Store(true)
	base := len(rc.Calls())
	refused := c.submit("settings", settingsFlow(t, c), map[string]any{"method": "lookup_secret", "lookup_secret_disable": true})
	if refused.Status != http.StatusBadRequest || refused.json("state").String() == "success" {
		t.Fatalf("refused disable: want 400 with the hook's message, got %s", refused)
	}
	if n := len(rc.Calls()) - base; n != 1 {
		t.Errorf("%d hook calls on the refused disable, want 1", n)
	}
	if !adminIdentityHasCredential(t, gw, id, "lookup_secret") {
		t.Fatal("the refused disable removed the lookup codes")
	}

	refuse.Store(false)
	base = len(rc.Calls())
	done := c.submit("settings", settingsFlow(t, c), map[string]any{"method": "lookup_secret", "lookup_secret_disable": true})
	if done.Status != http.StatusOK || done.json("state").String() != "success" {
		t.Fatalf("disable: %s", done)
	}
	if n := len(rc.Calls()) - base; n != 1 {
		t.Errorf("%d hook calls on the disable, want 1", n)
	}
	if adminIdentityHasCredential(t, gw, id, "lookup_secret") {
		t.Error("the disabled lookup codes are still stored")
	}
}
