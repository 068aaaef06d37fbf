package kratos

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

const fixturePublicURL = "http://127.0.0.1:14433/"

func TestCSRFCookieNameMatchesFixtures(t *testing.T) {
	f := loadFixture(t, "error_403_csrf_browser_json_submit")
	name := CSRFCookieName(fixturePublicURL)
	if !strings.HasPrefix(f.Request.Headers["Cookie"], name+"=") {
		t.Fatalf("CSRFCookieName = %s, fixture cookie %s", name, f.Request.Headers["Cookie"])
	}
	if !isCSRFCookieName(name) || isCSRFCookieName("csrf_token_xyz") || isCSRFCookieName("csrf_token_"+strings.ToUpper(name[11:])) {
		t.Error("isCSRFCookieName misclassifies")
	}
}

// Every captured browser submit: the token is valid unless Kratos answered
// with a CSRF violation.
func TestCSRFTokenValidAgreesWithFixtures(t *testing.T) {
	valid, invalid := 0, 0
	for _, f := range allFixtures(t) {
		if f.Request.Method != "POST" || !strings.Contains(f.Request.Headers["Cookie"], "csrf_token_") || strings.HasPrefix(f.Name, "expired_") {
			continue
		}
		sub, err := ParseSubmit(f.Request.Headers["Content-Type"], f.requestBody())
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		r := f.serverRequest(t)
		wantValid := !strings.HasPrefix(f.Name, "error_403_csrf")
		for _, cookieName := range []string{"", CSRFCookieName(fixturePublicURL)} {
			if got := CSRFTokenValid(r, cookieName, sub.CSRFToken); got != wantValid {
				t.Errorf("%s (cookie name %q): CSRFTokenValid = %v", f.Name, cookieName, got)
			}
		}
		if wantValid {
			valid++
		} else {
			invalid++
		}
	}
	if valid < 15 || invalid < 2 {
		t.Fatalf("checked %d valid and %d invalid submits", valid, invalid)
	}
}

