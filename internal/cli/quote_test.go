package cli

import (
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// TestCaddyTokenRoundTrips: every value reads back from Caddy's own lexer
// as the single token written.
func TestCaddyTokenRoundTrips(t *testing.T) {
	for _, v := range []string{
		"plain", "https://x.example/a?b=c&d=e", "{env.X}", "",
		"two words", `say "hi"`, "back`tick and \"quote\"", `C:\dir\file`,
		"#not-a-comment", "{", "}", "<<EOF", "tab\there", "multi\nline",
	} {
		toks, err := caddyfile.Tokenize([]byte("key "+caddyToken(v)+"\n"), "test")
		if err != nil {
			t.Errorf("%q: %v", v, err)
			continue
		}
		if len(toks) != 2 || toks[1].Text != v {
			var texts []string
			for _, tok := range toks {
				texts = append(texts, tok.Text)
			}
			t.Errorf("%q written as %s reads back as %q", v, caddyToken(v), texts)
		}
	}
}
