#!/usr/bin/env bash
# Builds a static OpenBLAS for Windows x64 with mingw-w64 from Debian's source package (the same 0.3.21 as the
# Linux prebuilds), for scripts/cross-build.sh win32-x64. CBLAS only (no Fortran, no LAPACK); DYNAMIC_ARCH with
# the kernels of the x86-64 baseline (PRESCOTT), HASWELL, SKYLAKEX and ZEN, chosen at run time like Debian's.
# (BUILD_SINGLE=1 BUILD_DOUBLE=1 alone does not compile on Windows in 0.3.21: blas_server_win32.c needs ZGEMM_P.)
# Needs deb-src in the apt sources and g++-mingw-w64-x86-64.
# Output: build-cross/openblas-win/{include,lib/libopenblas.a}.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$PWD/build-cross/openblas-win
[ -f "$dest/lib/libopenblas.a" ] && { echo "openblas-win: $dest/lib/libopenblas.a exists"; exit 0; }
work=$PWD/build-cross/openblas-src
rm -rf "$work" && mkdir -p "$work" && cd "$work"
apt-get source openblas >/dev/null 2>&1 || { echo "openblas-win: apt-get source openblas failed (deb-src missing?)" >&2; exit 1; }
cd openblas-*/
# mingw's gcc -dumpversion prints "12-win32", which OpenBLAS 0.3.21's version checks read as older than 4.6 and
# so drop AVX2 (c_check) and -mavx2 (kernel/Makefile): a wrapper answers "12". c_check also compares versions
# with awk -v variables, which mawk (Debian's awk) compares as strings ("12" <= "4.6"): make them numbers.
sed -i 's/exit !(n1 <= n2)/exit !(n1+0 <= n2+0)/' c_check
mkdir -p wrap
printf '#!/bin/sh\n[ "$1" = "-dumpversion" ] && { echo 12; exit 0; }\nexec /usr/bin/x86_64-w64-mingw32-gcc-win32 "$@"\n' > wrap/x86_64-w64-mingw32-gcc
chmod +x wrap/x86_64-w64-mingw32-gcc
PATH=$PWD/wrap:$PATH make -j"$(nproc)" CC=x86_64-w64-mingw32-gcc FC=false HOSTCC=gcc BINARY=64 OS=WINNT \
  NOFORTRAN=1 NO_LAPACK=1 NO_LAPACKE=1 ONLY_CBLAS=1 DYNAMIC_ARCH=1 DYNAMIC_LIST="HASWELL SKYLAKEX ZEN" \
  TARGET=PRESCOTT USE_THREAD=1 NUM_THREADS=64 NO_SHARED=1 libs >build.log 2>&1 || { tail -30 build.log >&2; exit 1; }
mkdir -p "$dest/lib" "$dest/include"
cp -L libopenblas.a "$dest/lib/libopenblas.a"
# The installed headers, as OpenBLAS's Makefile.install writes them (without `make install`, which builds more).
{
  echo '#ifndef OPENBLAS_CONFIG_H'; echo '#define OPENBLAS_CONFIG_H'
  awk 'NF {print $1, "OPENBLAS_"$2, $3}' config_last.h
  echo '#define OPENBLAS_VERSION " OpenBLAS 0.3.21 "'
  cat openblas_config_template.h
  echo '#endif'
} > "$dest/include/openblas_config.h"
sed 's/common/openblas_config/g' cblas.h > "$dest/include/cblas.h"
grep -E "^(NO_AVX2|CORE)=" Makefile.conf || true
echo "openblas-win: $dest/lib/libopenblas.a ($(stat -c %s "$dest/lib/libopenblas.a") bytes)"
