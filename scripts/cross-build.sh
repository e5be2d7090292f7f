#!/usr/bin/env bash
# Builds descent.node for one platform package with a cross compiler, without node-gyp (gyp cannot target
# mingw), from the same sources and flags as binding.gyp. OpenBLAS is linked statically, so the binary needs
# nothing but the C runtime (glibc on Linux, the system DLLs on Windows) and Node-API.
#   scripts/cross-build.sh linux-arm64-gnu   # aarch64-linux-gnu-g++, Debian's arm64 libopenblas.a (multiarch)
#   scripts/cross-build.sh win32-x64         # x86_64-w64-mingw32-g++-posix, OpenBLAS built by build-openblas-mingw.sh
# Output: npm/<target>/descent.node. Needs node_modules (node-addon-api, node-api-headers).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/cross-build.sh linux-arm64-gnu|win32-x64}
out=npm/$target/descent.node
obj=build-cross/$target
mkdir -p "$obj"

sources=(native/binding/addon.cc native/binding/trainer_wrap.cc native/binding/csv_wrap.cc native/binding/platform.cc
  native/io/buffer.cc native/io/csv.cc native/engine/trainer.cc native/kernels/optimizers.cc native/kernels/dispatch.cc
  native/kernels/parallel.cc native/kernels/blas_fork.cc native/kernels/kernels_scalar.cc)
flags=(-std=c++17 -O3 -fexceptions -ffp-contract=off -fno-math-errno -fno-trapping-math -fvisibility=hidden
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
  -I"$(node -p "require('node-addon-api').include_dir")" -Inode_modules/node-api-headers/include)

case "$target" in
  linux-arm64-gnu)
    cxx=aarch64-linux-gnu-g++
    sources+=(native/kernels/kernels_neon.cc)
    openblas_a=${DESCENT_OPENBLAS_A:-/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.a}
    flags+=(-fPIC -I"${DESCENT_OPENBLAS_INCLUDE:-/usr/include/aarch64-linux-gnu/openblas-pthread}")
    link=(-shared -Wl,--version-script=native/binding/exports.map "$openblas_a" -Wl,--exclude-libs,ALL
      -static-libstdc++ -static-libgcc -lpthread -lm -Wl,-s)
    ;;
  win32-x64)
    cxx=x86_64-w64-mingw32-g++-posix   # the posix thread model: std::thread and pthread_rwlock (winpthreads)
    sources+=(native/kernels/kernels_avx2.cc native/kernels/kernels_avx512.cc)
    ob=${DESCENT_OPENBLAS_WIN:-build-cross/openblas-win}
    openblas_a=$ob/lib/libopenblas.a
    flags+=(-I"$ob/include" -D_WIN32_WINNT=0x0A00)
    # node.exe exports Node-API; the import library comes from node-api-headers' .def files.
    x86_64-w64-mingw32-dlltool -d node_modules/node-api-headers/def/node_api.def -l "$obj/node_api.a" -D node.exe
    link=(-shared "$openblas_a" "$obj/node_api.a" -static -static-libstdc++ -static-libgcc -Wl,-s)
    ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
[ -f "$openblas_a" ] || { echo "cross-build: $openblas_a not found (see the header of this script)" >&2; exit 1; }

objs=()
for s in "${sources[@]}"; do objs+=("$obj/$(basename "${s%.cc}").o"); done
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c 'o='"$obj"'/$(basename {} .cc).o; '"$cxx"' '"${flags[*]}"' -c {} -o $o' 
mkdir -p "$(dirname "$out")"
"$cxx" -o "$out" "${objs[@]}" "${link[@]}"
echo "cross-build: $out ($(stat -c %s "$out") bytes)"
