#!/usr/bin/env bash
# vkgen plugins (text, JSON, Markdown), a non-plugin .so on the plugin path, vkgen devices.
source "$(dirname "$0")/lib.sh"

check "vkgen plugins lists the core node types"
expect 0 "core.save_image_grid" "$VKGEN" plugins
for op in load_tensor save_tensor randn load_idx load_images save_images save_image_grid; do
  grep -q "$op" "$LOG" || die "plugins output lacks $op"
done

check "vkgen plugins --json parses"
"$VKGEN" plugins --json >"$TMP/plugins.json"
json_ok "$TMP/plugins.json"
grep -q '"randn"\|"core.randn"' "$TMP/plugins.json" || die "JSON lacks randn"

check "every plugin shows its license and ABI; core.concat's input is variadic (text and JSON)"
expect 0 "core.concat" "$VKGEN" plugins
lic=$(sed -n 's/^set(VKG_PROJECT_LICENSE "\(.*\)")$/\1/p' "$VKG_SOURCE_DIR/CMakeLists.txt")
[ -n "$lic" ] || die "no VKG_PROJECT_LICENSE in CMakeLists.txt"
for p in core vae vqvae gan ar ddpm inception fid is; do
  grep -A1 "^$p " "$LOG" | grep -q "license $lic, plugin ABI " || die "plugin $p shows no license $lic: $(grep -A1 "^$p " "$LOG")"
done
grep -q "tensors .*(variadic: a list)" "$LOG" || die "core.concat's tensors not shown as variadic"
if command -v python3 >/dev/null 2>&1; then
  python3 - "$TMP/plugins.json" "$lic" <<'PY' || die "plugins --json lacks licenses, ABI or variadic"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["abi_major"] >= 4 and "abi_minor" in j, j.keys()
for p in j["plugins"]:
    assert p["license"] == sys.argv[2], (p["name"], p["license"])
    assert p["abi"] == "%d.%d" % (j["abi_major"], j["abi_minor"]), p["abi"]
ops = {n["op"]: n for p in j["plugins"] for n in p["nodes"]}
t = ops["core.concat"]["inputs"]
assert len(t) == 1 and t[0]["name"] == "tensors" and t[0]["variadic"] is True and t[0]["min_count"] == 1, t
assert ops["core.scale"]["inputs"][0]["variadic"] is False
PY
fi

check "a plugin built for the previous minor ABI loads, shows license unknown, and runs"
SO="$VKG_BUILD_DIR/tests/plugins/so"
expect 0 "tpold.make" "$VKGEN" plugins --plugin-path "$SO/tp_abi_prev.so"
grep -q "warning" "$LOG" && die "the previous-minor plugin was refused: $(cat "$LOG")"
grep -A1 "^tpold " "$LOG" | grep -q "license unknown, plugin ABI 4.0" || die "tpold: $(grep -A1 "^tpold " "$LOG")"
g=$(graph old.yaml <<G
vkgen: 1
nodes:
  a: {op: tpold.make, params: {value: 2.5}}
  c: {op: core.concat, inputs: {tensors: [a, a]}}
  s: {op: core.save_tensor, inputs: {tensor: c}, params: {path: $TMP/old.safetensors, name: x}}
G
)
expect 0 "" "$VKGEN" run --quiet "$g" --plugin-path "$SO/tp_abi_prev.so"
vals=$(tail -c 32 "$TMP/old.safetensors" | od -v -An -tf4 | tr -s ' \n' ' ')
[ "$vals" = " 2.5 2.5 2.5 2.5 2.5 2.5 2.5 2.5 " ] || die "tpold.make + concat gave '$vals'"

check "the next minor and another major are refused, naming both versions and the file"
expect 0 "core.randn" "$VKGEN" plugins --plugin-path "$SO/tp_abi_next.so"
grep -q "warning: plugin $SO/tp_abi_next.so: built for plugin ABI 4.2, newer than this vkgen's ABI 4.1" "$LOG" ||
  die "next minor: $(grep warning "$LOG")"
grep -q "tpnext" "$LOG" && die "the next-minor plugin was listed"
expect 0 "core.randn" "$VKGEN" plugins --plugin-path "$SO/tp_abi_major.so"
grep -q "warning: plugin $SO/tp_abi_major.so: built for plugin ABI 5.1, this vkgen has ABI 4.1" "$LOG" ||
  die "another major: $(grep warning "$LOG")"
