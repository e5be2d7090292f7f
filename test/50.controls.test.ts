import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  AbortError, DivergenceError, LinearRegression, LogisticRegression, OptionError, SoftmaxRegression, StandardScaler,
  clipGradNorm, loadCsvSync, nesterov, sgd, trainTestSplit,
} from '../lib';
import { BACKENDS, native, relMaxDiff, requireNative } from './support/backends';
import { reference } from './support/reference';

const DATA = path.join(__dirname, '..', 'datasets');

describe('50 regularization: the optima of test/fixtures/reference/optima.json (float64, full batch)', function () {
  before(function () {
    requireNative(this);
  });
  const optima = reference('optima.json') as { dataset: string; kind: string; l1: number; l2: number; weights: number[] | number[][]; objective: number; zero_weights?: number }[];
  for (const ref of optima) {
    const label = `${ref.dataset} ${ref.kind} l1=${ref.l1} l2=${ref.l2}`;
    it(`${label}: objective within 1e-6 relative${ref.l1 > 0 ? ', same exact zeros' : ''}`, async () => {
      const d = loadCsvSync(path.join(DATA, `${ref.dataset}.csv`), { dtype: 'float64' });
      const X = new StandardScaler().fitTransform(d.X, 'float64');
      const Ctor = ref.kind === 'squared' ? LinearRegression : ref.kind === 'logistic' ? LogisticRegression : SoftmaxRegression;
      const m = new Ctor({ dtype: 'float64', regularization: { l1: ref.l1, l2: ref.l2 } });
      // Squared loss: plain (proximal) gradient descent at 1/L; cross-entropy: Nesterov, same full batch.
      const optimizer = ref.kind === 'squared' ? sgd({ learningRate: 0.4 }) : nesterov({ learningRate: 1, momentum: 0.95 });
      await m.fit(X, d.y, { epochs: ref.kind === 'squared' ? 20000 : 1000, batchSize: X.rows, optimizer, shuffle: false });
      const objective = m.evaluate(X, d.y).loss + m.penalty();
      assert.ok(Math.abs(objective - ref.objective) / ref.objective < 1e-6, `objective ${objective} vs ${ref.objective}`);
      if (ref.kind === 'squared') {
        const w = m.getWeights()[0]!.weight;
        const zeros = Array.from(w, (v, i) => (v === 0 ? i : -1)).filter((i) => i >= 0);
        const refZeros = (ref.weights as number[]).map((v, i) => (v === 0 ? i : -1)).filter((i) => i >= 0);
        assert.deepEqual(zeros, refZeros, 'exactly-zero weights');
        if (ref.l1 === 1) assert.equal(zeros.length, 3);
        assert.equal(m.sparsity(), zeros.length / w.length);
      }
    });
  }
});

