#!/usr/bin/env bash
# Runs every fuzz target in the module briefly (FUZZTIME each, default 5s): part of `make test`.
# Targets are discovered, so a new Fuzz function is picked up without editing anything.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-5s}
n=0
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz: $pkg $f ($t)"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg" >/tmp/ponte-fuzz.log 2>&1 || { cat /tmp/ponte-fuzz.log; exit 1; }
    n=$((n+1))
  done
done
echo "fuzz: $n targets ran for $t each"
