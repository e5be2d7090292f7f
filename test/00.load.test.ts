import { loadNative } from '../lib/backend/native/loader';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as descent from '../lib';
import { native } from './support/backends';

const root = path.resolve(__dirname, '..');

describe('00 load', () => {
  it('info() reports version, backend, BLAS, threads and SIMD table', () => {
    const i = descent.info();
    assert.equal(i.version, require('../package.json').version);
    if (native) {
      assert.equal(i.backend, 'native');
      assert.match(i.blas!, /OpenBLAS/);
      assert.ok(i.threads >= 1);
      const tables = process.arch === 'arm64' ? ['scalar', 'neon'] : ['scalar', 'avx2', 'avx512'];
      assert.deepEqual(native.info().tables, tables);
      assert.ok(tables.includes(i.simd!));
      assert.equal(i.addon.path, loadNative().path);
    } else {
      assert.equal(i.backend, 'js');
    }
  });

  it('the built package works from require() and import (dist)', function () {
    if (!require('node:fs').existsSync(path.join(root, 'dist', 'index.mjs'))) this.skip();
    const cjs = execFileSync(process.execPath, ['-e', "const d=require('./dist/index.js');console.log(typeof d.LinearRegression, typeof d.adam)"], { cwd: root }).toString().trim();
    assert.equal(cjs, 'function function');
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', "import { LinearRegression, adam, DescentError } from './dist/index.mjs'; console.log(typeof LinearRegression, typeof adam, typeof DescentError)"], { cwd: root }).toString().trim();
    assert.equal(esm, 'function function function');
  });

  it('exports the error classes as subclasses of DescentError', () => {
    for (const C of [descent.OptionError, descent.ShapeError, descent.FormatError, descent.StateError, descent.BackendError]) {
      assert.ok(new C('x') instanceof descent.DescentError);
    }
    const d = new descent.DivergenceError(3, 7, 1.5, 'loss');
    assert.ok(d instanceof descent.DescentError);
    assert.match(d.message, /epoch 3, batch 7/);
  });

  it('the Rng is the same xoshiro128** stream as native/kernels/rng.h', () => {
    const r = new descent.Rng(42);
    assert.deepEqual([r.nextU32(), r.nextU32(), r.nextU32()], [660444221, 3652823732, 77672526]);
    const a = Uint32Array.from({ length: 10 }, (_, i) => i);
    new descent.Rng(7).shuffle(a);
    assert.deepEqual(Array.from(a), [5, 4, 9, 8, 3, 2, 6, 7, 1, 0]);
  });
});
