package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile" // the Caddyfile adapter
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/caddy-ory-actions/caddy-ory-actions"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// stack is what the browser talks to: one origin (the gateway) serving the
// example UI under /ui/ and proxying everything else to Kratos through
// ory_actions, plus the web hook receiver behind it.
type stack struct {
	URL      string // the gateway, e.g. http://127.0.0.1:40123
	kratos   *kratostest.Kratos
	receiver *receiver
	hooksDir string
	caddyLog string
}

// caddyfileInput fills testdata/Caddyfile.tmpl.
type caddyfileInput struct {
	Host                                        string
	Port                                        int
	LogFile, UIDir, HooksDir                    string
	KratosPublic, KratosPublicHost, KratosAdmin string
	Receiver                                    string
	ExtraHooks                                  string
}

// stackOptions vary the stack: the host name of the gateway's origin
// (WebAuthn needs localhost), Kratos's configuration, and hook directives
// added to the template's (in which {{.Receiver}} and {{.HooksDir}} are
// replaced as in the template).
type stackOptions struct {
	host       string
	configure  func(origin string) func(cfg map[string]any)
	extraHooks string
}

// startStack starts Kratos (its public base URL and UI URLs on the gateway's
// origin, so ui.action and every redirect lead the browser back through
// Caddy), the receiver, and Caddy in-process with the admin API off.
func startStack(t *testing.T) *stack {
	t.Helper()
	return startStackWith(t, stackOptions{})
}

// startStackWith is startStack with options.
func startStackWith(t *testing.T, o stackOptions) *stack {
	t.Helper()
	if o.host == "" {
		o.host = "127.0.0.1"
	}
	uiDir, err := filepath.Abs(filepath.Join("..", "examples", "ui"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(uiDir, "index.html")); err != nil {
		t.Fatalf("the example UI is missing: %v", err)
	}
	hooksDir, err := filepath.Abs(filepath.Join("testdata", "hooks"))
	if err != nil {
		t.Fatal(err)
	}

	port := kratostest.FreePort(t)
	gatewayURL := fmt.Sprintf("http://%s:%d", o.host, port)
	opts := kratostest.Options{PublicBaseURL: gatewayURL + "/", UIBaseURL: gatewayURL + "/ui"}
	if o.configure != nil {
		opts.Configure = o.configure(gatewayURL)
	}
	k := kratostest.Start(t, opts)
	rc := startReceiver(t)

	s := &stack{URL: gatewayURL, kratos: k, receiver: rc, hooksDir: hooksDir, caddyLog: filepath.Join(t.TempDir(), "caddy.log")}
	o.extraHooks = strings.NewReplacer("{{.Receiver}}", rc.URL, "{{.HooksDir}}", hooksDir).Replace(o.extraHooks)
	cfg := renderCaddyfile(t, caddyfileInput{
		Host: o.host, Port: port, LogFile: s.caddyLog, UIDir: uiDir, HooksDir: hooksDir, ExtraHooks: o.extraHooks,
		KratosPublic: k.PublicURL, KratosPublicHost: strings.TrimPrefix(k.PublicURL, "http://"), KratosAdmin: k.AdminURL,
		Receiver: rc.URL,
	})
	adapted, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt(cfg, nil)
	if err != nil {
		t.Fatalf("adapting the Caddyfile: %v\n%s", err, cfg)
	}
	for _, w := range warnings {
		t.Logf("Caddyfile warning: %s", w.String())
	}
	if err := caddy.Load(adapted, true); err != nil {
		t.Fatalf("loading the Caddy config: %v", err)
	}
	t.Cleanup(func() {
		if err := caddy.Stop(); err != nil {
			t.Errorf("stopping Caddy: %v", err)
		}
		if t.Failed() {
			log, _ := os.ReadFile(s.caddyLog)
			t.Logf("Caddy log:\n%s", log)
		}
	})
	return s
}

func renderCaddyfile(t *testing.T, in caddyfileInput) []byte {
	t.Helper()
	tmpl, err := template.ParseFiles(filepath.Join("testdata", "Caddyfile.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, in); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// identitiesWith returns Kratos's admin answer (a JSON list, compacted) for
// the identities whose credentials identifier is email.
func (s *stack) identitiesWith(t *testing.T, email string) string {
	t.Helper()
	resp, err := http.Get(s.kratos.AdminURL + "/admin/identities?credentials_identifier=" + url.QueryEscape(email))
	if err != nil {
		t.Fatalf("listing identities: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("listing identities: %d %s (%v)", resp.StatusCode, body, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		t.Fatalf("listing identities: %v: %s", err, body)
	}
	return compact.String()
}
