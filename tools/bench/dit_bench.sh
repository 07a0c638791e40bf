#!/usr/bin/env bash
# DiT sampling (latents; DDIM, classifier-free guidance), vkgen (ddpm.sample) vs PyTorch CPU (the DiTPipeline
# loop of tools/ref/dit_ref.py, same weights, same steps, batch and guidance), alternated in one run, median of
# 3; prints images/s and the ratio.
#   bash tools/bench/dit_bench.sh [MODEL_FOLDER] [BATCH] [STEPS] [GUIDANCE]  (default models/dit-fashion 16 20 3)
# Needs a build (build/bin/vkgen) and Debian's python3-torch (tools/setup.sh --torch).
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$(realpath "${1:-models/dit-fashion}")
batch=${2:-16}
steps=${3:-20}
guidance=${4:-3}
vkgen=${VKGEN:-build/bin/vkgen}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tdir=$model
[ -d "$model/transformer" ] && tdir=$model/transformer
read -r ch size < <(/usr/bin/python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c.get("in_channels", 4), c.get("sample_size", 32))' "$tdir/config.json")
cat >"$tmp/g.yaml" <<Y
vkgen: 1
nodes:
  noise: {op: core.randn, params: {shape: [$batch, $ch, $size, $size], seed: 1}}
  s: {op: ddpm.sample, inputs: {noise: noise},
      params: {model: $model, scheduler: ddim, steps: $steps, guidance_scale: $guidance, classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}}
Y
"$vkgen" run --quiet "$tmp/g.yaml" >/dev/null # pipeline compile and disk caches
median() { sort -g | sed -n 2p; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do
  "$vkgen" run --quiet "$tmp/g.yaml" --report "$tmp/r$i.json" >/dev/null
  /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(int(sys.argv[2]) / (r["wall_ms"] / 1000))' \
    "$tmp/r$i.json" "$batch" >>"$tmp/vk"
  /usr/bin/python3 tools/bench/dit_bench.py "$model" --batch "$batch" --steps "$steps" --guidance "$guidance" |
    tee -a "$tmp/pt.log" | sed -n 's/.* \([0-9.]*\) images\/s.*/\1/p' >>"$tmp/pt"
done
vk=$(median <"$tmp/vk")
pt=$(median <"$tmp/pt")
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: vkgen $(tr '\n' ' ' <"$tmp/vk")| pytorch $(tr '\n' ' ' <"$tmp/pt")"
printf '| DiT sampling, batch %s, %s DDIM steps, guidance %s | vkgen %.3f images/s | PyTorch CPU %.3f images/s | ratio %.2f |\n' \
  "$batch" "$steps" "$guidance" "$vk" "$pt" "$(echo "$vk $pt" | awk '{print $1 / $2}')"
