#!/usr/bin/env bash
# Valgrind memcheck on a short native training run (issue 10): test/fixtures/93-valgrind-train.js trains softmax
# regression and a small MLP on digits for 2 epochs each on the built package (dist/) and the native addon,
# predicts, saves and reloads (file and buffer) and predicts again.
#
# valgrind runs with --tool=memcheck --error-exitcode=1 --errors-for-leak-kinds=definite --leak-check=full and
# writes XML. Node/V8 themselves produce reports under memcheck that are not ours (JIT code, conservative stack
# scanning, allocations kept until exit), so the verdict is computed from the XML, not from valgrind's exit code:
#   - every invalid read/write/free (InvalidRead, InvalidWrite, InvalidFree, MismatchedFree, Overlap,
#     InvalidMemPool) counts, wherever it is;
#   - use of uninitialised values (UninitCondition, UninitValue, SyscallParam) counts when its stack includes
#     descent.node or libopenblas;
#   - a definitely-lost leak (Leak_DefinitelyLost) counts when its allocation stack includes descent.node.
# Everything else is summarised as "not ours". Exit 0 when nothing counts.
#
# Usage: scripts/valgrind.sh [extra valgrind options]
# Environment: DESCENT_ADDON_PATH (default: the addon lib/backend/native/loader.ts finds), VALGRIND_XML (default
# $TMPDIR/descent-valgrind.xml), OPENBLAS_NUM_THREADS (default 2: exercise the BLAS thread pool too).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install -y valgrind)" >&2; exit 2; }
test -f dist/index.js || { echo "dist/ is missing: npm run build:ts" >&2; exit 2; }
XML=${VALGRIND_XML:-${TMPDIR:-/tmp}/descent-valgrind.xml}
OUT=${XML%.xml}.out
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2}
export DESCENT_BACKEND=native

start=$(date +%s)
echo "== valgrind memcheck: node test/fixtures/93-valgrind-train.js (OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS)"
set +e
# --smc-check=all-non-file: V8 generates and patches code at run time.
valgrind --tool=memcheck --error-exitcode=1 --errors-for-leak-kinds=definite --leak-check=full \
  --show-leak-kinds=definite --smc-check=all-non-file --num-callers=40 --trace-children=no \
  --xml=yes --xml-file="$XML" "$@" \
  node test/fixtures/93-valgrind-train.js 2>&1 | tee "$OUT"
rc=${PIPESTATUS[0]}
set -e
echo "== valgrind exit status $rc after $(( $(date +%s) - start )) s; classifying $XML"

fixture_ok=0
grep -q '^fixture ok$' "$OUT" && fixture_ok=1
python3 - "$XML" "$fixture_ok" <<'PY'
import sys
import xml.etree.ElementTree as ET

path, fixture_ok = sys.argv[1], sys.argv[2] == "1"
root = ET.parse(path).getroot()
OURS = ("descent.node", "libopenblas")
INVALID = {"InvalidRead", "InvalidWrite", "InvalidFree", "MismatchedFree", "Overlap", "InvalidMemPool", "InvalidJump"}
UNINIT = {"UninitCondition", "UninitValue", "SyscallParam", "ClientCheck"}

def frames(err):
    out = []
    for st in err.findall("stack"):
        for f in st.findall("frame"):
            obj = f.findtext("obj") or ""
            fn = f.findtext("fn") or "???"
            out.append((obj, fn, f.findtext("file"), f.findtext("line")))
    return out

def ours(fs):
    return any(any(o in obj for o in OURS) for obj, *_ in fs)

counted, ignored = [], {}
for err in root.findall("error"):
    kind = err.findtext("kind")
    fs = frames(err)
    what = err.findtext("what") or (err.find("xwhat").findtext("text") if err.find("xwhat") is not None else "")
    if kind in INVALID:
        counted.append((kind, what, fs))
    elif kind in UNINIT and ours(fs):
        counted.append((kind, what, fs))
    elif kind == "Leak_DefinitelyLost" and any("descent.node" in obj for obj, *_ in fs):
        counted.append((kind, what, fs))
    else:
        key = kind + (" (descent/openblas in stack)" if ours(fs) else "")
        ignored[key] = ignored.get(key, 0) + 1

def show(fs, n=14):
    lines = []
    for obj, fn, file, line in fs[:n]:
        loc = f"{file}:{line}" if file else obj.split("/")[-1]
        lines.append(f"      {fn}  ({loc})")
    return "\n".join(lines)

print(f"not ours (Node/V8/libc, ignored): {sum(ignored.values())} report(s)" + (": " + ", ".join(f"{k} {v}" for k, v in sorted(ignored.items())) if ignored else ""))
if counted:
    print(f"OURS: {len(counted)} report(s)")
    for kind, what, fs in counted[:20]:
        print(f"  - {kind}: {what}")
        print(show(fs))
    sys.exit(1)
print("clean: no invalid read/write/free anywhere, no uninitialised use and no definite leak in descent.node / OpenBLAS")
if not fixture_ok:
    print("but the training fixture did not finish correctly (no 'fixture ok' line)")
    sys.exit(1)
PY
