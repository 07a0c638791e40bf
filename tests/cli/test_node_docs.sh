#!/usr/bin/env bash
# docs/nodes.md is generated from `vkgen plugins --markdown`: it must match the plugins built.
source "$(dirname "$0")/lib.sh"

check "docs/nodes.md matches the in-tree plugins (regenerate with tools/gen_node_docs.sh)"
VKGEN="$VKGEN" bash "$VKG_SOURCE_DIR/tools/gen_node_docs.sh" --check
echo "ok"
