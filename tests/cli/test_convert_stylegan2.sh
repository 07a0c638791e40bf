#!/usr/bin/env bash
# tools/convert_stylegan2.py (stdlib only: runs without torch) on a committed stylegan2-ada-format
# snapshot pickle (tools/ref/make_stylegan2_pickle.py; stylegan2_cond weights): same tensors, bit for
# bit, as the fixture folder, a config the runner accepts, and clear errors. Skipped without python3.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
CONV="$VKG_SOURCE_DIR/tools/convert_stylegan2.py"
PKL="$VKG_SOURCE_DIR/tests/fixtures/stylegan2/snapshot_cond.pkl"
FIXM="$VKG_SOURCE_DIR/tests/fixtures/models/stylegan2_cond"

check "convert the snapshot"
expect 0 "G_ema 16x16, 58 tensors, 13364 parameters" python3 "$CONV" "$PKL" "$TMP/conv"

check "tensors identical to the fixture's"
python3 - "$TMP/conv/model.safetensors" "$FIXM/model.safetensors" <<'PY' || die "converted tensors differ"
import json, struct, sys
def read(p):
    b = open(p, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n]); h.pop("__metadata__", None)
    return {k: (v["shape"], v["dtype"], b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]]) for k, v in h.items()}
a, b = read(sys.argv[1]), read(sys.argv[2])
assert sorted(a) == sorted(b), set(a) ^ set(b)
bad = [k for k in a if a[k] != b[k]]
assert not bad, bad
PY

check "the converted folder runs"
cat >"$TMP/g.yaml" <<YAML
vkgen: 1
nodes:
  z: {op: core.randn, params: {shape: [2, 12], seed: 1}}
  c: {op: core.randn, params: {shape: [2, 5], seed: 2}}
  g: {op: gan.generate, inputs: {noise: z, class: c}, params: {model: $TMP/conv, truncation_psi: 0.7}}
YAML
expect 0 "" "$VKGEN" run "$TMP/g.yaml"

check "errors"
printf 'not a pickle' >"$TMP/bad.pkl"
expect 1 "not a readable network snapshot" python3 "$CONV" "$TMP/bad.pkl" "$TMP/x"
expect 1 "expected a snapshot dict with a 'G_smooth' network" python3 "$CONV" "$PKL" "$TMP/x" --net G_smooth
echo OK
