#!/bin/bash
# Store-form microbenchmark (issue 18): bash tools/bench/store_forms/run.sh [M N [SECONDS]]
# Builds store_forms.c and the three forms of store.comp in a temporary folder, then times
# every form with 4x8 and 8x8 blocks per invocation, alternating forms, twice.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
M=${1:-2048}
N=${2:-2048}
S=${3:-1.5}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cc -std=c11 -O2 -Wall -Wextra -Werror -o "$TMP/store_forms" "$DIR/store_forms.c" -lvulkan
for f in 0 1 2; do glslangValidator -V -DFORM=$f -o "$TMP/f$f.spv" "$DIR/store.comp" >/dev/null; done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in 1 2; do
  for blk in "4 2" "8 2"; do
    for f in 0 1 2; do "$TMP/store_forms" "$TMP/f$f.spv" $f "$M" "$N" $blk "$S"; done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
