package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// passkeyHook refuses test-… addresses on passkey sign-up, as the
// password sign-up's hook does.
const passkeyHook = `
		hook registration after passkey {
			id passkey_check
			url {{.Receiver}}/signup-check
			method POST
			body file://{{.HooksDir}}/signup_check.jsonnet
			response parse
			timeout 5s
			retries 0
		}

		hook login after passkey {
			id passkey_login
			url {{.Receiver}}/welcome-mail
			method POST
			body file://{{.HooksDir}}/welcome_mail.jsonnet
			timeout 5s
			retries 0
		}`

// TestBrowserPasskeys signs up and in with a passkey in headless chromium,
// the browser's own WebAuthn API answered by a CDP virtual authenticator
// (the authenticator a person's device would be), Kratos's webauthn.js
// doing the ceremony from the example UI, and the gateway running the
// `registration after passkey` parse hook on the submit that completes it.
func TestBrowserPasskeys(t *testing.T) {
	b := startBrowser(t)
	s := startStackWith(t, stackOptions{
		// Browsers offer WebAuthn over plain http only on localhost.
		host: "localhost",
		configure: func(origin string) func(map[string]any) {
			c, err := kratostest.Passkeys(t.TempDir(), origin)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		extraHooks: passkeyHook,
	})
	auth := authenticator(t, b)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	email := "grace-pk-" + run + "@example.com"

	t.Run("a test- address is refused by the hook and nothing is stored", func(t *testing.T) {
		refused := "test-pk-" + run + "@example.com"
		passkeySignUp(t, b, s, refused)
		message := chromedp.CSS(`[data-node="traits.email"] .node-messages .message`)
		b.waitShown(t, "after the passkey step of a test- address, the hook's message", message)
		if got := b.text(t, message); got != signupRefusal {
			t.Errorf("message under the e-mail = %q, want %q", got, signupRefusal)
		}
		if ids := s.identitiesWith(t, refused); ids != "[]" {
			t.Errorf("Kratos has identities for the refused %s: %s", refused, ids)
		}
	})

	if !t.Run("a normal address signs up with a passkey and is signed in", func(t *testing.T) {
		// The refused sign-up left its passkey in the authenticator (the
		// ceremony happened; Kratos stored nothing). A device would offer
		// both at sign-in; the authenticator would pick either.
		forgetPasskeys(t, b, auth)
		before := len(s.receiver.bodies("/signup-check"))
		passkeySignUp(t, b, s, email)
		b.waitShown(t, "after the passkey step, the welcome page", sessionEmail)
		if got := b.text(t, sessionEmail); got != email {
			t.Fatalf("welcome page signed in as %q, want %q", got, email)
		}
		calls := s.receiver.bodies("/signup-check")[before:]
		if len(calls) != 1 || !strings.Contains(string(calls[0]), email) {
			t.Errorf("the passkey hook got %d calls (%s), want one about %s", len(calls), joinBodies(calls), email)
		}
		ids := s.identitiesWith(t, email)
		if !strings.Contains(ids, `"passkey"`) {
			t.Errorf("the stored identity has no passkey credential: %s", ids)
		}
	}) {
		return
	}

	t.Run("sign out, and sign in with the passkey: the login hook runs", func(t *testing.T) {
		before := len(s.receiver.bodies("/welcome-mail"))
		b.step(t, "click Sign out", chromedp.Click(logoutLink))
		trigger := chromedp.CSS(`form[data-group="passkey"] button[name="passkey_login_trigger"]`)
		b.waitShown(t, "after signing out, the passkey sign-in button", trigger)
		b.step(t, "press the passkey sign-in button", chromedp.Click(trigger))
		b.waitShown(t, "after the passkey sign-in, the welcome page", sessionEmail)
		if got := b.text(t, sessionEmail); got != email {
			t.Errorf("signed in with the passkey as %q, want %q", got, email)
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(s.receiver.bodies("/welcome-mail")) == before && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if calls := s.receiver.bodies("/welcome-mail")[before:]; len(calls) != 1 {
			t.Errorf("the passkey login hook got %d calls, want 1", len(calls))
		}
	})
}

// authenticator gives the browser's tab a virtual platform authenticator
// that verifies the user at once.
func authenticator(t *testing.T, b *browser) webauthn.AuthenticatorID {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport:      webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return res.AuthenticatorID
}

// forgetPasskeys removes every credential from the authenticator.
func forgetPasskeys(t *testing.T, b *browser, id webauthn.AuthenticatorID) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, webauthn.ClearCredentials, webauthn.ClearCredentialsParams{AuthenticatorID: id}); err != nil {
		t.Fatalf("WebAuthn.clearCredentials: %v", err)
	}
}

// passkeySignUp opens the sign-up page, submits the e-mail (the profile
// step), and presses the passkey button, which runs Kratos's webauthn.js.
func passkeySignUp(t *testing.T, b *browser, s *stack, email string) {
	t.Helper()
	b.step(t, "open the sign-up page", chromedp.Navigate(s.URL+"/ui/registration"))
	b.waitShown(t, "the sign-up form", inputIn("profile", "traits.email"))
	b.step(t, "submit the profile step",
		chromedp.SendKeys(inputIn("profile", "traits.email"), email),
		chromedp.Click(buttonIn("profile", "method", "profile")),
	)
	trigger := chromedp.CSS(`form[data-group="passkey"] button[name="passkey_register_trigger"]`)
	b.waitShown(t, "after the profile step, the passkey button", trigger)
	b.step(t, "press the passkey button", chromedp.Click(trigger))
}
