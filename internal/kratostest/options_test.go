package kratostest

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestStartOptions starts one Kratos with every option set and checks that
// each shows in Kratos's answers.
func TestStartOptions(t *testing.T) {
	t.Parallel()
	gateway := fmt.Sprintf("http://127.0.0.1:%d/", FreePort(t)) // reserved for a gateway; nothing listens
	const ui = "http://ui.test:9999"
	k := Start(t, Options{
		UIBaseURL:     ui,
		FlowLifespan:  3 * time.Minute,
		PublicBaseURL: gateway,
		Configure: func(cfg map[string]any) {
			SetConfig(cfg, "selfservice.flows.login.ui_url", ui+"/custom-login")
		},
		// Replaces the session hook list and leaves the rest of the
		// registration config (ui_url, lifespan) merged in.
		ExtraConfig: "selfservice:\n  flows:\n    registration:\n      after:\n        password:\n          hooks: []\n",
	})
	if k.PublicBaseURL != gateway {
		t.Errorf("PublicBaseURL = %q, want %q", k.PublicBaseURL, gateway)
	}

	resp, body := call(t, http.DefaultClient, http.MethodGet, k.PublicURL+"/self-service/registration/api", nil)
	var flow flowDoc
	decode(t, body, &flow)
	if want := gateway + "self-service/registration?flow=" + flow.ID; flow.UI.Action != want {
		t.Errorf("ui.action = %q, want %q (PublicBaseURL)", flow.UI.Action, want)
	}
	if got := flow.ExpiresAt.Sub(flow.IssuedAt); got != 3*time.Minute {
		t.Errorf("lifespan = %s, want 3m (FlowLifespan)", got)
	}

	// HTML browser inits redirect to the UI (UIBaseURL), login to the
	// Configure'd URL.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]string{
		"/self-service/registration/browser": ui + "/registration?flow=",
		"/self-service/login/browser":        ui + "/custom-login?flow=",
		"/self-service/recovery/browser":     ui + "/recovery?flow=",
	} {
		req, _ := http.NewRequest(http.MethodGet, k.PublicURL+path, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, want) {
			t.Errorf("%s: %d Location %q, want 303 to %s…", path, resp.StatusCode, loc, want)
		}
	}

	// Without the session hook (ExtraConfig), registration creates no session.
	resp, body = call(t, http.DefaultClient, http.MethodPost, k.PublicURL+"/self-service/registration?flow="+flow.ID,
		map[string]any{"method": "password", "password": "Sup3r-Secret-Pass!", "traits": map[string]any{"email": "nosession@example.com"}})
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "session_token") {
		t.Errorf("registration without session hook: %d %s", resp.StatusCode, body)
	}
}

func TestCleanupStopsKratos(t *testing.T) {
	t.Parallel()
	var k *Kratos
	t.Run("start", func(t *testing.T) {
		k = Start(t, Options{})
		if resp, err := http.Get(k.AdminURL + "/admin/health/alive"); err != nil {
			t.Fatal(err)
		} else {
			resp.Body.Close()
		}
		if !strings.Contains(k.Log(), "Starting the admin httpd") {
			t.Errorf("Log() lacks Kratos's start line:\n%s", k.Log())
		}
	})
	if _, err := http.Get(k.AdminURL + "/admin/health/alive"); err == nil {
		t.Error("Kratos still answers after its test's cleanup")
	}
}

func TestSetConfig(t *testing.T) {
	cfg := map[string]any{"a": map[string]any{"keep": 1}, "scalar": "x"}
	SetConfig(cfg, "a.b.c", []any{})
	SetConfig(cfg, "scalar.sub", true) // a scalar on the path becomes an object
	SetConfig(cfg, "top", 2)
	want := map[string]any{
		"a":      map[string]any{"keep": 1, "b": map[string]any{"c": []any{}}},
		"scalar": map[string]any{"sub": true},
		"top":    2,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("cfg = %#v, want %#v", cfg, want)
	}
}

func TestBinaryHonoursKratosBin(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "kratos")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KRATOS_BIN", fake)
	if got := Binary(t); got != fake {
		t.Errorf("Binary = %q, want $KRATOS_BIN %q", got, fake)
	}
}

func TestRepoRootFindsModule(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "tools", "kratos", "go.mod")); err != nil {
		t.Errorf("repoRoot %q has no tools/kratos/go.mod: %v", root, err)
	}
}
