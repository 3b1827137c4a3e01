#!/usr/bin/env bash
# Builds libsign and the fuzz targets with clang, libFuzzer, ASan and UBSan (in build-fuzz/),
# makes the seed corpora, and runs every target for SECONDS (default 300). A crash, a
# sanitizer report, a timeout or a foreign exception escaping libsign fails the run; the
# reproducer is left in build-fuzz/findings/TARGET/.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
build=${XSIGN_FUZZ_BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXSIGN_SANITIZE=address,undefined \
  -DXSIGN_BUILD_FUZZ=ON -DXSIGN_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  # Every target there is: fuzz/fuzz_NAME.cpp
  for f in fuzz/fuzz_*.cpp; do
    f=${f#fuzz/fuzz_}
    targets+=("${f%.cpp}")
  done
fi
seeds="$build/fuzz-seeds"
if [ ! -f "$seeds/.complete" ]; then
  rm -rf "$seeds"
  scripts/fuzz_seeds.sh "$build/cli/xsign" "$seeds"
  touch "$seeds/.complete"
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  findings="$build/findings/$t"
  mkdir -p "$corpus" "$findings"
  cp -n "$seeds/$t"/* "$corpus/" 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s"
  if ! "$build/fuzz/fuzz_$t" "$corpus" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$findings/" -print_final_stats=0 >"$build/fuzz-$t.log" 2>&1; then
    echo "fuzz: $t FAILED (log: $build/fuzz-$t.log, reproducer in $findings/)"
    tail -30 "$build/fuzz-$t.log"
    failed+=("$t")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} target(s) ran ${seconds}s each without a finding"
