package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testKey = "test-key-not-a-secret"

// start runs the receiver on a loopback httptest server and returns its URL
// and the buffer its log goes to.
func start(t *testing.T) (string, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	srv := httptest.NewServer(newReceiver(testKey, nil, log.New(&logs, "", 0)).routes())
	t.Cleanup(srv.Close)
	return srv.URL, &logs
}

// post sends a webhook like the gateway does and returns status and body.
func post(t *testing.T, url, key, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Ory-Webhook-Request-Id", "11111111-2222-3333-4444-555555555555")
	if key != "" {
		req.Header.Set("X-Api-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestSignupCheck(t *testing.T) {
	url, _ := start(t)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantBody   string // JSON the answer must equal; "" = empty body
	}{
		{
			name:       "test- address is refused on the e-mail field",
			body:       `{"email":"test-42@example.com","invite_code":null}`,
			wantStatus: http.StatusBadRequest,
			wantBody: `{"messages":[{"instance_ptr":"#/traits/email","messages":[{"id":10000,
				"text":"test- addresses are not allowed here","type":"validation",
				"context":{"value":"test-42@example.com"}}]}]}`,
		},
		{
			name:       "vip- address is patched",
			body:       `{"email":"VIP-7@example.com","invite_code":"ABC"}`,
			wantStatus: http.StatusOK,
			wantBody:   `{"identity":{"metadata_public":{"tier":"vip"}}}`,
		},
		{
			name:       "other address passes unchanged",
			body:       `{"email":"alice@example.com"}`,
			wantStatus: http.StatusNoContent,
		},
		{
			name:       "unreadable body is refused with a flow-level message",
			body:       `not json`,
			wantStatus: http.StatusBadRequest,
			wantBody: `{"messages":[{"instance_ptr":"#/","messages":[{"id":10001,
				"text":"the sign-up check could not read the request","type":"error"}]}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, url+"/signup-check", testKey, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", status, tt.wantStatus, body)
			}
			if tt.wantBody == "" {
				if body != "" {
					t.Fatalf("body = %q, want empty", body)
				}
				return
			}
			assertJSONEqual(t, body, tt.wantBody)
		})
	}
}

func TestAPIKeyIsCheckedAndNeverLogged(t *testing.T) {
	url, logs := start(t)
	tests := []struct {
		name, key, wantVerdict string
		wantStatus             int
	}{
		{"missing", "", "missing", http.StatusUnauthorized},
		{"wrong", "nope", "wrong", http.StatusUnauthorized},
		{"right", testKey, "ok", http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _ := post(t, url+"/events", tt.key, `{"userId":"u1"}`)
			if status != tt.wantStatus {
				t.Fatalf("status = %d, want %d", status, tt.wantStatus)
			}
			if !strings.Contains(logs.String(), "(X-Api-Key: "+tt.wantVerdict+")") {
				t.Fatalf("log lacks the key verdict %q:\n%s", tt.wantVerdict, logs)
			}
		})
	}
	if strings.Contains(logs.String(), testKey) {
		t.Fatalf("log contains the API key:\n%s", logs)
	}
}

func TestReceivedListsWebhooks(t *testing.T) {
	url, logs := start(t)
	if status, _ := post(t, url+"/events", testKey, `{"userId":"u1","traits":{"email":"a@example.com"}}`); status != http.StatusNoContent {
		t.Fatalf("POST /events: status %d", status)
	}
	resp, err := http.Get(url + "/received")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []webhook
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d webhooks, want 1: %+v", len(got), got)
	}
	wh := got[0]
	if wh.Path != "/events" || wh.Status != http.StatusNoContent || wh.KeyStatus != "ok" {
		t.Fatalf("webhook = %+v", wh)
	}
	if wh.Headers["Ory-Webhook-Request-Id"] != "11111111-2222-3333-4444-555555555555" {
		t.Fatalf("request id header not recorded: %v", wh.Headers)
	}
	assertJSONEqual(t, string(wh.Body), `{"userId":"u1","traits":{"email":"a@example.com"}}`)
	if !strings.Contains(logs.String(), `"userId": "u1"`) {
		t.Fatalf("log lacks the pretty-printed body:\n%s", logs)
	}
}

func TestReceivedFiltersByPath(t *testing.T) {
	url, _ := start(t)
	post(t, url+"/signup-check", testKey, `{"email":"a@example.com"}`)
	post(t, url+"/events", testKey, `{"userId":"u1"}`)
	tests := []struct {
		query     string
		wantPaths []string
	}{
		{"", []string{"/signup-check", "/events"}},
		{"?path=/events", []string{"/events"}},
		{"?path=/signup-check", []string{"/signup-check"}},
		{"?path=/nowhere", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, err := http.Get(url + "/received" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got []webhook
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("answer is null, want a JSON list")
			}
			paths := []string{}
			for _, wh := range got {
				paths = append(paths, wh.Path)
			}
			if strings.Join(paths, ",") != strings.Join(tt.wantPaths, ",") {
				t.Fatalf("paths = %v, want %v", paths, tt.wantPaths)
			}
		})
	}
}

func assertJSONEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Fatalf("answer = %s\nwant     %s", gb, wb)
	}
}

func TestProfileCheckCapitalizesTheFirstName(t *testing.T) {
	status, answer := profileCheck([]byte(`{"traits":{"email":"a@example.com","name":{"first":"ada","last":"l"}}}`))
	if status != http.StatusOK {
		t.Fatalf("status = %d", status)
	}
	b, _ := json.Marshal(answer)
	if string(b) != `{"identity":{"traits":{"email":"a@example.com","name":{"first":"Ada","last":"l"}}}}` {
		t.Errorf("answer = %s", b)
	}
	if status, _ := profileCheck([]byte(`{"traits":{"email":"a@example.com"}}`)); status != http.StatusNoContent {
		t.Errorf("no first name: status = %d, want 204", status)
	}
	if status, _ := profileCheck([]byte(`nope`)); status != http.StatusBadRequest {
		t.Errorf("unreadable: status = %d, want 400", status)
	}
}
