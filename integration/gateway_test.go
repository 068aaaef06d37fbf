package integration

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddy-ory-actions/caddy-ory-actions" // the ory_actions handler

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// One real Kratos serves every integration test of this package: starting it
// costs seconds, and tests isolate themselves by using fresh e-mail
// addresses and fresh flows.
var (
	sharedKratos     *kratostest.Kratos
	sharedKratosOnce sync.Once
	gatewayMu        sync.Mutex
	// adminPort is this test process's own Caddy admin port: a fixed one
	// (caddytest's 2999) would let two test processes load configs into
	// each other's Caddy.
	adminPort     int
	adminPortOnce sync.Once
)

// kratosForTests starts (once) the real Kratos v1.3.1 the tests run against.
func kratosForTests(t *testing.T) *kratostest.Kratos {
	t.Helper()
	sharedKratosOnce.Do(func() {
		var err error
		if sharedKratos, err = kratostest.StartShared(kratostest.Options{}); err != nil {
			t.Fatalf("starting Kratos: %v", err)
		}
	})
	if sharedKratos == nil {
		t.Fatal("Kratos did not start; see the first failing test")
	}
	return sharedKratos
}

func TestMain(m *testing.M) {
	if os.Getenv(asCaddyEnv) == "1" {
		// This test binary re-executed as Caddy (with ory_actions) for the
		// tests that need a real process to kill (durable_test.go).
		caddycmd.Main()
		return
	}
	code := m.Run()
	if sharedKratos != nil {
		sharedKratos.Stop()
	}
	os.Exit(code)
}

// gateway is Caddy, in-process, with ory_actions in front of Kratos.
type gateway struct {
	URL    string
	kratos *kratostest.Kratos
}

// startGateway loads a Caddyfile whose ory_actions block holds hooksBlock
// (hook directives and any other subdirectives) in front of the shared
// Kratos. Tests using it must not run in parallel: Caddy has one config.
func startGateway(t *testing.T, hooksBlock string) *gateway {
	t.Helper()
	return startGatewayReading(t, "", "", hooksBlock)
}

// startGatewayReading is startGateway with the module reading Kratos's
// public API at publicURL ("" = the real one) while reverse_proxy still
// reaches the real Kratos: for outage tests.
func startGatewayReading(t *testing.T, publicURL, siteExtra, hooksBlock string) *gateway {
	t.Helper()
	return startGatewayOn(t, kratosForTests(t), publicURL, siteExtra, hooksBlock)
}

// startGatewayOn is startGatewayReading in front of a Kratos of the test's
// own (a configuration variant).
func startGatewayOn(t *testing.T, k *kratostest.Kratos, publicURL, siteExtra, hooksBlock string) *gateway {
	t.Helper()
	return startGatewayAt(t, freePort(t), k, publicURL, siteExtra, hooksBlock)
}

// startGatewayAt is startGatewayOn on a port reserved beforehand, for a
// Kratos whose public base URL is the gateway (so that every redirect
// Kratos writes leads back through it, as in a real deployment).
func startGatewayAt(t *testing.T, port int, k *kratostest.Kratos, publicURL, siteExtra, hooksBlock string) *gateway {
	t.Helper()
	if publicURL == "" {
		publicURL = k.PublicURL
	}
	gatewayMu.Lock()
	t.Cleanup(gatewayMu.Unlock)
	adminPortOnce.Do(func() { adminPort = freePort(t) })
	cfg := fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	skip_install_trust
	persist_config off
}
http://127.0.0.1:%d {
	ory_actions {
		kratos {
			public_url %s
			admin_url %s
		}
		secret test-secret-not-for-production-0123456789
		%s
%s
	}
	%s
	reverse_proxy %s
}
`, adminPort, port, port, publicURL, k.AdminURL, errorUILine(hooksBlock), indent(hooksBlock, "\t\t"), siteExtra, strings.TrimPrefix(k.PublicURL, "http://"))
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: adminPort})
	tester.InitServer(cfg, "caddyfile")
	return &gateway{URL: fmt.Sprintf("http://127.0.0.1:%d", port), kratos: k}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = prefix + strings.TrimLeft(l, "\t ")
		}
	}
	return strings.Join(lines, "\n")
}

// freePort is a port for a gateway started later, outside the kernel's
// ephemeral range (see kratostest.FreePort).
func freePort(t *testing.T) int {
	t.Helper()
	return kratostest.FreePort(t)
}

// noRedirectClient returns a client with a cookie jar that does not follow
// redirects, like a browser's fetch with redirect: manual.
func noRedirectClient(t *testing.T) *http.Client {
	t.Helper()
	return &http.Client{
		Jar:           newJar(t),
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// noErrorUI in a hooks block leaves error_ui_url out of the gateway's
// config, so the gateway must learn it from Kratos.
const noErrorUI = "# no error_ui_url"

// errorUILine is the error_ui_url line of the test config.
func errorUILine(hooksBlock string) string {
	if strings.Contains(hooksBlock, noErrorUI) {
		return ""
	}
	return "error_ui_url " + kratostest.DefaultUIBaseURL + "/error"
}
