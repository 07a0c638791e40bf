#!/bin/bash
# Convolution algorithm A/B on whole models (issue 18): each model's steady-state time per batch
# with VKGEN_CONV_ALGO=im2col (every conv through im2col + GEMM; the other fusions stay) and
# =auto (the shape rule: Winograd F(4x4,3x3) where it wins), alternated REPS times in one run.
#
#   bash tools/bench/conv_algo_ab.sh [BUILD_DIR=build] [REPS=3] [BASE_BUILD_DIR]
#
# With BASE_BUILD_DIR (a build of an earlier commit, absolute or relative to the repository) its
# binaries run too, as config "base", in the same alternation: the before/after of a change.
#
# Per model, a graph core.randn -> node runs with 1 and with 1+N batches; (t(1+N) - t(1)) / N
# is the time per batch with model upload, pipeline compiles and the first batch cancelled
# (wall and process CPU seconds, from /usr/bin/time). The DDPM UNet uses vkgen_ddpm_bench (best
# of 3 forwards of batch 16). Prints the load average before and after: the machine is shared.
set -euo pipefail
BUILD=${1:-build}
REPS=${2:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
abs() { case $1 in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
BIN=$(abs "$BUILD")/bin
CONFIGS=("im2col:$BIN:im2col" "auto:$BIN:auto")
[ -n "${3:-}" ] && CONFIGS=("base:$(abs "$3")/bin:auto" "${CONFIGS[@]}")
N=4
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
M=$ROOT/models

graph() { # NAME BATCHES NODES
  printf 'vkgen: 1\nname: %s\nbatches: %s\nnodes:\n%s\n' "$1" "$2" "$3" >"$TMP/$1_$2.yaml"
}
declare -A NODES=(
  [vae-kl_decode_B16]="  z: {op: core.randn, params: {shape: [16, 4, 14, 14], seed: 1}}
  d: {op: vae.decode, inputs: {latent: z}, params: {model: $M/vae-kl-fashion}}"
  [vqvae_decode_B16]="  z: {op: core.randn, params: {shape: [16, 4, 14, 14], seed: 1}}
  d: {op: vqvae.decode, inputs: {quantized: z}, params: {model: $M/vqvae-fashion}}"
  [inception_features_B8]="  z: {op: core.randn, params: {shape: [8, 1, 28, 28], seed: 1}}
  f: {op: inception.features, inputs: {images: z}, params: {model: $M/inception-fashion}}"
)
for name in "${!NODES[@]}"; do
  graph "$name" 1 "${NODES[$name]}"
  graph "$name" $((N + 1)) "${NODES[$name]}"
done

timed() { # BIN ALGO GRAPH -> "wall cpu"
  VKGEN_CONV_ALGO=$2 /usr/bin/time -f "%e %U %S" -o "$TMP/t" "$1/vkgen" run "$3" >/dev/null 2>"$TMP/err" ||
    { cat "$TMP/err" >&2; exit 1; }
  awk '{printf "%s %.3f", $1, $2 + $3}' "$TMP/t"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-24s %-7s %4s %12s %12s\n' model algo rep "ms/batch" "cpu-ms/batch"
for rep in $(seq 1 "$REPS"); do
  for name in $(printf '%s\n' "${!NODES[@]}" | sort); do
    for cfg in "${CONFIGS[@]}"; do
      IFS=: read -r label bin algo <<<"$cfg"
      read -r w1 c1 <<<"$(timed "$bin" "$algo" "$TMP/${name}_1.yaml")"
      read -r wn cn <<<"$(timed "$bin" "$algo" "$TMP/${name}_$((N + 1)).yaml")"
      awk -v n="$name" -v a="$label" -v r="$rep" -v w1="$w1" -v wn="$wn" -v c1="$c1" -v cn="$cn" -v N=$N \
        'BEGIN {printf "%-24s %-7s %4d %12.1f %12.1f\n", n, a, r, (wn - w1) / N * 1e3, (cn - c1) / N * 1e3}'
    done
  done
  for cfg in "${CONFIGS[@]}"; do
    IFS=: read -r label bin algo <<<"$cfg"
    out=$(VKGEN_CONV_ALGO=$algo "$bin/vkgen_ddpm_bench" "$M/ddpm-fashion" 16 3 2>&1 | tail -1)
    ms=$(sed -n 's/.*batch 16: \([0-9.]*\) s per forward.*/\1/p' <<<"$out")
    awk -v a="$label" -v r="$rep" -v s="$ms" 'BEGIN {printf "%-24s %-7s %4d %12.1f %12s\n", "ddpm_unet_B16", a, r, s * 1e3, "-"}'
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
