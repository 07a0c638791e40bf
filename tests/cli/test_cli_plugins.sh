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

check "a plugin path that does not exist is not an error"
VKGEN_PLUGIN_PATH="$TMP/none:$TMP/also-none" expect 0 "core.randn" "$VKGEN" plugins

check "vkgen devices lists lavapipe (llvmpipe) with the default marked"
expect 0 "" "$VKGEN" devices
grep -qi "llvmpipe\|lavapipe" "$LOG" || { cat "$LOG"; die "no lavapipe device listed"; }
grep -q '^\*' "$LOG" || die "no default device marked"
echo "ok"
