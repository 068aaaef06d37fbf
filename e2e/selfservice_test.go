package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-jsonnet"
)

// TestBrowserSelfService drives the example UI (examples/ui) in headless
// chromium through the gateway in front of a real Kratos, the way a person
// would: form posts, redirects and cookies, no JSON client anywhere.
func TestBrowserSelfService(t *testing.T) {
	b := startBrowser(t) // first: without chromium, fail before starting anything else
	s := startStack(t)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	// Unlike the e-mail addresses, the password shares nothing with the run
	// id: Kratos refuses passwords similar to the identifier.
	const password = "Correct-Horse-Battery-42"
	email := "ada-" + run + "@example.com"

	t.Run("the pages without a flow: signed out, and an error", func(t *testing.T) {
		b.step(t, "open the welcome page", chromedp.Navigate(s.URL+"/ui/welcome"))
		b.waitShown(t, "the welcome page of a visitor", signedOut)
		// Kratos's stub error: the error page fetches /self-service/errors.
		b.step(t, "open the error page", chromedp.Navigate(s.URL+"/ui/error?id=stub:500"))
		b.waitShown(t, "the error page", errorReason)
		if got := b.text(t, errorMessage); !strings.HasPrefix(got, "500 Internal Server Error") {
			t.Errorf("the error page shows %q, want Kratos's stub 500", got)
		}
		if got := b.text(t, errorReason); got != "This is a stub error." {
			t.Errorf("the error page shows the reason %q, want Kratos's %q", got, "This is a stub error.")
		}
	})

	t.Run("a test- address gets the hook's message under the e-mail field", func(t *testing.T) {
		refused := "test-" + run + "@example.com"
		signUp(t, b, s, refused, "Tess", password)
		// The password step holds the traits as hidden inputs, so the
		// message lands on the hidden e-mail node (as in Kratos); the page
		// shows it with the address it is about.
		field := `[data-node="traits.email"]`
		message := chromedp.CSS(field + " .node-messages .message")
		b.waitShown(t, "after the password step of a test- address, the hook's message", message)
		if got := b.text(t, message); got != signupRefusal {
			t.Errorf("message under the e-mail = %q, want %q", got, signupRefusal)
		}
		if got := b.text(t, chromedp.CSS(field+" .value")); got != refused {
			t.Errorf("the message is shown for the address %q, want the submitted %q", got, refused)
		}
		screenshot(t, b, "refused.png")
		b.step(t, "go back to the profile step", chromedp.Click(buttonIn("profile", "screen", "previous")))
		b.waitShown(t, "after Back, the e-mail field", inputIn("profile", "traits.email"))
		if got := b.value(t, inputIn("profile", "traits.email")); got != refused {
			t.Errorf("after Back, the e-mail field holds %q, want the submitted %q", got, refused)
		}
		if ids := s.identitiesWith(t, refused); ids != "[]" {
			t.Errorf("Kratos has identities for the refused %s: %s", refused, ids)
		}
	})

	if !t.Run("a normal address signs up and is signed in", func(t *testing.T) {
		signUp(t, b, s, email, "Ada", password)
		b.waitShown(t, "after the password step, the welcome page", sessionEmail)
		if got := b.text(t, sessionEmail); got != email {
			t.Fatalf("welcome page signed in as %q, want %q", got, email)
		}
		checkWelcomeMail(t, s, email, b.text(t, sessionIdentity))
	}) {
		return // the steps below need the account
	}

	if !t.Run("log out and log in with the password", func(t *testing.T) {
		b.step(t, "click Sign out", chromedp.Click(logoutLink))
		b.waitShown(t, "after signing out, the login page", inputIn("password", "identifier"))
		b.step(t, "submit the login form",
			chromedp.SendKeys(inputIn("password", "identifier"), email),
			chromedp.SendKeys(inputIn("password", "password"), password),
			chromedp.Click(buttonIn("password", "method", "password")),
		)
		b.waitShown(t, "after logging in, the welcome page", sessionEmail)
		if got := b.text(t, sessionEmail); got != email {
			t.Fatalf("welcome page signed in as %q, want %q", got, email)
		}
	}) {
		return
	}

	t.Run("a profile save shows the value the settings hook patched", func(t *testing.T) {
		first := inputIn("profile", "traits.name.first")
		b.step(t, "open the settings", chromedp.Click(settingsLink))
		b.waitShown(t, "the settings page", first)
		if got := b.value(t, first); got != "Ada" {
			t.Errorf("settings show first name %q, want the registered %q", got, "Ada")
		}
		b.step(t, "save a new first name",
			chromedp.Clear(first),
			chromedp.SendKeys(first, "Grace"),
			chromedp.Click(buttonIn("profile", "method", "profile")),
		)
		b.waitShown(t, "after saving, Kratos's success message", settingsSaved)
		calls := s.receiver.bodies("/settings-profile")
		if len(calls) != 1 || !strings.Contains(string(calls[0]), `"Grace"`) {
			t.Errorf("the settings hook got %d calls (%s), want one with the first name Grace", len(calls), joinBodies(calls))
		}
		if got := b.value(t, first); got != "GRACE" {
			t.Errorf("after saving, the first name field shows %q, want the hook's patched %q", got, "GRACE")
		}
		screenshot(t, b, "settings-saved.png")
		b.step(t, "open the welcome page", chromedp.Navigate(s.URL+"/ui/welcome"))
		b.waitShown(t, "the welcome page", sessionName)
		if got := b.text(t, sessionName); got != "GRACE" {
			t.Errorf("the session's identity has the first name %q, want the stored patch %q", got, "GRACE")
		}
	})
}

