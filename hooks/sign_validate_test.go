package hooks

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseSigningSecret(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", n))) }
	cases := []struct {
		secret, want string // want "" = accepted
	}{
		{vectorSecret, ""},
		{"whsec_" + b64(24), ""},
		{"whsec_" + b64(64), ""},
		{"", "empty (an unset placeholder?)"},
		{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "not a whsec_ base64 secret"},
		{"whsec_not base64!", "not a whsec_ base64 secret"},
		{"whsec_" + strings.TrimRight(b64(25), "="), "not a whsec_ base64 secret"}, // padding is not optional
		{"whsec_", "decodes to 0 bytes, want 24 to 64"},
		{"whsec_" + b64(23), "decodes to 23 bytes, want 24 to 64"},
		{"whsec_" + b64(65), "decodes to 65 bytes, want 24 to 64"},
		{"whsk_" + b64(64), "ed25519 (v1a) keys are not supported; use a whsec_ secret"},
	}
	for _, tc := range cases {
		_, err := ParseSigningSecret(tc.secret)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: unexpected error %v", tc.secret, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%q: err = %v, want %q", tc.secret, err, tc.want)
		}
		if err != nil && len(tc.secret) > len("whsec_") && strings.Contains(err.Error(), tc.secret[len("whsec_"):]) {
			t.Errorf("error %q echoes the secret", err)
		}
	}
}

func TestValidateSignNamesTheKey(t *testing.T) {
	base := func(mod func(*Config)) Config {
		c := Config{URL: "https://h/x", Method: "POST", Sign: &Signing{Secrets: []string{vectorSecret}}}
		mod(&c)
		return c
	}
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"second secret bad", base(func(c *Config) { c.Sign.Secrets = append(c.Sign.Secrets, "whsec_%%%") }),
			"sign.secrets[1]: not a whsec_ base64 secret"},
		{"no secret", base(func(c *Config) { c.Sign.Secrets = nil }), "sign.secrets: at least one required"},
		{"configured signature header", base(func(c *Config) { c.Headers = map[string]string{"webhook-signature": "v1,x"} }),
			"headers.webhook-signature: set by sign, not configurable"},
		{"api key in a signed header", base(func(c *Config) {
			c.Auth = &Auth{Type: "api_key", Config: AuthConfig{Name: "Webhook-Id", Value: "v", In: "header"}}
		}), "auth.config.name: a header set by sign"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "%%%") {
				t.Fatalf("error %q echoes the secret", err)
			}
		})
	}
	if err := base(func(*Config) {}).Validate(); err != nil {
		t.Fatalf("valid signing config refused: %v", err)
	}
	// Without sign, webhook-* headers are the operator's business.
	if err := (Config{URL: "https://h/x", Method: "POST", Headers: map[string]string{"Webhook-Id": "x"}}).Validate(); err != nil {
		t.Fatalf("unsigned hook: %v", err)
	}
}

func TestNewRefusesABadSecret(t *testing.T) {
	_, err := New(Config{URL: "https://h/x", Method: "POST", Sign: &Signing{Secrets: []string{"whsec_c2hvcnQ="}}}, Policy{}, nil)
	if err == nil || !strings.Contains(err.Error(), "sign.secrets[0]: decodes to 5 bytes") {
		t.Fatalf("err = %v", err)
	}
}
