// Compares platform-check results (check.js): on the platform under test, native must agree with its own JS
// backend, and its predictions must equal the reference platform's (linux-x64) within float32 tolerance.
//   node compare.js REFERENCE.json UNDER_TEST.json
// Tolerance: 2e-4 absolute on probabilities and 2e-4 relative on regression outputs. Different BLAS kernels
// (OpenBLAS's ARMv8 or Haswell kernels against SkylakeX) sum in different orders, so float32 results differ in the
// last bits, and a few epochs of training carry that no further than ~1e-5 here.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');

const [refFile, testFile] = process.argv.slice(2);
const ref = JSON.parse(fs.readFileSync(refFile, 'utf8'));
const got = JSON.parse(fs.readFileSync(testFile, 'utf8'));
assert.equal(got.error, undefined, `${testFile}: ${got.error}`);
assert.ok(got.native, `${testFile}: ran on the ${got.info.backend} backend (${got.info.reason})`);
assert.equal(got.info.backend, 'native');

let worst = 0;
const failures = [];
function close(what, a, b, rel) {
  if (a.length !== b.length) return failures.push(`${what}: ${a.length} values vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]) / (rel ? 1 + Math.abs(b[i]) : 1);
    if (!(err <= 2e-4)) return failures.push(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
    worst = Math.max(worst, err);
  }
}
for (const [name, key, rel] of [['linear', 'pred', true], ['logistic', 'proba', false], ['softmax', 'proba', false], ['mlp', 'proba', false]]) {
  close(`${got.platform} native vs reference native: ${name}`, got.native[name][key], ref.native[name][key], rel);
  close(`${got.platform} native vs its JS backend: ${name}`, got.native[name][key], got.js[name][key], rel);
  close(`${got.platform} JS vs reference JS: ${name}`, got.js[name][key], ref.js[name][key], rel);
}
const summary = `${got.platform} (${got.info.addon.from}: ${got.info.simd}, ${got.info.gemm}, ${got.info.blas}): worst difference ${worst.toExponential(2)}; ` +
  `accuracy logistic ${got.native.logistic.accuracy.toFixed(4)}, softmax ${got.native.softmax.accuracy.toFixed(4)}, mlp ${got.native.mlp.accuracy.toFixed(4)}; R² ${got.native.linear.r2.toFixed(4)}`;
assert.deepEqual(failures, [], summary);
// The models must also have learned (the same floor on every platform): a wrong kernel that agreed with itself
// everywhere would still fail here.
assert.ok(got.native.logistic.accuracy > 0.95, summary);
assert.ok(got.native.softmax.accuracy > 0.95, summary);
assert.ok(got.native.mlp.accuracy > 0.9, summary);
assert.ok(got.native.linear.r2 > 0.45, summary);
console.log(summary);
