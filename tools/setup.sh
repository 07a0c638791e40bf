#!/usr/bin/env bash
# Install the Debian packages vkgen needs, only those that are missing (idempotent).
# Usage: tools/setup.sh [--dev] [--torch]
#   --dev    also tools for sanitizer/fuzz builds (clang runtime, valgrind)
#   --torch  also PyTorch for regenerating reference fixtures (never needed by CI)
set -euo pipefail
pkgs=(build-essential cmake pkg-config libvulkan-dev mesa-vulkan-drivers vulkan-tools
      glslang-tools spirv-tools libyaml-dev libjansson-dev check libpng-dev zlib1g-dev
      liblapacke-dev libopenblas-dev dataset-fashion-mnist openmpi-bin libopenmpi-dev)
for a in "$@"; do
  case "$a" in
    --dev) pkgs+=(clang libclang-rt-14-dev valgrind vulkan-validationlayers) ;;
    --torch) pkgs+=(python3-torch python3-numpy python3-scipy python3-pil libopenblas0-pthread) ;;
    *) echo "setup.sh: unknown option '$a' (use --dev, --torch)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "setup: installing ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