describe('50 gradient clipping', () => {
  it('clipGradNorm reproduces torch.nn.utils.clip_grad_norm_ (clip_grad_norm.json)', () => {
    for (const c of reference('clip_grad_norm.json') as { max_norm: number; grads: number[][]; clipped: number[][]; total_norm: number }[]) {
      const g = c.grads.map((t) => Float64Array.from(t));
      const total = clipGradNorm(g, c.max_norm);
      assert.ok(Math.abs(total - c.total_norm) < 1e-12 * c.total_norm);
      g.forEach((t, i) => t.forEach((v, j) => assert.ok(Math.abs(v - c.clipped[i]![j]!) < 1e-12, `${v} vs ${c.clipped[i]![j]}`)));
    }
  });

  it('clipGradNorm: float64 elements whose squares overflow give the finite norm (scaled by the largest |g|) and clip', () => {
    // ‖(1e200, 3e200)‖ = √10·1e200, but 1e400 overflows a double: the fast path gives Inf, the scaled pass the norm.
    const g = [Float64Array.of(1e200), Float64Array.of(3e200)];
    const expected = Math.sqrt(10) * 1e200;
    const total = clipGradNorm(g, 1);
    assert.ok(Number.isFinite(total) && Math.abs(total - expected) <= 1e-12 * expected, `norm ${total} vs ${expected}`);
    // coef = 1 / (norm + 1e-6) = 1 / (√10·1e200) at this magnitude: the clipped values are 1/√10 and 3/√10.
    const want = [[1 / Math.sqrt(10)], [3 / Math.sqrt(10)]];
    g.forEach((t, i) => t.forEach((v, j) => assert.ok(Math.abs(v - want[i]![j]!) <= 1e-12 * Math.abs(want[i]![j]!), `tensors[${i}][${j}] = ${v}, want ${want[i]![j]}`)));
    // Several elements, one negative, another maxNorm: ‖(1e200, 3e200, −3e200)‖ = √19·1e200, clipped to norm 2.
    const g2 = [Float64Array.of(1e200), Float64Array.of(3e200, -3e200)];
    const e2 = Math.sqrt(19) * 1e200;
    assert.ok(Math.abs(clipGradNorm(g2, 2) - e2) <= 1e-12 * e2);
    const want2 = [2e200 / e2, 6e200 / e2, -6e200 / e2];
    [...g2[0]!, ...g2[1]!].forEach((v, k) => assert.ok(Math.abs(v - want2[k]!) <= 1e-12 * Math.abs(want2[k]!), `element ${k}: ${v} vs ${want2[k]}`));
    // Below the limit: the norm is returned, nothing changes.
    const h = [Float64Array.of(1e200, 3e200)];
    assert.ok(Math.abs(clipGradNorm(h, 1e201) - Math.sqrt(10) * 1e200) <= 1e-12 * Math.sqrt(10) * 1e200);
    assert.deepEqual(Array.from(h[0]!), [1e200, 3e200]);
  });

  const nonFinite: [string, () => (Float32Array | Float64Array)[]][] = [
    ['a NaN', () => [Float64Array.of(1, NaN), Float32Array.of(3)]],
    ['an Infinity', () => [Float64Array.of(1, 2), Float32Array.of(-Infinity, 4)]],
    ['Infinity and NaN', () => [Float64Array.of(Infinity, 2), Float64Array.of(NaN)]],
  ];
  for (const [label, make] of nonFinite) {
    it(`clipGradNorm: a gradient with ${label} is a DivergenceError (ERR_DIVERGENCE) by default; the tensors are unchanged`, () => {
      const g = make();
      const before = g.map((t) => Array.from(t));
      assert.throws(
        () => clipGradNorm(g, 1),
        (e: unknown) =>
          e instanceof DivergenceError && e.code === 'ERR_DIVERGENCE' && e.argument === 'gradient norm' && e.epoch === 0 && e.batch === 0 &&
          /clipGradNorm: the total gradient norm is (NaN|Infinity), not finite \(tensors\[\d\]\[\d\] is -?(NaN|Infinity)\)/.test(e.message),
      );
      g.forEach((t, i) => assert.deepEqual(Array.from(t), before[i]));
      assert.throws(() => clipGradNorm(make(), 1, { errorIfNonfinite: true }), DivergenceError);
    });
  }

  // PyTorch 1.13, error_if_nonfinite=False, by hand: clip_coef = max_norm / (total + 1e-6), clamp(max=1), mul_.
  // Inf norm → coef 0: finite elements → 0 (sign kept: −3·0 = −0), ±Inf·0 = NaN. NaN norm → coef NaN: all NaN.
  const torchCases: { label: string; grads: number[][]; maxNorm: number; norm: number; clipped: number[][] }[] = [
    { label: 'an Infinity', grads: [[1, -3], [Infinity, 0.5]], maxNorm: 1, norm: Infinity, clipped: [[0, -0], [NaN, 0]] },
    { label: 'a -Infinity', grads: [[-Infinity], [2]], maxNorm: 5, norm: Infinity, clipped: [[NaN], [0]] },
    { label: 'a NaN', grads: [[1, NaN], [2]], maxNorm: 1, norm: NaN, clipped: [[NaN, NaN], [NaN]] },
    { label: 'Infinity and NaN', grads: [[Infinity], [NaN, 1]], maxNorm: 1, norm: NaN, clipped: [[NaN], [NaN, NaN]] },
    { label: 'finite values (as with the default)', grads: [[3], [4]], maxNorm: 1, norm: 5, clipped: [[3 / (5 + 1e-6)], [4 / (5 + 1e-6)]] },
  ];
  for (const c of torchCases) {
    it(`clipGradNorm with errorIfNonfinite: false and ${c.label} does what PyTorch 1.13 does (derived by hand)`, () => {
      const g = c.grads.map((t) => Float64Array.from(t));
      const total = clipGradNorm(g, c.maxNorm, { errorIfNonfinite: false });
      assert.ok(Object.is(total, c.norm), `norm ${total}, want ${c.norm}`);
      g.forEach((t, i) => t.forEach((v, j) => assert.ok(Object.is(v, c.clipped[i]![j]) || Math.abs(v - c.clipped[i]![j]!) < 1e-15, `tensors[${i}][${j}] = ${v}, want ${c.clipped[i]![j]}`)));
    });
  }

  it('clipGradNorm with errorIfNonfinite: false agrees with torch.nn.utils.clip_grad_norm_ run in a child process', function () {
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60000 });
    if (probe.status !== 0) {
      console.log(`      (skipped: ${python} cannot import torch: ${(probe.error?.message ?? probe.stderr ?? '').trim().split('\n').pop()})`);
      this.skip();
    }
    this.timeout(120000);
    // JSON has no NaN/Infinity: pass them as strings, as float('nan') / float('inf') understand them.
    const enc = (x: number) => (Number.isFinite(x) ? x : String(x).replace('Infinity', 'inf'));
    const script = [
      'import json, sys, torch',
      'cases = json.load(sys.stdin)',
      'out = []',
      'for c in cases:',
      '    ps = [torch.nn.Parameter(torch.zeros(len(g), dtype=torch.float64)) for g in c["grads"]]',
      '    for p, g in zip(ps, c["grads"]):',
      '        p.grad = torch.tensor([float(v) for v in g], dtype=torch.float64)',
      '    n = torch.nn.utils.clip_grad_norm_(ps, c["max_norm"], error_if_nonfinite=False)',
      '    out.append({"norm": repr(float(n)), "clipped": [[repr(float(v)) for v in p.grad.tolist()] for p in ps]})',
      'print(json.dumps(out))',
    ].join('\n');
    const cases = torchCases.filter((c) => c.grads.flat().every((v) => Math.abs(v) < 1e150 || !Number.isFinite(v)));
    const r = spawnSync(python, ['-c', script], {
      input: JSON.stringify(cases.map((c) => ({ max_norm: c.maxNorm, grads: c.grads.map((t) => t.map(enc)) }))),
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(r.status, 0, r.stderr);
    const dec = (s: string) => (s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));
    const torchOut = JSON.parse(r.stdout) as { norm: string; clipped: string[][] }[];
    cases.forEach((c, k) => {
      const g = c.grads.map((t) => Float64Array.from(t));
      const total = clipGradNorm(g, c.maxNorm, { errorIfNonfinite: false });
      const tn = dec(torchOut[k]!.norm);
      assert.ok(Object.is(total, tn) || Math.abs(total - tn) <= 1e-15 * Math.abs(tn), `${c.label}: norm ${total}, torch ${tn}`);
      g.forEach((t, i) => t.forEach((v, j) => {
        const tv = dec(torchOut[k]!.clipped[i]![j]!);
        assert.ok(Object.is(v, tv) || Math.abs(v - tv) <= 1e-15, `${c.label}: tensors[${i}][${j}] = ${v}, torch ${tv}`);
      }));
    });
  });

  it('clipGradNorm validates its options: errorIfNonfinite must be a boolean, no unknown keys', () => {
    const g = () => [Float64Array.of(1)];
    assert.throws(() => clipGradNorm(g(), 1, { errorIfNonfinite: 'no' as never }), (e: unknown) => e instanceof OptionError && e.argument === 'options.errorIfNonfinite');
    assert.throws(() => clipGradNorm(g(), 1, { errorIfNonFinite: false } as never), (e: unknown) => e instanceof OptionError && /Unknown option "errorIfNonFinite"/.test((e as Error).message));
    assert.throws(() => clipGradNorm(g(), 1, null as never), OptionError);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: clipNorm and clipValue inside the trainer, by hand (one SGD step)`, async () => {
      // x = 1, y = 10, w0/b0 from the seeded draw; gradient (e, e) with e = w0 + b0 − 10 (|e| ≈ 10).
      const first = new LinearRegression({ dtype: 'float64', backend });
      await first.fit([[1]], [10], { epochs: 1, batchSize: 1, learningRate: 1e-300, seed: 2 });
      const [w0, b0] = Array.from(first.getParameterVector());
      const e = w0! + b0! - 10;
      const norm = Math.sqrt(2) * Math.abs(e);
      const byNorm = new LinearRegression({ dtype: 'float64', backend, clipNorm: 1 });
      const h = await byNorm.fit([[1]], [10], { epochs: 1, batchSize: 1, learningRate: 0.5, seed: 2, onBatchEnd: (b) => assert.ok(Math.abs(b.gradNorm - norm) < 1e-12) });
      assert.equal(h.epoch.length, 1);
      const coef = 1 / (norm + 1e-6);
      assert.ok(Math.abs(byNorm.getParameterVector()[0]! - (w0! - 0.5 * e * coef)) < 1e-14);
      const byValue = new LinearRegression({ dtype: 'float64', backend, clipValue: 0.25 });
      await byValue.fit([[1]], [10], { epochs: 1, batchSize: 1, learningRate: 0.5, seed: 2 });
      assert.ok(Math.abs(byValue.getParameterVector()[0]! - (w0! - 0.5 * Math.sign(e) * 0.25)) < 1e-14);
      assert.ok(Math.abs(byValue.getParameterVector()[1]! - (b0! - 0.5 * Math.sign(e) * 0.25)) < 1e-14);
    });
  }

  it('native and JS agree with l1, l2, clipNorm and class weights on (digits, float64, 3 epochs)', async function () {
    requireNative(this);
    const d = loadCsvSync(path.join(DATA, 'digits.csv'), { dtype: 'float64' });
    const p: Record<string, Float64Array | Float32Array> = {};
    for (const backend of ['native', 'js'] as const) {
      const m = new SoftmaxRegression({ dtype: 'float64', backend, standardize: true, regularization: { l1: 1e-3, l2: 1e-2 }, clipNorm: 0.5 });
      await m.fit(d.X, d.y, { epochs: 3, batchSize: 64, learningRate: 0.2, seed: 8, classWeight: 'balanced' });
      p[backend] = m.getParameterVector();
    }
    assert.ok(relMaxDiff(p.native!, p.js!) < 1e-10);
  });
});

describe('50 validation, metrics and early stopping', () => {
  it('validationSplit holds out a seeded random subset (not the tail) and reports every metric', async () => {
    const d = loadCsvSync(path.join(DATA, 'breast-cancer.csv'));
    const m = new LogisticRegression({ standardize: true });
    const h = await m.fit(d.X, d.y, { epochs: 3, validationSplit: 0.25, metrics: ['accuracy', 'f1'], seed: 4 });
    assert.equal(h.valLoss.length, 3);
    for (const k of ['loss', 'accuracy', 'logLoss', 'precision', 'recall', 'f1']) assert.equal(h.metrics.validation[k]!.length, 3, k);
    assert.deepEqual(Object.keys(h.metrics.train).sort(), ['accuracy', 'f1']);
    assert.ok(h.metrics.validation.accuracy!.at(-1)! > 0.9);
    // Same seed, same split: identical history; the split is not the last 25% of rows.
    const h2 = await new LogisticRegression({ standardize: true }).fit(d.X, d.y, { epochs: 3, validationSplit: 0.25, seed: 4 });
    assert.deepEqual(h2.valLoss, h.valLoss);
    const n = d.X.rows, nVal = Math.round(n * 0.25);
    const tail = { data: d.X.data.slice((n - nVal) * d.X.cols), rows: nVal, cols: d.X.cols };
    const h3 = await new LogisticRegression({ standardize: true }).fit(
      { data: d.X.data.slice(0, (n - nVal) * d.X.cols), rows: n - nVal, cols: d.X.cols }, d.y.slice(0, n - nVal),
      { epochs: 3, validationData: [tail, d.y.slice(n - nVal)], seed: 4 });
    assert.notDeepEqual(h3.valLoss, h.valLoss);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: validation loss improves then worsens → stops after patience epochs, best weights restored exactly`, async () => {
      // Train on y = 2x, validate on y = x: w climbs from ≈0 to 2, so validation loss falls until w passes 1, then rises.
      const X = [[0.5], [1], [1.5], [2]];
      const m = new LinearRegression({ dtype: 'float64', backend });
      const weights: number[][] = [];
      const h = await m.fit(X, [1, 2, 3, 4], {
        epochs: 200, batchSize: 4, learningRate: 0.05, shuffle: false, seed: 1,
        validationData: [X, [0.5, 1, 1.5, 2]],
        earlyStopping: { patience: 3, restoreBestWeights: true },
        onEpochEnd: () => void weights.push(Array.from(m.getParameterVector())),
      });
      const best = h.valLoss.indexOf(Math.min(...h.valLoss));
      assert.ok(best > 0 && best < h.epoch.length - 1, 'validation loss improves then worsens');
      // Keras EarlyStopping: wait counts epochs without improvement and training stops when wait >= patience, so the
      // run ends exactly `patience` epochs after the best one (the old loop ran one more: ++wait > patience).
      assert.equal(h.epoch.length, best + 1 + 3, 'stops after patience (3) epochs without improvement');
      assert.ok(h.stoppedEarly);
      assert.equal(h.bestEpoch, best + 1);
      assert.deepEqual(Array.from(m.getParameterVector()), weights[best]);
    });
  }

  it('restoreBestWeights also applies when training ends without triggering', async () => {
    const X = [[0.5], [1], [1.5], [2]];
    const m = new LinearRegression({ dtype: 'float64' });
    const weights: number[][] = [];
    const h = await m.fit(X, [1, 2, 3, 4], {
      epochs: 40, batchSize: 4, learningRate: 0.05, shuffle: false, seed: 1, validationData: [X, [0.5, 1, 1.5, 2]],
      earlyStopping: { patience: 1000, restoreBestWeights: true }, onEpochEnd: () => void weights.push(Array.from(m.getParameterVector())),
    });
    assert.equal(h.epoch.length, 40);
    assert.equal(h.stoppedEarly, false);
    const best = h.valLoss.indexOf(Math.min(...h.valLoss));
    assert.ok(best < 39);
    assert.deepEqual(Array.from(m.getParameterVector()), weights[best]);
  });

  it('bad control options are OptionErrors', async () => {
    const m = new LinearRegression();
    await assert.rejects(m.fit([[1], [2]], [1, 2], { earlyStopping: { monitor: 'valLoss' } }), (e: Error) => e instanceof OptionError && /validationSplit/.test(e.message));
    await assert.rejects(m.fit([[1], [2]], [1, 2], { classWeight: 'balanced' }), OptionError);
    await assert.rejects(m.fit([[1], [2]], [1, 2], { validationSplit: 1.5 }), OptionError);
    await assert.rejects(m.fit([[1], [2]], [1, 2], { metrics: ['accuracy'] }), (e: Error) => e instanceof OptionError && /metrics\[0\]/.test(e.message));
  });
});

