#!/usr/bin/env bash
# GPT prior sampling, vkgen (ar.gpt_sample, KV cache on the device) vs PyTorch CPU (taming's
# sample_with_past, same weights), alternated in one run, median of 3; prints tokens/s and the ratio.
#   bash tools/bench/gpt_bench.sh [MODEL_FOLDER] [BATCH]   (default models/gpt-prior-fashion, 16)
# Needs a build (build/bin/vkgen) and Debian's python3-torch (tools/setup.sh --torch).
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$(realpath "${1:-models/gpt-prior-fashion}")
batch=${2:-16}
vkgen=${VKGEN:-build/bin/vkgen}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/g.yaml" <<Y
vkgen: 1
nodes:
  s: {op: ar.gpt_sample, params: {model: $model, batch: $batch, class_labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], seed: 1}}
Y
"$vkgen" run --quiet "$tmp/g.yaml" >/dev/null # pipeline compile and disk caches
median() { sort -g | sed -n 2p; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do
  "$vkgen" run --quiet "$tmp/g.yaml" --report "$tmp/r$i.json" >/dev/null
  grep -o '"s.tokens_per_s": [0-9.e+]*' "$tmp/r$i.json" | awk '{print $2}' >>"$tmp/vk"
  /usr/bin/python3 tools/bench/gpt_bench.py "$model" --batch "$batch" | tee -a "$tmp/pt.log" |
    sed -n 's/.* \([0-9.]*\) tokens\/s.*/\1/p' >>"$tmp/pt"
done
vk=$(median <"$tmp/vk")
pt=$(median <"$tmp/pt")
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: vkgen $(tr '\n' ' ' <"$tmp/vk")| pytorch $(tr '\n' ' ' <"$tmp/pt")"
printf '| GPT prior sampling, batch %s | vkgen %.0f tokens/s | PyTorch CPU KV-cache loop %.0f tokens/s | ratio %.2f |\n' \
  "$batch" "$vk" "$pt" "$(echo "$vk $pt" | awk '{print $1 / $2}')"
