#!/usr/bin/env bash
# What `make bench` needs beyond scripts/deps.sh: npm, which installs the @signpdf/signpdf peer
# (test/bench/package.json). Not in deps/apt.txt because only the benchmark uses it.
set -euo pipefail
command -v npm >/dev/null && exit 0
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "bench: installing npm"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
