package oryactions

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The Docker build and the Makefile use the same Caddy version:
// versions.env is the source, xcaddy.Dockerfile repeats it as an ARG
// default (a Dockerfile cannot read a file before FROM).
func TestDockerfileVersionsMatchVersionsEnv(t *testing.T) {
	env, err := os.ReadFile("versions.env")
	if err != nil {
		t.Fatal(err)
	}
	docker, err := os.ReadFile("xcaddy.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	caddy := regexp.MustCompile(`(?m)^CADDY_VERSION=(\S+)$`).FindSubmatch(env)
	arg := regexp.MustCompile(`(?m)^ARG CADDY_VERSION=(\S+)$`).FindSubmatch(docker)
	if caddy == nil || arg == nil {
		t.Fatalf("versions not found: versions.env %q, Dockerfile %q", caddy, arg)
	}
	if strings.TrimPrefix(string(caddy[1]), "v") != string(arg[1]) {
		t.Fatalf("xcaddy.Dockerfile builds Caddy %s, versions.env says %s", arg[1], caddy[1])
	}
	if !strings.Contains(string(docker), "scripts/build-caddy.sh") {
		t.Fatal("the Dockerfile must build with scripts/build-caddy.sh, as the Makefile does")
	}
	mk, _ := os.ReadFile("Makefile")
	if !strings.Contains(string(mk), "include versions.env") || !strings.Contains(string(mk), "scripts/build-caddy.sh") {
		t.Fatal("the Makefile must take its versions from versions.env and build with scripts/build-caddy.sh")
	}
}

// The tools modules build the Kratos and Hydra versions versions.env names.
func TestToolModulesMatchVersionsEnv(t *testing.T) {
	env, err := os.ReadFile("versions.env")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ key, gomod, module string }{
		{"KRATOS_VERSION", "tools/kratos/go.mod", "github.com/ory/kratos"},
		{"HYDRA_VERSION", "tools/hydra/go.mod", "github.com/ory/hydra/v2"},
	} {
		v := regexp.MustCompile(`(?m)^` + tc.key + `=(\S+)$`).FindSubmatch(env)
		mod, err := os.ReadFile(tc.gomod)
		if v == nil || err != nil {
			t.Fatalf("%s: version %q, go.mod: %v", tc.key, v, err)
		}
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(tc.module) + ` ` + regexp.QuoteMeta(string(v[1])) + `\b`).Match(mod) {
			t.Errorf("%s does not require %s %s (versions.env %s)", tc.gomod, tc.module, v[1], tc.key)
		}
	}
}
