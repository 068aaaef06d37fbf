package cli

import (
	"os/exec"
	"strings"
	"testing"
)

// The commands are plain Go: Caddy reaches them only through Host, filled
// in by the module's commands.go.
func TestCLIDoesNotImportCaddy(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(dep, "github.com/caddyserver/") {
			t.Errorf("internal/cli depends on %s", dep)
		}
	}
}
