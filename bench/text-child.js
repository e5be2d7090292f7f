// One text-classification run for bench/text.ts in a process of its own (wall time, CPU and peak RSS are the
// pipeline's: Node start-up, loading descent, reading the JSONL corpus, hashing, fitting, scoring). One JSON line.
//   node bench/text-child.js FILE --train N --epochs E --alpha A
'use strict';
const fs = require('node:fs');
const d = require('../dist');

const [file, ...rest] = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const secs = (a, b) => Number(b - a) / 1e9;

(async () => {
  const t0 = process.hrtime.bigint();
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const docs = lines.map((l) => JSON.parse(l));
  const nTrain = arg('train', Math.floor(docs.length * 0.8));
  const train = docs.slice(0, nTrain), test = docs.slice(nTrain);
  const t1 = process.hrtime.bigint();
  const opts = { nFeatures: 2 ** 20 };
  const Xtr = d.hashFeatures(train.map((r) => r.text), opts);
  const t2 = process.hrtime.bigint();
  const alpha = arg('alpha', 1e-5);
  // scikit-learn SGDClassifier(loss='log_loss', alpha) minimizes mean log loss + (alpha/2)||w||^2: l2 = alpha.
  const m = new d.LogisticRegression({ dtype: 'float64', regularization: { l2: alpha } });
  await m.fit(Xtr, train.map((r) => r.label), { epochs: arg('epochs', 5), batchSize: 1, optimizer: d.sgd({ learningRate: 1 }), seed: 0 });
  const t3 = process.hrtime.bigint();
  const Xte = d.hashFeatures(test.map((r) => r.text), opts);
  const accuracy = m.score(Xte, test.map((r) => r.label));
  const t4 = process.hrtime.bigint();
  const bytes = train.reduce((s, r) => s + Buffer.byteLength(r.text), 0);
  const ru = process.resourceUsage();
  console.log(JSON.stringify({
    readSeconds: secs(t0, t1), hashSeconds: secs(t1, t2), fitSeconds: secs(t2, t3), scoreSeconds: secs(t3, t4), totalSeconds: secs(t0, t4),
    hashMBps: bytes / 1e6 / secs(t1, t2), nnz: Xtr.indices.length, accuracy, steps: m.history.learningRates.length,
    cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6, peakRssMiB: ru.maxRSS / 1024,
  }));
})();
