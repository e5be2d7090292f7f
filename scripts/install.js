#!/usr/bin/env node
// npm's install hook for descent. It never fails the install because of the native part:
//   1. this platform's package (@descent/linux-x64-gnu, ...) is installed and loads: nothing to do;
//   2. a local build (build/Release/descent.node) loads: nothing to do;
//   3. otherwise, if a C++ compiler, make, python3 and the BLAS headers are all present, build from source with
//      node-gyp; if any is missing, or the build fails, say so once and exit 0: descent then runs on its
//      JavaScript backend and its one warning at load repeats what was missing (build/descent-install.json).
// DESCENT_INSTALL_STRICT=1 makes a failed source build fail the install (CI uses it); DESCENT_SKIP_BUILD=1 skips it;
// `npm install --build-from-source` (npm_config_build_from_source) or DESCENT_BUILD_FROM_SOURCE=1 builds even when
// the platform package is there, and the loader then prefers that build.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { platformPackage } = require('./platform-package.js');
const { includeDir } = require('./blas-config.js');

const root = path.resolve(__dirname, '..');
const strict = process.env.DESCENT_INSTALL_STRICT === '1';

function note(status, message) {
  try {
    fs.mkdirSync(path.join(root, 'build'), { recursive: true });
    fs.writeFileSync(path.join(root, 'build', 'descent-install.json'), JSON.stringify({ status, message }, null, 2) + '\n');
  } catch {
    // A read-only install directory: the load-time warning still names the failed attempts.
  }
  if (message) console.warn(`descent: ${message}`);
  process.exit(status === 'failed' && strict ? 1 : 0);
}

function loads(file) {
  try {
    require(file);
    return true;
  } catch {
    return false;
  }
}

const pkg = platformPackage();
const fromSource = process.env.DESCENT_BUILD_FROM_SOURCE === '1' || /^(true|1|descent)$/.test(process.env.npm_config_build_from_source || '');
if (!fromSource) try {
  if (loads(require.resolve(`${pkg}/descent.node`, { paths: [root] }))) note('platform package', '');
} catch {
  // not installed: try the local build
}
const local = path.join(root, 'build', 'Release', 'descent.node');
if (!fromSource && fs.existsSync(local) && loads(local)) note('source build', '');
if (process.env.DESCENT_SKIP_BUILD === '1') note('skipped', `DESCENT_SKIP_BUILD=1: no source build; without ${pkg}, descent uses its JavaScript backend`);

const fallback = `no prebuilt binary for ${process.platform}-${process.arch} (${pkg} is not installed) and no source build`;
const js = 'descent will run on its JavaScript backend (same results, slower); `npm rebuild descent` retries the build';
if (process.platform === 'win32') note('skipped', `${fallback}: building on Windows is not supported (MSVC); ${js}.`);

const onPath = (tool) => {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  return dirs.some((d) => {
    try {
      fs.accessSync(path.join(d, tool), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
};
const missing = [];
const cxx = process.env.CXX ? [process.env.CXX.split(' ')[0]] : ['c++', 'g++', 'clang++'];
if (!cxx.some(onPath)) missing.push(`a C++17 compiler (${cxx.join(' / ')})`);
if (!onPath('make')) missing.push('make');
if (!onPath('python3') && !onPath('python')) missing.push('python3 (for node-gyp)');
if (process.platform !== 'darwin' && !includeDir()) missing.push('the OpenBLAS headers (cblas.h; Debian/Ubuntu: libopenblas-dev)');
if (missing.length > 0) note('skipped', `${fallback}: missing ${missing.join(', ')}; ${js}.`);

// npm passes its bundled node-gyp; otherwise the one in node_modules.
let gyp = process.env.npm_config_node_gyp;
if (!gyp || !fs.existsSync(gyp)) {
  try {
    gyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    gyp = undefined;
  }
}
if (!gyp) note('failed', `${fallback}: node-gyp not found; ${js}.`);
const r = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (r.status === 0 && fs.existsSync(local) && loads(local)) note('source build', '');
const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').filter((l) => /error|Error/.test(l)).slice(-3).join(' | ');
if (strict) process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
note('failed', `${fallback}: the source build failed (${tail || `exit ${r.status}`}); ${js}.`);
