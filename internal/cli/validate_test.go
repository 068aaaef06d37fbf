package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestValidateExampleCaddyfile validates examples/Caddyfile (Kratos is not
// running: the error UI probe only warns) and checks its hook table.
func TestValidateExampleCaddyfile(t *testing.T) {
	env := []string{"DEMO_HOOK_KEY=demo-key-hush-hush", "ORY_ACTIONS_SECRET=0123456789abcdef0123456789abcdef-hush-hush"}
	res := runCaddy(t, "", env, "validate", "--config", "examples/Caddyfile").mustSucceed(t)
	if !strings.HasPrefix(res.stdout, "Valid configuration\n") {
		t.Errorf("stdout does not start with Valid configuration:\n%s", res.stdout)
	}
	rows := []string{
		`registration\s+after\s+password\s+signup_check\s+POST http://127\.0\.0\.1:4466/signup-check\s+parse\s+30s\s+2\s+94s\s+fail`,
		`registration\s+after\s+\(all\)\s+segment_identify\s+POST http://127\.0\.0\.1:4466/events\s+ignore \(async\)\s+30s\s+2\s+94s\s+fail`,
		`login\s+after\s+\(all\)\s+login_event\s+POST http://127\.0\.0\.1:4466/events\s+ignore \(async\)`,
		`settings\s+after\s+profile\s+profile_check\s+POST http://127\.0\.0\.1:4466/profile-check\s+parse`,
	}
	for _, row := range rows {
		if !regexp.MustCompile(row).MatchString(res.stdout) {
			t.Errorf("no row %s in:\n%s", row, res.stdout)
		}
	}
	assertNoSecrets(t, res)
}

// TestValidateTableOrderAndPolicy checks the table's order (by hook point,
// configured order within one) and the policy columns of a JSON config.
func TestValidateTableOrderAndPolicy(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caddy.json"), `{
  "admin": {"disabled": true},
  "apps": {"http": {"servers": {"gw": {"listen": [":18081"], "routes": [{"handle": [
    {"handler": "subroute", "routes": [{"handle": [{
      "handler": "ory_actions",
      "kratos": {"public_url": "http://127.0.0.1:1"},
      "ui": {"error_url": "http://127.0.0.1:1/error"},
      "hooks": [
        {"flow": "login", "when": "after", "config": {"url": "https://u:p@b.example/b?k=v", "method": "POST"}, "timeout": "5s", "retries": 0, "on_error": "continue"},
        {"id": "first", "flow": "registration", "when": "before", "config": {"url": "https://a.example/a", "method": "GET"}, "deadline": 7000000000},
        {"flow": "login", "when": "after", "method": "password", "config": {"url": "https://c.example/c", "method": "POST", "response": {"ignore": true}}, "retries": 1}
      ]
    }]}]}
  ]}]}}}}
}`)
	res := runCaddy(t, dir, nil, "validate", "--config", "caddy.json").mustSucceed(t)
	want := []string{
		`registration\s+before\s+-\s+first\s+GET https://a\.example/a\s+sync\s+30s\s+2\s+7s\s+fail`,
		`login\s+after\s+\(all\)\s+login_after_1\s+POST https://b\.example/b\?…\s+sync\s+5s\s+0\s+6s\s+continue`,
		`login\s+after\s+password\s+login_after_password_2\s+POST https://c\.example/c\s+ignore \(async\)\s+30s\s+1\s+62s\s+fail`,
	}
	rows := regexp.MustCompile(strings.Join(want, `\n`))
	if !rows.MatchString(res.stdout) {
		t.Errorf("table rows are not\n%s\nin:\n%s", strings.Join(want, "\n"), res.stdout)
	}
	if !strings.Contains(res.stdout, "at apps.http.servers.gw.routes[0].handle[0].routes[0].handle[0]") {
		t.Errorf("handler path missing:\n%s", res.stdout)
	}
	if strings.Contains(res.stdout, "u:p@") || strings.Contains(res.stdout, "k=v") {
		t.Errorf("URL userinfo or query printed:\n%s", res.stdout)
	}
}

// TestValidateFailsNamingTheKey: a bad hook fails validation with the
// module's load error, which names the hook and the key.
func TestValidateFailsNamingTheKey(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ hook, want string }{
		"flow": {
			"hook signup after {\n\t\t\turl http://127.0.0.1:9/x\n\t\t\tmethod POST\n\t\t}",
			`hooks[0] (#1): flow: unknown "signup"`,
		},
		"auth": {
			"hook login after {\n\t\t\tid crm\n\t\t\turl http://127.0.0.1:9/x\n\t\t\tmethod POST\n\t\t\tauth basic_auth {\n\t\t\t\tuser u\n\t\t\t}\n\t\t}",
			`hooks[0] (crm): config.auth.config.password: required`,
		},
		"template": {
			"hook login after {\n\t\t\turl http://127.0.0.1:9/x\n\t\t\tmethod POST\n\t\t\tbody base64://ZnVuY3Rpb24oY3R4KSB7\n\t\t}",
			`config.body: render: compiling template`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			file := writeFile(t, filepath.Join(dir, name+".Caddyfile"), `{
	admin off
}
http://127.0.0.1:18082 {
	ory_actions {
		kratos {
			public_url http://127.0.0.1:1
		}
		error_ui_url http://127.0.0.1:1/error
		`+tc.hook+`
	}
	reverse_proxy 127.0.0.1:1
}
`)
			res := runCaddy(t, dir, nil, "validate", "--config", file).mustFail(t)
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, res.stderr)
			}
			if strings.Contains(res.stdout, "Valid configuration") {
				t.Errorf("stdout: %s", res.stdout)
			}
		})
	}
}
