#!/usr/bin/env bash
# Faults during a run: device memory exhaustion, a plugin whose run or start fails, and
# SIGINT with an accumulator and per-batch images. Each must stop cleanly with a message
# naming what failed, keep the outputs written before the fault whole, and leave no temp
# files. The fault-injection plugin is tests/plugins/fail.c (built into tests/plugins/fail).
source "$(dirname "$0")/lib.sh"

FAIL_DIR="$VKG_BUILD_DIR/tests/plugins/fail"
[ -f "$FAIL_DIR/fail.so" ] || die "test plugin $FAIL_DIR/fail.so is not built (cmake --build the whole tree)"

# png_complete FILE: PNG signature at the start and the IEND chunk (with its CRC) at the end.
png_complete() {
  png_size "$1" >/dev/null
  local tail
  tail=$(tail -c 12 "$1" | od -An -tx1 | tr -d ' \n')
  [ "$tail" = "0000000049454e44ae426082" ] || die "$1 does not end with IEND: a truncated PNG"
}

# st_f32 FILE: the f32 values of the only entry of a .safetensors file, space-separated.
st_f32() {
  local hlen
  hlen=$(od -An -tu8 -N8 "$1" | tr -d ' ')
  [ -n "$hlen" ] && [ "$hlen" -gt 1 ] || die "$1: no safetensors header"
  od -An -tf4 -v -j$((8 + hlen)) "$1" | xargs
}

check "device memory exhaustion: exit 3, names node, plugin and bytes, suggests a smaller batch"
g=$(graph mem.yaml <<G
vkgen: 1
nodes:
  noise: {op: core.randn, params: {shape: [64, 3, 512, 512], seed: 1}}
  grid: {op: core.save_image_grid, inputs: {images: noise}, params: {path: $TMP/mem/grid.png}}
G
)
mkdir -p "$TMP/mem"
VKGEN_MEM_LIMIT=100000000 expect 3 "device memory exhausted" "$VKGEN" run --quiet "$g"
# 64 * 3 * 512 * 512 floats = 201326592 bytes, with the limit it ran into
for s in "node 'noise' (core.randn, plugin " "core.so" "201326592 bytes (192.0 MiB)" "of 95.4 MiB" \
  "try a smaller batch"; do
  grep -qF -- "$s" "$LOG" || { cat "$LOG" >&2; die "exhaustion message lacks '$s'"; }
done
[ ! -e "$TMP/mem/grid.png" ] || die "a grid was written although its input could not be made"
no_temp_files "$TMP/mem"
check "the same graph with a smaller batch fits under the same limit"
VKGEN_MEM_LIMIT=100000000 expect 0 "" "$VKGEN" run --quiet "$g" --set "noise.shape=[4, 3, 512, 512]"
png_complete "$TMP/mem/grid.png"

check "a plugin's run fails at batch 2: exit 3, node and plugin file named, earlier outputs whole"
g=$(graph runfail.yaml <<G
vkgen: 1
batches: 5
nodes:
  noise: {op: core.randn, params: {shape: [4, 3, 16, 16], seed: 1}}
  boom: {op: fail.pass, inputs: {x: noise}, params: {at: 2}}
  grid: {op: core.save_image_grid, inputs: {images: boom}, params: {path: "$TMP/run/b{batch}.png", range: [-2, 2]}}
  cnt: {op: fail.count, inputs: {x: boom}}
  save: {op: core.save_tensor, inputs: {tensor: cnt}, params: {path: $TMP/run/count.safetensors}}
  all: {op: core.save_tensor, inputs: {tensor: noise}, params: {path: $TMP/run/noise.safetensors}}
G
)
mkdir -p "$TMP/run"
VKGEN_PLUGIN_PATH="$FAIL_DIR" expect 3 "deliberate failure in run at batch 2" "$VKGEN" run --quiet "$g" \
  --report "$TMP/run/report.json"
grep -qF "node 'boom' (fail.pass, plugin $FAIL_DIR/fail.so)" "$LOG" || { cat "$LOG" >&2; die "node/plugin not named"; }
[ "$(grep -c "vkgen: error:" "$LOG")" = 1 ] || { cat "$LOG" >&2; die "expected exactly one error line"; }
png_complete "$TMP/run/b0.png"
png_complete "$TMP/run/b1.png"
[ ! -e "$TMP/run/b2.png" ] || die "batch 2 was saved although its producer failed"
[ ! -e "$TMP/run/count.safetensors" ] || die "a failed run flushed accumulator output"
[ ! -e "$TMP/run/noise.safetensors" ] || die "a failed run wrote a partial save_tensor file"
[ ! -e "$TMP/run/report.json" ] || die "a failed run wrote a report"
no_temp_files "$TMP/run"

