package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/fixtures"
)

// caddyBin is Caddy with this module, built once for the package by
// TestMain from testdata/caddymain, as xcaddy would build it.
var caddyBin string

// repoRoot is the module's directory: the examples' relative paths are
// relative to it, as for `make demo`.
var repoRoot string

func TestMain(m *testing.M) {
	code, err := buildAndRun(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func buildAndRun(m *testing.M) (int, error) {
	root, err := fixtures.RepoRoot()
	if err != nil {
		return 0, err
	}
	repoRoot = root
	dir, err := os.MkdirTemp("", "ory-actions-cli-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	caddyBin = filepath.Join(dir, "caddy")
	build := exec.Command("go", "build", "-o", caddyBin, "./internal/cli/testdata/caddymain")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("building caddy: %v\n%s", err, out)
	}
	return m.Run(), nil
}

// result is one run of the built binary.
type result struct {
	stdout, stderr string
	code           int
}

// runCaddy runs `caddy ory-actions args…` in dir (the repository root when
// empty) with env added to the test's environment.
func runCaddy(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), caddyBin, append([]string{"ory-actions"}, args...)...)
	cmd.Dir = dir
	if dir == "" {
		cmd.Dir = repoRoot
	}
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running caddy: %v", err)
	}
	return res
}

// mustSucceed fails the test unless the run exited 0.
func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// mustFail fails the test unless the run exited non-zero.
func (r result) mustFail(t *testing.T) result {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("exit 0, want a failure\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	return r
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
