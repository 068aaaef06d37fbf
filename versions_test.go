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
