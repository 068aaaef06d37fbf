package benchdata

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// SeedTemplate returns the source of one of the example (seed) templates in
// examples/hooks, e.g. "invite_code".
func SeedTemplate(name string) (string, error) {
	b, err := readRepoFile("examples", "hooks", name+".jsonnet")
	return string(b), err
}

// SeedTemplates names the example templates that read a registration ctx
// without imports.
var SeedTemplates = []string{"invite_code", "segment_identify", "user_id"}

// Fixture reads one recorded exchange from shared/kratos/fixtures.
func Fixture(name string) ([]byte, error) {
	dir, err := findUp(filepath.Join("shared", "kratos", "fixtures"))
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, name))
}

// RepoRoot is the directory of the module's go.mod, found by walking up
// from the working directory (a package directory under go test).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/caddy-ory-actions/caddy-ory-actions\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("benchdata: the module's go.mod was not found above the working directory")
		}
		dir = parent
	}
}

func readRepoFile(parts ...string) ([]byte, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(append([]string{root}, parts...)...))
}

// findUp returns the first directory named rel above the working directory.
func findUp(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, rel)
		if fi, err := os.Stat(candidate); err == nil && fi.IsDir() {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("benchdata: %s not found above the working directory", rel)
		}
		dir = parent
	}
}
