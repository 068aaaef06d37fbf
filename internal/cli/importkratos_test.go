package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// kratosWithHooks is examples/kratos/kratos.yml with web_hooks added at
// every kind of place: before hooks, after.<method> beside session,
// after.hooks (one of them parse), recovery/verification after.hooks.
func kratosWithHooks(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "examples", "kratos", "kratos.yml"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	replace := func(old, new string) {
		t.Helper()
		if !strings.Contains(src, old) {
			t.Fatalf("examples/kratos/kratos.yml no longer has %q", old)
		}
		src = strings.Replace(src, old, new, 1)
	}
	// The example's session hook after code sign-up goes: this config
	// gives after.code web_hooks only.
	replace(`        code:
          hooks:
            - hook: session
`, ``)
	replace(`      after:
        password:
          hooks:
            - hook: session
`, `      before:
        hooks:
          - hook: web_hook
            config:
              url: http://127.0.0.1:4466/reg-before
              method: POST
              body: base64://ZnVuY3Rpb24oY3R4KSBjdHg=
              auth:
                type: basic_auth
                config:
                  user: hookuser
                  password: basic-hush-hush
      after:
        password:
          hooks:
            - hook: web_hook
              config:
                url: http://127.0.0.1:4466/signup-check
                method: POST
                body: file://./hooks/signup.jsonnet
                headers:
                  X-Source: kratos
                  X-Api-Token: header-hush-hush
                auth:
                  type: api_key
                  config:
                    name: X-Api-Key
                    value: apikey-hush-hush
                    in: header
                response:
                  parse: true
            - hook: session
        code:
          hooks:
            - hook: web_hook
              config:
                url: http://127.0.0.1:4466/code-only
                method: POST
        hooks:
          - hook: web_hook
            config:
              url: http://127.0.0.1:4466/events
              method: POST
              response:
                ignore: true
          - hook: web_hook
            config:
              url: http://127.0.0.1:4466/global-parse
              method: POST
              can_interrupt: true
          - hook: show_verification_ui
`)
	replace(`      use: code
      ui_url: http://127.0.0.1:8080/ui/verification
`, `      use: code
      ui_url: http://127.0.0.1:8080/ui/verification
      after:
        hooks:
          - hook: web_hook
            config:
              url: http://127.0.0.1:4466/verified
              method: POST
              emit_analytics_event: false
              headers:
                Content-Type: application/x-www-form-urlencoded
              body: base64://ZnVuY3Rpb24oY3R4KSB7IGlkOiBjdHguaWRlbnRpdHkuaWQgfQ==
`)
	return src
}

// TestImportKratos converts a kratos.yml with web_hooks: the block has one
// hook per web_hook in Kratos's order, no secret, warnings where Kratos ran
// a hook differently; it adapts and validates once its environment
// variables are set; the kratos.yml to keep has no web_hook and every other
// hook.
func TestImportKratos(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "kratos.yml"), kratosWithHooks(t))
	writeFile(t, filepath.Join(dir, "hooks", "signup.jsonnet"), "function(ctx) { id: ctx.identity.id }\n")

	res := runCaddy(t, dir, nil, "import-kratos", "--site", "http://127.0.0.1:18083",
		"--caddyfile", "Caddyfile", "--kratos-out", "kept.yml", "kratos.yml").mustSucceed(t)
	if !strings.Contains(res.stdout, "6 web_hooks moved") {
		t.Errorf("summary: %s", res.stdout)
	}
	block := readFile(t, filepath.Join(dir, "Caddyfile"))
	kept := readFile(t, filepath.Join(dir, "kept.yml"))
	assertNoSecrets(t, result{stdout: block + kept + res.stdout, stderr: res.stderr})

	hookLines := regexp.MustCompile(`(?m)^\t\thook .*$`).FindAllString(block, -1)
	wantHooks := []string{
		"hook registration before {",
		"hook registration after password {",
		"hook registration after code {",
		"hook registration after {",
		"hook registration after {",
		"hook verification after {",
	}
	if strings.Join(trimAll(hookLines), "\n") != strings.Join(wantHooks, "\n") {
		t.Errorf("hooks:\n%s\nwant:\n%s", strings.Join(hookLines, "\n"), strings.Join(wantHooks, "\n"))
	}
	for _, want := range []string{
		"password {env.ORY_ACTIONS_REGISTRATION_BEFORE_1_PASSWORD}",
		"value {env.ORY_ACTIONS_REGISTRATION_AFTER_PASSWORD_1_API_KEY}",
		"header X-Api-Token {env.ORY_ACTIONS_REGISTRATION_AFTER_PASSWORD_1_HEADER_X_API_TOKEN}",
		"header X-Source kratos",
		"response parse",
		"response ignore",
		"can_interrupt",
		"emit_analytics_event false",
		"body file://./hooks/signup.jsonnet",
		"Kratos read it from its working directory",
		"so it did not run this hook for password, code",
		"Kratos v1.3.1 never ran this hook",
		"registration.after.code.hooks held only web_hooks",
		"error_ui_url http://127.0.0.1:8080/ui/error",
		"reverse_proxy 127.0.0.1:4433",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("Caddyfile lacks %q:\n%s", want, block)
		}
	}

	var doc map[string]any
	if err := yaml.Unmarshal([]byte(kept), &doc); err != nil {
		t.Fatalf("kept kratos.yml: %v\n%s", err, kept)
	}
	if strings.Contains(kept, "hook: web_hook") {
		t.Errorf("kept kratos.yml has a web_hook:\n%s", kept)
	}
	for _, want := range []string{"- hook: session", "- hook: show_verification_ui", "dsn: sqlite://", "# exactly 32 characters"} {
		if !strings.Contains(kept, want) {
			t.Errorf("kept kratos.yml lacks %q:\n%s", want, kept)
		}
	}

	// The block is a working config once the secrets it names are set.
	var env []string
	for _, name := range regexp.MustCompile(`ORY_ACTIONS_[A-Z0-9_]+`).FindAllString(block, -1) {
		env = append(env, name+"=a-value-long-enough-for-any-secret-"+name)
	}
	res = runCaddy(t, dir, env, "validate", "--config", "Caddyfile").mustSucceed(t)
	if n := strings.Count(res.stdout, "http://127.0.0.1:4466/"); n != 6 {
		t.Errorf("validate shows %d hooks, want 6:\n%s", n, res.stdout)
	}
}

// TestImportKratosJSONToStdout reads a JSON Kratos config and prints both
// parts to stdout, the kept config as block YAML.
func TestImportKratosJSONToStdout(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "kratos.json"), `{"selfservice": {"flows": {
  "login": {"before": {"hooks": [{"hook": "web_hook", "config": {"url": "https://x.example/l", "method": "POST", "auth": {"type": "api_key", "config": {"name": "k", "value": "json-hush-hush", "in": "cookie"}}}}]},
            "after": {"password": {"hooks": [{"hook": "require_verified_address"}]}}}
}}, "version": "v1.3.1"}`)
	res := runCaddy(t, dir, nil, "import-kratos", "kratos.json").mustSucceed(t)
	assertNoSecrets(t, res)
	for _, want := range []string{
		"# ==== Caddyfile ====",
		"\n\thook login before {",
		"\n\t\t\tin cookie",
		"# ==== kratos.json to keep (without web_hooks) ====",
		"selfservice:\n  flows:\n    login:\n      before:\n        hooks: []\n",
		"- hook: require_verified_address",
		"version: v1.3.1",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.stdout)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func trimAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}
