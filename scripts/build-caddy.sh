#!/usr/bin/env bash
# Builds Caddy with the ory_actions module the way Caddy plugins are built:
# xcaddy, at the versions of versions.env. Used by `make bin/caddy` and by
# xcaddy.Dockerfile, so both produce the same binary.
#
#   scripts/build-caddy.sh OUTPUT [MODULE_SOURCE]
#
# MODULE_SOURCE is where the module comes from: a checkout directory (the
# default, ".") or a version ("" = the latest published one).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../versions.env
source "$here/versions.env"
out=$1
src=${2-.}
module=github.com/caddy-ory-actions/caddy-ory-actions
# xcaddy itself at the pinned version, installed into bin/ once.
xcaddy=$here/bin/xcaddy-$XCADDY_VERSION
if [[ ! -x $xcaddy ]]; then
	mkdir -p "$here/bin"
	GOBIN=$(mktemp -d) && GOBIN=$GOBIN go install "github.com/caddyserver/xcaddy/cmd/xcaddy@$XCADDY_VERSION"
	mv "$GOBIN/xcaddy" "$xcaddy"
fi
with=$module
if [[ $src == . || $src == /* || $src == ./* ]]; then
	# A checkout: GOPRIVATE + GOVCS=off keep the `go get` inside xcaddy from
	# asking a module proxy, which may refuse (403) an unpublished module.
	export GOPRIVATE=$module GOVCS=$module:off
	with="$module=$(cd "$src" && pwd)"
elif [[ -n $src ]]; then
	with="$module@$src"
fi
"$xcaddy" build "$CADDY_VERSION" --output "$out" --with "$with"