expect 1 "unknown op 'tpold.make'" "$VKGEN" validate "$g" --plugin-path "$SO/tp_abi_next.so"
grep -q "tp_abi_next.so: built for plugin ABI 4.2" "$LOG" || die "validate did not warn about tp_abi_next.so"

check "vkgen plugins --markdown has a section per op"
expect 0 '### `core.load_idx`' "$VKGEN" plugins --markdown
grep -F '`pool`' "$LOG" | grep -q "from the model" || die "inception.features' pool doc does not say its width comes from the model"

check "a .so that is not a vkgen plugin is refused with a warning naming it; the rest works"
mkdir -p "$TMP/badplugins"
printf 'int not_a_plugin(void) { return 1; }\n' >"$TMP/bad.c"
cc -shared -fPIC -o "$TMP/badplugins/bogus.so" "$TMP/bad.c"
VKGEN_PLUGIN_PATH="$TMP/badplugins" expect 0 "bogus.so" "$VKGEN" plugins
grep -q "warning" "$LOG" || die "no warning for bogus.so"
grep -q "core.randn" "$LOG" || die "core plugin no longer listed"
VKGEN_PLUGIN_PATH="$TMP/badplugins" expect 0 ": ok (" "$VKGEN" validate "$VKG_SOURCE_DIR/graphs/demo.yaml"
check "same through --plugin-path"
expect 0 "bogus.so" "$VKGEN" plugins --plugin-path "$TMP/badplugins"

check "a truncated or half-copied plugin is skipped with a warning naming it, at any length (no SIGBUS)"
core="$VKG_PLUGIN_DIR/core.so"
size=$(stat -c %s "$core")
mkdir -p "$TMP/cut"
for n in 10 63 64 500 1000 4096 $((size / 2)) $((size - 1)); do
  rm -f "$TMP/cut/"*.so
  head -c "$n" "$core" >"$TMP/cut/cut$n.so"
  expect 0 "cut$n.so" "$VKGEN" plugins --plugin-path "$TMP/cut"
  grep -q "warning" "$LOG" || die "no warning for a plugin cut to $n bytes"
  grep -q "core.randn" "$LOG" || die "core plugin no longer listed"
done
check "a plugin whose segments run past its end is refused even without section headers"
head -c 5000 "$core" >"$TMP/cut/noshdr.so"
printf '\0\0\0\0\0\0\0\0' | dd of="$TMP/cut/noshdr.so" bs=1 seek=40 conv=notrunc 2>/dev/null
expect 0 "noshdr.so: damaged or truncated shared object (segment" "$VKGEN" plugins --plugin-path "$TMP/cut"
expect 0 "noshdr.so" "$VKGEN" validate "$VKG_SOURCE_DIR/graphs/demo.yaml" --plugin-path "$TMP/cut"

check "--plugin-path may name one plugin .so file; any other file is a warning, not silence"
expect 0 "tp.make" "$VKGEN" plugins --plugin-path "$VKG_BUILD_DIR/tests/plugins/so/tp_good.so"
grep -q "warning" "$LOG" && die "a plugin file given on --plugin-path was refused"
expect 0 "is neither a folder nor a plugin .so file" "$VKGEN" plugins --plugin-path "$TMP/bad.c"

check "a plugin path that does not exist is not an error"
VKGEN_PLUGIN_PATH="$TMP/none:$TMP/also-none" expect 0 "core.randn" "$VKGEN" plugins

check "vkgen devices lists lavapipe (llvmpipe) with the default marked"
expect 0 "" "$VKGEN" devices
grep -qi "llvmpipe\|lavapipe" "$LOG" || { cat "$LOG"; die "no lavapipe device listed"; }
grep -q '^\*' "$LOG" || die "no default device marked"
grep -q "quirks: .*slow_shared_memory" "$LOG" || { cat "$LOG"; die "lavapipe's quirks not shown"; }
grep -q "features: .*subgroup_basic" "$LOG" || die "features not shown"
grep -q "kernel variant: cpu (texel)" "$LOG" || die "kernel variant not shown"

check "vkgen devices --json: features, quirks and the variant as JSON"
"$VKGEN" devices --json >"$TMP/devices.json"
json_ok "$TMP/devices.json"
grep -q '"push_descriptor_ignores_array_element"' "$TMP/devices.json" || die "JSON lacks the lavapipe quirk"
grep -q '"kernel_variant": "cpu"' "$TMP/devices.json" || die "JSON lacks the kernel variant"
echo "ok"
