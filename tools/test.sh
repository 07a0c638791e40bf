#!/usr/bin/env bash
# Build and run the whole test suite (unit, CLI and graph tests) with warnings as errors.
#   bash tools/test.sh              build/        plain RelWithDebInfo build
#   bash tools/test.sh --sanitize   build-asan/   AddressSanitizer + UBSan (needs setup.sh --dev)
#   bash tools/test.sh --validate   build-validate/  VKGEN_VALIDATE=1: Khronos validation layer on,
#                                                 any validation error fails a test (needs --dev)
# Several modes may be given; they run one after the other. Extra ctest arguments follow "--",
# e.g. bash tools/test.sh -- -R cli_   (VKG_JOBS: parallel jobs, default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
modes=()
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) modes+=(sanitize) ;;
    --validate) modes+=(validate) ;;
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (use --sanitize, --validate, -- CTEST_ARGS)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#modes[@]} -gt 0 ] || modes=(plain)
jobs=${VKG_JOBS:-2}
base=${VKG_TEST_BUILD_BASE:-build} # build folders: $base, $base-asan, $base-validate

for mode in "${modes[@]}"; do
  case "$mode" in
    plain)
      tools/setup.sh
      dir=$base; cfg=(); env=() ;;
    sanitize)
      tools/setup.sh --dev
      dir=$base-asan; cfg=(-DVKG_SANITIZE=address,undefined)
      # Leaks inside the Vulkan driver (lavapipe/LLVM) and dlclose()d plugins are not ours.
      # quarantine_size_mb: ASan's default quarantine let lavapipe's freed device memory pile up to ~10 GB
      # per process (three MPI ranks of the scale-out test were OOM-killed); 32 MB keeps ~1.5 GB.
      env=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_odr_violation=0:quarantine_size_mb=32
           LSAN_OPTIONS=suppressions=$PWD/tools/lsan.supp:print_suppressions=0
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1) ;;
    validate)
      tools/setup.sh --dev
      dir=$base-validate; cfg=(); env=(VKGEN_VALIDATE=1) ;;
  esac
  echo "== test.sh: $mode build in $dir" >&2
  cmake -S . -B "$dir" -DVKG_WERROR=ON "${cfg[@]}" >/dev/null
  cmake --build "$dir" -j"$jobs"
  (cd "$dir" && env "${env[@]}" ctest --output-on-failure -j"$jobs" "${ctest_args[@]}")
done