describe('50 sample and class weights', () => {
  it('sampleWeight 2 everywhere with lr/2 is exactly plain training with lr (float64)', async () => {
    const d = loadCsvSync(path.join(DATA, 'diabetes.csv'), { dtype: 'float64' });
    const a = new LinearRegression({ dtype: 'float64', standardize: true });
    await a.fit(d.X, d.y, { epochs: 3, learningRate: 0.05, seed: 6, sampleWeight: new Float64Array(d.X.rows).fill(2) });
    const b = new LinearRegression({ dtype: 'float64', standardize: true });
    await b.fit(d.X, d.y, { epochs: 3, learningRate: 0.1, seed: 6 });
    assert.deepEqual(Array.from(a.getParameterVector()), Array.from(b.getParameterVector()));
  });

  it("classWeight 'balanced' raises minority-class recall on a 90/10 breast-cancer subset", async () => {
    const d = loadCsvSync(path.join(DATA, 'breast-cancer.csv'));
    // Keep every benign (1) row and malignant (0) rows up to 10% of the subset.
    const benign = [...d.y.keys()].filter((i) => d.y[i] === 1);
    const malignant = [...d.y.keys()].filter((i) => d.y[i] === 0).slice(0, Math.round(benign.length / 9));
    const idx = [...benign, ...malignant].sort((a, b) => a - b);
    const X = { data: new Float32Array(idx.flatMap((i) => Array.from(d.X.data.subarray(i * d.X.cols, (i + 1) * d.X.cols)))), rows: idx.length, cols: d.X.cols };
    const y = Float64Array.from(idx, (i) => d.y[i]!);
    const { train, test } = trainTestSplit({ X, y, featureNames: d.featureNames, targetName: d.targetName }, { seed: 3, testFraction: 0.5 });
    const recall0 = (m: LogisticRegression) => {
      const p = m.predict(test.X);
      let tp = 0, pos = 0;
      test.y.forEach((v, i) => {
        if (v === 0) {
          pos++;
          if (p[i] === 0) tp++;
        }
      });
      return tp / pos;
    };
    const plain = new LogisticRegression({ standardize: true });
    await plain.fit(train.X, train.y, { epochs: 2, learningRate: 0.005, seed: 1 });
    const balanced = new LogisticRegression({ standardize: true });
    await balanced.fit(train.X, train.y, { epochs: 2, learningRate: 0.005, seed: 1, classWeight: 'balanced' });
    assert.ok(recall0(balanced) > recall0(plain), `minority recall balanced ${recall0(balanced)} vs plain ${recall0(plain)}`);
  });
});

