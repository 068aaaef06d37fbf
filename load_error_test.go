package oryactions

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/durable"
)

// loadCaddyfile adapts and provisions a config the way `caddy run` does,
// without serving it, and returns the load error.
func loadCaddyfile(t *testing.T, caddyfile string) error {
	t.Helper()
	cfgJSON, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
	if err != nil {
		return err
	}
	var cfg caddy.Config
	if err := caddy.StrictUnmarshalJSON(cfgJSON, &cfg); err != nil {
		return err
	}
	return caddy.Validate(&cfg)
}

// site wraps an ory_actions body in a minimal site.
func site(body string) string {
	return "{\n\tadmin off\n}\n:0 {\n\tory_actions {\n\t\tkratos {\n\t\t\tpublic_url http://127.0.0.1:4433\n\t\t\tadmin_url http://127.0.0.1:4434\n\t\t}\n" + body + "\n\t}\n\trespond ok\n}\n"
}

func TestBadConfigFailsAtLoadNamingTheKey(t *testing.T) {
	dir := t.TempDir()
	badTemplate := filepath.Join(dir, "bad.jsonnet")
	if err := os.WriteFile(badTemplate, []byte("function(ctx) {\n  a: ctx.flow.id,\n  b: ,\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, body string
		want       []string
	}{
		{"unknown flow", "hook signup after {\n url http://127.0.0.1:9/\n method POST\n}", []string{"hooks[0]", "flow", `"signup"`}},
		{"unknown when", "hook login during {\n url http://127.0.0.1:9/\n method POST\n}", []string{"hooks[0]", "when", `"during"`}},
		{"unknown method", "hook login after fingerprint {\n url http://127.0.0.1:9/\n method POST\n}", []string{"hooks[0]", "method", `"fingerprint"`}},
		{"saml is not a Kratos v1.3.1 method", "hook registration after saml {\n url http://127.0.0.1:9/\n method POST\n}", []string{"hooks[0]", "method", `"saml"`}},
		{"profile completes no registration", "hook registration after profile {\n url http://127.0.0.1:9/\n method POST\n}", []string{"hooks[0]", "method", `"profile"`}},
		{"identifier_first completes no login", "hook login after identifier_first {\n url http://127.0.0.1:9/\n method POST\n}", []string{"hooks[0]", "method", `"identifier_first"`}},
		{"method on before", "hook login before password {\n url http://127.0.0.1:9/\n method POST\n}", []string{"hooks[0]", "method"}},
		{"ignore and parse", "hook login after {\n url http://127.0.0.1:9/\n method POST\n response parse\n response ignore\n}", []string{"hooks[0]", "response", "ignore", "parse"}},
		{"missing url", "hook login after {\n method POST\n}", []string{"hooks[0]", "url"}},
		{"missing method", "hook login after {\n url http://127.0.0.1:9/\n}", []string{"hooks[0]", "method"}},
		{"basic auth without password", "hook login after {\n url http://127.0.0.1:9/\n method POST\n auth basic_auth {\n user u\n }\n}", []string{"hooks[0]", "auth.config.password"}},
		{"api key without name", "hook login after {\n url http://127.0.0.1:9/\n method POST\n auth api_key {\n value v\n in header\n }\n}", []string{"hooks[0]", "auth.config.name"}},
		{"api key bad in", "hook login after {\n url http://127.0.0.1:9/\n method POST\n auth api_key {\n name n\n value v\n in query\n }\n}", []string{"hooks[0]", "auth.config.in"}},
		{"unreadable template", "hook login after {\n url http://127.0.0.1:9/\n method POST\n body file://" + filepath.Join(dir, "missing.jsonnet") + "\n}", []string{"hooks[0]", "body", "missing.jsonnet"}},
		{"template syntax error names the line", "hook login after {\n url http://127.0.0.1:9/\n method POST\n body file://" + badTemplate + "\n}", []string{"hooks[0]", "body", "bad.jsonnet:3"}},
		{"inline template syntax error", "hook login after {\n url http://127.0.0.1:9/\n method POST\n body base64://" + base64.StdEncoding.EncodeToString([]byte("function(ctx) {")) + "\n}", []string{"hooks[0]", "body"}},
		{"durable nats is not a URL", "async {\n durable {\n nats http://127.0.0.1:4222\n }\n}", []string{"async.durable.nats", "http://127.0.0.1:4222"}},
		{"durable store_dir with nats", "async {\n durable {\n nats nats://127.0.0.1:4222\n store_dir /tmp/x\n }\n}", []string{"async.durable.store_dir"}},
		{"durable bad backoff", "async {\n durable {\n backoff 1s soon\n }\n}", []string{"backoff", `"soon"`}},
		{"durable unknown key", "async {\n durable {\n replicas 3\n }\n}", []string{"durable", "replicas"}},
		{"durable stream name", "async {\n durable {\n nats nats://127.0.0.1:4222\n stream a.b\n }\n}", []string{"async.durable.stream"}},
		{"durable redelivery before a hook's timeout", "async {\n durable {\n redeliver_after 10s\n }\n}\nhook registration after {\n id crm\n url http://127.0.0.1:9/\n method POST\n response ignore\n timeout 15s\n}", []string{"async.durable.redeliver_after", "crm", "15s"}},
		{"durable nats unreachable", "async {\n nats nats://127.0.0.1:1\n}", []string{"async.durable.nats"}},
		{"second hook is named", "hook login after {\n url http://127.0.0.1:9/\n method POST\n}\nhook registration after {\n id crm\n url ftp://x\n method POST\n}", []string{"hooks[1]", "crm", "url"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := loadCaddyfile(t, site(tc.body))
			if err == nil {
				t.Fatal("want a load error, got none")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// An embedded durable store opens at load (and closes at cleanup), and a
// store a running process holds fails the load naming the key.
func TestDurableEmbeddedStoreLoads(t *testing.T) {
	dir := t.TempDir()
	body := "async {\n durable {\n store_dir " + dir + "\n }\n}\nhook registration after {\n url http://127.0.0.1:9/\n method POST\n response ignore\n}"
	if err := loadCaddyfile(t, site(body)); err != nil {
		t.Fatalf("want the config to load, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jetstream")); err != nil {
		t.Errorf("the embedded store was not created under store_dir: %v", err)
	}
	e, err := durable.StartEmbedded(dir)
	if err != nil {
		t.Fatalf("the store is still held after cleanup: %v", err)
	}
	defer e.Close()
	err = loadCaddyfile(t, site(body))
	if err == nil || !strings.Contains(err.Error(), "async.durable.store_dir") || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("want an in-use error naming async.durable.store_dir, got %v", err)
	}
}

func TestParseHookWithoutAdminURLFailsAtLoad(t *testing.T) {
	cfg := "{\n\tadmin off\n}\n:0 {\n\tory_actions {\n\t\tkratos {\n\t\t\tpublic_url http://127.0.0.1:4433\n\t\t}\n\t\thook registration after {\n\t\t\turl http://127.0.0.1:9/\n\t\t\tmethod POST\n\t\t\tresponse parse\n\t\t}\n\t}\n\trespond ok\n}\n"
	err := loadCaddyfile(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "kratos.admin_url") || !strings.Contains(err.Error(), "hooks[0]") {
		t.Fatalf("want an error naming hooks[0] and kratos.admin_url, got %v", err)
	}
}

func TestMissingPublicURLFailsAtLoad(t *testing.T) {
	err := loadCaddyfile(t, "{\n\tadmin off\n}\n:0 {\n\tory_actions {\n\t}\n\trespond ok\n}\n")
	if err == nil || !strings.Contains(err.Error(), "kratos.public_url") {
		t.Fatalf("want an error naming kratos.public_url, got %v", err)
	}
}

func TestGoodConfigLoads(t *testing.T) {
	tmpl := "base64://" + base64.StdEncoding.EncodeToString([]byte("function(ctx) { id: ctx.identity.id }"))
	os.Setenv("ORY_ACTIONS_TEST_KEY", "k-123")
	defer os.Unsetenv("ORY_ACTIONS_TEST_KEY")
	body := "hook registration after password {\n url http://127.0.0.1:9/\n method POST\n body " + tmpl + "\n auth api_key {\n name X-Key\n value {env.ORY_ACTIONS_TEST_KEY}\n in header\n }\n response parse\n}"
	if err := loadCaddyfile(t, site(body)); err != nil {
		t.Fatalf("want the config to load, got %v", err)
	}
}
