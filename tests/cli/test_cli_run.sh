#!/usr/bin/env bash
# Real runs of core graphs: PNG grid, --report JSON, --set, unwritable outputs.
source "$(dirname "$0")/lib.sh"

check "vkgen validate accepts every example graph (those needing a download name the missing folder)"
for g in "$VKG_SOURCE_DIR"/graphs/*.yaml; do
  if grep -q '^# vkgen-test: needs-download' "$g"; then
    expect 1 "does not exist" "$VKGEN" validate "$g"
  else
    expect 0 ": ok (" "$VKGEN" validate "$g"
  fi
done

check "a run writes a PNG grid and a JSON report with per-node times and peak memory"
g=$(graph grid.yaml <<G
vkgen: 1
name: grid-test
nodes:
  data: {op: core.load_idx, params: {path: $FASHION/t10k-images-idx3-ubyte.gz, batch: 16}}
  grid: {op: core.save_image_grid, inputs: {images: data.images}, params: {path: $TMP/out/grid.png, nrow: 4}}
  labels: {op: core.save_tensor, inputs: {tensor: data.labels}, params: {path: $TMP/out/labels.safetensors, name: labels}}
G
)
expect 0 "" "$VKGEN" run --quiet "$g" --report "$TMP/out/report.json"
# 4 x 4 tiles of 28 px, padding 2 around and between: 4 * 30 + 2 = 122.
[ "$(png_size "$TMP/out/grid.png")" = "122 122" ] || die "grid size $(png_size "$TMP/out/grid.png"), expected 122 122"
json_ok "$TMP/out/report.json"
for key in '"grid"' '"data"' '"labels"' '"gpu_ms"' '"cpu_ms"' '"peak_device_bytes"'; do
  grep -qF "$key" "$TMP/out/report.json" || die "report lacks $key"
done
no_temp_files "$TMP/out"

check "the saved labels are a safetensors file with the right header"
head -c 200 "$TMP/out/labels.safetensors" | grep -q '"labels"' || die "labels entry missing"
head -c 200 "$TMP/out/labels.safetensors" | grep -q '"I64"' || die "labels not I64"
head -c 200 "$TMP/out/labels.safetensors" | grep -q '\[16\]' || die "labels shape not [16]"

check "load_tensor reads back what save_tensor wrote"
g2=$(graph roundtrip.yaml <<G
vkgen: 1
nodes:
  l: {op: core.load_tensor, params: {path: $TMP/out/labels.safetensors, name: labels}}
  s: {op: core.save_tensor, inputs: {tensor: l}, params: {path: $TMP/out/labels2.safetensors, name: labels}}
G
)
expect 0 "" "$VKGEN" run --quiet "$g2"
cmp "$TMP/out/labels.safetensors" "$TMP/out/labels2.safetensors" || die "round trip changed the file"

check "--set overrides a param (nrow 8 gives a wider grid)"
expect 0 "" "$VKGEN" run --quiet "$g" --set grid.nrow=8
[ "$(png_size "$TMP/out/grid.png")" = "242 62" ] || die "grid size with nrow 8: $(png_size "$TMP/out/grid.png")"

check "a bad --set value is an error (exit 1 for a wrong type, 2 for bad syntax)"
expect 1 "nrow" "$VKGEN" run --quiet "$g" --set grid.nrow=wide
expect 2 "--set" "$VKGEN" run --quiet "$g" --set gridnrow=3

check "an output path that cannot be written: non-zero exit, nothing partial left"
touch "$TMP/afile"
expect 1 "afile" "$VKGEN" run --quiet "$g" --set "grid.path=$TMP/afile/sub/grid.png"
[ ! -e "$TMP/afile/sub" ] || die "something was created under a regular file"
no_temp_files "$TMP"
check "an output that is a device node, FIFO, socket or folder is refused (exit 1), never replaced"
mkfifo "$TMP/fifo"
mkdir -p "$TMP/adir"
ln -s "$TMP/fifo" "$TMP/fifolink"
for target in /dev/null "$TMP/fifo" "$TMP/fifolink" "$TMP/adir"; do
  expect 1 "cannot write '$target': it exists and is" "$VKGEN" run --quiet "$g" --set "grid.path=$target"
  expect 1 "cannot write '$target': it exists and is" "$VKGEN" run --quiet "$g" --set "labels.path=$target"
  expect 1 "cannot write '$target': it exists and is" "$VKGEN" run --quiet "$g" --report "$target"
done
[ -c /dev/null ] && [ -p "$TMP/fifo" ] && [ -L "$TMP/fifolink" ] || die "a special file was replaced"
no_temp_files "$TMP"
no_temp_files /dev

check "a report that cannot be written names the file and the reason; the other reports are still written"
rm -f "$TMP/out/ok.json" "$TMP/out/ok.md"
expect 1 "cannot write '$TMP/afile/report.json': cannot create folder '$TMP/afile': Not a directory" \
  "$VKGEN" run --quiet "$g" --report "$TMP/afile/report.json" --report "$TMP/out/ok.json" --report "$TMP/out/ok.md"
json_ok "$TMP/out/ok.json"
grep -q "| node | key | value |" "$TMP/out/ok.md" || [ "$(grep -c '### Values' "$TMP/out/ok.md")" = 0 ] ||
  die "the Markdown Values table lacks its header"
# A write that fails half-way (file size limit: EFBIG) names the file and the reason.
gs=$(graph source-only.yaml <<G
vkgen: 1
nodes:
  data: {op: core.load_idx, params: {path: $FASHION/t10k-images-idx3-ubyte.gz, batch: 16}}
G
)
# (stdout and stderr go through a pipe: the size limit would stop writes to a log file too)
rc=0
bash -c 'trap "" XFSZ; ulimit -f 0; exec "$@"' _ \
  "$VKGEN" run --quiet "$gs" --report "$TMP/big/r.json" --report "$TMP/big/r.md" 2>&1 | cat >"$LOG" || rc=$?
[ "${rc:-0}" -eq 1 ] || { cat "$LOG"; die "a report that could not be written exited ${rc:-0}"; }
grep -qF "cannot write the run report '$TMP/big/r.json': File too large" "$LOG" || { cat "$LOG"; die "json report error"; }
grep -qF "cannot write the run report '$TMP/big/r.md': File too large" "$LOG" || { cat "$LOG"; die "md report not tried"; }
no_temp_files "$TMP/big"

check "core.scale maps the DCGAN's [-1, 1] output for inception.features: FID in one graph"
expect 0 "fid.fid = " "$VKGEN" run --quiet "$VKG_SOURCE_DIR/graphs/fid-dcgan.yaml" --set batches=1 \
  --set real.batch=16 --set "noise.shape=[16,32,1,1]"

check "save_images writes one file per sample with global indices across batches"
g3=$(graph images.yaml <<G
vkgen: 1
batches: 3
nodes:
  data: {op: core.load_idx, params: {path: $FASHION/t10k-images-idx3-ubyte.gz, batch: 2}}
  img: {op: core.save_images, inputs: {images: data.images}, params: {path: "$TMP/imgs/{index}.png"}}
G
)
expect 0 "" "$VKGEN" run --quiet "$g3"
for i in 0 1 2 3 4 5; do [ "$(png_size "$TMP/imgs/$i.png")" = "28 28" ] || die "image $i missing or wrong size"; done
[ ! -e "$TMP/imgs/6.png" ] || die "too many images"

check "load_images reads them back (resized to 14, 3 channels) into a grid"
g4=$(graph folder.yaml <<G
vkgen: 1
nodes:
  imgs: {op: core.load_images, params: {folder: $TMP/imgs, batch: 6, size: 14, channels: 3}}
  grid: {op: core.save_image_grid, inputs: {images: imgs}, params: {path: $TMP/out/folder.png, nrow: 3}}
G
)
expect 0 "" "$VKGEN" run --quiet "$g4"
[ "$(png_size "$TMP/out/folder.png")" = "50 34" ] || die "folder grid size $(png_size "$TMP/out/folder.png")"
expect 1 "holds 6" "$VKGEN" validate "$g4" --set imgs.batch=7

# The demo graphs (trained models, FID/IS) are run by test_demo.sh.
echo "ok"
