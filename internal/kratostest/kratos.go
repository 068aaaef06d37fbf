package kratostest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readyTimeout bounds the wait for /admin/health/ready. Kratos with an
// in-memory database is ready in about a second (it runs its migrations on
// every start); the bound only matters on a badly overloaded machine.
const readyTimeout = 60 * time.Second

// Options adjust the Kratos that Start runs. The zero value gives the
// capture setup of the recorded exchanges in testdata/kratos/fixtures.
type Options struct {
	// UIBaseURL is the prefix of the UI URLs (/login, /registration,
	// /settings, /recovery, /verification, /error, /welcome) and of the only
	// allowed return URL. Default DefaultUIBaseURL.
	UIBaseURL string
	// FlowLifespan, when set, is the lifespan of all five self-service flows
	// (e.g. a few seconds for expiry tests). When zero, login and
	// registration flows live 10m and the others keep Kratos's default (1h),
	// as in the captures.
	FlowLifespan time.Duration
	// PublicBaseURL is Kratos's serve.public.base_url: the origin of the
	// ui.action URLs, the verification links and the schema URLs. Default
	// Kratos's own public URL. A test that puts a gateway in front of Kratos
	// reserves the gateway's port first (FreePort) and sets this to the
	// gateway's URL, so clients following ui.action reach the gateway.
	PublicBaseURL string
	// Configure, when set, may change the configuration document (the JSON
	// that Kratos loads first) before Kratos starts; SetConfig helps with
	// nested keys.
	Configure func(cfg map[string]any)
	// ExtraConfig, when set, is YAML (or JSON) that Kratos loads as a second
	// --config file on top of the base one. Kratos merges it key by key:
	// objects merge recursively, while lists and scalars replace the base's.
	// Files it refers to (file:// Jsonnet templates) belong in a directory of
	// the test's own, e.g. t.TempDir().
	ExtraConfig string
}

// Kratos is one running Kratos process, stopped by the test's cleanup.
type Kratos struct {
	// PublicURL and AdminURL are where Kratos listens, without a trailing
	// slash, e.g. "http://127.0.0.1:40123".
	PublicURL, AdminURL string
	// PublicBaseURL is the configured serve.public.base_url.
	PublicBaseURL string
	// Dir is the test's temporary directory holding the configuration, the
	// identity schema and the log.
	Dir string

	logPath   string
	proc      *process
	sharedDir string // set by StartShared: removed by Stop
}

// Start runs `kratos serve --dev --sqa-opt-out --config <dir>/kratos.json`
// on two free loopback ports with an in-memory SQLite database, waits until
// the admin API reports ready, and registers a cleanup that stops it
// (SIGTERM, then SIGKILL after 5 s) and, if the test failed, logs Kratos's
// output. If Kratos cannot bind its ports (another process took one since
// FreePort), Start retries with new ports.
func Start(t testing.TB, opt Options) *Kratos {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	schemaPath := filepath.Join(dir, "identity.schema.json")
	if err := os.WriteFile(schemaPath, identitySchema, 0o644); err != nil {
		t.Fatalf("kratostest: %v", err)
	}
	if opt.UIBaseURL == "" {
		opt.UIBaseURL = DefaultUIBaseURL
	}
	var extraPath string
	if opt.ExtraConfig != "" {
		extraPath = filepath.Join(dir, "extra.yaml")
		if err := os.WriteFile(extraPath, []byte(opt.ExtraConfig), 0o644); err != nil {
			t.Fatalf("kratostest: %v", err)
		}
	}

	k, err := startRetrying(bin, dir, schemaPath, extraPath, opt, t.Logf)
	if err != nil {
		t.Fatalf("kratostest: %v", err)
	}
	t.Cleanup(func() {
		k.proc.stop()
		if t.Failed() {
			t.Logf("kratostest: Kratos log (%s, migration lines left out):\n%s", k.logPath, filterLog(k.Log()))
		}
	})
	return k
}

// startRetrying starts Kratos, retrying with new ports when one was taken.
func startRetrying(bin, dir, schemaPath, extraPath string, opt Options, logf func(string, ...any)) (*Kratos, error) {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		k, err := startOnce(bin, dir, schemaPath, extraPath, opt, logf)
		if err == nil {
			return k, nil
		}
		if !errors.Is(err, errPortTaken) || attempt == attempts {
			return nil, err
		}
		logf("kratostest: %v; retrying with other ports", err)
	}
}

