#!/usr/bin/env node
// Where the BLAS is, for binding.gyp and scripts/install.js (one answer for both).
//   node scripts/blas-config.js include     -> the directory holding cblas.h, or '' (macOS: Accelerate needs none)
//   node scripts/blas-config.js static-lib  -> libopenblas.a for DESCENT_STATIC_OPENBLAS=1 builds, or ''
// DESCENT_OPENBLAS_INCLUDE and DESCENT_OPENBLAS_A override the search.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// Debian/Ubuntu multiarch tuples of the architectures Node ships for Linux.
const TUPLES = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu' };

function includeDir() {
  if (process.env.DESCENT_OPENBLAS_INCLUDE) return process.env.DESCENT_OPENBLAS_INCLUDE;
  if (process.platform === 'darwin') return '';
  const t = TUPLES[process.arch];
  const candidates = [
    ...(t ? [`/usr/include/${t}/openblas-pthread`, `/usr/include/${t}/openblas-openmp`, `/usr/include/${t}/openblas-serial`, `/usr/include/${t}`] : []),
    '/usr/include/openblas', '/usr/include', '/usr/local/include', '/usr/local/include/openblas', '/opt/OpenBLAS/include',
  ];
  return candidates.find((d) => fs.existsSync(path.join(d, 'cblas.h'))) ?? '';
}

function staticLib() {
  if (process.env.DESCENT_OPENBLAS_A) return process.env.DESCENT_OPENBLAS_A;
  const t = TUPLES[process.arch];
  const candidates = [...(t ? [`/usr/lib/${t}/openblas-pthread/libopenblas.a`, `/usr/lib/${t}/libopenblas.a`] : []), '/usr/lib64/libopenblas.a', '/usr/local/lib/libopenblas.a'];
  return candidates.find((f) => fs.existsSync(f)) ?? '';
}

module.exports = { includeDir, staticLib };
if (require.main === module) {
  const what = process.argv[2];
  if (what === 'include') process.stdout.write(includeDir());
  else if (what === 'static-lib') process.stdout.write(staticLib());
  else {
    process.stderr.write('usage: blas-config.js include|static-lib\n');
    process.exit(2);
  }
}
