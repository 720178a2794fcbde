#!/usr/bin/env bash
# Builds the release artefacts into dist/ from a `make build` tree (scripts/dist/main.go says what each is):
# the .deb, the Chrome/Edge zip, the Firefox .xpi, the macOS and Windows host archives (when ./host
# cross-compiles), SHA256SUMS.
#   scripts/dist.sh [BUILD [VERSION]]     BUILD defaults to build/, VERSION to scripts/version.sh
# DIST=folder changes the output folder (default dist/). Needs dpkg-deb (part of dpkg, on every Debian/Ubuntu).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
version=${2:-$(scripts/version.sh)}
out=${DIST:-dist}
command -v dpkg-deb >/dev/null || { echo "dist: dpkg-deb is required (Debian package dpkg)" >&2; exit 1; }
[ "$out" != dist ] || rm -rf dist   # only the default folder is emptied first
exec go run -trimpath ./scripts/dist -build "$build" -version "$version" -out "$out"
