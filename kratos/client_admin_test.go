package kratos

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestClientAdminCalls(t *testing.T) {
	patch := []byte(`[{"op":"replace","path":"/traits/name/first","value":"Patched"}]`)
	tests := []struct {
		name        string
		call        func(*Client) (Response, error)
		wantMethod  string
		wantRawPath string // escaped path as sent on the wire
		wantQuery   string
		wantBody    string
		wantCType   string
	}{
		{"get identity", func(c *Client) (Response, error) {
			return c.GetIdentity(context.Background(), "b9359b9f-862f-40a6-bd07-f4567b8f270f")
		}, http.MethodGet, "/admin/identities/b9359b9f-862f-40a6-bd07-f4567b8f270f", "", "", ""},
		{"id stays one segment", func(c *Client) (Response, error) {
			return c.GetIdentity(context.Background(), "../sessions/x?y")
		}, http.MethodGet, "/admin/identities/..%2Fsessions%2Fx%3Fy", "", "", ""},
		{"patch identity", func(c *Client) (Response, error) {
			return c.PatchIdentity(context.Background(), "id-1", patch)
		}, http.MethodPatch, "/admin/identities/id-1", "", string(patch), "application/json"},
		{"identities by identifier", func(c *Client) (Response, error) {
			return c.IdentitiesByIdentifier(context.Background(), "a+b@example.com")
		}, http.MethodGet, "/admin/identities", "credentials_identifier=a%2Bb%40example.com", "", ""},
		{"revoke session", func(c *Client) (Response, error) {
			return c.RevokeSession(context.Background(), "c3e80b03-a931-4eba-a4bd-69966d85a4b2")
		}, http.MethodDelete, "/admin/sessions/c3e80b03-a931-4eba-a4bd-69966d85a4b2", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			public := newClientFakeKratos(t, nil)
			admin := newClientFakeKratos(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusTeapot)
				_, _ = w.Write([]byte(`{"answer":true}`))
			})
			c := mustNewClientForTest(t, public.URL, admin.URL)
			resp, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != http.StatusTeapot || string(resp.Body) != `{"answer":true}` {
				t.Errorf("response = %d %q, want the admin fake's answer", resp.Status, resp.Body)
			}
			if n := len(public.requests()); n != 0 {
				t.Errorf("public API got %d requests, want 0", n)
			}
			got := admin.only(t)
			rawPath := got.RawPath
			if rawPath == "" {
				rawPath = got.Path
			}
			if got.Method != tt.wantMethod || rawPath != tt.wantRawPath || got.RawQuery != tt.wantQuery {
				t.Errorf("request = %s %s?%s, want %s %s?%s", got.Method, rawPath, got.RawQuery, tt.wantMethod, tt.wantRawPath, tt.wantQuery)
			}
			if got.Body != tt.wantBody {
				t.Errorf("body = %q, want %q", got.Body, tt.wantBody)
			}
			if got.Header.Get("Content-Type") != tt.wantCType {
				t.Errorf("Content-Type = %q, want %q", got.Header.Get("Content-Type"), tt.wantCType)
			}
			if got.Header.Get("Cookie") != "" || got.Header.Get("X-Session-Token") != "" {
				t.Errorf("admin call carried end-user credentials: %v", got.Header)
			}
		})
	}
}

func TestClientAdminCallsNeedAdminURL(t *testing.T) {
	public := newClientFakeKratos(t, nil)
	c := mustNewClientForTest(t, public.URL, "")
	ctx := context.Background()
	calls := map[string]func() (Response, error){
		"GetIdentity":            func() (Response, error) { return c.GetIdentity(ctx, "x") },
		"PatchIdentity":          func() (Response, error) { return c.PatchIdentity(ctx, "x", []byte("[]")) },
		"IdentitiesByIdentifier": func() (Response, error) { return c.IdentitiesByIdentifier(ctx, "a@example.com") },
		"RevokeSession":          func() (Response, error) { return c.RevokeSession(ctx, "x") },
	}
	for name, call := range calls {
		if _, err := call(); !errors.Is(err, ErrNoAdminURL) {
			t.Errorf("%s error = %v, want ErrNoAdminURL", name, err)
		}
	}
	if n := len(public.requests()); n != 0 {
		t.Errorf("public API got %d requests, want 0", n)
	}
}

func TestClientAdminCallsRejectEmptyArguments(t *testing.T) {
	admin := newClientFakeKratos(t, nil)
	c := mustNewClientForTest(t, admin.URL, admin.URL)
	ctx := context.Background()
	calls := map[string]func() (Response, error){
		"GetIdentity":            func() (Response, error) { return c.GetIdentity(ctx, "") },
		"PatchIdentity":          func() (Response, error) { return c.PatchIdentity(ctx, "", []byte("[]")) },
		"IdentitiesByIdentifier": func() (Response, error) { return c.IdentitiesByIdentifier(ctx, "") },
		"RevokeSession":          func() (Response, error) { return c.RevokeSession(ctx, "") },
	}
	for name, call := range calls {
		if _, err := call(); err == nil {
			t.Errorf("%s with an empty argument succeeded, want an error", name)
		}
	}
	if n := len(admin.requests()); n != 0 {
		t.Errorf("Kratos got %d requests, want 0", n)
	}
}
