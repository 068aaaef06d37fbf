package kratos

import (
	"net/http"
	"strings"
	"testing"
)

func TestIsJSONClient(t *testing.T) {
	tests := []struct {
		name, accept, contentType string
		want                      bool
	}{
		{"no headers: default text/html", "", "", false},
		{"json", "application/json", "", true},
		{"html", "text/html", "", false},
		// fixture registration_browser_init_accept_any: 303 to the UI
		{"registration_browser_init_accept_any", "*/*", "", false},
		// fixture registration_browser_submit_json_charset_with_accept_html: 302
		{"registration_browser_submit_json_charset_with_accept_html", "text/html,application/xhtml+xml", "application/json; charset=utf-8", false},
		{"charset JSON body with JSON accept", "application/json", "application/json; charset=utf-8", true},
		{"exact JSON body wins over html accept", "text/html", "application/json", true},
		{"q-values prefer json", "text/html;q=0.5, application/json", "", true},
		{"q-values prefer html", "text/html, application/json;q=0.9", "", false},
		{"equal q: more specific wins, html offered first", "application/json, text/html", "", false},
		{"wildcard loses to exact json", "*/*;q=0.8, application/json", "", true},
		{"text wildcard picks html", "text/*, application/json;q=0.5", "", false},
		{"q=0 excludes json", "application/json;q=0", "", false},
		{"q=0 html leaves json", "text/html;q=0, application/json;q=0.1", "", true},
		{"browser default accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8", "", false},
		{"non-q parameter ends parsing of the line", "application/json;charset=utf-8", "", false},
		{"parameter ends line: later json ignored", "text/plain;level=1, application/json", "", false},
		{"media types are case-sensitive", "Application/JSON", "", false},
		{"bad quality ends the line", "application/json;q=x", "", false},
		{"quality above one is not capped", "text/html;q=1.5, application/json", "", false},
		{"spaces around separators", "application/json ; q=0.9 ,text/html;q=0.1", "", true},
		{"leading space makes the line unparsable", "  application/json", "", false},
		{"content type with parameters is not JSON", "", "application/json;charset=utf-8", false},
		{"form content type", "", "application/x-www-form-urlencoded", false},
	}
	for _, tt := range tests {
		if got := IsJSONClient(tt.accept, tt.contentType); got != tt.want {
			t.Errorf("%s: IsJSONClient(%q, %q) = %v, want %v", tt.name, tt.accept, tt.contentType, got, tt.want)
		}
	}
}

func TestIsJSONRequestUsesEveryAcceptLine(t *testing.T) {
	h := http.Header{"Accept": {"text/html;q=0.1", "application/json"}}
	if !IsJSONRequest(h) {
		t.Error("second Accept line with JSON was ignored")
	}
	if IsBrowserRequest(h) {
		t.Error("IsBrowserRequest true for a JSON-preferring client")
	}
	if !IsBrowserRequest(http.Header{}) {
		t.Error("IsBrowserRequest false without Accept (default text/html)")
	}
	if !IsJSONRequest(http.Header{"Content-Type": {"application/json"}}) {
		t.Error("exact application/json body not JSON")
	}
}

// TestIsJSONClientAgreesWithFixtures: every captured browser-flow request
// that Kratos answered with a redirect was an HTML client, and every other
// answer went to a JSON client.
func TestIsJSONClientAgreesWithFixtures(t *testing.T) {
	checked := 0
	for _, f := range allFixtures(t) {
		if f.Response.Status == nil {
			continue
		}
		browserInit := strings.Contains(f.Request.URL, "/browser") && strings.Contains(f.Request.URL, "/self-service/") && !strings.Contains(f.Request.URL, "/logout/")
		browserSubmit := f.Request.Method == "POST" && strings.Contains(f.Request.URL, "?flow=") && strings.Contains(f.Request.Headers["Cookie"], "csrf_token_")
		if !browserInit && !browserSubmit {
			continue
		}
		status := *f.Response.Status
		redirect := status == http.StatusFound || status == http.StatusSeeOther
		if got := IsJSONClient(f.Request.Headers["Accept"], f.Request.Headers["Content-Type"]); got == redirect {
			t.Errorf("%s: IsJSONClient = %v but Kratos answered %d", f.Name, got, status)
		}
		checked++
	}
	if checked < 40 {
		t.Fatalf("only %d fixtures checked", checked)
	}
}
