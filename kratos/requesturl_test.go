package kratos

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"testing"
)

func TestRequestURL(t *testing.T) {
	tests := []struct {
		name       string
		target     string
		host       string
		header     http.Header
		tls        bool
		absoluteIn bool
		want       string
	}{
		{name: "plain http", target: "/self-service/login/browser?return_to=http://x/y", host: "127.0.0.1:4433",
			want: "http://127.0.0.1:4433/self-service/login/browser?return_to=http://x/y"},
		{name: "tls", target: "/self-service/login/api", host: "auth.example", tls: true,
			want: "https://auth.example/self-service/login/api"},
		{name: "forwarded host and proto", target: "/self-service/login/api?a=%2F", host: "10.0.0.1",
			header: http.Header{"X-Forwarded-Host": {"auth.example.com"}, "X-Forwarded-Proto": {"https"}},
			want:   "https://auth.example.com/self-service/login/api?a=%2F"},
		{name: "forwarded proto overrides tls", target: "/p", host: "h", tls: true,
			header: http.Header{"X-Forwarded-Proto": {"http"}}, want: "http://h/p"},
		{name: "escaped path kept as sent", target: "/self-service/a%2Fb", host: "h", want: "http://h/self-service/a%2Fb"},
		{name: "absolute-form request URI keeps its host", target: "http://origin.example/x", host: "h",
			header: http.Header{"X-Forwarded-Host": {"fwd"}}, absoluteIn: true, want: "http://origin.example/x"},
	}
	for _, tt := range tests {
		u, err := url.ParseRequestURI(tt.target)
		if err != nil {
			t.Fatal(err)
		}
		r := &http.Request{Method: "GET", URL: u, Host: tt.host, Header: tt.header, RequestURI: tt.target}
		if r.Header == nil {
			r.Header = http.Header{}
		}
		if tt.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if got := RequestURL(r); got != tt.want {
			t.Errorf("%s: RequestURL = %q, want %q", tt.name, got, tt.want)
		}
		if r.URL.Scheme != u.Scheme || r.URL.Host != u.Host {
			t.Errorf("%s: RequestURL modified the request URL", tt.name)
		}
	}
}

// The forwarded-headers fixture: request_url uses X-Forwarded-Proto/Host.
func TestRequestURLFixtureForwardedHeaders(t *testing.T) {
	f := loadFixture(t, "wh_ctx_login_before_browser_init_json_forwarded_headers")
	r := f.serverRequest(t)
	var ctx struct {
		RequestURL string `json:"request_url"`
	}
	decodeInto(t, f.WebhookCalls[0].Body, &ctx)
	if got := RequestURL(r); got != ctx.RequestURL {
		t.Fatalf("RequestURL = %q, Kratos sent %q", got, ctx.RequestURL)
	}
	if ctx.RequestURL != "https://auth.example.com/self-service/login/browser?return_to=http://127.0.0.1:14456/x" {
		t.Fatalf("fixture changed: %q", ctx.RequestURL)
	}
}
