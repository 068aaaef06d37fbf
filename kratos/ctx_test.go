package kratos

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// ctxInputFromFixture takes the flow (without transient_payload), the
// transient payload, identity and session from the ctx Kratos sent, and the
// request from the fixture's client request.
func ctxInputFromFixture(t testing.TB, f fixture) (CtxInput, []byte) {
	t.Helper()
	want := []byte(f.WebhookCalls[0].Body)
	flowRes := gjson.GetBytes(want, "flow")
	flow, err := sjson.DeleteBytes([]byte(flowRes.Raw), "transient_payload")
	if err != nil {
		t.Fatal(err)
	}
	in := CtxInput{Flow: flow, Request: f.serverRequest(t)}
	if tp := flowRes.Get("transient_payload"); tp.Exists() {
		in.TransientPayload = []byte(tp.Raw)
	}
	if id := gjson.GetBytes(want, "identity"); id.Exists() {
		in.Identity = []byte(id.Raw)
	}
	if s := gjson.GetBytes(want, "session"); s.Exists() {
		in.Session = []byte(s.Raw)
	}
	return in, want
}

func TestBuildCtxMatchesFixtures(t *testing.T) {
	for _, name := range []string{
		"wh_parse_400_registration_api",                           // registration after (parse), API, JSON body, custom headers dropped
		"wh_ctx_login_before_browser_init_json_forwarded_headers", // before hook, forwarded headers
		"wh_async_ignore_login_after_browser_form",                // login after: form body, cookies, identity and session
		"wh_parse_400_settings_password_browser_json",             // settings password: no transient_payload
		"wh_ctx_registration_before_browser_init_html",            // before hook, HTML client
	} {
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, name)
			in, want := ctxInputFromFixture(t, f)
			got := BuildCtx(nil, in)
			assertSameJSON(t, "ctx", got, want)
		})
	}
}

func TestBuildCtxRequestParts(t *testing.T) {
	r, _ := http.NewRequest("POST", "http://kratos.local/self-service/login?flow=1", strings.NewReader("x"))
	r.Host = "kratos.local"
	r.RequestURI = "/self-service/login?flow=1"
	r.URL.Scheme, r.URL.Host = "", ""
	r.Header = http.Header{
		"Accept":        {"application/json", "text/html"},
		"Authorization": {"Bearer secret"},
		"Cookie":        {"a=1; =bad; b=2", "a=3"},
		"X-Custom":      {"dropped"},
		"User-Agent":    {"ua <&>"},
	}
	got := BuildCtx([]byte("prefix:"), CtxInput{Flow: []byte(`{"id":"f"}`), Request: r, Identity: []byte(`{"id":"i"}`)})
	if !bytes.HasPrefix(got, []byte("prefix:")) {
		t.Fatalf("BuildCtx did not append to buf: %q", got)
	}
	want := `{"flow":{"id":"f"},"request_headers":{"Accept":["application/json","text/html"],"User-Agent":["ua \u003c\u0026\u003e"]},` +
		`"request_method":"POST","request_url":"http://kratos.local/self-service/login?flow=1",` +
		`"request_cookies":{"a":"3","b":"2"},"identity":{"id":"i"}}`
	if string(got[len("prefix:"):]) != want {
		t.Fatalf("BuildCtx =\n%s\nwant\n%s", got[len("prefix:"):], want)
	}
	if strings.Contains(string(got), "secret") {
		t.Fatal("Authorization leaked into ctx")
	}

	custom := BuildCtx(nil, CtxInput{Flow: []byte(`{}`), Request: r, HeaderAllowList: map[string]struct{}{"X-Custom": {}}})
	if h := gjson.GetBytes(custom, "request_headers").Raw; h != `{"X-Custom":["dropped"]}` {
		t.Fatalf("custom allow-list: request_headers = %s", h)
	}
}

func TestBuildCtxTransientPayload(t *testing.T) {
	tests := []struct{ flow, tp, want string }{
		{`{"id":"f"}`, `{"a":1}`, `{"id":"f","transient_payload":{"a":1}}`},
		{`{}`, `{}`, `{"transient_payload":{}}`},
		{"{ }\n", `{}`, `{ "transient_payload":{}}`},
		{`{"id":"f","transient_payload":{"old":true}}`, `{"new":1}`, `{"id":"f","transient_payload":{"new":1}}`},
		{`{"id":"f"}`, ``, `{"id":"f"}`},
	}
	for _, tt := range tests {
		var tp []byte
		if tt.tp != "" {
			tp = []byte(tt.tp)
		}
		got := BuildCtx(nil, CtxInput{Flow: []byte(tt.flow), TransientPayload: tp, Request: &http.Request{Header: http.Header{}, URL: mustURL(t, "/")}})
		flow := gjson.GetBytes(got, "flow").Raw
		if !gjson.Valid(string(got)) {
			t.Fatalf("invalid ctx: %s", got)
		}
		assertSameJSON(t, "flow for "+tt.flow, []byte(flow), []byte(tt.want))
	}
	if got := BuildCtx(nil, CtxInput{}); !gjson.ValidBytes(got) || gjson.GetBytes(got, "flow").Type != gjson.Null {
		t.Fatalf("nil input: %s", got)
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "\n\r\t\x00\x1f\b\f", "<a&b>", "ü€😀", "bad\xffutf8", "\u2028\u2029", "\x7f"} {
		got := appendJSONString(nil, s)
		want := mustMarshal(t, s)
		if string(got) != string(want) {
			t.Errorf("appendJSONString(%q) = %s, encoding/json gives %s", s, got, want)
		}
	}
}

func BenchmarkBuildCtx(b *testing.B) {
	f := loadFixture(b, "wh_parse_400_registration_api")
	in, _ := ctxInputFromFixture(b, f)
	buf := BuildCtx(nil, in)
	b.ReportAllocs()
	for b.Loop() {
		buf = BuildCtx(buf[:0], in)
	}
	b.ReportMetric(float64(len(buf)), "ctx-bytes")
}
