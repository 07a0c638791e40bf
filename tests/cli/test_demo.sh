#!/usr/bin/env bash
# The main job (tools/demo.sh over graphs/demo.yaml and graphs/demo/metrics.yaml) with the
# trained models, at reduced sizes: every family's grid and sample PNGs, the JSON and Markdown
# reports, and FID/IS values for every family.
source "$(dirname "$0")/lib.sh"

# A copy of the graphs next to a link to models/, so ../out lands in $TMP, not in the source tree.
mkdir -p "$TMP/root/graphs/demo"
cp "$VKG_SOURCE_DIR/graphs/demo.yaml" "$TMP/root/graphs/"
cp "$VKG_SOURCE_DIR/graphs/demo/metrics.yaml" "$TMP/root/graphs/demo/"
ln -s "$VKG_SOURCE_DIR/models" "$TMP/root/models"

check "vkgen validate accepts the demo graph"
expect 0 ": ok (" "$VKGEN" validate "$TMP/root/graphs/demo.yaml"

check "the default demo scores at least 64 samples of every family (4 metric batches per sample folder)"
grep -q "^batches: 4$" "$VKG_SOURCE_DIR/graphs/demo/metrics.yaml" || die "metrics.yaml no longer runs 4 batches"
folders=$(grep -c "folder: ../../out/demo/" "$VKG_SOURCE_DIR/graphs/demo/metrics.yaml")
[ "$folders" -ge 10 ] || die "metrics.yaml reads $folders sample folders, expected every family"
grep -o "folder: ../../out/demo/[a-z-]*, batch: [0-9]*" "$VKG_SOURCE_DIR/graphs/demo/metrics.yaml" |
  awk '{ if ($4 * 4 < 64) { print "too few samples: " $0; bad = 1 } } END { exit bad }' || die "a family scores fewer than 64 samples"

check "tools/demo.sh at 4 samples per family (metrics: 4 batches of 1) writes grids, PNGs and reports"
small="--set mlpvae.batch=4 --set vaekl.batch=4 --set vq_in.batch=4 --set gan_noise.shape=[4,32,1,1] --set vqgpt.batch=4 --set sg2_noise.shape=[4,64]
  --set pixelcnn.batch=4 --set pixelcnn.size=8 --set ddpm_noise.shape=[4,1,28,28] --set ddpm.steps=2
  --set dit_noise.shape=[4,4,14,14] --set dit.steps=2"
small_m="--set real.batch=4 --set mlpvae_img.batch=1 --set vaekl_img.batch=1 --set vaeklrec_img.batch=1
  --set vqvae_img.batch=1 --set vqgpt_img.batch=1
  --set gan_img.batch=1 --set sg2_img.batch=1 --set pixelcnn_img.batch=1 --set ddpm_img.batch=1 --set dit_img.batch=1"
DEMO_ROOT="$TMP/root" DEMO_SAMPLE_ARGS="$small" DEMO_METRIC_ARGS="$small_m" \
  expect 0 "report in" bash "$VKG_SOURCE_DIR/tools/demo.sh"
out=$TMP/root/out
for f in real mlpvae vae-kl vae-kl-recon vqvae vq-gpt dcgan stylegan2 pixelcnn ddpm dit; do
  [ -s "$out/demo/$f.png" ] || die "no grid $out/demo/$f.png"
  png_size "$out/demo/$f.png" >/dev/null
done
for f in mlpvae vae-kl vae-kl-recon vqvae vq-gpt dcgan stylegan2 pixelcnn ddpm dit; do
  n=$(find "$out/demo/$f" -name '*.png' | wc -l)
  [ "$n" -eq 4 ] || die "$out/demo/$f holds $n PNGs, expected 4"
done
[ "$(png_size "$out/demo/dcgan/0.png")" = "32 32" ] || die "DCGAN sample size $(png_size "$out/demo/dcgan/0.png")"
[ "$(png_size "$out/demo/pixelcnn/0.png")" = "8 8" ] || die "PixelCNN sample size $(png_size "$out/demo/pixelcnn/0.png")"
json_ok "$out/report.json"
json_ok "$out/report-samples.json"
for fam in mlpvae vaekl vaeklrec vqvae vqgpt gan sg2 pixelcnn ddpm dit; do
  for key in "\"${fam}_fid.fid\": [0-9]" "\"${fam}_is.mean\": [0-9]" "\"${fam}_is.std\": [0-9]"; do
    grep -q "$key" "$out/report.json" || die "report.json lacks a number for $key"
  done
  grep -q "\"id\": \"$fam\"" "$out/report-samples.json" || die "report-samples.json lacks node $fam"
done

check "report.md has the per-family table with numbers and the per-node tables"
md=$out/report.md
grep -qF "| family | model | what | samples | FID (Fashion-MNIST Inception) | IS | sampling time (ms) |" "$md" \
  || die "report.md lacks the family table header"
for fam in "MLP VAE" "KL VAE" "KL VAE (recon.)" "VQ-VAE" "VQ-VAE + GPT prior" "DCGAN" "StyleGAN2" "PixelCNN" "DDPM" "latent DiT, CFG"; do
  line=$(grep "^| $fam |" "$md") || die "report.md lacks the $fam row"
  # samples, FID, IS and time columns are numbers
  echo "$line" | awk -F'|' '{ for (i = 5; i <= 8; i++) if ($i !~ /^ *[0-9.]+ *$/) exit 1 }' \
    || die "report.md row has a non-number: $line"
  echo "$line" | grep -q "| 4 |" || die "report.md row does not count 4 samples: $line"
done
grep -q "^#### Nodes" "$md" || die "report.md lacks the per-node tables"
grep -q "peak device memory" "$md" || die "report.md lacks peak memory"
grep -q "| ddpm | ddpm.sample |" "$md" || die "report.md lacks the ddpm node row"
no_temp_files "$out"

check "vkgen run --report FILE.md alone writes Markdown (and FILE.json in the same run)"
expect 0 "" "$VKGEN" run --quiet "$TMP/root/graphs/demo.yaml" $small --report "$TMP/r.md" --report "$TMP/r.json"
grep -q "^## Run report: demo" "$TMP/r.md" || die "r.md is not the Markdown report"
grep -q "^| gan | gan.generate | image f32 \[4,1,32,32\] |" "$TMP/r.md" || die "r.md lacks the gan node row"
json_ok "$TMP/r.json"
echo "ok"
