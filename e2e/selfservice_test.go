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
	s := startStack(t)
	b := startBrowser(t)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	password := "e2e-Passw0rd-" + run
	email := "ada-" + run + "@example.com"

	t.Run("a test- address gets the hook's message under the e-mail field", func(t *testing.T) {
		refused := "test-" + run + "@example.com"
		signUp(t, b, s, refused, "Tess", password)
		field := `form [data-node="traits.email"]`
		message := chromedp.CSS(field + " .node-messages .message")
		b.waitShown(t, "after the password step of a test- address, the hook's message", message)
		if got := b.text(t, message); got != signupRefusal {
			t.Errorf("message under the e-mail field = %q, want %q", got, signupRefusal)
		}
		if got := b.value(t, chromedp.CSS(field+" input")); got != refused {
			t.Errorf("the e-mail field holds %q, want the submitted %q", got, refused)
		}
		if n := len(s.receiver.bodies("/welcome-mail")); n != 0 {
			t.Errorf("the welcome mail hook ran %d times for a refused sign-up", n)
		}
	})

	if !t.Run("a normal address signs up and is signed in", func(t *testing.T) {
		signUp(t, b, s, email, "Ada", password)
		b.waitShown(t, "after the password step, the welcome page", chromedp.CSS("#session-email"))
		if got := b.text(t, chromedp.CSS("#session-email")); got != email {
			t.Fatalf("welcome page signed in as %q, want %q", got, email)
		}
		checkWelcomeMail(t, s, email, b.text(t, chromedp.CSS("#session-identity")))
	}) {
		return // the steps below need the account
	}

	if !t.Run("log out and log in with the password", func(t *testing.T) {
		b.step(t, "click Sign out", chromedp.Click(chromedp.CSS("#logout-link")))
		b.waitShown(t, "after signing out, the login page", inputIn("password", "identifier"))
		b.step(t, "submit the login form",
			chromedp.SendKeys(inputIn("password", "identifier"), email),
			chromedp.SendKeys(inputIn("password", "password"), password),
			chromedp.Click(buttonIn("password", "method", "password")),
		)
		b.waitShown(t, "after logging in, the welcome page", chromedp.CSS("#session-email"))
		if got := b.text(t, chromedp.CSS("#session-email")); got != email {
			t.Fatalf("welcome page signed in as %q, want %q", got, email)
		}
	}) {
		return
	}

	t.Run("a profile save shows the value the settings hook patched", func(t *testing.T) {
		first := inputIn("profile", "traits.name.first")
		b.step(t, "open the settings", chromedp.Click(chromedp.CSS("#settings-link")))
		b.waitShown(t, "the settings page", first)
		if got := b.value(t, first); got != "Ada" {
			t.Errorf("settings show first name %q, want the registered %q", got, "Ada")
		}
		b.step(t, "save a new first name",
			chromedp.Clear(first),
			chromedp.SendKeys(first, "Grace"),
			chromedp.Click(buttonIn("profile", "method", "profile")),
		)
		b.waitShown(t, "after saving, Kratos's success message", chromedp.CSS(`.flow-messages .message-success[data-message-id="1050001"]`))
		calls := s.receiver.bodies("/settings-profile")
		if len(calls) != 1 || !strings.Contains(string(calls[0]), `"Grace"`) {
			t.Errorf("the settings hook got %d calls (%s), want one with the first name Grace", len(calls), joinBodies(calls))
		}
		if got := b.value(t, first); got != "GRACE" {
			t.Errorf("after saving, the first name field shows %q, want the hook's patched %q", got, "GRACE")
		}
		b.step(t, "open the welcome page", chromedp.Navigate(s.URL+"/ui/welcome"))
		b.waitShown(t, "the welcome page", chromedp.CSS("#session-name"))
		if got := b.text(t, chromedp.CSS("#session-name")); got != "GRACE" {
			t.Errorf("the session's identity has the first name %q, want the stored patch %q", got, "GRACE")
		}
	})

	screenshot(t, b, "final.png")
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
