#!/usr/bin/env bash
# Installs what `make test` and `make demo` need beyond Go, when it is
# missing: a C compiler for Kratos's cgo SQLite driver, curl for the demo,
# and Chromium (with a font) for the browser test. Debian's packages, via
# apt-get, as root or with sudo; otherwise it says in one line what to run.
set -euo pipefail

missing=()
command -v gcc >/dev/null || missing+=(gcc libc6-dev)
command -v curl >/dev/null || missing+=(curl)
if [[ ${1:-} == --browser ]]; then
	command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing+=(chromium fonts-liberation)
fi
((${#missing[@]})) || exit 0

sudo=()
if [[ $(id -u) != 0 ]]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo=(sudo)
	else
		echo "missing: ${missing[*]}; install them first: sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
fi
if ! command -v apt-get >/dev/null; then
	echo "missing: ${missing[*]}; install them with your package manager (Debian: apt-get install -y ${missing[*]})" >&2
	exit 1
fi
echo "== installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
