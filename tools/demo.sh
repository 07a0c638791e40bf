#!/usr/bin/env bash
# From a fresh Debian machine to the demo's outputs: install packages, build, run.
#   bash tools/demo.sh
# Writes out/demo/*.png, out/demo/labels.safetensors and out/report.json.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cmake -S . -B build
cmake --build build -j2
build/bin/vkgen run graphs/demo.yaml --report out/report.json
echo "demo: images in out/demo/, report in out/report.json" >&2