describe('50 divergence, abort and callbacks', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: an AbortSignal aborted mid-fit rejects with AbortError within one chunk; the model still predicts`, async () => {
      const d = loadCsvSync(path.join(DATA, 'digits.csv'));
      const m = new SoftmaxRegression({ standardize: true, backend });
      const ac = new AbortController();
      let batches = 0;
      const p = m.fit(d.X, d.y, {
        epochs: 50, batchSize: 16, batchesPerChunk: 8, signal: ac.signal,
        onBatchEnd: () => {
          if (++batches === 20) ac.abort();
        },
      });
      await assert.rejects(p, (e: Error) => e instanceof AbortError && e.name === 'AbortError');
      assert.ok(batches <= 24, `ran ${batches} batches: at most one chunk after the abort`);
      const pred = m.predict(d.X);
      assert.equal(pred.length, d.X.rows);
      assert.ok(m.getParameterVector().every(Number.isFinite));
    });

    it(`${backend}: onBatchEnd sees every batch with its loss, learning rate and gradient norm`, async () => {
      const seen: number[] = [];
      const m = new LinearRegression({ backend });
      const h = await m.fit([[1], [2], [3], [4], [5]], [1, 2, 3, 4, 5], {
        epochs: 2, batchSize: 2, learningRate: 0.01, onBatchEnd: (b) => {
          assert.equal(b.learningRate, 0.01);
          assert.ok(b.gradNorm > 0 && Number.isFinite(b.loss));
          seen.push(b.epoch * 10 + b.batch);
        },
      });
      assert.deepEqual(seen, [10, 11, 12, 20, 21, 22]);
      assert.equal(h.learningRates.length, 6);
    });
  }

  it('DivergenceError reports epoch, batch and the last finite loss', async () => {
    const d = loadCsvSync(path.join(DATA, 'diabetes.csv'));
    const err = await new LinearRegression().fit(d.X, d.y, { learningRate: 1e3 }).catch((e: unknown) => e);
    assert.ok(err instanceof DivergenceError);
    assert.equal(err.epoch, 1);
    assert.ok(err.batch >= 0 && err.batch < Math.ceil(d.X.rows / 32));
    assert.ok(Number.isNaN(err.lastFiniteLoss) || Number.isFinite(err.lastFiniteLoss));
  });
});

void native;