check "a plugin's start fails: exit 3, nothing runs, nothing written"
g=$(graph startfail.yaml <<G
vkgen: 1
batches: 3
nodes:
  noise: {op: core.randn, params: {shape: [2, 3, 8, 8]}}
  grid: {op: core.save_image_grid, inputs: {images: noise}, params: {path: "$TMP/start/b{batch}.png"}}
  bad: {op: fail.start, inputs: {x: noise}}
G
)
mkdir -p "$TMP/start"
VKGEN_PLUGIN_PATH="$FAIL_DIR" expect 3 "deliberate failure in start" "$VKGEN" run --quiet "$g"
grep -qF "node 'bad' (fail.start, plugin $FAIL_DIR/fail.so)" "$LOG" || { cat "$LOG" >&2; die "node/plugin not named"; }
grep -q "run called after start failed" "$LOG" && die "run was called after start failed"
[ -z "$(ls -A "$TMP/start")" ] || die "files written although start failed: $(ls "$TMP/start")"
check "validate does not call start, so the same graph validates"
VKGEN_PLUGIN_PATH="$FAIL_DIR" expect 0 ": ok (" "$VKGEN" validate "$g"

check "the fail plugin is only found through VKGEN_PLUGIN_PATH or --plugin-path"
expect 1 "unknown op 'fail.start'" "$VKGEN" validate "$g"
expect 0 ": ok (" "$VKGEN" validate "$g" --plugin-path "$FAIL_DIR"

check "SIGINT: stops after the current batch, flushes the accumulator, keeps whole images"
g=$(graph sigint.yaml <<G
vkgen: 1
batches: 100000
nodes:
  noise: {op: core.randn, params: {shape: [2, 3, 8, 8], seed: 3}}
  slow: {op: fail.pass, inputs: {x: noise}, params: {at: -1, sleep_ms: 40}}
  grid: {op: core.save_image_grid, inputs: {images: slow}, params: {path: "$TMP/int/b{batch}.png", range: [-2, 2]}}
  cnt: {op: fail.count, inputs: {x: slow}}
  save: {op: core.save_tensor, inputs: {tensor: cnt}, params: {path: $TMP/int/count.safetensors, name: count}}
G
)
mkdir -p "$TMP/int"
VKGEN_PLUGIN_PATH="$FAIL_DIR" "$VKGEN" run "$g" >"$TMP/int.log" 2>&1 &
pid=$!
# wait until a few batches are done (or give up after 60 s)
for _ in $(seq 600); do
  [ -e "$TMP/int/b3.png" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null || { cat "$TMP/int.log"; die "run ended before SIGINT"; }
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 3 ] || { cat "$TMP/int.log"; die "exit code $rc after SIGINT, expected 3"; }
grep -q "vkgen: interrupted" "$TMP/int.log" || { cat "$TMP/int.log"; die "no 'vkgen: interrupted' message"; }
[ -e "$TMP/int/count.safetensors" ] || die "the accumulator's output was not flushed on SIGINT"
grep -qF '"count"' "$TMP/int/count.safetensors" || die "count entry missing"
read -r nb ns <<<"$(st_f32 "$TMP/int/count.safetensors")"
nb=${nb%.*}
ns=${ns%.*}
npng=$(find "$TMP/int" -name 'b*.png' | wc -l)
echo "interrupted after $nb batches, $ns samples, $npng images"
[ "$nb" -ge 4 ] || die "flushed stats say $nb batches, expected at least 4"
[ "$nb" -lt 100000 ] || die "the run did not stop early"
[ "$ns" -eq $((2 * nb)) ] || die "flushed stats say $ns samples for $nb batches of 2"
# the batch in flight when SIGINT came was finished: as many whole images as counted batches
[ "$npng" -eq "$nb" ] || die "$npng images for $nb counted batches"
for ((i = 0; i < nb; i++)); do png_complete "$TMP/int/b$i.png"; done
no_temp_files "$TMP/int"
echo "ok"
