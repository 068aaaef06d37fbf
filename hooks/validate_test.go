package hooks

import (
	"strings"
	"testing"
)

func TestValidateAcceptsKratosConfigs(t *testing.T) {
	valid := []Config{
		{URL: "https://crm.example/hook", Method: "POST"},
		{URL: "http://127.0.0.1:8080/x?token=abc", Method: "GET", Body: "base64://e30="},
		{URL: "http://h/x", Method: "PUT", Headers: map[string]string{"Content-Type": contentTypeForm, "X-A": "b"}},
		{URL: "http://h/x", Method: "PATCH", Headers: map[string]string{"content-type": contentTypeJSON}},
		{URL: "http://h/x", Method: "TRACE", Headers: map[string]string{"Content-Type": "text/plain"}},
		{URL: "http://h/x", Method: "POST", Auth: &Auth{Type: "basic_auth", Config: AuthConfig{User: "u", Password: "p"}}},
		{URL: "http://h/x", Method: "POST", Auth: &Auth{Type: "api_key", Config: AuthConfig{Name: "X-Key", Value: "v", In: "header"}}},
		{URL: "http://h/x", Method: "POST", Auth: &Auth{Type: "api_key", Config: AuthConfig{Name: "k", Value: "v", In: "cookie"}}},
		{URL: "http://h/x", Method: "POST", Response: Response{Ignore: true}},
		{URL: "http://h/x", Method: "POST", Response: Response{Parse: true}},
		{URL: "http://h/x", Method: "POST", CanInterrupt: true},
	}
	for _, cfg := range valid {
		if err := cfg.Validate(); err != nil {
			t.Errorf("%+v: unexpected error %v", cfg, err)
		}
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	base := func(mod func(*Config)) Config {
		c := Config{URL: "https://h/x", Method: "POST"}
		mod(&c)
		return c
	}
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no url", base(func(c *Config) { c.URL = "" }), "url: required"},
		{"relative url", base(func(c *Config) { c.URL = "/hook" }), "url: must be an absolute http or https URL"},
		{"ftp url", base(func(c *Config) { c.URL = "ftp://h/x" }), "url: must be an absolute http or https URL"},
		{"no host", base(func(c *Config) { c.URL = "http:///x" }), "url: must be an absolute http or https URL"},
		{"no method", base(func(c *Config) { c.Method = "" }), "method: required"},
		{"bad method", base(func(c *Config) { c.Method = "FOO" }), `method: unsupported "FOO"`},
		{"lower-case method", base(func(c *Config) { c.Method = "post" }), `method: unsupported "post"`},
		{"content type", base(func(c *Config) { c.Headers = map[string]string{"Content-Type": "text/plain"} }),
			`headers.Content-Type: unsupported "text/plain"`},
		{"content type with params", base(func(c *Config) { c.Headers = map[string]string{"content-type": "application/json; charset=utf-8"} }),
			`headers.content-type: unsupported "application/json; charset=utf-8"`},
		{"header name", base(func(c *Config) { c.Headers = map[string]string{"X Bad": "v"} }), `headers: invalid header name "X Bad"`},
		{"header value", base(func(c *Config) { c.Headers = map[string]string{"X-A": "a\r\nb"} }), "headers.X-A: value contains a line break or NUL"},
		{"auth type missing", base(func(c *Config) { c.Auth = &Auth{} }), "auth.type: required (want basic_auth or api_key)"},
		{"auth type unknown", base(func(c *Config) { c.Auth = &Auth{Type: "x"} }), `auth.type: unknown "x" (want basic_auth or api_key)`},
		{"basic user", base(func(c *Config) { c.Auth = &Auth{Type: "basic_auth", Config: AuthConfig{Password: "p"}} }), "auth.config.user: required"},
		{"basic password", base(func(c *Config) { c.Auth = &Auth{Type: "basic_auth", Config: AuthConfig{User: "u"}} }), "auth.config.password: required"},
		{"basic with in", base(func(c *Config) {
			c.Auth = &Auth{Type: "basic_auth", Config: AuthConfig{User: "u", Password: "p", In: "header"}}
		}), "auth.config.in: not allowed for basic_auth"},
		{"api name", base(func(c *Config) { c.Auth = &Auth{Type: "api_key", Config: AuthConfig{Value: "v", In: "header"}} }), "auth.config.name: required"},
		{"api value", base(func(c *Config) { c.Auth = &Auth{Type: "api_key", Config: AuthConfig{Name: "n", In: "header"}} }), "auth.config.value: required"},
		{"api in", base(func(c *Config) {
			c.Auth = &Auth{Type: "api_key", Config: AuthConfig{Name: "n", Value: "v", In: "query"}}
		}),
			"auth.config.in: must be header or cookie"},
		{"api in missing", base(func(c *Config) { c.Auth = &Auth{Type: "api_key", Config: AuthConfig{Name: "n", Value: "v"}} }),
			"auth.config.in: must be header or cookie"},
		{"api header name", base(func(c *Config) {
			c.Auth = &Auth{Type: "api_key", Config: AuthConfig{Name: "a:b", Value: "v", In: "header"}}
		}),
			`auth.config.name: invalid header name "a:b"`},
		{"api with user", base(func(c *Config) {
			c.Auth = &Auth{Type: "api_key", Config: AuthConfig{Name: "n", Value: "v", In: "header", User: "u"}}
		}), "auth.config.user: not allowed for api_key"},
		{"ignore and parse", base(func(c *Config) { c.Response = Response{Ignore: true, Parse: true} }),
			"response: ignore and parse are mutually exclusive"},
		{"ignore and can_interrupt", base(func(c *Config) { c.Response.Ignore = true; c.CanInterrupt = true }),
			"response: ignore and parse are mutually exclusive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil {
				t.Fatalf("want %q, got nil", tc.want)
			}
			if !containsLine(err.Error(), tc.want) {
				t.Fatalf("want line %q in\n%v", tc.want, err)
			}
			if _, err := New(tc.cfg, Policy{}, nil); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}

func TestValidateReportsEveryProblemWithoutSecrets(t *testing.T) {
	cfg := Config{
		URL:  "ftp://user:s3cret@h/x?token=s3cret",
		Auth: &Auth{Type: "basic_auth", Config: AuthConfig{Password: "s3cret"}},
	}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"url: must be", "method: required", "auth.config.user: required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("secret leaked: %v", err)
	}
}

func containsLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
