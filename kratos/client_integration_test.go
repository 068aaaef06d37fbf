package kratos_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// TestClientAgainstRealKratos runs every Client method against a real
// Kratos v1.3.1 and checks the answers Kratos gives.
func TestClientAgainstRealKratos(t *testing.T) {
	k := kratostest.Start(t, kratostest.Options{})
	c, err := kratos.NewClient(k.PublicURL, k.AdminURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reg := k.RegisterAPI(t, "client@example.com", "Sup3r-Secret-Pass!")

	t.Run("FetchFlow browser flow needs the csrf cookie", func(t *testing.T) {
		flowID, cookie := itInitBrowserRegistration(t, k)
		resp, err := c.FetchFlow(ctx, "registration", flowID, kratos.Credentials{Cookie: cookie})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusOK || itJSONString(t, resp.Body, "id") != flowID {
			t.Errorf("with cookie: %d %s", resp.Status, resp.Body)
		}
		resp, err = c.FetchFlow(ctx, "registration", flowID, kratos.Credentials{})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusForbidden || !strings.Contains(string(resp.Body), "security_csrf_violation") {
			t.Errorf("without cookie: %d %s, want 403 security_csrf_violation", resp.Status, resp.Body)
		}
	})

	t.Run("FetchFlow API settings flow needs the session token", func(t *testing.T) {
		init, err := http.NewRequest(http.MethodGet, k.PublicURL+"/self-service/settings/api", nil)
		if err != nil {
			t.Fatal(err)
		}
		init.Header.Set("Accept", "application/json")
		init.Header.Set("X-Session-Token", reg.SessionToken)
		flowID := itJSONString(t, itDo(t, init), "id")
		resp, err := c.FetchFlow(ctx, "settings", flowID, kratos.Credentials{SessionToken: reg.SessionToken})
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("with token: %v %d %s", err, resp.Status, resp.Body)
		}
		resp, err = c.FetchFlow(ctx, "settings", flowID, kratos.Credentials{})
		if err != nil || resp.Status != http.StatusUnauthorized {
			t.Errorf("without token: %v %d %s, want 401", err, resp.Status, resp.Body)
		}
	})

	t.Run("Whoami", func(t *testing.T) {
		resp, err := c.Whoami(ctx, kratos.Credentials{SessionToken: reg.SessionToken})
		if err != nil || resp.Status != http.StatusOK || itJSONString(t, resp.Body, "identity.id") != reg.IdentityID {
			t.Errorf("with token: %v %d %s", err, resp.Status, resp.Body)
		}
		resp, err = c.Whoami(ctx, kratos.Credentials{})
		if err != nil || resp.Status != http.StatusUnauthorized {
			t.Errorf("without credentials: %v %d, want 401", err, resp.Status)
		}
	})

	t.Run("GetIdentity and PatchIdentity", func(t *testing.T) {
		patch := []byte(`[{"op":"add","path":"/traits/name","value":{}},` +
			`{"op":"add","path":"/traits/name/first","value":"Patched"}]`)
		resp, err := c.PatchIdentity(ctx, reg.IdentityID, patch)
		if err != nil || resp.Status != http.StatusOK || itJSONString(t, resp.Body, "traits.name.first") != "Patched" {
			t.Fatalf("patch: %v %d %s", err, resp.Status, resp.Body)
		}
		replace := []byte(`[{"op":"replace","path":"/traits/name/first","value":"Replaced"}]`)
		if resp, err = c.PatchIdentity(ctx, reg.IdentityID, replace); err != nil || resp.Status != http.StatusOK {
			t.Fatalf("replace: %v %d %s", err, resp.Status, resp.Body)
		}
		resp, err = c.GetIdentity(ctx, reg.IdentityID)
		if err != nil || resp.Status != http.StatusOK || itJSONString(t, resp.Body, "traits.name.first") != "Replaced" {
			t.Errorf("get after patch: %v %d %s", err, resp.Status, resp.Body)
		}
		resp, err = c.PatchIdentity(ctx, reg.IdentityID, []byte(`[{"op":"replace","path":"/id","value":"x"}]`))
		if err != nil || resp.Status != http.StatusBadRequest {
			t.Errorf("patch of /id: %v %d %s, want 400", err, resp.Status, resp.Body)
		}
		resp, err = c.GetIdentity(ctx, "00000000-0000-0000-0000-000000000000")
		if err != nil || resp.Status != http.StatusNotFound {
			t.Errorf("unknown identity: %v %d, want 404", err, resp.Status)
		}
	})

	t.Run("IdentitiesByIdentifier", func(t *testing.T) {
		resp, err := c.IdentitiesByIdentifier(ctx, "client@example.com")
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("%v %d %s", err, resp.Status, resp.Body)
		}
		var list []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(resp.Body, &list); err != nil || len(list) != 1 || list[0].ID != reg.IdentityID {
			t.Errorf("list = %s, want only %s", resp.Body, reg.IdentityID)
		}
		resp, err = c.IdentitiesByIdentifier(ctx, "nobody@example.com")
		if err != nil || resp.Status != http.StatusOK || strings.TrimSpace(string(resp.Body)) != "[]" {
			t.Errorf("unknown identifier: %v %d %s, want []", err, resp.Status, resp.Body)
		}
	})

	t.Run("IdentitySchema", func(t *testing.T) {
		for _, id := range []string{"default", "ZGVmYXVsdA"} {
			got, err := c.IdentitySchema(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(kratostest.IdentitySchema()) {
				t.Errorf("schema %q = %s, want the configured schema", id, got)
			}
		}
		if _, err := c.IdentitySchema(ctx, "does-not-exist"); err == nil {
			t.Error("unknown schema succeeded, want an error")
		}
	})

	// Last: it ends the registration's session.
	t.Run("RevokeSession", func(t *testing.T) {
		resp, err := c.RevokeSession(ctx, reg.SessionID)
		if err != nil || resp.Status != http.StatusNoContent {
			t.Fatalf("revoke: %v %d %s", err, resp.Status, resp.Body)
		}
		resp, err = c.Whoami(ctx, kratos.Credentials{SessionToken: reg.SessionToken})
		if err != nil || resp.Status != http.StatusUnauthorized {
			t.Errorf("whoami after revoke: %v %d, want 401", err, resp.Status)
		}
	})
}

// itInitBrowserRegistration starts a browser flow the way a SPA does and
// returns its id and the Cookie header the browser would send back.
func itInitBrowserRegistration(t *testing.T, k *kratostest.Kratos) (flowID, cookie string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, k.PublicURL+"/self-service/registration/browser", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	body := itDoWith(t, &http.Client{Jar: jar}, req)
	u, _ := url.Parse(k.PublicURL)
	var parts []string
	for _, ck := range jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	if len(parts) == 0 {
		t.Fatal("browser init set no cookie")
	}
	return itJSONString(t, body, "id"), strings.Join(parts, "; ")
}

// itDo sends req with a plain client and returns the body of a 200.
func itDo(t *testing.T, req *http.Request) []byte {
	t.Helper()
	return itDoWith(t, http.DefaultClient, req)
}

func itDoWith(t *testing.T, hc *http.Client, req *http.Request) []byte {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %v %s", req.Method, req.URL, resp.StatusCode, err, body)
	}
	return body
}

// itJSONString returns the string at a dotted path in a JSON object, or "".
func itJSONString(t *testing.T, body []byte, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[key]
	}
	s, _ := v.(string)
	return s
}
