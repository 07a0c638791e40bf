#!/usr/bin/env bash
# Regenerates docs/nodes.md from the plugins the runner loads (vkgen plugins --markdown).
#   bash tools/gen_node_docs.sh [BUILD_DIR]        (default: build)
#   bash tools/gen_node_docs.sh --check [BUILD_DIR] exit 1 if docs/nodes.md is out of date
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
build=${1:-build}
vkgen="${VKGEN:-$build/bin/vkgen}"
[ -x "$vkgen" ] || { echo "gen_node_docs: no runner at $vkgen (build first)" >&2; exit 2; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# Only the in-tree plugins: an unrelated VKGEN_PLUGIN_PATH must not leak into the docs.
VKGEN_PLUGIN_PATH= "$vkgen" plugins --markdown >"$tmp"
if [ $check -eq 1 ]; then
  diff -u docs/nodes.md "$tmp" >&2 || { echo "gen_node_docs: docs/nodes.md is out of date" >&2; exit 1; }
else
  mv "$tmp" docs/nodes.md
  trap - EXIT
  echo "wrote docs/nodes.md" >&2
fi
