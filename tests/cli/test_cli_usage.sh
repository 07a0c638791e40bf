#!/usr/bin/env bash
# Usage errors exit 2 with "vkgen: error:"; help and version exit 0.
source "$(dirname "$0")/lib.sh"

check "--help and --version"
expect 0 "usage: vkgen COMMAND" "$VKGEN" --help
expect 0 "vkgen " "$VKGEN" --version
expect 0 "usage: vkgen run GRAPH.yaml" "$VKGEN" help run
expect 0 "usage: vkgen validate" "$VKGEN" validate --help

check "no command, unknown command, unknown help topic"
expect 2 "usage: vkgen COMMAND" "$VKGEN"
expect 2 "vkgen: error: unknown command 'frobnicate'" "$VKGEN" frobnicate
expect 2 "vkgen: error: unknown command 'nope'" "$VKGEN" help nope

check "run/validate without a graph, with two graphs, unknown options"
expect 2 "missing GRAPH.yaml" "$VKGEN" run
expect 2 "missing GRAPH.yaml" "$VKGEN" validate
expect 2 "one graph file expected" "$VKGEN" validate a.yaml b.yaml
expect 2 "unknown option '--frob'" "$VKGEN" run --frob x.yaml
expect 2 "unexpected argument" "$VKGEN" plugins --frob
expect 2 "unexpected argument" "$VKGEN" devices extra

check "options that need a value"
expect 2 "option --set needs a value" "$VKGEN" run x.yaml --set
expect 2 "option --report needs a value" "$VKGEN" run x.yaml --report
expect 2 "--device needs a device index" "$VKGEN" run x.yaml --device gpu0
expect 2 "--json and --markdown" "$VKGEN" plugins --json --markdown

check "a malformed --set is a usage error"
expect 2 "vkgen: error: --set noequals: expected NODE.PARAM=VALUE" "$VKGEN" validate "$VKG_SOURCE_DIR/graphs/demo.yaml" --set noequals
echo "ok"
