#!/usr/bin/env bash
# The main job, from a fresh Debian machine: install packages, build, sample every family with the
# trained Fashion-MNIST models in models/, score them, write a report.
#   bash tools/demo.sh
# Writes out/demo/<family>.png (one grid per family; every sample under out/demo/<family>/),
# out/report.md (per-family table: samples, FID (Fashion-MNIST Inception), IS, time; per-node
# times and peak memory) and the runner's JSON reports out/report-samples.json, out/report.json.
#
# Environment (for tests and repeated runs):
#   VKGEN=PATH        use this runner; skips setup and the build
#   DEMO_ROOT=DIR     folder holding graphs/ (demo.yaml, demo/metrics.yaml), models/ and out/
#                     (default: the repository)
#   DEMO_SAMPLE_ARGS / DEMO_METRIC_ARGS   extra arguments for the two runs (e.g. --set ...)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${DEMO_ROOT:-$repo}
if [ -z "${VKGEN:-}" ]; then
  cd "$repo"
  tools/setup.sh
  cmake -S . -B build
  cmake --build build -j2
  VKGEN=$repo/build/bin/vkgen
fi
out=$root/out
mkdir -p "$out"
# Samples from an earlier run with other sizes would be scored too: start clean.
rm -rf "$out/demo"
t0=$(date +%s)
echo "demo: 1/2 sampling every family (graphs/demo.yaml)" >&2
# shellcheck disable=SC2086
"$VKGEN" run "$root/graphs/demo.yaml" --report "$out/report-samples.json" --report "$out/report-samples.md" \
  ${DEMO_SAMPLE_ARGS:-}
echo "demo: 2/2 FID (Fashion-MNIST Inception) and IS (graphs/demo/metrics.yaml)" >&2
# shellcheck disable=SC2086
"$VKGEN" run "$root/graphs/demo/metrics.yaml" --report "$out/report.json" --report "$out/report-metrics.md" \
  ${DEMO_METRIC_ARGS:-}
t1=$(date +%s)

# node_ms REPORT.json NODE: the node's CPU + GPU milliseconds (jansson's indented layout:
# "id" comes before "gpu_ms" and "cpu_ms" in each node object).
node_ms() {
  awk -v want="$2" '
    /"id":/ { id = $0; sub(/.*"id": *"/, "", id); sub(/".*/, "", id) }
    /"(gpu|cpu)_ms":/ && id == want { v = $0; sub(/.*: */, "", v); sub(/,.*/, "", v); t += v }
    END { printf "%.0f", t }' "$1"
}
# value REPORT.json KEY: a reported value ("node.key"), or n/a.
value() {
  awk -v want="\"$2\":" '
    index($0, want) { v = $0; sub(/.*: */, "", v); sub(/,.*/, "", v); found = 1 }
    END { if (found && v != "null") printf "%.2f", v; else printf "n/a" }' "$1"
}
# node_rows NAME: samples the metrics run read through node NAME (batch x batches run).
node_rows() {
  awk -v want="$1" '
    /"batches_run":/ { b = $0; sub(/.*: */, "", b); sub(/,.*/, "", b) }
    /"id":/ { id = $0; sub(/.*"id": *"/, "", id); sub(/".*/, "", id); n = 0 }
    /"shape":/ && id == want { inshape = 1; next }
    inshape && /[0-9]/ && !got { v = $0; gsub(/[^0-9]/, "", v); got = v }
    inshape && /\]/ { inshape = 0 }
    END { printf "%d", got * b }' "$out/report.json"
}
count() { find "$out/demo/$1" -name '*.png' 2>/dev/null | wc -l | tr -d ' '; }

md=$out/report.md
{
  echo "# vkgen demo report"
  echo
  echo "Fashion-MNIST, trained demo models in models/ (see models/README.md). FID and IS use"
  echo "models/inception-fashion (128-d pool, 10 classes): **FID (Fashion-MNIST Inception)** is not"
  echo "comparable to published FID numbers. Real side: the first $(node_rows real) Fashion-MNIST test images"
  echo "(their IS: $(value "$out/report.json" real_is.mean)). Few samples per family:"
  echo "FID with fewer samples than feature dims is biased upwards; compare families at equal counts only."
  echo "Total wall time $((t1 - t0)) s."
  echo
  echo "| family | model | what | samples | FID (Fashion-MNIST Inception) | IS | sampling time (ms) |"
  echo "|---|---|---|---:|---:|---:|---:|"
  while IFS='|' read -r fam node dir model what; do
    echo "| $fam | $model | $what | $(count "$dir") | $(value "$out/report.json" "${node}_fid.fid") |" \
      "$(value "$out/report.json" "${node}_is.mean") | $(node_ms "$out/report-samples.json" "$node") |"
  done <<'T'
MLP VAE|mlpvae|mlpvae|mlpvae-fashion|prior samples
KL VAE|vaekl|vae-kl|vae-kl-fashion|prior samples
KL VAE (recon.)|vaeklrec|vae-kl-recon|vae-kl-fashion|reconstructions of the VQ-VAE's inputs
VQ-VAE + GPT prior|vqgpt|vq-gpt|gpt-prior-fashion + vqvae-fashion|class-conditional samples (class i % 10)
VQ-VAE|vqvae|vqvae|vqvae-fashion|reconstructions
DCGAN|gan|dcgan|dcgan-fashion|samples (32x32)
StyleGAN2|sg2|stylegan2|stylegan2-fashion|samples (32x32, noise const)
PixelCNN|pixelcnn|pixelcnn|pixelcnn-fashion|samples
DDPM|ddpm|ddpm|ddpm-fashion|DDIM samples
latent DiT, CFG|dit|dit|dit-fashion|DDIM samples, guidance 3, classes 0..9
T
  echo
  echo "Sampling time is the family's sampling node (CPU + GPU time; for the reconstructions the"
  echo "decode node: encode is not included). Per-node details of both runs follow (peak device memory is per run)."
  echo
  sed 's/^## /### /; s/^### \([VN]\)/#### \1/' "$out/report-samples.md"
  sed 's/^## /### /; s/^### \([VN]\)/#### \1/' "$out/report-metrics.md"
} >"$md.tmp"
mv "$md.tmp" "$md"
echo "demo: grids in $out/demo/, report in $md ($((t1 - t0)) s)" >&2
