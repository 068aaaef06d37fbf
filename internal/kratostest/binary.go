// Package kratostest starts a real Ory Kratos v1.3.1 for tests: it builds
// the binary from the repository's tools/kratos module once, then runs one
// Kratos per test on free loopback ports with an in-memory SQLite database
// and the configuration the captured fixtures were made with (the setup the exchanges in testdata/kratos/fixtures were recorded with).
package kratostest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// modulePath identifies the repository root while walking up directories.
const modulePath = "github.com/caddy-ory-actions/caddy-ory-actions"

// kratosVersion is stamped into the binary so Kratos reports (and checks its
// config's `version` against) the release it is built from; without it a
// module build calls itself "master".
const kratosVersion = "v1.3.1"

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary returns the path of a Kratos v1.3.1 binary: $KRATOS_BIN if set, else
// <repo>/bin/kratos, built from <repo>/tools/kratos with `go build -tags
// sqlite` if it is missing (delete it to force a rebuild). A file lock keeps
// parallel test packages from building it twice. The build needs cgo (a C
// compiler) for SQLite and takes minutes.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("KRATOS_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("kratostest: KRATOS_BIN: %v", err)
		}
		return p
	}
	buildOnce.Do(func() {
		start := time.Now()
		var built bool
		buildPath, built, buildErr = ensureBinary()
		if built {
			t.Logf("kratostest: built %s in %s", buildPath, time.Since(start).Round(time.Second))
		}
	})
	if buildErr != nil {
		t.Fatalf("kratostest: %v", buildErr)
	}
	return buildPath
}

// ensureBinary returns <repo>/bin/kratos, building it first when needed, and
// whether it built.
func ensureBinary() (string, bool, error) {
	return EnsureTool("kratos", "-tags", "sqlite",
		"-ldflags", "-X github.com/ory/kratos/driver/config.Version="+kratosVersion,
		"github.com/ory/kratos")
}

// EnsureTool returns <repo>/bin/<name>, first building it when missing with
// `go build <args>` in the tools/<name> module, and whether it built. A
// file lock keeps parallel test packages from building it twice; cgo is
// on (the SQLite drivers need it).
func EnsureTool(name string, args ...string) (string, bool, error) {
	root, err := repoRoot()
	if err != nil {
		return "", false, err
	}
	toolsDir := filepath.Join(root, "tools", name)
	binDir := filepath.Join(root, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", false, err
	}
	out := filepath.Join(binDir, name)
	if exists(out) {
		return out, false, nil
	}

	unlock, err := lockFile(filepath.Join(binDir, "."+name+"-build.lock"))
	if err != nil {
		return "", false, err
	}
	defer unlock()
	if exists(out) { // another package built it meanwhile
		return out, false, nil
	}

	tmp := fmt.Sprintf("%s.tmp-%d", out, os.Getpid())
	defer os.Remove(tmp)
	cmd := exec.Command(goCommand(), append([]string{"build", "-o", tmp}, args...)...)
	cmd.Dir = toolsDir
	// GOWORK=off keeps a developer's go.work from pulling the tools module
	// into another build list.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOWORK=off")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return "", false, fmt.Errorf("building %s in %s: %v\n%s", name, toolsDir, err, output.String())
	}
	// Renaming is atomic: no test ever sees a half-written binary.
	if err := os.Rename(tmp, out); err != nil {
		return "", false, err
	}
	return out, true, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// goCommand finds the go tool: the one on PATH, else the one of the
// toolchain running the tests.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// repoRoot walks up from the working directory (a package directory under
// `go test`) to the directory whose go.mod declares this module.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isModuleRoot(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod of " + modulePath + ") not found above the working directory")
		}
		dir = parent
	}
}

func isModuleRoot(goMod string) bool {
	f, err := os.Open(goMod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "module ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "module ")) == modulePath
		}
	}
	return false
}
