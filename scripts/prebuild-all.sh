#!/usr/bin/env bash
# Builds every platform package's binary on this (Debian x86-64) machine and reports their sizes:
#   npm/linux-x64-gnu/descent.node    prebuildify + node-gyp, Debian's static OpenBLAS (npm run prebuild)
#   npm/linux-arm64-gnu/descent.node  aarch64-linux-gnu-g++, Debian's arm64 OpenBLAS (scripts/cross-build.sh)
#   npm/win32-x64/descent.node        mingw-w64, OpenBLAS built from Debian's source (scripts/build-openblas-mingw.sh)
# Needs (as root, once): apt-get install -y libopenblas-dev g++-aarch64-linux-gnu g++-mingw-w64-x86-64, and
# dpkg --add-architecture arm64 && apt-get update && apt-get install -y libopenblas-pthread-dev:arm64, and deb-src
# entries for apt-get source. `npm pack npm/<target>` then packs each package.
set -euo pipefail
cd "$(dirname "$0")/.."
only=${1:-all}
if [ "$only" = all ] || [ "$only" = linux-x64-gnu ]; then
  npm run prebuild
  mkdir -p npm/linux-x64-gnu && cp prebuilds/linux-x64/descent.node npm/linux-x64-gnu/descent.node
fi
if [ "$only" = all ] || [ "$only" = linux-arm64-gnu ]; then bash scripts/cross-build.sh linux-arm64-gnu; fi
if [ "$only" = all ] || [ "$only" = win32-x64 ]; then
  bash scripts/build-openblas-mingw.sh
  bash scripts/cross-build.sh win32-x64
fi
for f in npm/*/descent.node; do printf '%-36s %6.1f MB\n' "$f" "$(echo "$(stat -c %s "$f") / 1048576" | bc -l)"; done
