#!/usr/bin/env bash
# Installs what `make demo` and `make test` need on a fresh Debian/Ubuntu machine: the Debian packages in
# deps/apt.txt that are missing, and the Go modules pinned in go.mod. Safe to run again: it only installs
# what is missing.
#
# `scripts/deps.sh bench` (make bench) installs deps/apt-bench.txt instead: what only the benchmark needs.
set -euo pipefail
cd "$(dirname "$0")/.."

list=deps/apt.txt
if [ "${1:-}" = bench ]; then
  list=deps/apt-bench.txt
  # NodeSource's nodejs carries its own npm and conflicts with Debian's: only a missing npm is installed.
  if command -v npm >/dev/null; then exit 0; fi
fi
want=$(sed -e 's/#.*//' "$list" | tr -s ' \n' '\n' | grep -v '^$')
missing=()
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v go >/dev/null || { echo "deps: Go is required (https://go.dev/dl/); it is not a Debian package of a recent enough version" >&2; exit 1; }
go mod download
