#!/usr/bin/env bash
# Builds Release in build-release and prints the benchmark table (docs/performance.md).
# Usage: scripts/bench.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
XSIGN_BUILD_TYPE=Release XSIGN_BUILD_DIR=build-release scripts/setup.sh >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" >&2
build-release/bench/xsign_bench "$@"
