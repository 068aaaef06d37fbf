package hooks

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// callOnce sends body through a hook built from cfg (URL filled in) to a
// receiver answering 200 and returns what the receiver saw.
func callOnce(t *testing.T, cfg Config, body []byte, trig Trigger) (seen, Outcome) {
	t.Helper()
	rc := newReceiver(t, status(http.StatusOK))
	cfg.URL = rc.srv.URL + "/hook"
	out := newHook(t, cfg, fastPolicy()).Call(context.Background(), body, trig)
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	return got[0], out
}

func TestRequestShapeJSONDefault(t *testing.T) {
	body := []byte("{\n   \"a\": \"b\"\n}\n")
	cfg := Config{Method: "POST", Headers: map[string]string{"X-Static-Header": "static-value"}}
	got, out := callOnce(t, cfg, body, Trigger{ID: "trig-1"})
	if out.Kind != Continue || out.Attempts != 1 || out.Status != 200 {
		t.Fatalf("outcome %+v", out)
	}
	want := map[string]string{
		"Content-Type":    "application/json",
		"User-Agent":      "Go-http-client/1.1",
		"Accept-Encoding": "gzip",
		"Content-Length":  strconv.Itoa(len(body)),
		"X-Static-Header": "static-value",
	}
	for k, v := range want {
		if g := got.Header.Get(k); g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
	if id := got.Header.Get("Ory-Webhook-Request-Id"); !uuidV4.MatchString(id) {
		t.Errorf("request id %q is not a v4 UUID", id)
	}
	if got.Method != "POST" || got.Path != "/hook" || string(got.Body) != string(body) {
		t.Errorf("got %s %s %q", got.Method, got.Path, got.Body)
	}
	// Kratos sends nothing else: the trigger id stays off the wire unless
	// the hook signs.
	if len(got.Header) != len(want)+1 {
		t.Errorf("headers %v, want exactly %d", got.Header, len(want)+1)
	}
	for _, absent := range []string{"Authorization", "Cookie", "Ory-Webhook-Trigger-Id", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"} {
		if _, ok := got.Header[absent]; ok {
			t.Errorf("unexpected %s header", absent)
		}
	}
}

// TestRequestAuthMatchesFixtures compares the auth headers with what Kratos
// sent in the captured exchanges (basic_auth hookuser:hookpass, api_key
// header X-Api-Key: k-123, api_key cookie hook_cookie=c-456).
func TestRequestAuthMatchesFixtures(t *testing.T) {
	cases := []struct {
		fixture string
		auth    Auth
		header  string
	}{
		{"wh_ctx_registration_before_api_init_basic_auth",
			Auth{Type: "basic_auth", Config: AuthConfig{User: "hookuser", Password: "hookpass"}}, "Authorization"},
		{"wh_ctx_login_before_api_init_api_key_header",
			Auth{Type: "api_key", Config: AuthConfig{Name: "X-Api-Key", Value: "k-123", In: "header"}}, "X-Api-Key"},
		{"wh_ctx_settings_before_browser_init_json_api_key_cookie",
			Auth{Type: "api_key", Config: AuthConfig{Name: "hook_cookie", Value: "c-456", In: "cookie"}}, "Cookie"},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			kratos := loadFixture(t, tc.fixture).Calls[0].Headers
			got, _ := callOnce(t, Config{Method: "POST", Auth: &tc.auth}, []byte("{}"), Trigger{})
			if g, w := got.Header.Get(tc.header), kratos[tc.header]; g != w || w == "" {
				t.Fatalf("%s = %q, Kratos sent %q", tc.header, g, w)
			}
			for _, k := range []string{"Content-Type", "User-Agent", "Accept-Encoding"} {
				if got.Header.Get(k) != kratos[k] {
					t.Errorf("%s = %q, Kratos sent %q", k, got.Header.Get(k), kratos[k])
				}
			}
		})
	}
}

