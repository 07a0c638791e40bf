#!/usr/bin/env bash
# SIGINT during a many-batch run: the run stops after the current batch with exit 3,
# prints "vkgen: interrupted", leaves no partial output files, and reports the statistics of
# the batches that ran (accumulators), marked partial, on stdout and in the --report files.
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

check "no partial files: no tensor file, no temp files; the report is written, marked partial"
[ ! -e "$TMP/out/noise.safetensors" ] || die "a partial noise.safetensors was written"
json_ok "$TMP/out/report.json"
grep -q '"partial": true' "$TMP/out/report.json" || die "the report of an interrupted run is not marked partial"
no_temp_files "$TMP/out"

g2=$(graph metrics.yaml <<G
vkgen: 1
batches: 100000
nodes:
  logits: {op: core.randn, params: {shape: [8, 10], seed: 1}}
  score: {op: is.score, inputs: {logits: logits}, params: {splits: 1}}
G
)
check "accumulators still emit their statistics after SIGINT, marked partial, in stdout and every report"
"$VKGEN" run "$g2" --report "$TMP/out/m.json" --report "$TMP/out/m.md" >"$TMP/log" 2>"$TMP/err" &
pid=$!
sleep 3
kill -0 "$pid" 2>/dev/null || { cat "$TMP/log" "$TMP/err"; die "run ended before SIGINT"; }
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
cat "$TMP/log" "$TMP/err"
[ "$rc" -eq 3 ] || die "exit code $rc after SIGINT, expected 3"
grep -qE '^score\.mean = [0-9.e+-]+ \(partial: [0-9]+ of 100000 batches\)$' "$TMP/log" || die "no partial score.mean"
grep -qE '^score\.std = ' "$TMP/log" || die "no score.std"
grep -q '"partial": true' "$TMP/out/m.json" || die "JSON report not marked partial"
grep -q '"score.mean": [0-9]' "$TMP/out/m.json" || die "JSON report lacks score.mean"
grep -q "interrupted: values are partial" "$TMP/out/m.md" || die "Markdown report not marked partial"
echo "ok"
