package cli

import (
	"strings"
	"testing"
)

// TestKratosHookWarnings checks where import-kratos warns that the gateway
// would run a moved web_hook differently from Kratos v1.3.1.
func TestKratosHookWarnings(t *testing.T) {
	const hook = "{hook: web_hook, config: {url: 'https://x.example', method: POST%s}}"
	for _, tc := range []struct {
		name, flows string
		want        []string // one entry per web_hook, "" for no warning
	}{
		{"login global parse runs in Kratos: only the methods with own hooks differ",
			"login: {after: {hooks: [" + sprintf(hook, ", response: {parse: true}") + "], password: {hooks: [{hook: require_verified_address}]}}}",
			[]string{"did not run this hook for password; the gateway runs a hook without a method for every method: to keep Kratos's behaviour, make it one hook per other method (oidc, code, webauthn, passkey, totp, lookup_secret)"}},
		{"login global without method hooks runs everywhere in both",
			"login: {after: {hooks: [" + sprintf(hook, "") + "]}}",
			[]string{""}},
		{"settings global parse never ran",
			"settings: {after: {hooks: [" + sprintf(hook, ", can_interrupt: true") + "]}}",
			[]string{"Kratos v1.3.1 never ran this hook"}},
		{"recovery runs after.hooks only",
			"recovery: {after: {hooks: [" + sprintf(hook, "") + "], code: {hooks: [" + sprintf(hook, "") + "]}}}",
			[]string{"", "Kratos v1.3.1 runs only after.hooks for recovery, so it never ran this hook"}},
		{"a method the gateway does not know",
			"registration: {after: {totp: {hooks: [" + sprintf(hook, "") + "]}}}",
			[]string{`the gateway knows no method "totp" for registration`}},
		{"method hooks and before hooks as in Kratos",
			"registration: {before: {hooks: [" + sprintf(hook, "") + "]}, after: {password: {hooks: [" + sprintf(hook, ", response: {parse: true}") + "]}}}",
			[]string{"", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseKratosConfig([]byte("selfservice: {flows: {" + tc.flows + "}}"))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.webHooks) != len(tc.want) {
				t.Fatalf("%d web_hooks, want %d", len(c.webHooks), len(tc.want))
			}
			for i, wh := range c.webHooks {
				got := strings.Join(c.hookWarnings(wh), "\n")
				if (tc.want[i] == "") != (got == "") || !strings.Contains(got, tc.want[i]) {
					t.Errorf("%s: warning %q, want %q", wh.key, got, tc.want[i])
				}
			}
		})
	}
}

func sprintf(format, arg string) string { return strings.Replace(format, "%s", arg, 1) }
