package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// unitGateway is a gateway with hooks on registration only; nothing
// contacts Kratos at construction.
func unitGateway(t *testing.T) *Gateway {
	t.Helper()
	gw, err := New(context.Background(), Config{
		KratosPublicURL: "http://127.0.0.1:1", KratosAdminURL: "http://127.0.0.1:1", Key: ProcessKey(),
		Hooks: []HookSpec{
			{ID: "a", Flow: kratos.Registration, When: After, Method: "password", Policy: hooks.DefaultPolicy(), Config: hooks.Config{URL: "http://127.0.0.1:1/h", Method: "POST", Response: hooks.Response{Parse: true}}},
			{ID: "b", Flow: kratos.Registration, When: Before, Policy: hooks.DefaultPolicy(), Config: hooks.Config{URL: "http://127.0.0.1:1/h", Method: "POST"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	return gw
}

// An HTML init of a flow without before hooks is watched only to learn the
// UI URL from Kratos's redirect; the answer streams through unchanged.
func TestHTMLInitTeachesTheUIURLWithoutBuffering(t *testing.T) {
	gw := unitGateway(t)
	redirectTo := func(location string) UpstreamFunc {
		return func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Location", location)
			w.WriteHeader(http.StatusSeeOther)
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("Flush: %v", err)
			}
			return nil
		}
	}
	// A client-chosen return_to is where Kratos sends a signed-in client:
	// it must never become everybody's UI URL.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/self-service/login/browser?return_to=https://evil.example/x%3Fflow%3D1", nil)
	req.Header.Set("Accept", "text/html")
	if err := gw.ServeHTTP(rec, req, redirectTo("https://evil.example/x?flow=1")); err != nil {
		t.Fatal(err)
	}
	if gw.ui.knows(kratos.Login) {
		t.Fatal("learned a UI URL from an init with a client-chosen return_to")
	}

	rec = httptest.NewRecorder()
	req = httptest.NewRequest("GET", "/self-service/login/browser", nil)
	req.Header.Set("Accept", "text/html")
	if err := gw.ServeHTTP(rec, req, redirectTo("https://app.example/auth/login?flow=f-1")); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusSeeOther || !rec.Flushed {
		t.Errorf("answer = %d flushed=%v, want Kratos's 303 streamed", rec.Code, rec.Flushed)
	}
	sub := httptest.NewRequest("POST", "/self-service/login?flow=f-2", nil)
	if got := gw.ui.flowURL(kratos.Login, sub, "f-2"); got != "https://app.example/auth/login" {
		t.Errorf("learned login UI URL = %q", got)
	}
}
