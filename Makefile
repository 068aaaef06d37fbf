# caddy-ory-actions: build, test and demo.
#
#   make test   gofmt, go vet, go test -race (with a real Kratos and Hydra), xcaddy smoke test
#   make demo   Kratos + Caddy with ory_actions + an example webhook receiver
#
# Tools land in bin/ (gitignored). Needs Go, a C compiler (Kratos's SQLite
# driver uses cgo) and curl for the demo.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
# `make test` runs its steps in the order listed, also under -j.
.NOTPARALLEL:

# KRATOS_VERSION, HYDRA_VERSION, CADDY_VERSION, XCADDY_VERSION: one source of truth.
include versions.env
MODULE         := github.com/caddy-ory-actions/caddy-ory-actions

# Every Go file of the module; testdata may hold deliberately broken ones.
GO_FILES   := $(shell find . \( -path ./.git -o -path ./bin -o -path ./.cache -o -name testdata \) -prune -o -name '*.go' -print)
# What goes into bin/caddy (the receiver and test helpers are harmless extras).
GO_SOURCES := $(filter-out %_test.go,$(GO_FILES)) go.mod go.sum

header = @printf '\n==== %s\n' $(1)

.PHONY: test deps deps-browser fmt-check vet unit conformance smoke demo bench clean

test: deps-browser fmt-check vet unit conformance smoke
	$(call header,"make test: all passed")

fmt-check:
	$(call header,"gofmt")
	@unformatted="$$(gofmt -l $(GO_FILES))"; \
	if [ -n "$$unformatted" ]; then \
		echo "these files need gofmt -w:"; echo "$$unformatted"; exit 1; \
	fi; echo "ok"

# What the tests and the demo need besides Go: a C compiler, curl, Chromium for
# the browser test (scripts/deps.sh installs it
# with apt-get when missing, or says what to run).
deps:
	@scripts/deps.sh

deps-browser:
	@scripts/deps.sh --browser

vet:
	$(call header,"go vet")
	go vet ./...

# KRATOS_BIN tells internal/kratostest to use this binary rather than build one.
# The conformance suite runs as its own step so its summary line always shows.
unit: bin/kratos bin/hydra
	$(call header,"go test -race")
	KRATOS_BIN=$(CURDIR)/bin/kratos HYDRA_BIN=$(CURDIR)/bin/hydra go test -race -count=1 $$(go list ./... | grep -v /conformance$$)

# Every scenario against Kratos's native web_hook and against the gateway;
# fails on any difference conformance/differences.go does not document.
conformance: bin/kratos bin/hydra
	$(call header,"conformance: Kratos native hooks vs the gateway")
	@mkdir -p .cache; status=0; \
	KRATOS_BIN=$(CURDIR)/bin/kratos HYDRA_BIN=$(CURDIR)/bin/hydra go test -race -count=1 -v ./conformance > .cache/conformance.log 2>&1 || status=$$?; \
	grep -E -A40 'undocumented difference' .cache/conformance.log || true; \
	grep -E -A30 '^[[:space:]]*--- FAIL' .cache/conformance.log | cut -c1-400 || true; \
	grep -E '^(ok|FAIL)' .cache/conformance.log || true; \
	grep '^conformance:' .cache/conformance.log || tail -20 .cache/conformance.log; \
	exit $$status

# The README's build line must produce a Caddy that has the module and loads
# the example configuration. Throw-away values stand in for the demo's env.
smoke: bin/caddy
	$(call header,"xcaddy smoke test")
	bin/caddy list-modules | grep -x http.handlers.ory_actions
	DEMO_HOOK_KEY=smoke-test ORY_ACTIONS_SECRET=smoke-test-secret-smoke-test-secret-0123 \
		bin/caddy validate --config examples/Caddyfile --adapter caddyfile

demo: deps bin/kratos bin/caddy bin/receiver
	examples/demo.sh

# Benchmarks (BENCHMARKS.md): pass-through and hooked registration side by
# side with plain Caddy and Kratos's native web_hook, plus Go micro-benchmarks.
bench: bin/kratos bin/caddy
	bash bench/run.sh

# Kratos from the tools module. The stamp is the one internal/kratostest
# writes (sha256 of tools/kratos/go.mod, then the version), so the tests do
# not rebuild a binary made here.
bin/kratos: tools/kratos/go.mod tools/kratos/go.sum | deps
	$(call header,"building Kratos $(KRATOS_VERSION) (about two minutes when not cached)")
	@mkdir -p bin
	cd tools/kratos && CGO_ENABLED=1 GOWORK=off go build -tags sqlite \
		-ldflags "-X github.com/ory/kratos/driver/config.Version=$(KRATOS_VERSION)" \
		-o ../../bin/kratos.tmp-make github.com/ory/kratos
	mv bin/kratos.tmp-make bin/kratos
	printf '%s %s\n' "$$(sha256sum tools/kratos/go.mod | cut -d' ' -f1)" $(KRATOS_VERSION) > bin/kratos.stamp

# Ory Hydra from its tools module: the OpenID Connect provider of the
# social sign-in tests (internal/hydratest builds it the same way).
bin/hydra: tools/hydra/go.mod tools/hydra/go.sum | deps
	$(call header,"building Hydra $(HYDRA_VERSION) (about a minute when not cached)")
	@mkdir -p bin
	cd tools/hydra && CGO_ENABLED=1 GOWORK=off go build -tags sqlite -o ../../bin/hydra.tmp-make github.com/ory/hydra/v2
	mv bin/hydra.tmp-make bin/hydra

# Built like any Caddy plugin (scripts/build-caddy.sh, also used by
# xcaddy.Dockerfile): xcaddy at versions.env's versions, the module from
# this checkout.
bin/caddy: $(GO_SOURCES) versions.env scripts/build-caddy.sh
	$(call header,"building Caddy $(CADDY_VERSION) with the module (xcaddy $(XCADDY_VERSION))")
	@mkdir -p bin
	scripts/build-caddy.sh bin/caddy .

bin/receiver: $(wildcard examples/receiver/*.go)
	go build -o bin/receiver ./examples/receiver

clean:
	rm -rf bin .cache/demo
