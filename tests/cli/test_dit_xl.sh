#!/usr/bin/env bash
# Full-size DiT-XL/2-256 (facebook/DiT-XL-2-256's transformer config, random weights written at test time by
# tools/make_dit_xl.py, 2.7 GB): loads and runs one DDIM step through ddpm.sample; the weights are mapped and
# uploaded once (peak host RSS about weights (page cache of the mapping) + one device copy, never a third).
# Opt-in: one step takes about 1-2 minutes on 2 cores with lavapipe (plus ~10 s to write the weights), so it
# runs only with VKGEN_TEST_DIT_XL=1; it skips (77) without python3, 4 GB of free disk or 8 GB of memory.
source "$(dirname "$0")/lib.sh"

[ "${VKGEN_TEST_DIT_XL:-0}" = 1 ] || { echo "SKIP: set VKGEN_TEST_DIT_XL=1 to run the full-size DiT-XL/2 step"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
free_kb=$(df -Pk "$TMP" | awk 'NR == 2 {print $4}')
[ "$free_kb" -gt 4000000 ] || { echo "SKIP: $TMP has $free_kb KB free (4 GB needed)"; exit 77; }
avail_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
[ "$avail_kb" -gt 8000000 ] || { echo "SKIP: $avail_kb KB of memory available (8 GB needed)"; exit 77; }

check "write DiT-XL/2-256 with random weights"
python3 "$VKG_SOURCE_DIR/tools/make_dit_xl.py" "$TMP/dit-xl" | tee "$LOG"
grep -q "674834720 parameters" "$LOG" || die "unexpected parameter count"

check "validate (config and weight headers only)"
g=$(graph xl.yaml <<G
vkgen: 1
nodes:
  noise: {op: core.randn, params: {shape: [1, 4, 32, 32], seed: 1}}
  sample: {op: ddpm.sample, inputs: {noise: noise}, params: {model: $TMP/dit-xl, scheduler: ddim, steps: 1, classes: [207]}}
  save: {op: core.save_tensor, inputs: {tensor: sample.sample}, params: {path: $TMP/out.safetensors, name: x}}
G
)
expect 0 "" "$VKGEN" validate "$g"

check "one step (lavapipe reports a 2 GiB heap: VKGEN_MEM_LIMIT lifts vkgen's cap)"
rss_log="$TMP/time.log"
start=$(date +%s)
if command -v /usr/bin/time >/dev/null; then
  VKGEN_MEM_LIMIT=6000000000 /usr/bin/time -v -o "$rss_log" "$VKGEN" run "$g" --report "$TMP/r.json" >"$LOG" 2>&1 ||
    { cat "$LOG" >&2; die "run failed"; }
else
  VKGEN_MEM_LIMIT=6000000000 "$VKGEN" run "$g" --report "$TMP/r.json" >"$LOG" 2>&1 || { cat "$LOG" >&2; die "run failed"; }
fi
echo "one step: $(($(date +%s) - start)) s"
python3 - "$TMP/out.safetensors" "$TMP/r.json" <<'P'
import array, json, math, struct, sys
f = open(sys.argv[1], "rb")
n = struct.unpack("<Q", f.read(8))[0]
f.read(n)
a = array.array("f")
a.frombytes(f.read())
assert len(a) == 4096 and all(math.isfinite(x) for x in a), "non-finite latents"
peak = json.load(open(sys.argv[2]))["peak_device_bytes"]
print("latents finite; peak device memory %.2f GB" % (peak / 1e9))
assert peak < 3.3e9, "device memory %d: weights held more than once" % peak
P
if [ -s "$rss_log" ]; then
  rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$rss_log")
  echo "peak host RSS: $rss KB"
  # mapping (2.7 GB of page cache) + the device copy (lavapipe's memory is host memory) + activations
  [ "$rss" -lt 7000000 ] || die "peak RSS $rss KB: the weights were copied more than once on the host"
fi
