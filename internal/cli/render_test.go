package cli

import (
	"path/filepath"
	"strings"
	"testing"

	jsonnet "github.com/google/go-jsonnet"
)

// renderTemplate reads most of the ctx, std library included, and the
// whole ctx too, so that every byte of Kratos's ctx goes through rendering.
const renderTemplate = `function(ctx) {
  flow_id: ctx.flow.id,
  flow_type: ctx.flow.type,
  method: ctx.request_method,
  traits: if std.objectHas(ctx, "identity") then ctx.identity.traits else null,
  header_names: std.objectFields(ctx.request_headers),
  session_aal: std.get(std.get(ctx, "session", {}), "authenticator_assurance_level", "none"),
  ctx: ctx,
}
`

// jsonnetTLACode renders as Kratos v1.3.1 does, written out here rather
// than taken from the package under test.
func jsonnetTLACode(t *testing.T, name, code string, ctx []byte) string {
	t.Helper()
	vm := jsonnet.MakeVM()
	vm.TLACode("ctx", string(ctx))
	out, err := vm.EvaluateAnonymousSnippet(name, code)
	if err != nil {
		t.Fatalf("go-jsonnet: %v", err)
	}
	return out
}

// TestRenderMatchesKratosForEveryFlow renders every named fixture (all five
// flows, before and after) with the built binary and compares the body with
// go-jsonnet's TLACode rendering byte for byte; --kratos must agree.
func TestRenderMatchesKratosForEveryFlow(t *testing.T) {
	tmpl := writeFile(t, filepath.Join(t.TempDir(), "all.jsonnet"), renderTemplate)
	source := "file://" + tmpl
	flows := map[string]bool{}
	for _, f := range namedFixtures {
		t.Run(f.name, func(t *testing.T) {
			ctx, _, err := fixtureCtx(f.name, "")
			if err != nil {
				t.Fatal(err)
			}
			want := jsonnetTLACode(t, source, renderTemplate, ctx)
			res := runCaddy(t, "", nil, "render", "--template", source, "--fixture", f.name, "--body-only", "--kratos").mustSucceed(t)
			if res.stdout != want {
				t.Errorf("body differs from go-jsonnet's TLACode rendering:\n%s", lineDiff([]byte(res.stdout), []byte(want)))
			}
			if !strings.Contains(res.stderr, "EvaluateAnonymousSnippet): identical") {
				t.Errorf("--kratos does not say identical:\n%s", res.stderr)
			}
		})
		flows[strings.SplitN(f.name, "-", 2)[0]] = true
	}
	for _, flow := range []string{"registration", "login", "settings", "recovery", "verification"} {
		if !flows[flow] {
			t.Errorf("no named fixture for %s", flow)
		}
	}
}

// TestRenderHookFromConfig takes url, method, headers, auth and body from a
// hook of a Caddyfile: the request is printed with every secret masked, and
// a form-encoded hook's body is encoded as the gateway sends it.
func TestRenderHookFromConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hooks", "signup.jsonnet"), "function(ctx) { email: ctx.identity.traits.email, flow: ctx.flow.id }\n")
	writeFile(t, filepath.Join(dir, "Caddyfile"), `{
	admin off
}
http://127.0.0.1:18080 {
	ory_actions {
		kratos {
			public_url http://127.0.0.1:1
			admin_url http://127.0.0.1:2
		}
		hook registration after password {
			id crm
			url https://crm.example/hooks/signup?sig=query-hush-hush
			method PUT
			body file://./hooks/signup.jsonnet
			header X-Source gateway
			header X-Api-Token token-hush-hush
			auth basic_auth {
				user crm
				password {env.CLI_TEST_PASSWORD}
			}
			response parse
		}
		hook verification after {
			id form
			url https://forms.example/verified
			method POST
			header Content-Type application/x-www-form-urlencoded
			body <<JSONNET
				function(ctx) { flow_id: ctx.flow.id, state: ctx.flow.state }
				JSONNET
			auth api_key {
				name session_key
				value {env.CLI_TEST_COOKIE}
				in cookie
			}
			response ignore
		}
	}
	reverse_proxy 127.0.0.1:1
}
`)
	env := []string{"CLI_TEST_PASSWORD=password-hush-hush", "CLI_TEST_COOKIE=cookie-hush-hush"}
	fixturesDir := filepath.Join(repoRoot, "testdata", "kratos", "fixtures")

	res := runCaddy(t, dir, env, "render", "--config", "Caddyfile", "--hook", "crm", "--fixture", "registration-after-parse", "--fixtures-dir", fixturesDir, "--kratos").mustSucceed(t)
	for _, want := range []string{
		"PUT https://crm.example/hooks/signup?…\n",
		"Authorization: Basic ***\n",
		"X-Api-Token: ***\n",
		"X-Source: gateway\n",
		"Content-Type: application/json\n",
		"\n{\n   \"email\": \"blocked@blocked.example\",\n",
		"EvaluateAnonymousSnippet): identical",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	assertNoSecrets(t, res)

	res = runCaddy(t, dir, env, "render", "--config", "Caddyfile", "--hook", "form", "--fixture", "verification-after", "--fixtures-dir", fixturesDir).mustSucceed(t)
	for _, want := range []string{
		"POST https://forms.example/verified\n",
		"Content-Type: application/x-www-form-urlencoded\n",
		"Cookie: session_key=***\n",
		"\n\nflow_id=c0f8b38d-869a-44ee-b24b-9436026834c7&state=passed_challenge",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	assertNoSecrets(t, res)
}

// assertNoSecrets fails when a value the test configured as a secret
// (all end in "-hush-hush") reaches the output.
func assertNoSecrets(t *testing.T, res result) {
	t.Helper()
	if strings.Contains(res.stdout+res.stderr, "hush") {
		t.Errorf("a secret was printed:\nstdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	}
}

// TestRenderShowsWhereKratosDiffers uses a template reading
// ctx.transient_payload, which the gateway provides and Kratos v1.3.1 does
// not: --kratos must say so rather than "identical".
func TestRenderShowsWhereKratosDiffers(t *testing.T) {
	tmpl := writeFile(t, filepath.Join(t.TempDir(), "tp.jsonnet"), "function(ctx) { tp: ctx.transient_payload }\n")
	res := runCaddy(t, "", nil, "render", "--template", tmpl, "--fixture", "registration-after-parse", "--kratos").mustSucceed(t)
	for _, want := range []string{`"consent": "newsletter"`, "Kratos fails where the gateway renders", "Field does not exist: transient_payload"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
}

// TestRenderRefusesABadCtx: a ctx must be a JSON object (stdin is empty).
func TestRenderRefusesABadCtx(t *testing.T) {
	res := runCaddy(t, "", nil, "render", "--template", "base64://e30=", "--ctx", "-").mustFail(t)
	if !strings.Contains(res.stderr, "ctx from stdin: not a JSON object") {
		t.Errorf("stderr: %s", res.stderr)
	}
}

// TestRenderFixtureList names every fixture --fixture takes.
func TestRenderFixtureList(t *testing.T) {
	res := runCaddy(t, "", nil, "render", "--fixture", "list").mustSucceed(t)
	for _, f := range namedFixtures {
		if !strings.Contains(res.stdout, f.name+" ") || !strings.Contains(res.stdout, f.file+".json#") {
			t.Errorf("list lacks %s (%s)", f.name, f.file)
		}
	}
	res = runCaddy(t, "", nil, "render", "--template", "base64://e30=", "--fixture", "nope").mustFail(t)
	if !strings.Contains(res.stderr, `--fixture "nope"`) {
		t.Errorf("stderr: %s", res.stderr)
	}
}
