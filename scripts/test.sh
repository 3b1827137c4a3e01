#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test; then the same suite once more under
# AddressSanitizer + UndefinedBehaviorSanitizer (clang, in build-fuzz/), and every fuzz target
# briefly (XSIGN_FUZZ_SECONDS each, default 15; longer campaigns: scripts/fuzz.sh).
# Exits non-zero on any failure. XSIGN_SANITIZERS=0 skips the second half (quick local runs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build_dir=${XSIGN_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"

if [ "${XSIGN_SANITIZERS:-1}" != 0 ]; then
  fuzz_dir=${XSIGN_FUZZ_BUILD_DIR:-build-fuzz}
  echo "test: building with clang, ASan and UBSan in $fuzz_dir"
  CC=clang CXX=clang++ cmake -S . -B "$fuzz_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXSIGN_SANITIZE=address,undefined \
    -DXSIGN_BUILD_FUZZ=ON -DXSIGN_BUILD_BENCH=OFF >/dev/null
  cmake --build "$fuzz_dir" -j "$(nproc)" >/dev/null
  echo "test: the whole suite under ASan + UBSan"
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
    ctest --test-dir "$fuzz_dir" --output-on-failure -j "$(nproc)"
  XSIGN_FUZZ_BUILD_DIR="$fuzz_dir" scripts/fuzz.sh "${XSIGN_FUZZ_SECONDS:-15}"
fi
