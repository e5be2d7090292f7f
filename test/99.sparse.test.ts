/**
 * Issue 22: sparse CSR input. A CSR fit equals the dense fit of the same rows with the same seed (float64 1e-12,
 * float32 1e-6) on both backends for plain SGD — whose untouched weights' L2 / weight decay / L1 are applied just
 * in time — for every linear model and an MLP's first layer; the lazy optimizers (Adam & co.) match
 * torch.optim.SparseAdam (test/fixtures/sparse/lazy-adam.json from scripts/reference/sparse.py) and leave the
 * columns a batch does not touch alone; predict/evaluate/partialFit take CSR; bad CSR is refused with a ShapeError
 * naming the element, on every entry point and both backends.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  LinearClassifier, LinearRegression, LinearRegressor, LogisticRegression, MLPClassifier, MemoryLimitError, OptionError, ShapeError, SoftmaxRegression,
  memoryLimit, setMemoryLimit,
  adam, hashFeatures, hashStream, lbfgs, loadCsvSync, momentum, rmsprop, sgd, step, type CsrMatrix,
} from '../lib';
import { getBackend } from '../lib/backend';
import type { EngineSpec } from '../lib/engine/spec';
import { BACKENDS } from './support/backends';

const DATA = path.join(__dirname, '..', 'datasets');
const REF = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'sparse', 'lazy-adam.json'), 'utf8'));

/** A dense [n, d] matrix as CSR (its zeros left out) and back. */
function toCsr(X: Float64Array, n: number, d: number): CsrMatrix {
  const indptr = new Int32Array(n + 1), idx: number[] = [], val: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) if (X[i * d + j] !== 0) (idx.push(j), val.push(X[i * d + j]!));
    indptr[i + 1] = idx.length;
  }
  return { format: 'csr', indptr, indices: Int32Array.from(idx), values: Float64Array.from(val), rows: n, cols: d };
}
function toDense(c: CsrMatrix): { data: Float64Array; rows: number; cols: number } {
  const data = new Float64Array(c.rows * c.cols);
  for (let i = 0; i < c.rows; i++) for (let k = c.indptr[i]!; k < c.indptr[i + 1]!; k++) data[i * c.cols + c.indices[k]!] += c.values[k]!;
  return { data, rows: c.rows, cols: c.cols };
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

// digits (8×8 images, values 0–16): about half its pixels are 0, a real sparse data set; scaled to [0, 1].
const digitsData = loadCsvSync(path.join(DATA, 'digits.csv'), { dtype: 'float64' });
const DN = 600, DD = digitsData.X.cols;
const digitsX = Float64Array.from((digitsData.X.data as Float64Array).subarray(0, DN * DD), (v) => v / 16);
const digitsY = Float64Array.from(digitsData.y.slice(0, DN));
const digitsCsr = toCsr(digitsX, DN, DD);
const digitsDense = { data: digitsX, rows: DN, cols: DD };

// Texts hashed into 2^10 columns (unsorted indices within rows, both signs).
const WORDS = ['good', 'bad', 'great', 'awful', 'fine', 'poor', 'ok', 'excellent', 'terrible', 'nice', 'meh', 'superb'];
const texts = Array.from({ length: 300 }, (_, i) => Array.from({ length: 3 + (i % 5) }, (_, t) => WORDS[(i * 7 + t * t * 3 + t) % WORDS.length]).join(' ') + ` item${i % 17}`);
const textY = texts.map((t) => (/(good|great|excellent|superb|nice)/.test(t) && !/(awful|terrible)/.test(t) ? 'pos' : 'neg'));
const textCsr = hashFeatures(texts, { nFeatures: 1024, ngramRange: [1, 2] });
const textDense = toDense(textCsr);

describe('99 sparse: CSR input', () => {
  describe('a CSR fit equals the dense fit (plain SGD: L2, L1 and weight decay applied just in time)', () => {
    for (const backend of BACKENDS)
      for (const dtype of ['float64', 'float32'] as const) {
        const tol = dtype === 'float64' ? 1e-12 : 1e-6;
        const same = async (name: string, make: () => { fit(X: unknown, y: unknown, o: unknown): Promise<unknown>; getParameterVector(): ArrayLike<number> }, Xs: unknown, Xd: unknown, y: unknown, opts: Record<string, unknown>) => {
          const a = make(), b = make();
          await a.fit(Xs, y, opts);
          await b.fit(Xd, y, opts);
          const d = maxDiff(a.getParameterVector(), b.getParameterVector());
          assert.ok(d <= tol, `${name} (${backend}, ${dtype}): CSR and dense weights differ by ${d}`);
          return { a, b };
        };
        it(`LogisticRegression on hashed texts, elastic net, shuffled, validationSplit (${backend}, ${dtype})`, async () => {
          const opts = { epochs: 4, batchSize: 16, optimizer: sgd({ learningRate: 0.5 }), seed: 11, validationSplit: 0.2 };
          const { a, b } = await same('LogisticRegression', () => new LogisticRegression({ backend, dtype, regularization: { l2: 1e-3, l1: 2e-4 } }), textCsr, textDense, textY, opts);
          const w = (a as LogisticRegression).getParameterVector();
          const zeros = Array.from(w).filter((v) => v === 0).length;
          assert.ok(zeros > 100, `L1 leaves exact zeros: ${zeros} of ${w.length}`);
          assert.deepEqual((a as LogisticRegression).predict(textCsr), (b as LogisticRegression).predict(textDense));
          const ha = (a as LogisticRegression).history!, hb = (b as LogisticRegression).history!;
          assert.equal(ha.valLoss.length, 4);
          assert.ok(maxDiff(ha.valLoss, hb.valLoss) <= 10 * tol, 'validation losses');
          assert.deepEqual(ha.metrics.validation.accuracy, hb.metrics.validation.accuracy);
        });
        it(`SoftmaxRegression (L2 + a step schedule), LinearRegression (weightDecay), LinearRegressor (huber), LinearClassifier (hinge, L1) on digits (${backend}, ${dtype})`, async () => {
          await same('SoftmaxRegression', () => new SoftmaxRegression({ backend, dtype, regularization: { l2: 1e-3 } }), digitsCsr, digitsDense, digitsY,
            { epochs: 3, batchSize: 32, optimizer: sgd({ learningRate: step({ learningRate: 0.2, stepSize: 20, gamma: 0.5 }) }), seed: 5 });
          const yr = Float64Array.from(digitsY, (v) => v / 9);
          await same('LinearRegression', () => new LinearRegression({ backend, dtype }), digitsCsr, digitsDense, yr,
            { epochs: 3, batchSize: 32, optimizer: sgd({ learningRate: 0.05, weightDecay: 0.01 }), seed: 5 });
          await same('LinearRegressor huber', () => new LinearRegressor({ backend, dtype, loss: 'huber', regularization: { l2: 1e-2 } }), digitsCsr, digitsDense, yr,
            { epochs: 3, batchSize: 32, optimizer: sgd({ learningRate: 0.05 }), seed: 5 });
          await same('LinearClassifier hinge', () => new LinearClassifier({ backend, dtype, loss: 'hinge', regularization: { l1: 1e-3 } }), digitsCsr, digitsDense, digitsY,
            { epochs: 3, batchSize: 32, optimizer: sgd({ learningRate: 0.05 }), seed: 5 });
        });
        it(`MLPClassifier: the first layer reads CSR (L2, dropout) (${backend}, ${dtype})`, async () => {
          await same('MLPClassifier', () => new MLPClassifier({ backend, dtype, hiddenLayers: [16], activation: 'tanh', dropout: 0.1, regularization: { l2: 1e-3 } }), digitsCsr, digitsDense, digitsY,
            { epochs: 2, batchSize: 32, optimizer: sgd({ learningRate: 0.1 }), seed: 9 });
        });
      }
  });

  describe('engine: just-in-time decay through a zero factor and an underflowing product', () => {
    const n = 200, d = 40;
    const X = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let t = 0; t < 3; t++) X[i * d + ((i * 7 + t * 13) % d)] = Math.sin(i + t) + 0.1;
    const Y = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
    const csr = toCsr(X, n, d);
    for (const backend of BACKENDS)
      for (const [what, lr, l2, l1] of [['lr·l2 = 1: every untouched weight becomes 0 at once', 0.1, 10, 0], ['lr·l2 = 0.9 over a 200-step chunk (the product underflows 1e-150)', 0.1, 9, 1e-3]] as const)
        it(`${what} (${backend})`, async () => {
          const spec: EngineSpec = {
            dtype: 'float64', loss: 'squaredError', layers: [{ inputs: d, units: 2, activation: 'linear', activationParam: 0, useBias: true, dropout: 0 }],
            optimizer: sgd().config, l1, l2, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 1,
          };
          const run = async (Xin: unknown) => {
            const t = getBackend(backend).createTrainer(spec);
            t.initialize(3);
            t.setData(Xin as Float64Array, Float64Array.from({ length: 2 * n }, (_, i) => Y[i >> 1]!), n, null);
            const r = await t.runBatches(false, 1, 0, n, new Float64Array(n).fill(lr), new Float64Array(n), null);
            assert.equal(r.status, 0, r.what);
            return t.getParams();
          };
          const a = await run(csr), b = await run(X);
          assert.ok(maxDiff(a, b) <= 1e-12, `differ by ${maxDiff(a, b)}`);
        });
  });

  describe('lazy optimizers: only the batch\'s columns move', () => {
    it('Adam on CSR rows equals torch.optim.SparseAdam (weights) + Adam (bias), 6 steps, float64, both backends', async () => {
      for (const backend of BACKENDS) {
        const spec: EngineSpec = {
          dtype: 'float64', loss: 'sigmoidCrossEntropy', layers: [{ inputs: REF.d, units: 1, activation: 'linear', activationParam: 0, useBias: true, dropout: 0 }],
          optimizer: adam({ learningRate: REF.lr, beta1: REF.betas[0], beta2: REF.betas[1], epsilon: REF.eps }).config, l1: 0, l2: 0, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: REF.batchSize,
        };
        const t = getBackend(backend).createTrainer(spec);
        t.initialize(0);
        t.setParams(Float64Array.from([...REF.W0, REF.b0]));
        t.setData({ indptr: Int32Array.from(REF.indptr), indices: Int32Array.from(REF.indices), values: Float64Array.from(REF.values) }, Float64Array.from(REF.y), REF.n, null);
        for (let s = 0; s < REF.trajectory.length; s++) {
          const losses = new Float64Array(1);
          const r = await t.runBatches(false, REF.batchSize, s, 1, Float64Array.of(REF.lr), losses, null);
          assert.equal(r.status, 0);
          const want = REF.trajectory[s];
          assert.ok(Math.abs(losses[0]! - want.loss) < 1e-10, `${backend} step ${s + 1} loss ${losses[0]} vs ${want.loss}`);
          const p = t.getParams();
          const d = maxDiff(p, [...want.W, want.b]);
          assert.ok(d < 1e-10, `${backend} step ${s + 1}: differs from torch by ${d}`);
        }
        // Features 9–11 never appear: their weights are exactly the initial ones (torch's too).
        const p = t.getParams();
        for (const j of [9, 10, 11]) assert.equal(p[j], REF.W0[j]);
      }
    });
    it('momentum, rmsprop and adam with L2: native equals JS, and an absent column keeps its weight and optimizer state', async () => {
      const n = 120, d = 30;
      const X = new Float64Array(n * d);
      for (let i = 0; i < n; i++) for (let t = 0; t < 4; t++) X[i * d + ((i * 5 + t * 7) % 29)] = Math.cos(i * t + 1); // column 29 never used
      const csr = toCsr(X, n, d);
      for (const opt of [momentum({ learningRate: 0.05 }), rmsprop({ learningRate: 0.01 }), adam({ learningRate: 0.01 })]) {
        const out: Record<string, { p: ArrayLike<number>; s: ArrayLike<number>[] }> = {};
        for (const backend of BACKENDS) {
          const spec: EngineSpec = {
            dtype: 'float64', loss: 'softmaxCrossEntropy', layers: [{ inputs: d, units: 3, activation: 'linear', activationParam: 0, useBias: true, dropout: 0 }],
            optimizer: opt.config, l1: 0, l2: 1e-2, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 8,
          };
          const t = getBackend(backend).createTrainer(spec);
          t.initialize(4);
          const before = t.getParams();
          t.setData(csr, Float64Array.from({ length: n }, (_, i) => i % 3), n, null);
          t.shuffle();
          const nb = n / 8;
          assert.equal((await t.runBatches(true, 8, 0, nb, new Float64Array(nb).fill(0.05), new Float64Array(nb), new Float64Array(nb))).status, 0);
          const p = t.getParams();
          const slots = opt.config.kernel === 'sgd' ? [t.getSlot(0)] : opt.config.kernel === 'rmsprop' ? [t.getSlot(0)] : [t.getSlot(0), t.getSlot(1)];
          for (let u = 0; u < 3; u++) {
            assert.equal(p[u * d + 29], before[u * d + 29], `${opt.name}: the absent column's weight moved`);
            for (const s of slots) assert.equal(s[u * d + 29], 0, `${opt.name}: the absent column's state moved`);
          }
          assert.ok(maxDiff(p, before) > 1e-3, 'the touched columns moved');
          out[backend] = { p, s: slots };
        }
        if (out.native && out.js) {
          assert.ok(maxDiff(out.native.p, out.js.p) < 1e-12, `${opt.name}: native vs JS ${maxDiff(out.native.p, out.js.p)}`);
          out.native.s.forEach((s, i) => assert.ok(maxDiff(s, out.js!.s[i]!) < 1e-12));
        }
      }
    });
  });

  describe('streams of CSR chunks', () => {
    for (const backend of BACKENDS)
      it(`fit on an iterable of CSR chunks equals the in-memory CSR fit in row order; hashStream feeds it (${backend})`, async () => {
        const yNum = textY.map((v) => (v === 'pos' ? 1 : 0));
        const opts = { epochs: 2, batchSize: 8, optimizer: sgd({ learningRate: 0.3 }), seed: 4, shuffle: false };
        const mem = new LogisticRegression({ backend, dtype: 'float64', regularization: { l2: 1e-3, l1: 1e-4 } });
        await mem.fit(textCsr, yNum, opts);
        // Chunks of 70 rows (not a multiple of the batch): the stream restages them into blocks of whole batches.
        const chunks = () => Array.from({ length: Math.ceil(300 / 70) }, (_, c) => {
          const lo = c * 70, hi = Math.min(300, lo + 70);
          const a = textCsr.indptr[lo]!, b = textCsr.indptr[hi]!;
          return { x: { format: 'csr' as const, indptr: textCsr.indptr.slice(lo, hi + 1).map((v) => v - a), indices: textCsr.indices.slice(a, b), values: textCsr.values.slice(a, b), rows: hi - lo, cols: 1024 }, y: yNum.slice(lo, hi) };
        });
        const streamed = new LogisticRegression({ backend, dtype: 'float64', regularization: { l2: 1e-3, l1: 1e-4 } });
        await streamed.fit(chunks, { ...opts, shuffle: undefined });
        assert.ok(maxDiff(streamed.getParameterVector(), mem.getParameterVector()) < 1e-12, `${maxDiff(streamed.getParameterVector(), mem.getParameterVector())}`);
        const hashed = new LogisticRegression({ backend, dtype: 'float64', regularization: { l2: 1e-3, l1: 1e-4 } });
        const records = () => texts.map((text, i) => ({ text, y: yNum[i]! }));
        await hashed.fit(() => hashStream(records(), { nFeatures: 1024, ngramRange: [1, 2], chunkRows: 64 }), { ...opts, shuffle: undefined });
        assert.ok(maxDiff(hashed.getParameterVector(), mem.getParameterVector()) < 1e-12);
      });
    it('refused: a dense chunk after CSR ones (and the reverse), shuffleBuffer, standardize; hashStream checks records and options', async () => {
      const csrChunk = { x: textCsr, y: new Float64Array(300) };
      const denseChunk = { x: textDense, y: new Float64Array(300) };
      await assert.rejects(new LinearRegression().fit([csrChunk, denseChunk]), (e: unknown) => e instanceof ShapeError && /first chunk was CSR/.test(e.message));
      await assert.rejects(new LinearRegression().fit([denseChunk, csrChunk]), (e: unknown) => e instanceof ShapeError && /first chunk was dense/.test(e.message));
      await assert.rejects(new LinearRegression().fit([csrChunk], { shuffleBuffer: 100 }), (e: unknown) => e instanceof OptionError && e.argument === 'shuffleBuffer');
      await assert.rejects(new LinearRegression({ standardize: true }).fit([csrChunk]), (e: unknown) => e instanceof OptionError && e.argument === 'standardize');
      await assert.rejects(new LinearRegression({ average: true }).fit([csrChunk]), (e: unknown) => e instanceof OptionError && e.argument === 'average');
      const drain = async (g: AsyncIterable<unknown>) => { for await (const _ of g) void _; };
      await assert.rejects(drain(hashStream([{ text: 'a b', y: 1 }, { text: 3, y: 0 } as never])), (e: unknown) => e instanceof ShapeError && e.argument === 'records[1]');
      await assert.rejects(drain(hashStream([], { nFeatures: 0 })), (e: unknown) => e instanceof OptionError && e.argument === 'nFeatures');
      await assert.rejects(drain(hashStream([], { chunkRows: 0 })), (e: unknown) => e instanceof OptionError && e.argument === 'chunkRows');
    });
  });

  describe('the facade', () => {
    it('predict, predictProba, decisionFunction, evaluate and score take CSR and equal the dense results', async () => {
      const m = new SoftmaxRegression();
      await m.fit(digitsDense, digitsY, { epochs: 2, seed: 1 });
      assert.deepEqual(m.predict(digitsCsr), m.predict(digitsDense));
      assert.ok(maxDiff(m.predictProba(digitsCsr), m.predictProba(digitsDense)) < 1e-6);
      assert.deepEqual(m.evaluate(digitsCsr, digitsY).accuracy, m.evaluate(digitsDense, digitsY).accuracy);
      assert.equal(m.score(digitsCsr, digitsY), m.score(digitsDense, digitsY));
      const c = new LinearClassifier({ loss: 'modifiedHuber', dtype: 'float64' });
      await c.fit(digitsCsr, digitsY, { epochs: 2, seed: 1 });
      assert.ok(maxDiff(c.decisionFunction(digitsCsr), c.decisionFunction(digitsDense)) < 1e-12);
    });
    it('partialFit on CSR chunks equals partialFit on the dense chunks (both backends)', async () => {
      for (const backend of BACKENDS) {
        const a = new LogisticRegression({ backend, dtype: 'float64', regularization: { l2: 1e-3 } });
        const b = new LogisticRegression({ backend, dtype: 'float64', regularization: { l2: 1e-3 } });
        const rowsOf = (from: number, to: number) => {
          const idx = Array.from({ length: to - from }, (_, i) => from + i);
          const dense = { data: textDense.data.slice(from * textDense.cols, to * textDense.cols), rows: to - from, cols: textDense.cols };
          return { csr: toCsr(dense.data, dense.rows, dense.cols), dense, y: idx.map((i) => textY[i]!) };
        };
        for (const [from, to] of [[0, 100], [100, 220], [220, 300]] as const) {
          const r = rowsOf(from, to);
          await a.partialFit(r.csr, r.y, { optimizer: sgd({ learningRate: 0.3 }), batchSize: 10, seed: 2 });
          await b.partialFit(r.dense, r.y, { optimizer: sgd({ learningRate: 0.3 }), batchSize: 10, seed: 2 });
        }
        assert.ok(maxDiff(a.getParameterVector(), b.getParameterVector()) < 1e-12);
      }
    });
    it('refused, naming the option: standardize, average / ema / swa, lbfgs; a standardized model predicting CSR', async () => {
      const y = digitsY;
      const opt = (what: string) => (e: unknown) => e instanceof OptionError && e.argument === what && /sparse \(CSR\)/.test(e.message);
      await assert.rejects(new SoftmaxRegression({ standardize: true }).fit(digitsCsr, y), opt('standardize'));
      await assert.rejects(new SoftmaxRegression({ average: true }).fit(digitsCsr, y), opt('average'));
      await assert.rejects(new SoftmaxRegression({ ema: { decay: 0.9 } }).fit(digitsCsr, y), opt('ema'));
      await assert.rejects(new SoftmaxRegression({ swa: { start: 1, learningRate: 0.01 } }).fit(digitsCsr, y), opt('swa'));
      await assert.rejects(new SoftmaxRegression().fit(digitsCsr, y, { optimizer: lbfgs() }), opt('optimizer'));
      await assert.rejects(new SoftmaxRegression({ standardize: true }).partialFit(digitsCsr, y), opt('standardize'));
      const m = new SoftmaxRegression({ standardize: true });
      await m.fit(digitsDense, y, { epochs: 1 });
      assert.throws(() => m.predict(digitsCsr), opt('X'));
    });
    it('bad CSR is a ShapeError naming the element, from fit and predict alike', async () => {
      const m = new LogisticRegression();
      const good = textCsr;
      const bad: [string, Partial<CsrMatrix> & Record<string, unknown>, RegExp][] = [
        ['X.indptr[3]', { indptr: Int32Array.from(good.indptr, (v, i) => (i === 3 ? good.indptr[1]! - 1 : v)) }, /non-decreasing/],
        ['X.indptr[0]', { indptr: Int32Array.from(good.indptr, (v, i) => (i === 0 ? 1 : v)) }, /indptr\[0\] to be 0/],
        ['X.indptr', { indptr: good.indptr.subarray(1) }, /length 301/],
        ['X.indices[4]', { indices: Int32Array.from(good.indices, (v, i) => (i === 4 ? 1024 : v)) }, /\[0, 1024\)/],
        ['X.indices', { indices: good.indices.subarray(1) }, /non-zeros/],
        ['X.values[2]', { values: Float64Array.from(good.values, (v, i) => (i === 2 ? NaN : v)) }, /finite/],
        ['X.values[0]', { values: Float64Array.from(good.values, (v, i) => (i === 0 ? 1e300 : v)) }, /not representable in float32/],
        ['X.rows', { rows: 2.5 }, /positive integer/],
        ['X.indices', { indices: 'nope' as unknown as Int32Array }, /Int32Array/],
      ];
      for (const [arg, patch, msg] of bad) {
        const X = { ...good, ...patch } as CsrMatrix;
        await assert.rejects(m.fit(X, textY), (e: unknown) => e instanceof ShapeError && e.argument === arg && msg.test(e.message), `fit: ${arg}`);
      }
      await m.fit(good, textY, { epochs: 1 });
      for (const [arg, patch, msg] of bad.filter(([a]) => a !== 'X.rows'))
        assert.throws(() => m.predict({ ...good, ...patch } as CsrMatrix), (e: unknown) => e instanceof ShapeError && e.argument === arg && msg.test(e.message), `predict: ${arg}`);
      assert.throws(() => m.predict({ ...good, cols: 512 }), (e: unknown) => e instanceof ShapeError && e.argument === 'X.cols' && /1024 columns/.test(e.message));
    });
    it('plain-array values must be numbers (null, strings, booleans are not coerced); a misspelled format is named; a too-wide X names X', async () => {
      const m = new LogisticRegression({ dtype: 'float64' });
      await m.fit([[1, 0], [0, 1]], [0, 1], { epochs: 1 });
      for (const bad of [null, '1', true, [5]])
        assert.throws(() => m.predictProba({ format: 'csr', indptr: [0, 1], indices: [0], values: [bad], rows: 1, cols: 2 } as unknown as CsrMatrix),
          (e: unknown) => e instanceof ShapeError && e.argument === 'X.values[0]', String(bad));
      assert.throws(() => m.predict({ format: 'CSR', indptr: [0, 1], indices: [0], values: [1], rows: 1, cols: 2 }),
        (e: unknown) => e instanceof ShapeError && e.argument === 'X.format' && /'csr'/.test(e.message));
      const before = memoryLimit();
      setMemoryLimit(1e9);
      try {
        const wide = { format: 'csr' as const, indptr: Int32Array.of(0, 1, 2), indices: Int32Array.of(5, 2 ** 26 - 1), values: Float32Array.of(1, 1), rows: 2, cols: 2 ** 26 };
        await assert.rejects(new LogisticRegression().fit(wide, [0, 1]), (e: unknown) => e instanceof MemoryLimitError && e.argument === 'X' && /67108864 columns/.test(e.message));
      } finally {
        setMemoryLimit(before);
      }
    });
    it('the binding validates CSR itself (a caller of the trainer who skips the facade), both backends', () => {
      for (const backend of BACKENDS) {
        const t = getBackend(backend).createTrainer({
          dtype: 'float64', loss: 'squaredError', layers: [{ inputs: 4, units: 1, activation: 'linear', activationParam: 0, useBias: true, dropout: 0 }],
          optimizer: sgd().config, l1: 0, l2: 0, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 2,
        });
        const Y = new Float64Array(2);
        const csr = (indptr: number[], indices: number[], values: number[]) => ({ indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), values: Float64Array.from(values) });
        const cases: [ReturnType<typeof csr>, string][] = [
          [csr([0, 2, 1], [0, 1], [1, 1]), 'X.indptr'], [csr([1, 1, 2], [0, 1], [1, 1]), 'X.indptr'], [csr([0, 1, 2], [0, 4], [1, 1]), 'X.indices'],
          [csr([0, 1, 2], [0, -1], [1, 1]), 'X.indices'], [csr([0, 1, 3], [0, 1], [1, 1]), 'X.indices'], [csr([0, 1, 2], [0, 1], [1]), 'X.values'],
        ];
        for (const [X, arg] of cases) {
          assert.throws(() => t.setData(X, Y, 2, null), (e: unknown) => e instanceof ShapeError && e.argument === arg, `${backend} setData ${arg}`);
          assert.throws(() => t.predict(X, 2, new Float64Array(2)), (e: unknown) => e instanceof ShapeError && e.argument === arg, `${backend} predict ${arg}`);
        }
      }
    });
  });
});
