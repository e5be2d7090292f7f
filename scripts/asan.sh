#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run (issue 10), usable in CI (~10 min on 2 cores):
#   1. C++ unit tests (native/test/kernel_tests) built with -DDESCENT_SANITIZE=ON into build-asan/, run by ctest;
#   2. the addon built by cmake-js with the same flags into build-asan-addon/Release/descent.node;
#   3. the mocha suite on that addon: node is not instrumented, so libasan is LD_PRELOADed (it must come first);
#      DESCENT_ADDON_PATH makes lib/backend/native/loader.ts load the sanitized build.
# Any ASan report (heap overflow, use after free, …) or UBSan report aborts the process that hit it, which fails
# the test (or the suite) that triggered it.
#
# Usage: scripts/asan.sh [--quick] [--no-build] [-- extra mocha args]
#   --quick     only the files that drive the native code hardest (00 load, 20 optimizers, 40 models, 50 controls,
#               70 MLP, 90 fuzz, 91 leak, 92 concurrency), selected with --grep '^(00|20|40|50|70|90|91|92) '
#   --no-build  reuse build-asan/ and build-asan-addon/ as they are
# Environment: JOBS (parallel build jobs, default 2), ASAN_MOCHA_GREP / ASAN_MOCHA_INVERT (a --grep pattern and
# whether to invert it; default: skip the package test, which installs the prebuild and never loads this addon).
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-2}
QUICK=0
BUILD=1
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-build) BUILD=0 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

start=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - start )) s)"; }

LIBASAN=$(gcc -print-file-name=libasan.so)
if [ ! -e "$LIBASAN" ]; then
  echo "libasan.so not found (gcc -print-file-name=libasan.so gave '$LIBASAN'); install gcc's sanitizer runtime" >&2
  exit 2
fi
# detect_leaks=0: V8/Node leak on purpose at exit; those reports are not ours (valgrind.sh checks our leaks).
# abort_on_error=1 turns a report into SIGABRT, so a child process fixture that hits one is seen as killed.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

if [ "$BUILD" = 1 ]; then
  step "C++ unit tests with -fsanitize=address,undefined (cmake → build-asan/)"
  cmake -S . -B build-asan -DDESCENT_TESTS=ON -DDESCENT_SANITIZE=ON >/dev/null
  cmake --build build-asan -j "$JOBS"
fi
step "ctest (kernel_tests under ASan/UBSan)"
ctest --test-dir build-asan --output-on-failure

if [ "$BUILD" = 1 ]; then
  step "sanitized addon (cmake-js → build-asan-addon/Release/descent.node)"
  npx cmake-js compile --out build-asan-addon --CDDESCENT_SANITIZE=ON -p "$JOBS"
fi
ADDON=build-asan-addon/Release/descent.node
test -f "$ADDON" || { echo "missing $ADDON" >&2; exit 2; }

# Check the sanitized addon really loads (and is the one in use) before running the suite.
step "load check"
LD_PRELOAD="$LIBASAN" DESCENT_ADDON_PATH="$ADDON" DESCENT_BACKEND=native \
  node -e "const i=require('./dist/index.js').info(); console.log(i.backend, i.reason); if (i.backend!=='native') process.exit(1)" 2>/dev/null \
  || LD_PRELOAD="$LIBASAN" DESCENT_ADDON_PATH="$ADDON" DESCENT_BACKEND=native \
  node --require tsx/cjs -e "const i=require('./lib').info(); console.log(i.backend, i.reason); if (i.backend!=='native') process.exit(1)"

# .mocharc.json always loads test/**/*.test.ts, so files are chosen by their describe prefix ("NN name").
if [ "$QUICK" = 1 ]; then
  GREP=${ASAN_MOCHA_GREP-^(00|20|40|50|70|90|91|92) }
  INVERT=${ASAN_MOCHA_INVERT-0}
else
  # 98 loads onnxruntime-node's own native library, which is not ours to sanitize (its exports are pure TS).
  GREP=${ASAN_MOCHA_GREP-^(85 package|98 onnx)}
  INVERT=${ASAN_MOCHA_INVERT-1}
fi
MOCHA_ARGS=()
if [ -n "$GREP" ]; then
  MOCHA_ARGS+=(--grep "$GREP")
  if [ "$INVERT" = 1 ]; then MOCHA_ARGS+=(--invert); fi
fi
step "mocha on the sanitized addon (LD_PRELOAD=$LIBASAN, DESCENT_ADDON_PATH=$ADDON, grep '$GREP' invert=$INVERT)"
# The leak test's 5 MB RSS bound does not hold under ASan (quarantine and redzones grow RSS); its numbers are
# printed for information, and valgrind.sh is the leak check that counts.
set +e
LD_PRELOAD="$LIBASAN" DESCENT_ADDON_PATH="$ADDON" DESCENT_BACKEND=native DESCENT_UNDER_ASAN=1 \
  npx mocha ${MOCHA_ARGS[@]+"${MOCHA_ARGS[@]}"} ${EXTRA[@]+"${EXTRA[@]}"} 2>&1 | tee build-asan/mocha.log
rc=${PIPESTATUS[0]}
set -e
reports=$(grep -c -E '^(==[0-9]+==ERROR: AddressSanitizer|.*runtime error:)' build-asan/mocha.log || true)
step "done: mocha exit $rc, sanitizer reports in the log: $reports (build-asan/mocha.log)"
if [ "$reports" != 0 ]; then
  grep -n -E -A12 '^(==[0-9]+==ERROR: AddressSanitizer|.*runtime error:)' build-asan/mocha.log | head -80
fi
exit $(( rc != 0 || reports != 0 ))
