#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS.
# Usage: tests/fuzz/run.sh [SECONDS=60] [BUILD_DIR=build-fuzz] [TARGET...]
# New interesting inputs go to BUILD_DIR/fuzz-work/<target>; crashes to
# BUILD_DIR/fuzz-artifacts/ (copy them into tests/fuzz/corpus/<target>/ as regressions).
set -euo pipefail
secs=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$src/build-fuzz}
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors png idx json graph)

CC=clang cmake -S "$src" -B "$build" -DVKG_FUZZ=ON -DVKG_SANITIZE=address,undefined \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

status=0
for t in "${targets[@]}"; do
  work=$build/fuzz-work/$t
  mkdir -p "$work" "$build/fuzz-artifacts"
  dict=()
  [ -f "$src/tests/fuzz/$t.dict" ] && dict=(-dict="$src/tests/fuzz/$t.dict")
  echo "== fuzz_$t for ${secs}s"
  log=$build/fuzz-work/$t.log
  rc=0
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/bin/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 "${dict[@]}" -artifact_prefix="$build/fuzz-artifacts/$t-" \
    "$work" "$src/tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  grep -E "DONE|stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|artifact" "$log" || true
  if [ $rc != 0 ]; then status=1; echo "fuzz_$t FAILED (rc $rc, log $log)"; fi
done
exit $status
