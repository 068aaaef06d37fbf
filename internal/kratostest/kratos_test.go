package kratostest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// flowDoc is the part of a self-service flow these tests read.
type flowDoc struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UI        struct {
		Action string `json:"action"`
		Nodes  []struct {
			Attributes struct {
				Name  string `json:"name"`
				Value any    `json:"value"`
			} `json:"attributes"`
			Meta struct {
				Label *struct {
					Text string `json:"text"`
				} `json:"label"`
			} `json:"meta"`
		} `json:"nodes"`
	} `json:"ui"`
}

// nodeValue returns the value attribute of the node called name.
func (f flowDoc) nodeValue(name string) (any, bool) {
	for _, n := range f.UI.Nodes {
		if n.Attributes.Name == name {
			return n.Attributes.Value, true
		}
	}
	return nil, false
}

// call sends one request with hc and decodes nothing: tests read what they need.
func call(t *testing.T, hc *http.Client, method, u string, payload any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func decode(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
}

func TestAPIRegistration(t *testing.T) {
	t.Parallel()
	k := Start(t, Options{})

	resp, body := call(t, http.DefaultClient, http.MethodGet, k.PublicURL+"/self-service/registration/api", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("init: %d %s", resp.StatusCode, body)
	}
	var flow flowDoc
	decode(t, body, &flow)
	if flow.Type != "api" || !strings.HasPrefix(flow.UI.Action, k.PublicURL+"/self-service/registration?flow=") {
		t.Errorf("flow type %q action %q", flow.Type, flow.UI.Action)
	}
	// The schema's titles are the labels the fixtures show.
	labels := map[string]string{}
	for _, n := range flow.UI.Nodes {
		if n.Meta.Label != nil {
			labels[n.Attributes.Name] = n.Meta.Label.Text
		}
	}
	for name, want := range map[string]string{"traits.email": "E-Mail", "traits.name.first": "First name", "traits.name.last": "Last name"} {
		if labels[name] != want {
			t.Errorf("label of %s = %q, want %q", name, labels[name], want)
		}
	}
	if got := flow.ExpiresAt.Sub(flow.IssuedAt); got != 10*time.Minute {
		t.Errorf("registration lifespan = %s, want 10m", got)
	}

	submit := map[string]any{"method": "password", "password": "Sup3r-Secret-Pass!",
		"traits": map[string]any{"email": "api@example.com", "name": map[string]any{"first": "Api"}}}
	resp, body = call(t, http.DefaultClient, http.MethodPost, flow.UI.Action, submit)
	var out struct {
		SessionToken string `json:"session_token"`
		Identity     struct {
			Traits struct {
				Email string `json:"email"`
			} `json:"traits"`
		} `json:"identity"`
	}
	decode(t, body, &out)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(out.SessionToken, "ory_st_") || out.Identity.Traits.Email != "api@example.com" {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}

	// Verification is on: Kratos queued a code mail to the new address.
	if code := k.CourierCode(t, "api@example.com"); len(code) != 6 {
		t.Errorf("courier code = %q, want six digits", code)
	}
	msgs := k.CourierMessages(t, "api@example.com")
	if len(msgs) != 1 || msgs[0].TemplateType != "verification_code_valid" {
		t.Errorf("courier messages = %v, want one verification_code_valid", msgs)
	}

	// RegisterAPI does the same in one call.
	reg := k.RegisterAPI(t, "second@example.com", "Sup3r-Secret-Pass!")
	if reg.SessionToken == "" || reg.IdentityID == "" || reg.SessionID == "" {
		t.Errorf("RegisterAPI = %+v", reg)
	}
}

func TestBrowserJSONRegistrationWithCSRFCookie(t *testing.T) {
	t.Parallel()
	k := Start(t, Options{})
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar}

	resp, body := call(t, browser, http.MethodGet, k.PublicURL+"/self-service/registration/browser", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("init: %d %s", resp.StatusCode, body)
	}
	var flow flowDoc
	decode(t, body, &flow)
	csrf, _ := flow.nodeValue("csrf_token")
	csrfToken, _ := csrf.(string)
	if flow.Type != "browser" || csrfToken == "" {
		t.Fatalf("flow type %q csrf_token %q", flow.Type, csrfToken)
	}
	pub, _ := url.Parse(k.PublicURL)
	if !hasCookiePrefix(jar.Cookies(pub), "csrf_token_") {
		t.Fatalf("no csrf_token_* cookie after init: %v", jar.Cookies(pub))
	}

	submit := map[string]any{"method": "password", "password": "Sup3r-Secret-Pass!", "csrf_token": csrfToken,
		"traits": map[string]any{"email": "bjson@example.com"}}
	// Without the CSRF cookie Kratos refuses the submit.
	resp, body = call(t, http.DefaultClient, http.MethodPost, flow.UI.Action, submit)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "security_csrf_violation") {
		t.Errorf("submit without cookie: %d %s, want 403 security_csrf_violation", resp.StatusCode, body)
	}
	resp, body = call(t, browser, http.MethodPost, flow.UI.Action, submit)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	if !hasCookiePrefix(jar.Cookies(pub), "ory_kratos_session") {
		t.Errorf("no session cookie after registration: %v", jar.Cookies(pub))
	}
	resp, body = call(t, browser, http.MethodGet, k.PublicURL+"/sessions/whoami", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "bjson@example.com") {
		t.Errorf("whoami with the session cookie: %d %s", resp.StatusCode, body)
	}
}

func hasCookiePrefix(cookies []*http.Cookie, prefix string) bool {
	for _, c := range cookies {
		if strings.HasPrefix(c.Name, prefix) {
			return true
		}
	}
	return false
}
