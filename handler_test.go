package oryactions

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// provisioned returns a handler with hooks on registration only, provisioned
// as Caddy would (no Kratos is contacted at provision time).
func provisioned(t *testing.T) *Handler {
	t.Helper()
	h := &Handler{
		Kratos: KratosConfig{PublicURL: "http://127.0.0.1:1", AdminURL: "http://127.0.0.1:1"},
		Secret: "unit-test-secret-unit-test-secret-0123",
		Hooks: []HookConfig{
			{Flow: "registration", When: "after", Method: "password", Config: hooks.Config{URL: "http://127.0.0.1:1/h", Method: "POST", Response: hooks.Response{Parse: true}}},
			{Flow: "registration", When: "before", Config: hooks.Config{URL: "http://127.0.0.1:1/h", Method: "POST"}},
		},
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Cleanup() })
	return h
}

// Requests no hook concerns must reach next with the very writer and
// request the handler got: nothing wrapped, nothing buffered, nothing read.
func TestPassThroughHandsNextTheOriginalWriter(t *testing.T) {
	h := provisioned(t)
	cases := []struct{ method, target string }{
		{"GET", "/"},
		{"GET", "/sessions/whoami"},
		{"POST", "/self-service/recovery?flow=abc"},    // recovery has no hooks (a login submit may start a social sign-in that Kratos turns into a registration, whose before hook applies)
		{"GET", "/self-service/settings/api"},          // nor settings
		{"GET", "/self-service/settings/flows?id=abc"}, // a fetch of a flow without hooks
		{"GET", "/self-service/errors?id=00000000-0000-0000-0000-000000000000"},
		{"DELETE", "/self-service/logout/api"},
		{"GET", "/self-service/verification?code=1&flow=abc"}, // the e-mail link
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(tc.method, tc.target, nil)
			called := false
			next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				called = true
				if w != http.ResponseWriter(rec) {
					t.Errorf("next got a wrapped writer %T", w)
				}
				if r != req {
					t.Error("next got another request")
				}
				if err := http.NewResponseController(w).Flush(); err != nil {
					t.Errorf("Flush on the pass-through writer: %v", err)
				}
				return nil
			})
			if err := h.ServeHTTP(rec, req, next); err != nil {
				t.Fatal(err)
			}
			if !called {
				t.Fatal("next was not called")
			}
		})
	}
}
