#!/usr/bin/env bash
# Runs every fuzz target in the module briefly (FUZZTIME each, default 5s): part of `make test`.
# Targets are discovered, so a new Fuzz function is picked up without editing anything.
# -fuzzminimizetime: Go minimises every new interesting input for up to 60 s by default; on the PDF and
# CMS parsers nearly every early input is new, so a 5 s run spent its time minimising and reached about
# 10 executions. FUZZMINIMIZE (default 0: no minimisation) bounds that; a failing input is still written
# under testdata/fuzz, only not shrunk. FUZZMINIMIZE=10s (or 1000x) for a smaller reproducer.
# Observed on this project's 2 shared cores under load (~20 runnable jobs), minimisation off, execs/s:
# pdf FuzzParseObject 11,000; cms FuzzParse 5,000; pdf FuzzOpen 700; pades FuzzLaterChanges 150-400 (each
# verifies a signed PDF and compares its revisions). 10^6 executions per target therefore takes
# FUZZTIME=30m for the pdf and cms targets and about 1h for the pades ones at that load (less on an idle
# machine; the pades figure extrapolated from a 60 s run). Issue 13 measured about 10 executions in 5 s
# for the PDF and CMS targets before -fuzzminimizetime.
# FUZZRUN (a grep -E pattern on "package Target") picks targets: make fuzz FUZZTIME=1h FUZZRUN='pdf|cms|pades'.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-5s}
m=${FUZZMINIMIZE:-0}
n=0
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    if [ -n "${FUZZRUN:-}" ] && ! echo "$pkg $f" | grep -Eq "$FUZZRUN"; then continue; fi
    echo "fuzz: $pkg $f ($t)"
    log=$(mktemp)
    if ! go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" -fuzzminimizetime "$m" "$pkg" >"$log" 2>&1; then
      # Go's fuzzer can end a run with "context deadline exceeded" when fuzztime expires during a slow
      # input; that is not a finding (a finding writes its input under testdata/fuzz). Anything else fails.
      if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
        echo "fuzz: $f: run ended at the deadline mid-input (not a finding)"
      else
        cat "$log"; rm -f "$log"; exit 1
      fi
    fi
    # The last progress line: how many executions the target reached.
    grep -o 'execs: [0-9]*' "$log" | tail -1 | sed "s/^/fuzz: $f /" || true
    rm -f "$log"
    n=$((n+1))
  done
done
echo "fuzz: $n targets ran for $t each"
