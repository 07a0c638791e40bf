#!/usr/bin/env bash
# The out-of-tree example plugin (docs/example-plugin): install vkgen to a temp prefix, build
# the example against it with find_package(vkgen), run core.randn → example.scale →
# core.save_tensor, check the numbers with a C helper built through pkg-config.
source "$(dirname "$0")/lib.sh"
EX="$VKG_SOURCE_DIR/docs/example-plugin"
PREFIX="$TMP/prefix"

check "cmake --install to a temp prefix"
cmake --install "$VKG_BUILD_DIR" --prefix "$PREFIX" >"$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; die "install failed"; }
[ -x "$PREFIX/bin/vkgen" ] || die "no bin/vkgen installed"
ls "$PREFIX"/lib*/vkgen/plugins/core.so >/dev/null || die "core plugin not installed"
[ -f "$PREFIX/include/vkgen/version.h" ] || die "version.h not installed"
[ ! -e "$PREFIX/include/vkgen/version.h.in" ] || die "version.h.in installed (a build input)"

check "the installed runner and plugins find libvkgen through a relative RPATH (no LD_LIBRARY_PATH)"
unset LD_LIBRARY_PATH
expect 0 "usage: vkgen" "$PREFIX/bin/vkgen" --help
for f in "$PREFIX/bin/vkgen" "$PREFIX"/lib*/vkgen/plugins/*.so; do
  readelf -d "$f" | grep -E 'R(UN)?PATH' | grep -qF '$ORIGIN' || die "$f has no \$ORIGIN-relative RPATH"
done
# Moved elsewhere, the tree still works: nothing points back at the build or the first prefix.
cp -a "$PREFIX" "$TMP/moved"
expect 0 "core.randn" "$TMP/moved/bin/vkgen" plugins
grep -q "$TMP/moved/.*core.so" "$LOG" || die "the moved runner did not load its own plugins"
rm -rf "$TMP/moved"

check "the example configures and builds against the installed package"
cmake -S "$EX" -B "$TMP/exbuild" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release >"$TMP/cfg.log" 2>&1 ||
  { cat "$TMP/cfg.log"; die "configure failed"; }
cmake --build "$TMP/exbuild" >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log"; die "build failed"; }
[ -f "$TMP/exbuild/example.so" ] || die "no example.so"

check "the installed runner lists example.scale from VKGEN_PLUGIN_PATH"
libdir=$(dirname "$(ls "$PREFIX"/lib*/libvkgen.so | head -1)")
VKGEN_PLUGIN_PATH="$TMP/exbuild" expect 0 "example.scale" "$PREFIX/bin/vkgen" plugins
grep -q "core.randn" "$LOG" || die "installed runner lacks the core plugin"
grep -A1 "^example 1.0" "$LOG" | grep -q "license NOASSERTION, plugin ABI " || die "example's license not shown"

check "randn → example.scale → save_tensor gives factor * noise"
mkdir -p "$TMP/run"
cp "$EX/scale.yaml" "$TMP/run/"
VKGEN_PLUGIN_PATH="$TMP/exbuild" expect 0 "" "$PREFIX/bin/vkgen" run --quiet "$TMP/run/scale.yaml"
check "same with the build-tree runner and --plugin-path, another factor"
expect 0 "" "$VKGEN" run --quiet "$TMP/run/scale.yaml" --plugin-path "$TMP/exbuild" --set scaled.factor=-0.25
export PKG_CONFIG_PATH="$libdir/pkgconfig"

check "pkg-config --cflags --libs vkgen works and builds a program"
# vkgen.pc is relocatable (prefix=${pcfiledir}/../..): no --define-variable needed.
flags=$(pkg-config --cflags --libs vkgen) || die "pkg-config vkgen failed"
inc=$(pkg-config --variable=includedir vkgen)
[ "$(cd "$inc" && pwd -P)" = "$(cd "$PREFIX/include" && pwd -P)" ] || die "pkg-config includedir $inc is not in the prefix"
echo "  $flags"
echo "$flags" | grep -q -- "-lvkgen" || die "pkg-config lacks -lvkgen"
# A sanitizer build of libvkgen (tools/test.sh --sanitize) needs the program built the same way.
san=()
# (grep without -q reads all of ldd's output: with pipefail, an early exit would SIGPIPE ldd.)
if ldd "$libdir/libvkgen.so" | grep libasan >/dev/null; then san=(-fsanitize=address,undefined); fi
cc -std=c11 "${san[@]}" -o "$TMP/check_scale" "$EX/check_scale.c" $flags -lm -Wl,-rpath,"$libdir" ||
  die "check_scale did not build"
"$TMP/check_scale" "$TMP/run/out/scale.safetensors" -0.25 || die "scaled != -0.25 * noise"
VKGEN_PLUGIN_PATH="$TMP/exbuild" expect 0 "" "$PREFIX/bin/vkgen" run --quiet "$TMP/run/scale.yaml"
"$TMP/check_scale" "$TMP/run/out/scale.safetensors" 3.5 || die "scaled != 3.5 * noise"

check "a wrong dtype into example.scale is a graph error naming the node"
cat >"$TMP/run/bad.yaml" <<G
vkgen: 1
nodes:
  d: {op: core.load_idx, params: {path: $FASHION/t10k-images-idx3-ubyte.gz, batch: 2}}
  s: {op: example.scale, inputs: {x: d.labels}}
G
VKGEN_PLUGIN_PATH="$TMP/exbuild" expect 1 "i64" "$PREFIX/bin/vkgen" validate "$TMP/run/bad.yaml"
echo "ok"
