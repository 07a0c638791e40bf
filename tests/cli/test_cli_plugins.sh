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
