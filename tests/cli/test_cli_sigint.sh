#!/usr/bin/env bash
# SIGINT during a many-batch run: the run stops after the current batch with exit 3,
# prints "vkgen: interrupted" and leaves no partial output files.
source "$(dirname "$0")/lib.sh"

g=$(graph long.yaml <<G
vkgen: 1
batches: 100000
nodes:
  noise: {op: core.randn, params: {shape: [16, 3, 32, 32], seed: 1}}
  save: {op: core.save_tensor, inputs: {tensor: noise}, params: {path: $TMP/out/noise.safetensors}}
G
)
check "SIGINT stops a long run with exit 3"
mkdir -p "$TMP/out"
"$VKGEN" run "$g" --report "$TMP/out/report.json" >"$TMP/log" 2>&1 &
pid=$!
sleep 3
kill -0 "$pid" 2>/dev/null || { cat "$TMP/log"; die "run ended before SIGINT"; }
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
cat "$TMP/log"
[ "$rc" -eq 3 ] || die "exit code $rc after SIGINT, expected 3"
grep -q "vkgen: interrupted" "$TMP/log" || die "no 'vkgen: interrupted' message"

check "no partial files: no tensor file, no report, no temp files"
[ ! -e "$TMP/out/noise.safetensors" ] || die "a partial noise.safetensors was written"
[ ! -e "$TMP/out/report.json" ] || die "a report was written for an interrupted run"
no_temp_files "$TMP/out"
echo "ok"
