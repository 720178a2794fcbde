#!/usr/bin/env bash
# Prints the version of this checkout: VERSION's base, the number of commits and the commit, e.g.
# 0.1.0-42-g1a2b3c4 (with -dirty for uncommitted changes). `numeric` prints the form browsers accept in
# manifest.json "version" (0.1.0.42).
set -euo pipefail
cd "$(dirname "$0")/.."
base=$(cat VERSION)
count=$(git rev-list --count HEAD 2>/dev/null || echo 0)
hash=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=""
git diff --quiet HEAD -- 2>/dev/null || dirty="-dirty"
case "${1:-full}" in
  numeric) echo "$base.$count" ;;
  *) echo "$base-$count-g$hash$dirty" ;;
esac