// errPortTaken marks a start that failed because a port was taken.
var errPortTaken = errors.New("a port was taken")

func startOnce(bin, dir, schemaPath, extraPath string, opt Options, logf func(string, ...any)) (*Kratos, error) {
	publicPort, err := freePort()
	if err != nil {
		return nil, err
	}
	adminPort, err := freePort()
	if err != nil {
		return nil, err
	}
	k := &Kratos{
		PublicURL: fmt.Sprintf("http://127.0.0.1:%d", publicPort),
		AdminURL:  fmt.Sprintf("http://127.0.0.1:%d", adminPort),
		Dir:       dir,
		logPath:   filepath.Join(dir, "kratos.log"),
	}
	k.PublicBaseURL = opt.PublicBaseURL
	if k.PublicBaseURL == "" {
		k.PublicBaseURL = k.PublicURL + "/"
	}
	cfg := baseConfig(baseConfigInput{
		publicBaseURL: k.PublicBaseURL, adminBaseURL: k.AdminURL + "/",
		publicPort: publicPort, adminPort: adminPort,
		uiBaseURL: opt.UIBaseURL, flowLifespan: opt.FlowLifespan,
		schemaURL: "file://" + filepath.ToSlash(schemaPath),
	})
	if opt.Configure != nil {
		opt.Configure(cfg)
	}
	doc, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	cfgPath := filepath.Join(dir, "kratos.json")
	if err := os.WriteFile(cfgPath, doc, 0o644); err != nil {
		return nil, err
	}

	args := []string{"serve", "--dev", "--sqa-opt-out", "--config", cfgPath}
	if extraPath != "" {
		args = append(args, "--config", extraPath)
	}
	logFile, err := os.Create(k.logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Kratos reads configuration from environment variables too (DSN,
	// SERVE_PUBLIC_PORT, …); a clean environment keeps the developer's or
	// CI's variables from changing the tested setup.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir(), "SQA_OPT_OUT=true"}
	proc, err := startProcess(cmd)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	k.proc = proc

	start := time.Now()
	if err := k.waitReady(); err != nil {
		proc.stop()
		log := k.Log()
		if strings.Contains(log, "address already in use") {
			return nil, fmt.Errorf("%w: %v", errPortTaken, err)
		}
		return nil, fmt.Errorf("%v\n--- kratos log ---\n%s", err, filterLog(log))
	}
	logf("kratostest: Kratos ready in %s (public %s, admin %s)", time.Since(start).Round(time.Millisecond), k.PublicURL, k.AdminURL)
	return k, nil
}

// waitReady polls the admin readiness and the public liveness endpoints
// until both answer 200, the process exits, or readyTimeout passes. Kratos
// opens its two listeners independently: the admin one ready says nothing
// of the public one, which may still be binding, or may have failed to
// bind (the process then exits moments later). A port another process
// took in the meantime shows in the log, checked once both answer.
func (k *Kratos) waitReady() error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		if k.answers200(hc, k.AdminURL+"/admin/health/ready") && k.answers200(hc, k.PublicURL+"/health/alive") {
			if strings.Contains(k.Log(), "address already in use") {
				return errors.New("a listener failed to bind")
			}
			return nil
		}
		select {
		case <-k.proc.exited:
			return fmt.Errorf("kratos exited before it was ready: %v", k.proc.waitErr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kratos not ready after %s", readyTimeout)
		}
	}
}

// answers200 reports whether a GET of u answers 200.
func (k *Kratos) answers200(hc *http.Client, u string) bool {
	resp, err := hc.Get(u)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Log returns everything Kratos has written to stdout and stderr so far.
func (k *Kratos) Log() string {
	b, err := os.ReadFile(k.logPath)
	if err != nil {
		return "(log unreadable: " + err.Error() + ")"
	}
	return string(b)
}

// filterLog drops the few hundred migration lines Kratos prints on every
// start with an in-memory database; they bury what a failing test needs.
func filterLog(log string) string {
	var b strings.Builder
	for line := range strings.Lines(log) {
		if strings.Contains(line, "migration_file=") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}