func TestCSRFTokenValidCookieRules(t *testing.T) {
	f := loadFixture(t, "wh_parse_400_registration_browser_json")
	sub, err := ParseSubmit("application/json", f.requestBody())
	if err != nil {
		t.Fatal(err)
	}
	cookie := f.Request.Headers["Cookie"]
	name := CSRFCookieName(fixturePublicURL)
	value := strings.TrimPrefix(cookie, name+"=")
	req := func(cookies ...string) *http.Request {
		r, _ := http.NewRequest("POST", "/", nil)
		for _, c := range cookies {
			r.Header.Add("Cookie", c)
		}
		return r
	}
	tests := []struct {
		name       string
		r          *http.Request
		cookieName string
		token      string
		want       bool
	}{
		{"masked token", req(cookie), name, sub.CSRFToken, true},
		{"unmasked token", req(cookie), name, value, true},
		{"no cookie", req(), "", sub.CSRFToken, false},
		{"other Kratos's cookie only", req("csrf_token_" + strings.Repeat("0", 64) + "=" + value), name, sub.CSRFToken, false},
		{"unknown name accepts any Kratos cookie", req("csrf_token_" + strings.Repeat("0", 64) + "=" + value), "", sub.CSRFToken, true},
		{"duplicated cookie", req(cookie, cookie), name, sub.CSRFToken, false},
		{"short cookie", req(name + "=AAAA"), name, "AAAA", false},
		{"empty token", req(cookie), name, "", false},
		{"garbage token", req(cookie), name, "!!", false},
	}
	for _, tt := range tests {
		if got := CSRFTokenValid(tt.r, tt.cookieName, tt.token); got != tt.want {
			t.Errorf("%s: CSRFTokenValid = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSubmitRefusal(t *testing.T) {
	schema := mustTestSchema(t)
	browser := loadFixture(t, "wh_parse_400_registration_browser_json")
	api := loadFixture(t, "wh_parse_400_registration_api")
	flowOf := func(f fixture) []byte { return []byte(gjson.GetBytes(f.WebhookCalls[0].Body, "flow").Raw) }
	base := func(f fixture) SubmitCheck {
		sub, err := ParseSubmitWithSchema(f.Request.Headers["Content-Type"], f.requestBody(), schema)
		if err != nil {
			t.Fatal(err)
		}
		return SubmitCheck{
			Flow: Registration, FlowJSON: flowOf(f), Request: f.serverRequest(t), Submit: sub, Method: "password",
			Schema: schema, CSRFCookieName: CSRFCookieName(fixturePublicURL),
			Now: time.Date(2026, 11, 27, 9, 23, 0, 0, time.UTC), // within both flows' lifetime
		}
	}
	withSubmit := func(c SubmitCheck, body string) SubmitCheck {
		sub, err := ParseSubmitWithSchema("application/json", []byte(body), schema)
		if err != nil {
			t.Fatal(err)
		}
		c.Submit = sub
		return c
	}
	noIdentifier, err := CompileSchema("noid", []byte(`{"type":"object","properties":{"traits":{"type":"object","properties":{"nick":{"type":"string"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		check  func() SubmitCheck
		refuse string // substring of the reason; "" means accepted
	}{
		{"browser JSON submit Kratos accepts", func() SubmitCheck { return base(browser) }, ""},
		{"API submit Kratos accepts", func() SubmitCheck { return base(api) }, ""},
		{"passkey submit to an API flow", func() SubmitCheck { c := base(api); c.Method = "passkey"; return c }, "passkey"},
		{"passkey submit to a browser flow is not refused for its type", func() SubmitCheck { c := base(browser); c.Method = "passkey"; return c }, ""},
		{"expired flow", func() SubmitCheck { c := base(api); c.Now = c.Now.Add(time.Hour); return c }, "expired"},
		{"logged-in registration", func() SubmitCheck { c := base(api); c.ActiveSession = true; return c }, "session"},
		{"undecodable body", func() SubmitCheck { c := base(api); c.SubmitErr = ErrSubmitMalformed; return c }, "decode"},
		{"multipart is not a known refusal", func() SubmitCheck { c := base(api); c.SubmitErr = ErrMultipartSubmit; return c }, ""},
		{"two-step profile step", func() SubmitCheck {
			return withSubmit(base(api), `{"method":"profile","traits":{"email":"a@example.com"}}`)
		}, "two-step"},
		{"API flow with Origin", func() SubmitCheck { c := base(api); c.Request.Header.Set("Origin", "http://ui"); return c }, "Origin"},
		{"API flow with a cookie", func() SubmitCheck { c := base(api); c.Request.Header.Set("Cookie", "session=1"); return c }, "cookies"},
		{"API flow with Cloudflare cookies", func() SubmitCheck {
			c := base(api)
			c.Request.Header.Set("Cookie", "__cf_bm=1; _cfuvid=2; cf_clearance=3")
			return c
		}, ""},
		{"browser flow with a bad CSRF token", func() SubmitCheck { c := base(browser); c.Submit.CSRFToken = "wrong"; return c }, "CSRF"},
		{"browser flow without CSRF cookie", func() SubmitCheck { c := base(browser); c.Request.Header.Del("Cookie"); return c }, "CSRF"},
		{"missing password", func() SubmitCheck { c := base(api); c.Submit.Password = ""; return c }, "password"},
		{"traits against the schema", func() SubmitCheck {
			return withSubmit(base(api), `{"method":"password","password":"p","traits":{"email":"not-mail"}}`)
		}, "schema"},
		{"no password identifier", func() SubmitCheck {
			c := withSubmit(base(api), `{"method":"password","password":"p","traits":{"nick":"n"}}`)
			c.Schema = noIdentifier
			return c
		}, "identifier"},
		{"no schema: trait checks skipped", func() SubmitCheck {
			c := withSubmit(base(api), `{"method":"password","password":"p","traits":{"email":"not-mail"}}`)
			c.Schema = nil
			return c
		}, ""},
		{"settings profile with invalid traits", func() SubmitCheck {
			c := withSubmit(base(api), `{"method":"profile","traits":{"email":"x"}}`)
			c.Flow, c.Method = Settings, "profile"
			return c
		}, "schema"},
		{"settings password ignores traits", func() SubmitCheck {
			c := withSubmit(base(api), `{"method":"password","password":"p"}`)
			c.Flow = Settings
			return c
		}, ""},
	}
	for _, tt := range tests {
		got := SubmitRefusal(tt.check())
		switch {
		case tt.refuse == "" && got != "":
			t.Errorf("%s: refused: %s", tt.name, got)
		case tt.refuse != "" && !strings.Contains(got, tt.refuse):
			t.Errorf("%s: reason %q, want one mentioning %q", tt.name, got, tt.refuse)
		}
		if strings.Contains(got, "Sup3r") || strings.Contains(got, "not-mail") {
			t.Errorf("%s: reason leaks submitted values: %s", tt.name, got)
		}
	}
}

// flowField reads fields exactly as gjson.ParseBytes(flow).Get(path) does,
// on every captured flow and on documents that are not objects.
func TestFlowFieldMatchesParseBytes(t *testing.T) {
	docs := []string{``, `  `, `null`, `5`, `"type"`, `x{"type":"api"}`, ` {"type":"api"}`, `[{"type":"api"}]`,
		`{"type":"browser","expires_at":"2026-01-01T00:00:00Z"}`, `{"type":`, "\n\t{\"type\":\"api\"}"}
	for _, f := range allFixtures(t) {
		for _, c := range f.WebhookCalls {
			if fl := gjson.GetBytes(c.Body, "flow"); fl.Exists() {
				docs = append(docs, fl.Raw)
			}
		}
	}
	seen := 0
	for _, d := range docs {
		for _, path := range []string{"type", "expires_at"} {
			got, want := flowField([]byte(d), path), gjson.ParseBytes([]byte(d)).Get(path)
			if got.Raw != want.Raw || got.Type != want.Type || got.Exists() != want.Exists() {
				t.Errorf("flowField(%s, %s) = %q, want %q", truncate(d, 60), path, got.Raw, want.Raw)
			}
			if want.Exists() {
				seen++
			}
		}
	}
	if seen < 20 {
		t.Fatalf("only %d fields found", seen)
	}
}
