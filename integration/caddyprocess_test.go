package integration

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// asCaddyEnv makes the test binary run as Caddy (see TestMain).
const asCaddyEnv = "ORY_ACTIONS_TEST_AS_CADDY"

// caddyProcess is Caddy with ory_actions as a separate process, so that a
// test can kill -9 it: the in-process Caddy of the other tests cannot
// crash without taking the test with it.
type caddyProcess struct {
	URL  string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

// syncBuffer collects a process's output for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// gatewayCaddyfile is a whole Caddyfile: ory_actions with block in front
// of k on port.
func gatewayCaddyfile(port int, k *kratostest.Kratos, block string) string {
	return fmt.Sprintf(`{
	admin off
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
		error_ui_url %s/error
%s
	}
	reverse_proxy %s
}
`, port, port, k.PublicURL, k.AdminURL, kratostest.DefaultUIBaseURL, indent(block, "\t\t"), strings.TrimPrefix(k.PublicURL, "http://"))
}

// startCaddyProcess runs the test binary as `caddy run` with caddyfile and
// waits until it answers on port. dataDir is Caddy's data directory
// (XDG_DATA_HOME), where the embedded JetStream store lives by default.
func startCaddyProcess(t *testing.T, port int, caddyfile, dataDir string) *caddyProcess {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(cfgPath, []byte(caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &caddyProcess{URL: fmt.Sprintf("http://127.0.0.1:%d", port), out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(testBinary(t), "run", "--config", cfgPath, "--adapter", "caddyfile")
	p.cmd.Env = append(os.Environ(), asCaddyEnv+"=1", "XDG_DATA_HOME="+dataDir, "XDG_CONFIG_HOME="+dir, "HOME="+dir)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.kill)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/health/alive")
		if err == nil {
			resp.Body.Close()
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("caddy exited before answering:\n%s", p.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("caddy did not answer on %s within 60s:\n%s", p.URL, p.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill is kill -9: no Cleanup, no drain, nothing flushed.
func (p *caddyProcess) kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// testBinary is this test binary's path (os.Args[0] may be rewritten by
// the packages the test links).
func testBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}
