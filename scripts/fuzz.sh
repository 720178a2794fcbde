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
    log=$(mktemp)
    if ! go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg" >"$log" 2>&1; then
      # Go's fuzzer can end a run with "context deadline exceeded" when fuzztime expires during a slow
      # input; that is not a finding (a finding writes its input under testdata/fuzz). Anything else fails.
      if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
        echo "fuzz: $f: run ended at the deadline mid-input (not a finding)"
      else
        cat "$log"; rm -f "$log"; exit 1
      fi
    fi
    rm -f "$log"
    n=$((n+1))
  done
done
echo "fuzz: $n targets ran for $t each"
