#!/usr/bin/env bash
# vkgen bench --ops: the kernel op table's rows listed, filtered, timed (GFLOPS where the row
# states its work), as JSON; a filter that matches nothing is an error.
source "$(dirname "$0")/lib.sh"

check "vkgen bench --list --ops lists the rows of a family"
expect 0 "layout/slice:" "$VKGEN" bench --list --ops layout/
[ "$(grep -c '^layout/' "$LOG")" -eq 14 ] || { cat "$LOG"; die "layout rows: expected 14"; }

check "vkgen bench --ops FILTER times the matching rows"
expect 0 "matmul[cpu] batch 1/1/1 M=96 N=200 K=64" "$VKGEN" bench --ops "M=96 N=200" --reps 2
grep -q "GFLOPS" "$LOG" || die "no GFLOPS column"
grep "matmul\[gpu\]" "$LOG" | grep -Eq " [0-9]+\.[0-9]+ +[0-9]+\.[0-9]+ " || { cat "$LOG"; die "no GFLOPS for the gpu variant row"; }

check "vkgen bench --ops --json"
expect 0 "softmax" "$VKGEN" bench --ops "softmax [3, 7]" --reps 1 --json "$TMP/ops.json"
json_ok "$TMP/ops.json"
grep -q '"op": "log_softmax"' "$TMP/ops.json" || die "JSON lacks the log_softmax row"

check "a filter without rows, a bad --reps"
expect 1 "no op-table row matches" "$VKGEN" bench --ops no-such-kernel
expect 2 "--reps wants a count" "$VKGEN" bench --ops layout --reps 0
echo "ok"
