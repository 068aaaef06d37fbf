package gateway

import (
	"os/exec"
	"strings"
	"testing"
)

// The gateway is plain Go: only the root package imports Caddy.
func TestGatewayDoesNotImportCaddy(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(dep, "github.com/caddyserver/") {
			t.Errorf("internal/gateway depends on %s", dep)
		}
	}
}
