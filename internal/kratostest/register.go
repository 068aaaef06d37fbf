package kratostest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// Registration is the outcome of a successful API registration.
type Registration struct {
	FlowID       string
	SessionToken string
	SessionID    string
	IdentityID   string
	// Body is Kratos's raw 200 answer to the submit.
	Body []byte
}

// RegisterAPI registers email with password through an API (native) flow:
// GET /self-service/registration/api, then a JSON password submit to the
// flow. It fails the test unless Kratos answers the submit with 200 and a
// session token (the base config's session hook).
func (k *Kratos) RegisterAPI(t testing.TB, email, password string) Registration {
	t.Helper()
	var flow struct {
		ID string `json:"id"`
	}
	status, body := k.do(t, http.MethodGet, k.PublicURL+"/self-service/registration/api", nil)
	if status != http.StatusOK || json.Unmarshal(body, &flow) != nil || flow.ID == "" {
		t.Fatalf("kratostest: registration init: %d %s", status, body)
	}
	submit := map[string]any{
		"method":   "password",
		"password": password,
		"traits":   map[string]any{"email": email},
	}
	u := k.PublicURL + "/self-service/registration?" + url.Values{"flow": {flow.ID}}.Encode()
	status, body = k.do(t, http.MethodPost, u, submit)
	var out struct {
		SessionToken string `json:"session_token"`
		Session      struct {
			ID string `json:"id"`
		} `json:"session"`
		Identity struct {
			ID string `json:"id"`
		} `json:"identity"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &out) != nil || out.SessionToken == "" {
		t.Fatalf("kratostest: registration submit: %d %s", status, body)
	}
	return Registration{FlowID: flow.ID, SessionToken: out.SessionToken, SessionID: out.Session.ID, IdentityID: out.Identity.ID, Body: body}
}

// do sends a JSON request the way a native app does (no cookies, Accept
// JSON) and returns the status and body.
func (k *Kratos) do(t testing.TB, method, u string, payload any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			t.Fatalf("kratostest: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatalf("kratostest: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("kratostest: %s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 5<<20))
	if err != nil {
		t.Fatalf("kratostest: %s %s: %v", method, u, err)
	}
	return resp.StatusCode, body
}