// signUp runs the two-step registration of Kratos v1.3.1 from a new flow:
// the profile step (traits, method=profile), then the password step.
func signUp(t *testing.T, b *browser, s *stack, email, first, password string) {
	t.Helper()
	b.step(t, "open the sign-up page", chromedp.Navigate(s.URL+"/ui/registration"))
	b.waitShown(t, "the sign-up form", inputIn("profile", "traits.email"))
	b.step(t, "submit the profile step",
		chromedp.SendKeys(inputIn("profile", "traits.email"), email),
		chromedp.SendKeys(inputIn("profile", "traits.name.first"), first),
		chromedp.Click(buttonIn("profile", "method", "profile")),
	)
	b.waitShown(t, "after the profile step, the password field", inputIn("password", "password"))
	b.step(t, "submit the password step",
		chromedp.SendKeys(inputIn("password", "password"), password),
		chromedp.Click(buttonIn("password", "method", "password")),
	)
}

// checkWelcomeMail checks that the async hook delivered exactly the bytes
// its template renders for the new identity (go-jsonnet's standard output,
// as Kratos sends it).
func checkWelcomeMail(t *testing.T, s *stack, email, identityID string) {
	t.Helper()
	ctx, err := json.Marshal(map[string]any{"identity": map[string]any{
		"id":     identityID,
		"traits": map[string]any{"email": email, "name": map[string]any{"first": "Ada"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	vm := jsonnet.MakeVM()
	vm.TLACode("ctx", string(ctx))
	want, err := vm.EvaluateFile(filepath.Join(s.hooksDir, "welcome_mail.jsonnet"))
	if err != nil {
		t.Fatalf("rendering the welcome mail template: %v", err)
	}
	got, ok := s.receiver.waitFor("/welcome-mail", func(b []byte) bool { return strings.Contains(string(b), email) })
	if !ok {
		t.Fatalf("the receiver got no welcome mail for %s; it got: %s", email, joinBodies(s.receiver.bodies("/welcome-mail")))
	}
	if string(got) != want {
		t.Errorf("welcome mail body:\n%s\nwant the rendered template:\n%s", got, want)
	}
	// The refused test- sign-up before this one must not have sent one.
	if all := s.receiver.bodies("/welcome-mail"); len(all) != 1 {
		t.Errorf("the receiver got %d welcome mails, want only the one for %s: %s", len(all), email, joinBodies(all))
	}
	checks := s.receiver.bodies("/signup-check")
	if len(checks) == 0 || !strings.Contains(string(checks[len(checks)-1]), email) {
		t.Errorf("the sign-up check did not see %s; it got: %s", email, joinBodies(checks))
	}
}

// screenshot saves the page into the test's artifact directory (kept with
// go test -artifacts, for a person to look at).
func screenshot(t *testing.T, b *browser, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("taking a screenshot: %v", err)
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func joinBodies(bodies [][]byte) string {
	parts := make([]string, len(bodies))
	for i, b := range bodies {
		parts[i] = strings.TrimSpace(string(b))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
