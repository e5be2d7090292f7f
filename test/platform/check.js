// The platform check: trains the demo's three models and an MLP on the bundled data with the installed descent,
// on the native backend and on the JS backend, and writes what it saw as JSON. Plain CommonJS, no dev tools, so it
// runs on any platform's real Node: linux-arm64 under qemu, win32-x64 under wine (which needs stdout in a file).
//   node check.js OUT.json [descent]      (descent: a path or package name; default 'descent')
// scripts/test-platform.sh compares two platforms' files with compare.js.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');

const out = process.argv[2];
const d = require(require.resolve(process.argv[3] || 'descent', { paths: [process.cwd()] }));

async function run(backend) {
  const res = {};
  const seed = 7;
  const diabetes = d.loadCsvSync(d.datasetPath('diabetes'), { dtype: 'float64' });
  const lin = new d.LinearRegression({ standardize: true, backend });
  await lin.fit(diabetes.X, diabetes.y, { epochs: 300, batchSize: diabetes.X.rows, optimizer: d.nesterov({ learningRate: 0.2, momentum: 0.95 }), seed });
  res.linear = { pred: Array.from(lin.predict(diabetes.X)), r2: lin.score(diabetes.X, diabetes.y) };

  const cancer = d.loadCsvSync(d.datasetPath('breast-cancer'));
  const log = new d.LogisticRegression({ standardize: true, backend });
  await log.fit(cancer.X, cancer.y, { epochs: 20, batchSize: 16, learningRate: 0.05, seed });
  res.logistic = { proba: Array.from(log.predictProba(cancer.X, { format: 'flat' })), accuracy: log.score(cancer.X, cancer.y) };

  const digits = d.loadCsvSync(d.datasetPath('digits'));
  const soft = new d.SoftmaxRegression({ standardize: true, backend });
  await soft.fit(digits.X, digits.y, { epochs: 10, batchSize: 32, optimizer: d.nesterov({ learningRate: 0.05, momentum: 0.9 }), seed });
  res.softmax = { proba: Array.from(soft.predictProba(digits.X, { format: 'flat' })), accuracy: soft.score(digits.X, digits.y) };

  // Large enough (1797 x 64 -> 128 -> 10, batches of 256) for the GEMM kernels and the pool split.
  const mlp = new d.MLPClassifier({ hiddenLayers: [128], activation: 'relu', standardize: true, backend });
  await mlp.fit(digits.X, digits.y, { epochs: 5, batchSize: 256, optimizer: d.adam({ learningRate: 0.01 }), seed });
  res.mlp = { proba: Array.from(mlp.predictProba(digits.X, { format: 'flat' })), accuracy: mlp.score(digits.X, digits.y) };

  // Shapes and ranges here; agreement across backends and platforms in compare.js.
  assert.equal(res.linear.pred.length, diabetes.X.rows);
  assert.ok(res.linear.pred.every(Number.isFinite), `${backend}: non-finite regression output`);
  assert.equal(res.logistic.proba.length, cancer.X.rows);  // 'flat' on a binary model: P(class 1) per row
  assert.ok(res.logistic.proba.every((v) => v >= 0 && v <= 1), `${backend}: logistic probability outside [0, 1]`);
  for (const name of ['softmax', 'mlp']) {
    const p = res[name].proba;
    const k = 10;
    assert.equal(p.length, k * digits.X.rows, `${backend} ${name}: ${p.length} probabilities`);
    for (let r = 0; r < digits.X.rows; r++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const v = p[r * k + j];
        assert.ok(v >= 0 && v <= 1, `${backend} ${name}: probability ${v} at row ${r}`);
        sum += v;
      }
      assert.ok(Math.abs(sum - 1) < 1e-4, `${backend} ${name}: row ${r} sums to ${sum}`);
    }
  }
  return res;
}

(async () => {
  const info = d.info();
  const native = info.backend === 'native' ? await run('native') : null;
  const js = await run('js');
  const result = { platform: `${process.platform}-${process.arch}`, node: process.version, info, native, js };
  fs.writeFileSync(out, JSON.stringify(result));
})().catch((e) => {
  fs.writeFileSync(out, JSON.stringify({ error: String(e && e.stack ? e.stack : e) }));
  process.exitCode = 1;
});
