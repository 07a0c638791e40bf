#!/usr/bin/env bash
# Every model family, vkgen vs PyTorch CPU (same weights from models/*, tools/ref definitions, 2 threads,
# no_grad), alternated in one run (vkgen, PyTorch, next family, ...; 3 rounds), median of 3, as a markdown
# table: family | batch | vkgen img/s | PyTorch img/s | ratio, with the load average at start and end.
#   bash tools/bench/families.sh [--vkgen PATH] [--baseline PATH] [--quick] [--only FAMILY,...] [--models DIR]
# --vkgen: the binary to time (its plugins come with it). --baseline: a second vkgen binary (e.g. a build
# of an earlier commit) timed in the same rounds, alternated with the first; the table then gains
# "baseline img/s" and "speedup" columns (what the change bought, measured in the same run).
# --quick: 1 round, small batches. vkgen time: per-node GPU times from `vkgen run --report` (startup,
# uploads and pipeline compiles excluded; one untimed warm-up run per family first); see families.py.
# Needs Debian's python3-torch (tools/setup.sh --torch).
set -euo pipefail
cd "$(dirname "$0")/../.."
vkgen=build/bin/vkgen
models=$PWD/models
rounds=3
quick=0
only=""
baseline=""
while [ $# -gt 0 ]; do
  case $1 in
  --vkgen) vkgen=$2; shift 2 ;;
  --baseline) baseline=$2; shift 2 ;;
  --quick) quick=1; rounds=1; shift ;;
  --only) only=$2; shift 2 ;;
  --models) models=$(realpath "$2"); shift 2 ;;
  *) echo "usage: $0 [--vkgen PATH] [--baseline PATH] [--quick] [--only FAMILY,...] [--models DIR]" >&2; exit 2 ;;
  esac
done
py=/usr/bin/python3
helper=tools/bench/families.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fams=()
while IFS=$'\t' read -r fam batch qbatch; do
  [ -n "$only" ] && [[ ",$only," != *",$fam,"* ]] && continue
  [ $quick = 1 ] && batch=$qbatch
  fams+=("$fam:$batch")
  "$py" "$helper" graph "$fam" "$batch" "$models" >"$tmp/$fam.yaml"
  "$vkgen" run --quiet "$tmp/$fam.yaml" >/dev/null # warm-up: pipeline and disk caches
  [ -z "$baseline" ] || "$baseline" run --quiet "$tmp/$fam.yaml" >/dev/null
done < <("$py" "$helper" list)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 1; i <= rounds; i++)); do
  for fb in "${fams[@]}"; do
    fam=${fb%%:*} batch=${fb#*:}
    "$vkgen" run --quiet "$tmp/$fam.yaml" --report "$tmp/r.json" >/dev/null
    echo "$fam $batch vkgen $("$py" "$helper" vkgen "$tmp/r.json" "$fam" "$batch")" >>"$tmp/res"
    if [ -n "$baseline" ]; then
      "$baseline" run --quiet "$tmp/$fam.yaml" --report "$tmp/r.json" >/dev/null
      echo "$fam $batch base $("$py" "$helper" vkgen "$tmp/r.json" "$fam" "$batch")" >>"$tmp/res"
    fi
    echo "$fam $batch torch $("$py" "$helper" torch "$fam" "$batch" "$models")" >>"$tmp/res"
  done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
echo "vkgen: $vkgen ($("$vkgen" --version 2>/dev/null | head -1)); $(nproc) cores; $rounds round(s)"
[ -z "$baseline" ] || echo "baseline: $baseline ($("$baseline" --version 2>/dev/null | head -1))"
echo "load average at start: $load0; at end: $load1"
echo
"$py" "$helper" table "$tmp/res"
echo
echo "runs (images/s):"
sort -k1,1 -k3,3 -s "$tmp/res" | awk '{k=$1" "$3; a[k]=a[k]" "$4} END {for (k in a) print "  " k ":" a[k]}' | sort