func TestRequestAuthPrecedence(t *testing.T) {
	cases := []struct {
		name    string
		headers map[string]string
		auth    Auth
		header  string
		want    string
	}{
		{"basic replaces configured Authorization", map[string]string{"Authorization": "Bearer x"},
			Auth{Type: "basic_auth", Config: AuthConfig{User: "a", Password: "b"}}, "Authorization", "Basic YTpi"},
		{"api key replaces configured header", map[string]string{"x-api-key": "old"},
			Auth{Type: "api_key", Config: AuthConfig{Name: "X-Api-Key", Value: "new", In: "header"}}, "X-Api-Key", "new"},
		{"cookie appended to configured Cookie", map[string]string{"Cookie": "a=b"},
			Auth{Type: "api_key", Config: AuthConfig{Name: "k", Value: "v", In: "cookie"}}, "Cookie", "a=b; k=v"},
		{"cookie value with space is quoted as net/http does", nil,
			Auth{Type: "api_key", Config: AuthConfig{Name: "k", Value: "a b", In: "cookie"}}, "Cookie", `k="a b"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := callOnce(t, Config{Method: "POST", Headers: tc.headers, Auth: &tc.auth}, []byte("{}"), Trigger{})
			if vs := got.Header.Values(tc.header); len(vs) != 1 || vs[0] != tc.want {
				t.Fatalf("%s = %q, want [%q]", tc.header, vs, tc.want)
			}
		})
	}
}

// TestRequestFormEncodedMatchesFixture renders what the captured form hook
// rendered and expects Kratos's exact bytes.
func TestRequestFormEncodedMatchesFixture(t *testing.T) {
	f := loadFixture(t, "wh_ctx_verification_after_browser_json_form_encoded_hook")
	call := f.Calls[0]
	headers := map[string]string{"Content-Type": contentTypeForm, "X-Static-Header": "static-value"}
	rendered := []byte("{\n   \"method\": \"POST\",\n   \"flow_type\": \"browser\",\n   \"flow_id\": \"c0f8b38d-869a-44ee-b24b-9436026834c7\"\n}\n")
	got, out := callOnce(t, Config{Method: "POST", Headers: headers}, rendered, Trigger{})
	if out.Kind != Continue {
		t.Fatalf("outcome %+v", out)
	}
	var kratosBody string
	if err := json.Unmarshal(call.Body, &kratosBody); err != nil {
		t.Fatal(err)
	}
	if string(got.Body) != kratosBody {
		t.Fatalf("body %q, Kratos sent %q", got.Body, kratosBody)
	}
	for _, k := range []string{"Content-Type", "Content-Length", "X-Static-Header"} {
		if got.Header.Get(k) != call.Headers[k] {
			t.Errorf("%s = %q, Kratos sent %q", k, got.Header.Get(k), call.Headers[k])
		}
	}
}

func TestRequestFormEncodedValues(t *testing.T) {
	form := map[string]string{"Content-Type": contentTypeForm}
	ok := []struct{ rendered, want string }{
		{`{"b":"2 3","a":"x&y"}`, "a=x%26y&b=2+3"},
		{`{"a":null}`, "a="}, // json null leaves the string empty, as in Kratos
		{`{}`, ""},
		{`null`, ""},
	}
	for _, tc := range ok {
		got, out := callOnce(t, Config{Method: "POST", Headers: form}, []byte(tc.rendered), Trigger{})
		if out.Kind != Continue || string(got.Body) != tc.want {
			t.Errorf("%s: body %q outcome %+v, want %q", tc.rendered, got.Body, out, tc.want)
		}
	}
	bad := []struct{ rendered, err string }{
		{`{"n":1}`, "json: cannot unmarshal number into Go value of type string"},
		{`{"o":{"x":"y"}}`, "json: cannot unmarshal object into Go value of type string"},
		{`{"b":true}`, "json: cannot unmarshal bool into Go value of type string"},
		{`["a"]`, "json: cannot unmarshal array into Go value of type map[string]string"},
		{`not json`, "invalid character 'o' in literal null (expecting 'u')"},
	}
	for _, tc := range bad {
		rc := newReceiver(t, status(http.StatusOK))
		h := newHook(t, Config{URL: rc.srv.URL, Method: "POST", Headers: form}, fastPolicy())
		out := h.Call(context.Background(), []byte(tc.rendered), Trigger{})
		if out.Kind != Fail || out.Failure != FailConfig || out.Err == nil || out.Err.Error() != tc.err || out.Attempts != 0 {
			t.Errorf("%s: outcome %+v, want FailConfig %q", tc.rendered, out, tc.err)
		}
		if n := len(rc.requests()); n != 0 {
			t.Errorf("%s: %d requests sent for an unbuildable body", tc.rendered, n)
		}
	}
}

func TestRequestBodyPerMethod(t *testing.T) {
	body := []byte(`{"x":1}`)
	cases := []struct {
		method string
		body   []byte
		want   string
	}{
		{"GET", body, `{"x":1}`}, // Kratos sends a body with GET too
		{"DELETE", body, `{"x":1}`},
		{"TRACE", body, ""},
		{"POST", nil, ""},
	}
	for _, tc := range cases {
		got, out := callOnce(t, Config{Method: tc.method}, tc.body, Trigger{})
		if out.Kind != Continue || got.Method != tc.method || string(got.Body) != tc.want {
			t.Errorf("%s: got %s %q (%+v), want body %q", tc.method, got.Method, got.Body, out, tc.want)
		}
	}
}

func TestRequestIDFreshPerAttempt(t *testing.T) {
	rc := newReceiver(t, status(500, 503, 200))
	h := newHook(t, Config{URL: rc.srv.URL, Method: "POST"}, fastPolicy())
	body := []byte(`{"big":"` + strings.Repeat("x", 64<<10) + `"}`)
	out := h.Call(context.Background(), body, Trigger{ID: "t-42"})
	if out.Kind != Continue || out.Attempts != 3 {
		t.Fatalf("outcome %+v", out)
	}
	ids := map[string]bool{}
	for i, r := range rc.requests() {
		ids[r.Header.Get("Ory-Webhook-Request-Id")] = true
		if _, sent := r.Header["Ory-Webhook-Trigger-Id"]; sent {
			t.Errorf("attempt %d: trigger id sent by an unsigned hook", i+1)
		}
		if string(r.Body) != string(body) {
			t.Errorf("attempt %d: body %q not re-sent in full", i+1, r.Body)
		}
	}
	if len(ids) != 3 {
		t.Fatalf("request ids not fresh per attempt: %v", ids)
	}
}

func TestRequestWithoutAnalyticsEvent(t *testing.T) {
	off := false
	got, _ := callOnce(t, Config{Method: "POST", EmitAnalyticsEvent: &off}, []byte("{}"), Trigger{})
	if _, ok := got.Header["Ory-Webhook-Request-Id"]; ok {
		t.Fatal("request id sent although emit_analytics_event is false")
	}
	if _, ok := got.Header["Ory-Webhook-Trigger-Id"]; ok {
		t.Fatal("trigger id sent")
	}
}

func TestRequestPropagatesTraceHeaders(t *testing.T) {
	trig := Trigger{Header: http.Header{
		"traceparent": {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
		"X-Custom":    {"from-trigger"},
	}}
	cfg := Config{Method: "POST", Headers: map[string]string{"X-Custom": "configured"}}
	got, _ := callOnce(t, cfg, []byte("{}"), trig)
	if g := got.Header.Get("Traceparent"); g != trig.Header["traceparent"][0] {
		t.Errorf("traceparent = %q", g)
	}
	if vs := got.Header.Values("X-Custom"); len(vs) != 1 || vs[0] != "configured" {
		t.Errorf("configured header must win, got %q", vs)
	}
}

func TestNewDoesNotMutateClient(t *testing.T) {
	client := &http.Client{}
	if _, err := New(Config{URL: "http://h/x", Method: "POST"}, Policy{Timeout: 7}, client); err != nil {
		t.Fatal(err)
	}
	if client.Timeout != 0 {
		t.Fatalf("client.Timeout changed to %v", client.Timeout)
	}
}
