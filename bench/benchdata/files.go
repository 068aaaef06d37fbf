package benchdata

import (
	"os"
	"path/filepath"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/fixtures"
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

// Fixture reads one recorded exchange from testdata/kratos/fixtures.
func Fixture(name string) ([]byte, error) { return fixtures.Read(name) }

// RepoRoot is the directory of the module's go.mod.
func RepoRoot() (string, error) { return fixtures.RepoRoot() }

func readRepoFile(parts ...string) ([]byte, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(append([]string{root}, parts...)...))
}
