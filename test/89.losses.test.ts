/**
 * Issue 21: scikit-learn's losses as heads, elastic net, L-BFGS. Oracles: test/fixtures/losses/reference.json
 * (scripts/reference/losses.py, scikit-learn 1.2 and PyTorch 1.13 from Debian).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  LinearClassifier, LinearRegression, LinearRegressor, LogisticRegression, OptionError, Rng, Sequential, ShapeError, SoftmaxRegression, StandardScaler,
  adam, dense, fromBuffer, lbfgs, loadCsvSync, sgd,
} from '../lib';
import { getBackend } from '../lib/backend';
import { LOSSES, LOSS_NAMES, lossParamDefault, type EngineSpec, type LossName } from '../lib/engine/spec';
import { minimizeLbfgs } from '../lib/optim/lbfgs';
import { BACKENDS } from './support/backends';

const DATA = path.join(__dirname, '..', 'datasets');
const REF = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'losses', 'reference.json'), 'utf8'));

function standardized(name: string, scale = 1): { X: Float64Array; y: Float64Array; n: number; d: number } {
  const data = loadCsvSync(path.join(DATA, `${name}.csv`), { dtype: 'float64' });
  const Z = new StandardScaler().fitTransform(data.X, 'float64');
  return { X: Z.data as Float64Array, y: Float64Array.from(data.y, (v) => v * scale), n: Z.rows, d: Z.cols };
}
const rows = (X: Float64Array, n: number, d: number): number[][] => Array.from({ length: n }, (_, i) => Array.from(X.subarray(i * d, (i + 1) * d)));

/** Independent closed forms (double) of every element-wise head: (z, y or s) → loss. */
function closedForm(loss: LossName, p: number): (z: number, t: number) => number {
  switch (loss) {
    case 'squaredError': return (z, y) => 0.5 * (z - y) ** 2;
    case 'huber': return (z, y) => (Math.abs(z - y) <= p ? 0.5 * (z - y) ** 2 : p * Math.abs(z - y) - 0.5 * p * p);
    case 'epsilonInsensitive': return (z, y) => Math.max(0, Math.abs(y - z) - p);
    case 'squaredEpsilonInsensitive': return (z, y) => Math.max(0, Math.abs(y - z) - p) ** 2;
    case 'quantile': return (z, y) => (y - z >= 0 ? p * (y - z) : (p - 1) * (y - z));
    case 'poisson': return (z, y) => Math.exp(z) - y * z;
    case 'gamma': return (z, y) => z + y * Math.exp(-z);
    case 'tweedie': return (z, y) => (p === 1 ? Math.exp(z) - y * z : p === 2 ? z + y * Math.exp(-z) : Math.exp((2 - p) * z) / (2 - p) - (y * Math.exp((1 - p) * z)) / (1 - p));
    case 'log': return (z, s) => Math.log1p(Math.exp(-s * z));
    case 'hinge': return (z, s) => Math.max(0, 1 - s * z);
    case 'squaredHinge': return (z, s) => Math.max(0, 1 - s * z) ** 2;
    case 'perceptron': return (z, s) => Math.max(0, -s * z);
    case 'modifiedHuber': return (z, s) => (s * z >= 1 ? 0 : s * z >= -1 ? (1 - s * z) ** 2 : -4 * s * z);
    default: throw new Error(loss);
  }
}

const SK_LOSSES = LOSS_NAMES.filter((l) => l !== 'sigmoidCrossEntropy' && l !== 'softmaxCrossEntropy');

function specOf(loss: LossName, lossParam: number, layers: { inputs: number; units: number; activation: 'linear' | 'tanh' }[], l2 = 0): EngineSpec {
  return {
    dtype: 'float64', loss, lossParam,
    layers: layers.map((L) => ({ ...L, activationParam: 0, useBias: true, dropout: 0 })),
    optimizer: sgd().config, l1: 0, l2, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 64,
  };
}

describe('89 losses: the scikit-learn heads, elastic net and L-BFGS', () => {
  describe('every head: loss equals its closed form, gradient equals central differences (float64, ≤ 1e-6)', () => {
    const params: Partial<Record<LossName, number[]>> = { huber: [0.3], epsilonInsensitive: [0.2], squaredEpsilonInsensitive: [0.2], quantile: [0.3, 0.9], tweedie: [0, 1, 1.5, 2, 3] };
    for (const backend of BACKENDS)
      for (const loss of SK_LOSSES)
        for (const p of params[loss] ?? [lossParamDefault(loss)])
          for (const k of LOSSES[loss].targetColumns === 1 ? [1, 3] : [1, 2]) {
            it(`${backend} ${loss}${p ? ` (${p})` : ''}, ${k} output${k > 1 ? 's' : ''}, with a tanh hidden layer`, () => {
              const rng = new Rng(11 + k);
              const n = 23, d = 4, h = 5;
              const margin = LOSSES[loss].targetColumns === 1;
              const positive = loss === 'gamma' || loss === 'poisson' || loss === 'tweedie';
              const spec = specOf(loss, p, [{ inputs: d, units: h, activation: 'tanh' }, { inputs: h, units: k, activation: 'linear' }]);
              const t = getBackend(backend).createTrainer(spec);
              try {
                t.initialize(3);
                const P = Float64Array.from({ length: d * h + h + h * k + k }, () => (rng.uniform() - 0.5) * 1.2);
                t.setParams(P);
                const X = Float64Array.from({ length: n * d }, () => rng.uniform() * 2 - 1);
                const Y = margin ? Float64Array.from({ length: n }, () => Math.floor(rng.uniform() * (k === 1 ? 2 : k)))
                  : Float64Array.from({ length: n * k }, () => (positive ? 0.1 + 2 * rng.uniform() : rng.uniform() * 2 - 1));
                const g = new Float64Array(P.length);
                const loss0 = t.gradients(X, Y, n, g);
                // The loss against the closed form, from the outputs predict gives.
                const out = new Float64Array(n * k);
                t.predict(X, n, out);
                const f = closedForm(loss, p);
                let want = 0;
                for (let i = 0; i < n; i++)
                  for (let j = 0; j < k; j++) want += f(out[i * k + j]!, margin ? ((k === 1 ? Y[i] === 1 : Y[i] === j) ? 1 : -1) : Y[i * k + j]!);
                want /= n;
                assert.ok(Math.abs(loss0 - want) <= 1e-12 * Math.max(1, Math.abs(want)), `loss ${loss0} vs closed form ${want}`);
                const eps = 1e-6, scratch = new Float64Array(P.length);
                let worst = 0;
                for (let i = 0; i < P.length; i++) {
                  const Q = P.slice();
                  Q[i] = P[i]! + eps;
                  t.setParams(Q);
                  const up = t.gradients(X, Y, n, scratch);
                  Q[i] = P[i]! - eps;
                  t.setParams(Q);
                  const down = t.gradients(X, Y, n, scratch);
                  worst = Math.max(worst, Math.abs((up - down) / (2 * eps) - g[i]!) / Math.max(1, Math.abs(g[i]!)));
                }
                assert.ok(worst <= 1e-6, `worst gradient difference ${worst}`);
              } finally {
                t.dispose();
              }
            });
          }
  });

  describe('optima equal scikit-learn 1.2 (L-BFGS, float64, ≤ 1e-6 relative on coefficients)', () => {
    for (const o of REF.optima.filter((x: { name: string }) => x.name !== 'quantile'))
      for (const backend of BACKENDS)
        it(`${backend} ${o.name} vs ${o.estimator}`, async () => {
          const { X, y, n, d } = standardized(o.dataset, o.target_scale ?? 1);
          const base = { backend, dtype: 'float64' as const, regularization: { l2: o.l2 } };
          const m = o.name === 'logistic' ? new LogisticRegression(base)
            : o.name === 'ridge' ? new LinearRegression(base)
            : new LinearRegressor({ ...base, loss: o.loss, ...(o.power !== null && o.power !== undefined ? { power: o.power } : {}) });
          const h = await m.fit(rows(X, n, d), y, { optimizer: lbfgs({ maxIter: 500, tol: 1e-10, toleranceChange: 0 }) });
          const w = m.coef as Float64Array, b = m.intercept as number;
          const ref = [...o.coef, o.intercept] as number[];
          const ours = [...w, b];
          const scale = Math.max(...ref.map(Math.abs));
          const worst = Math.max(...ours.map((v, i) => Math.abs(v - ref[i]!))) / scale;
          assert.ok(worst <= 1e-6, `relative difference ${worst} after ${h.lbfgs!.iterations} iterations (${h.lbfgs!.reason})`);
        });
  });

  describe('OWL-QN (lbfgs with l1): the lasso / elastic-net optima of optima.json, exact zeros included', () => {
    const optima = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'reference', 'optima.json'), 'utf8')) as { dataset: string; l1: number; l2: number; weights: number[]; bias: number; objective: number }[];
    for (const o of optima.filter((x) => x.dataset === 'diabetes' && x.l1 > 0))
      for (const backend of BACKENDS)
        it(`${backend}: l1 ${o.l1}, l2 ${o.l2}`, async () => {
          const { X, y, n, d } = standardized('diabetes');
          const m = new LinearRegression({ backend, dtype: 'float64', regularization: { l1: o.l1, l2: o.l2 } });
          const h = await m.fit(rows(X, n, d), y, { optimizer: lbfgs({ maxIter: 2000, tol: 1e-9, toleranceChange: 0 }) });
          const w = m.coefficients;
          const objective = h.loss.at(-1)!;
          assert.ok(Math.abs(objective - o.objective) <= 1e-9 * o.objective, `objective ${objective} vs ${o.objective} (${h.lbfgs!.iterations} iterations, ${h.lbfgs!.reason})`);
          const scale = Math.max(...o.weights.map(Math.abs));
          const diff = Math.max(...o.weights.map((v, i) => Math.abs(v - w[i]!)), Math.abs(o.bias - m.intercept));
          assert.ok(diff <= 1e-6 * scale, `weights differ by ${diff / scale} (relative)`);
          o.weights.forEach((v, i) => assert.equal(v === 0, w[i] === 0, `weight ${i}: reference ${v}, descent ${w[i]}`));
        });
  });

  it('lbfgs over more rows than one workspace block (8192) walks the rows in blocks: the same optimum as one full-batch objective', async () => {
    const rng = new Rng(21);
    const n = 20000, d = 6;
    const X = Float64Array.from({ length: n * d }, () => rng.uniform() * 2 - 1);
    const y = Float64Array.from({ length: n }, (_, i) => (X[i * d]! - 0.5 * X[i * d + 1]! + 0.3 * (rng.uniform() - 0.5) > 0 ? 1 : 0));
    for (const backend of BACKENDS) {
      const m = new LogisticRegression({ backend, dtype: 'float64', regularization: { l2: 1e-3 } });
      const h = await m.fit({ data: X, rows: n, cols: d }, y, { optimizer: lbfgs({ maxIter: 200, tol: 1e-10, toleranceChange: 0 }) });
      // The same objective in one evaluation, on a trainer whose workspace holds every row.
      const t = getBackend(backend).createTrainer({ ...specOf('sigmoidCrossEntropy', 0, [{ inputs: d, units: 1, activation: 'linear' }], 1e-3), maxBatch: n });
      try {
        t.initialize(0);
        const P = new Float64Array(d + 1);
        const x = new Float64Array(d + 1);
        await minimizeLbfgs((xx, g) => {
          t.setParams(xx);
          const l = t.gradients(X, y, n, P);
          g.set(P);
          let s = 0;
          for (let i = 0; i < d; i++) s += xx[i]! * xx[i]!;
          return l + 0.5e-3 * s;
        }, x, lbfgs({ maxIter: 200, tol: 1e-10, toleranceChange: 0 }).options);
        const w = m.getParameterVector();
        const diff = Math.max(...Array.from(x, (v, i) => Math.abs(v - w[i]!)));
        assert.ok(diff <= 1e-7, `${backend}: ${diff} (${h.lbfgs!.iterations} iterations, ${h.lbfgs!.reason})`);
      } finally {
        t.dispose();
      }
    }
  });

  it('L-BFGS iterates equal torch.optim.LBFGS (strong Wolfe, float64) for 10 iterations to 1e-10, both backends', async () => {
    const L = REF.lbfgs;
    const { X, y, n, d } = standardized(L.dataset);
    for (const backend of BACKENDS) {
      const spec = { ...specOf('sigmoidCrossEntropy', 0, [{ inputs: d, units: 1, activation: 'linear' }], L.l2), maxBatch: n };
      const t = getBackend(backend).createTrainer(spec);
      try {
        t.initialize(0);
        const P = new Float64Array(d + 1);
        const f = (x: Float64Array, g: Float64Array): number => {
          t.setParams(x);
          const loss = t.gradients(X, y, n, P);
          g.set(P);
          let s = 0;
          for (let i = 0; i < d; i++) s += x[i]! * x[i]!;
          return loss + 0.5 * L.l2 * s;
        };
        const x = Float64Array.from(L.params0 as number[]);
        const seen: Float64Array[] = [];
        await minimizeLbfgs(f, x, { ...lbfgs({ maxIter: 10, historySize: L.history_size, tol: 0 }).options }, () => void seen.push(x.slice()));
        assert.equal(seen.length, 10);
        for (let it = 0; it < 10; it++) {
          const want = L.params[it] as number[];
          const diff = Math.max(...want.map((v, i) => Math.abs(v - seen[it]![i]!)));
          assert.ok(diff <= 1e-10, `${backend} iteration ${it + 1}: max difference ${diff}`);
        }
      } finally {
        t.dispose();
      }
    }
  });

  describe('weight averaging', () => {
    for (const o of REF.asgd as { average: number; alpha: number; eta0: number; epochs: number; coef: number[]; intercept: number; raw_coef: number[]; raw_intercept: number; estimator: string; dataset: string; target_scale: number }[])
      for (const backend of BACKENDS)
        it(`${backend}: average ${o.average === 1 ? 'true' : `{ start: ${o.average} }`} equals ${o.estimator} to 1e-10 (averaged and raw weights)`, async () => {
          const { X, y, n, d } = standardized(o.dataset, o.target_scale);
          const m = new LinearRegression({ backend, dtype: 'float64', regularization: { l2: o.alpha }, average: o.average === 1 ? true : { start: o.average } });
          const Xr = rows(X, n, d);
          // scikit-learn starts from zero weights: build the model, zero it, then one in-order pass per partialFit.
          await m.fit(Xr, y, { epochs: 0, batchSize: 1, shuffle: false, optimizer: sgd({ learningRate: o.eta0 }) });
          m.setParameterVector(new Float64Array(d + 1));
          for (let e = 0; e < o.epochs; e++) await m.partialFit(Xr, y);
          const close = (got: ArrayLike<number>, want: number[], what: string) => {
            const diff = Math.max(...want.map((v, i) => Math.abs(v - got[i]!)));
            assert.ok(diff <= 1e-10, `${what}: max difference ${diff}`);
          };
          close([...m.coef as Float64Array, m.intercept as number], [...o.coef, o.intercept], 'averaged weights (predict uses them)');
          const pred = m.predict(Xr);
          for (let i = 0; i < 5; i++) assert.ok(Math.abs(pred[i]! - (Xr[i]!.reduce((s, v, j) => s + v * o.coef[j]!, 0) + o.intercept)) <= 1e-10);
          // Raw weights: what training continues from (partialFit restores them), scikit-learn's _standard_coef.
          const back = fromBuffer(m.toBuffer()) as LinearRegression;
          close([...back.coef as Float64Array, back.intercept as number], [...o.coef, o.intercept], 'saved weights');
        });

    it('ema: avg ← d·avg + (1 − d)·w from a copy at step start, on both backends; predict uses it', async () => {
      const { X, y, n, d } = standardized('diabetes', 0.01);
      const Xr = rows(X, n, d);
      const results: Float64Array[] = [];
      for (const backend of BACKENDS) {
        const m = new LinearRegression({ backend, dtype: 'float64', ema: { decay: 0.9, start: 3 } });
        await m.fit(Xr, y, { epochs: 0, batchSize: 100, shuffle: false, optimizer: sgd({ learningRate: 0.1 }) });
        const ws: Float64Array[] = [];
        // Record the raw weights after each step with one-batch passes, and replay the EMA by hand.
        const avgs: Float64Array[] = [];
        for (let step = 1; step <= 8; step++) {
          await m.partialFit(Xr.slice(0, 100), y.subarray(0, 100));
          avgs.push(m.getParameterVector() as Float64Array);
          ws.push(Float64Array.from(((m as unknown as { session: { rawParams?: Float64Array } }).session.rawParams) ?? m.getParameterVector()));
        }
        let avg: Float64Array | undefined;
        for (let step = 1; step <= 8; step++) {
          const w = ws[step - 1]!;
          if (step === 3) avg = w.slice();
          else if (step > 3) avg = avg!.map((a, i) => 0.9 * a + 0.1 * w[i]!);
          const want = step < 3 ? w : avg!;
          const got = avgs[step - 1]!;
          assert.ok(Math.max(...want.map((v, i) => Math.abs(v - got[i]!))) <= 1e-15, `${backend} step ${step}`);
        }
        results.push(avgs.at(-1)!);
      }
      if (results.length === 2) assert.ok(Math.max(...results[0]!.map((v, i) => Math.abs(v - results[1]![i]!))) <= 1e-12);
    });

    for (const backend of BACKENDS)
      it(`${backend}: swa equals torch.optim.swa_utils (AveragedModel + SWALR cos) over 12 full-batch epochs to 1e-12`, async () => {
        const o = REF.swa;
        const { X, y, n, d } = standardized(o.dataset, o.target_scale);
        const Xr = rows(X, n, d);
        const m = new LinearRegression({ backend, dtype: 'float64', swa: { start: o.start, learningRate: o.swa_lr, annealEpochs: o.anneal_epochs, annealStrategy: o.anneal_strategy } });
        const lrs: number[] = [];
        await m.fit(Xr, y, { epochs: 0, batchSize: n, shuffle: false, optimizer: sgd({ learningRate: o.lr }) });
        m.setParameterVector(Float64Array.from(o.params0 as number[]));
        for (let e = 0; e < o.epochs; e++) lrs.push(...(await m.partialFit(Xr, y)).learningRates);
        lrs.forEach((lr, i) => assert.ok(Math.abs(lr - o.lrs[i]) <= 1e-15, `epoch ${i + 1}: lr ${lr} vs ${o.lrs[i]}`));
        const got = m.getParameterVector();
        const diff = Math.max(...(o.params as number[]).map((v, i) => Math.abs(v - got[i]!)));
        assert.ok(diff <= 1e-12, `averaged weights differ by ${diff}`);
      });

    it('bad averaging options are OptionErrors naming the option', async () => {
      const opt = (f: () => unknown, argument: string) => assert.throws(f, (e: unknown) => e instanceof OptionError && e.argument === argument, argument);
      opt(() => new LinearRegression({ average: true, ema: { decay: 0.9 } }), 'ema');
      opt(() => new LinearRegression({ ema: { decay: 1 } }), 'ema.decay');
      opt(() => new LinearRegression({ average: { start: 0 } }), 'average.start');
      opt(() => new LinearRegression({ swa: { start: 2, learningRate: 0.1 }, ema: { decay: 0.5 } }), 'swa');
      opt(() => new LinearRegression({ swa: { start: 0, learningRate: 0.1 } }), 'swa.start');
      opt(() => new LinearRegression({ swa: { start: 2, learningRate: 0.1, annealStrategy: 'step' as never } }), 'swa.annealStrategy');
      await assert.rejects(new LinearRegression({ average: true }).fit([[0], [1]], [0, 1], { optimizer: lbfgs() }), (e: unknown) => e instanceof OptionError && e.argument === 'average');
    });
  });

  describe('non-smooth losses: the regularized objective reached is ≤ scikit-learn SGD\'s on the same data and alpha', () => {
    for (const o of REF.sgd)
      it(`${o.name} (${o.dataset}): ≤ ${o.estimator}`, async () => {
        const { X, y, n, d } = standardized(o.dataset, o.target_scale ?? 1);
        const isClass = o.dataset === 'breast-cancer';
        const base = { dtype: 'float64' as const, regularization: { l2: o.l2 } };
        const m = isClass ? new LinearClassifier({ ...base, loss: o.loss }) : new LinearRegressor({ ...base, loss: o.loss, epsilon: o.epsilon });
        await m.fit(rows(X, n, d), y, { optimizer: adam({ learningRate: 0.01 }), epochs: 200, batchSize: 32, seed: 1 });
        const w = m.coef as Float64Array;
        const obj = m.evaluate(rows(X, n, d), y).loss + 0.5 * o.l2 * w.reduce((s, v) => s + v * v, 0);
        assert.ok(obj <= o.objective, `descent ${obj} vs scikit-learn ${o.objective}`);
      });
  });

  for (const backend of BACKENDS)
    it(`${backend}: quantile with lbfgs (smoothing + LP vertex) equals QuantileRegressor(alpha=0, highs): pinball and coefficients to 1e-6`, async () => {
      const o = REF.optima.find((x: { name: string }) => x.name === 'quantile');
      const { X, y, n, d } = standardized(o.dataset, o.target_scale);
      const m = new LinearRegressor({ backend, dtype: 'float64', loss: 'quantile', quantile: o.quantile });
      const h = await m.fit(rows(X, n, d), y, { optimizer: lbfgs() });
      const loss = m.evaluate(rows(X, n, d), y).loss;
      assert.ok(Math.abs(loss - o.objective) <= 1e-6 * o.objective, `pinball ${loss} vs ${o.objective}`);
      assert.equal(h.loss.at(-1), loss, 'the history ends with the exact objective');
      const ref = [...o.coef, o.intercept] as number[], w = [...m.coefficients, m.intercept];
      const scale = Math.max(...ref.map(Math.abs));
      assert.ok(Math.max(...w.map((v, i) => Math.abs(v - ref[i]!))) <= 1e-6 * scale, 'coefficients');
      assert.equal(h.lbfgs!.smoothing!.polished, true);
    });

  it('quantile with a first-order method (sgd, decaying rate): the pinball loss reached is within 1e-3 of QuantileRegressor(alpha=0, highs)', async () => {
    const o = REF.optima.find((x: { name: string }) => x.name === 'quantile');
    const { X, y, n, d } = standardized(o.dataset, o.target_scale);
    const m = new LinearRegressor({ dtype: 'float64', loss: 'quantile', quantile: o.quantile });
    const epochs = 400;
    await m.fit(rows(X, n, d), y, { optimizer: sgd({ learningRate: { at: (t: number) => 0.05 / Math.sqrt(1 + t / 442) } as never }), epochs, batchSize: n, shuffle: false, seed: 1 });
    const loss = m.evaluate(rows(X, n, d), y).loss;
    const rel = (loss - o.objective) / o.objective;
    assert.ok(rel >= -1e-12, `below the LP optimum: ${loss} vs ${o.objective}`);
    assert.ok(rel <= 1e-3, `pinball ${loss} vs optimum ${o.objective} (relative ${rel})`);
  });

  describe('models', () => {
    it('LinearClassifier: binary is one output (z > 0 → classes[1]), k classes one-vs-rest; decisionFunction, predictProba where scikit-learn has it', async () => {
      const data = loadCsvSync(path.join(DATA, 'digits.csv'), { dtype: 'float64' });
      for (const backend of BACKENDS) {
        const m = new LinearClassifier({ loss: 'hinge', backend, standardize: true, regularization: { l2: 1e-4 } });
        await m.fit(data.X, data.y, { epochs: 5, optimizer: sgd({ learningRate: 0.01 }), seed: 2 });
        const dec = m.decisionFunction(data.X);
        assert.equal(dec.length, data.X.rows * 10);
        const pred = m.predict(data.X) as Float64Array;
        for (let i = 0; i < 50; i++) {
          const row = Array.from(dec.subarray(i * 10, i * 10 + 10));
          assert.equal(pred[i], row.indexOf(Math.max(...row)));
        }
        assert.ok(m.evaluate(data.X, data.y).accuracy > 0.9);
        assert.throws(() => m.predictProba(data.X), (e: unknown) => e instanceof OptionError && e.argument === 'loss');
      }
      const bc = loadCsvSync(path.join(DATA, 'breast-cancer.csv'), { dtype: 'float64' });
      const labels = Array.from(bc.y, (v) => (v === 1 ? 'benign' : 'malignant'));
      const mh = new LinearClassifier({ loss: 'modifiedHuber', standardize: true });
      await mh.fit(bc.X, labels, { epochs: 5, seed: 1 });
      const z = mh.decisionFunction(bc.X), p = mh.predictProba(bc.X) as Float64Array, lab = mh.predict(bc.X) as string[];
      assert.deepEqual(mh.classes, ['benign', 'malignant']);
      for (let i = 0; i < z.length; i++) {
        assert.equal(p[i], (Math.min(1, Math.max(-1, z[i]!)) + 1) / 2);
        assert.equal(lab[i], z[i]! > 0 ? 'malignant' : 'benign');
      }
    });

    it('native and JS backends agree on LinearRegressor / LinearClassifier fits (float32, ≤ 1e-5)', async function () {
      if (BACKENDS.length < 2) this.skip();
      const { X, y, n, d } = standardized('diabetes', 0.01);
      for (const loss of ['huber', 'poisson', 'quantile', 'tweedie'] as const) {
        const preds: Float64Array[] = [];
        for (const backend of BACKENDS) {
          const m = new LinearRegressor({ loss, backend, ...(loss === 'tweedie' ? { power: 1.5 } : {}) });
          await m.fit(rows(X, n, d), y, { epochs: 3, batchSize: 16, seed: 4, optimizer: adam({ learningRate: 0.01 }) });
          preds.push(m.predict(rows(X, n, d)));
        }
        const diff = Math.max(...preds[0]!.map((v, i) => Math.abs(v - preds[1]![i]!)));
        assert.ok(diff <= 1e-5, `${loss}: ${diff}`);
      }
    });

    it('save/load keeps the loss and its parameter; predictions are identical', async () => {
      const { X, y, n, d } = standardized('diabetes', 0.01);
      const m = new LinearRegressor({ loss: 'huber', epsilon: 0.25, dtype: 'float64' });
      await m.fit(rows(X, n, d), y, { epochs: 2, seed: 1 });
      const back = fromBuffer(m.toBuffer()) as LinearRegressor;
      assert.equal(back.loss, 'huber');
      assert.deepEqual(back.predict(rows(X, n, d)), m.predict(rows(X, n, d)));
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'descent-89-')), 'm.safetensors');
      const c = new Sequential([dense(4, { activation: 'tanh' }), dense(3)], { loss: 'squaredHinge' });
      const bc = standardized('digits');
      const yk = Float64Array.from(bc.y, (v) => v % 3);
      await c.fit(rows(bc.X, 300, bc.d), yk.subarray(0, 300), { epochs: 2, seed: 1 });
      c.save(file);
      const again = fromBuffer(fs.readFileSync(file)) as Sequential;
      assert.deepEqual(again.predict(rows(bc.X, 300, bc.d)), c.predict(rows(bc.X, 300, bc.d)));
    });

    it('elastic net { alpha, l1Ratio } is l1 = α·ρ, l2 = α·(1 − ρ) (scikit-learn); l1Ratio defaults to 0.15', async () => {
      const { X, y, n, d } = standardized('diabetes', 0.01);
      const fit = async (regularization: object) => {
        const m = new LinearRegression({ dtype: 'float64', regularization });
        await m.fit(rows(X, n, d), y, { epochs: 3, seed: 1 });
        return m.coefficients;
      };
      assert.deepEqual(await fit({ alpha: 0.1, l1Ratio: 0.3 }), await fit({ l1: 0.1 * 0.3, l2: 0.1 * (1 - 0.3) }));
      assert.deepEqual(await fit({ alpha: 0.02 }), await fit({ l1: 0.02 * 0.15, l2: 0.02 * (1 - 0.15) }));
      assert.throws(() => new LinearRegression({ regularization: { alpha: 1, l2: 1 } }), (e: unknown) => e instanceof OptionError && e.argument === 'regularization.alpha');
      assert.throws(() => new LinearRegression({ regularization: { alpha: 1, l1Ratio: 1.5 } }), (e: unknown) => e instanceof OptionError && e.argument === 'regularization.l1Ratio');
    });
  });

  describe('multi-output regression and multi-label classification ([n, k] targets)', () => {
    const { X, y: yd, n, d } = standardized('diabetes', 0.01);
    const Xr = rows(X, n, d);
    // Three targets: the disease score and two columns made from it, so the outputs differ.
    const Y = Array.from({ length: n }, (_, i) => [yd[i]!, Math.sqrt(yd[i]!), X[i * d + 2]! * 0.5 + yd[i]! * 0.1]);
    for (const backend of BACKENDS)
      it(`${backend}: ridge on [n, 3] equals three single-output ridge fits (L-BFGS, 1e-6); predict is [n, 3] row-major; per-output metrics`, async () => {
        const solver = lbfgs({ maxIter: 500, tol: 1e-12, toleranceChange: 0 });
        const m = new LinearRegression({ backend, dtype: 'float64', regularization: { l2: 0.05 } });
        await m.fit(Xr, Y, { optimizer: solver });
        const W = m.getWeights().at(-1)!;
        assert.equal(W.units, 3);
        const pred = m.predict(Xr);
        assert.equal(pred.length, n * 3);
        for (let j = 0; j < 3; j++) {
          const one = new LinearRegression({ backend, dtype: 'float64', regularization: { l2: 0.05 } });
          const yj = Y.map((r) => r[j]!);
          await one.fit(Xr, yj, { optimizer: solver });
          const w = one.coefficients;
          for (let i = 0; i < d; i++) assert.ok(Math.abs(W.weight[j * d + i]! - w[i]!) <= 1e-6, `output ${j} weight ${i}: ${W.weight[j * d + i]} vs ${w[i]}`);
          assert.ok(Math.abs(W.bias![j]! - one.intercept) <= 1e-6);
          const single = one.evaluate(Xr, yj);
          const multi = m.evaluate(Xr, Y) as unknown as { perOutput: { r2: number[]; mse: number[] } };
          assert.ok(Math.abs(multi.perOutput.r2[j]! - single.r2) <= 1e-9 && Math.abs(multi.perOutput.mse[j]! - single.mse) <= 1e-9);
          const p1 = one.predict(Xr);
          for (let i = 0; i < n; i += 37) assert.ok(Math.abs(pred[i * 3 + j]! - p1[i]!) <= 1e-6);
        }
        const r2 = (m.evaluate(Xr, Y) as unknown as { r2: number; perOutput: { r2: number[] } });
        assert.ok(Math.abs(r2.r2 - r2.perOutput.r2.reduce((a, b) => a + b) / 3) <= 1e-15, 'r2 is the uniform average');
        assert.throws(() => m.intercept, (e: unknown) => e instanceof ShapeError && e.argument === 'intercept');
        assert.throws(() => m.evaluate(Xr, yd), (e: unknown) => e instanceof ShapeError && e.argument === 'y');
        const back = fromBuffer(m.toBuffer()) as LinearRegression;
        assert.deepEqual(back.predict(Xr), pred);
      });

    for (const backend of BACKENDS)
      it(`${backend}: multi-label LogisticRegression / Sequential equal one binary fit per label; subset accuracy and Hamming loss`, async () => {
        const bc = standardized('breast-cancer');
        const Xb = rows(bc.X, bc.n, bc.d);
        const L = Array.from({ length: bc.n }, (_, i) => [bc.y[i]!, bc.X[i * bc.d]! > 0 ? 1 : 0]);
        const solver = lbfgs({ maxIter: 500, tol: 1e-12, toleranceChange: 0 });
        const m = new LogisticRegression({ backend, dtype: 'float64', regularization: { l2: 0.01 } });
        await m.fit(Xb, L, { optimizer: solver });
        const z = m.predictProba(Xb) as Float64Array;
        assert.equal(z.length, bc.n * 2);
        for (let j = 0; j < 2; j++) {
          const one = new LogisticRegression({ backend, dtype: 'float64', regularization: { l2: 0.01 } });
          await one.fit(Xb, L.map((r) => r[j]!), { optimizer: solver });
          const p = one.predictProba(Xb) as Float64Array;
          for (let i = 0; i < bc.n; i += 17) assert.ok(Math.abs(z[i * 2 + j]! - p[i]!) <= 1e-6, `label ${j} row ${i}: ${z[i * 2 + j]} vs ${p[i]}`);
        }
        const pred = m.predict(Xb) as Float64Array;
        let exact = 0, wrong = 0;
        for (let i = 0; i < bc.n; i++) {
          const ok0 = pred[2 * i] === L[i]![0], ok1 = pred[2 * i + 1] === L[i]![1];
          if (ok0 && ok1) exact++;
          wrong += (ok0 ? 0 : 1) + (ok1 ? 0 : 1);
        }
        const e = m.evaluate(Xb, L) as unknown as { accuracy: number; hammingLoss: number };
        assert.equal(e.accuracy, exact / bc.n);
        assert.equal(e.hammingLoss, wrong / (2 * bc.n));
        const s = new Sequential([dense(6, { activation: 'tanh' }), dense(2)], { loss: 'sigmoidCrossEntropy', backend });
        await s.fit(Xb, L, { epochs: 3, seed: 1, validationSplit: 0.2 });
        assert.equal((s.predict(Xb) as Float64Array).length, bc.n * 2);
      });

    it('targets [n, k] where a head takes one label per row are ShapeErrors naming y', async () => {
      const L = [[0, 1], [1, 0], [1, 1]];
      const X = [[0], [1], [2]];
      await assert.rejects(new SoftmaxRegression().fit(X, L), (e: unknown) => e instanceof ShapeError && e.argument === 'y');
      await assert.rejects(new LinearClassifier().fit(X, L), (e: unknown) => e instanceof ShapeError && e.argument === 'y');
      await assert.rejects(new LogisticRegression().fit(X, L, { validationData: [X, [0, 1, 1]] }), (e: unknown) => e instanceof ShapeError && e.argument === 'validationData[1]');
      await assert.rejects(new LogisticRegression().fit(X, [[0, 2], [1, 0], [1, 1]]), (e: unknown) => e instanceof ShapeError);
      await assert.rejects(new Sequential([dense(3)], { loss: 'squaredError' }).fit(X, L), (e: unknown) => e instanceof ShapeError && e.argument === 'layers');
    });
  });

  describe('lrFind: the learning-rate range test (Smith 2017)', () => {
    const bc = loadCsvSync(path.join(DATA, 'breast-cancer.csv'), { dtype: 'float64' });
    for (const backend of BACKENDS)
      it(`${backend}: exponential rates, bias-corrected EMA, the steepest-descent suggestion; the model is untouched`, async () => {
        const m = new LogisticRegression({ backend, standardize: true });
        const r = await m.lrFind(bc.X, bc.y, { minLr: 1e-5, maxLr: 1, steps: 40, batchSize: 16, smoothing: 0.9 });
        assert.equal(r.lrs.length, 40);
        r.lrs.forEach((lr, i) => assert.ok(Math.abs(lr / (1e-5 * Math.pow(1e5, i / 39)) - 1) <= 1e-12, `lr ${i}`));
        let avg = 0;
        r.losses.forEach((l, i) => {
          avg = 0.9 * avg + 0.1 * l;
          assert.ok(Math.abs(r.smoothed[i]! - avg / (1 - Math.pow(0.9, i + 1))) <= 1e-12);
        });
        const x = r.lrs.map(Math.log10), s = r.smoothed;
        const slopes = s.map((_, i) => { const lo = Math.max(0, i - 1), hi = Math.min(s.length - 1, i + 1); return i < 8 || i >= 36 ? Infinity : (s[hi]! - s[lo]!) / (x[hi]! - x[lo]!); });
        assert.equal(r.suggestion, r.lrs[slopes.indexOf(Math.min(...slopes))], 'steepest among points 8 … 35 (40 points: skip 8 and 4)');
        assert.equal(r.minLossLr, r.lrs[s.indexOf(Math.min(...s))]);
        assert.equal(r.stoppedEarly, false);
        assert.throws(() => m.predict(bc.X), (e: unknown) => e instanceof Error && e.name === 'StateError', 'still unfitted');
        // A fitted model keeps its weights.
        await m.fit(bc.X, bc.y, { epochs: 2, seed: 3 });
        const before = m.getParameterVector().slice();
        await m.lrFind(bc.X, bc.y, { steps: 10 });
        assert.deepEqual(m.getParameterVector(), before);
        // Training at the suggestion works.
        const t = new LogisticRegression({ backend, standardize: true });
        await t.fit(bc.X, bc.y, { epochs: 5, batchSize: 16, learningRate: r.suggestion, seed: 1 });
        assert.ok(t.evaluate(bc.X, bc.y).accuracy >= 0.95);
      });

    it('stops when the smoothed loss exceeds 4× its minimum (an MLP with adam up to lr 1e4)', async () => {
      const dg = loadCsvSync(path.join(DATA, 'digits.csv'), { dtype: 'float32' });
      const m = new Sequential([dense(32, { activation: 'relu' }), dense(10)], { loss: 'softmaxCrossEntropy', standardize: true });
      const r = await m.lrFind(dg.X, dg.y, { optimizer: adam(), maxLr: 1e4, steps: 200 });
      assert.equal(r.stoppedEarly, true);
      assert.ok(r.lrs.length < 200);
      const best = Math.min(...r.smoothed.slice(0, -1));
      assert.ok(r.smoothed.at(-1)! > 4 * best || !Number.isFinite(r.smoothed.at(-1)!));
      assert.ok(r.suggestion < r.lrs.at(-1)!);
    });

    it('bad options are OptionErrors naming them', async () => {
      const m = new LogisticRegression();
      for (const [o, arg] of [[{ minLr: 0 }, 'minLr'], [{ minLr: 1, maxLr: 0.5 }, 'maxLr'], [{ steps: 2 }, 'steps'], [{ smoothing: 1 }, 'smoothing'], [{ optimizer: 'adamm' }, 'optimizer'], [{ stepz: 3 }, 'options.stepz']] as const)
        await assert.rejects(m.lrFind(bc.X, bc.y, o as never), (e: unknown) => e instanceof OptionError && e.argument === arg, JSON.stringify(o));
    });
  });

  describe('bad input gets a DescentError naming the argument', () => {
    const opt = (f: () => unknown, argument: string) => assert.throws(f, (e: unknown) => e instanceof OptionError && e.argument === argument, argument);
    it('loss options', () => {
      opt(() => new LinearRegressor({ loss: 'quantile', quantile: 1 }), 'options.quantile');
      opt(() => new LinearRegressor({ loss: 'tweedie', power: 0.5 }), 'options.power');
      opt(() => new LinearRegressor({ loss: 'huber', power: 1.5 }), 'options.power');
      opt(() => new LinearRegressor({ loss: 'hinge' as never }), 'options.loss');
      opt(() => new LinearClassifier({ loss: 'huber' as never }), 'options.loss');
      opt(() => new LinearRegressor({ loss: 'huber', epsilon: -1 }), 'options.epsilon');
      opt(() => new Sequential([dense(1)], { loss: 'huber', epsilon: Number.NaN }), 'options.epsilon');
    });
    it('what users of scikit-learn and PyTorch type gets pointed the right way', async () => {
      opt(() => new LinearClassifier({ loss: 'log_loss' as never }), 'options.loss');
      assert.throws(() => new LinearClassifier({ loss: 'log_loss' as never }), /did you mean 'log'/);
      opt(() => new LinearRegression({ average: 5 as never }), 'average');
      const X = [[0], [1], [2]], y = [0, 1, 1];
      const m = new LogisticRegression();
      await assert.rejects(m.partialFit(X, y, { optimizer: lbfgs() as never }), (e: unknown) => e instanceof OptionError && e.argument === 'optimizer');
      await assert.rejects(m.lrFind(X, y, { optimizer: lbfgs() as never }), (e: unknown) => e instanceof OptionError && e.argument === 'optimizer');
      await assert.rejects(new LogisticRegression().fit(X, [[0, 1], [1, 0], [1, -1]]), (e: unknown) => e instanceof ShapeError && e.argument === 'y[2][1]');
      await assert.rejects(new LinearRegressor({ loss: 'poisson' }).fit(X, [[0, 1], [1, -2], [1, 1]]), (e: unknown) => e instanceof ShapeError && e.argument === 'y[1][1]');
    });
    it('lrFind runs on a copy without weight averaging (SWA would override the swept rates)', async () => {
      const d = standardized('breast-cancer');
      const Xr = rows(d.X, d.n, d.d);
      const plain = await new LogisticRegression().lrFind(Xr, d.y, { steps: 60 });
      const swa = await new LogisticRegression({ swa: { start: 1, learningRate: 0.01 } }).lrFind(Xr, d.y, { steps: 60 });
      assert.deepEqual(swa.lrs, plain.lrs);
      assert.deepEqual(swa.losses, plain.losses);
    });
    it('found by trying to break it: streams and partialFit of one-vs-rest classifiers take classes; setParams keeps saved files loadable', async () => {
      const m = new LinearClassifier({ loss: 'hinge' });
      await m.fit([{ x: [[0], [1], [2]], y: [0, 1, 2] }], { classes: 3, epochs: 2 });
      assert.equal(m.numClasses, 3);
      await assert.rejects(new LinearClassifier().fit([{ x: [[0], [1]], y: [0, 1] }]), (e: unknown) => e instanceof OptionError && e.argument === 'classes');
      const p = new LinearClassifier({ loss: 'log' });
      await p.partialFit([[0], [1]], [0, 1], { classes: 3 });
      await p.partialFit([[2]], [2]);
      assert.equal(p.numClasses, 3);
      const r = new LinearRegressor({ loss: 'huber', epsilon: 0.1, dtype: 'float64' });
      await r.fit([[0], [1], [2]], [0, 1, 2], { epochs: 3 });
      const before = r.predict([[1.5]]);
      r.setParams({ epsilon: 0.9 });
      const back = fromBuffer(r.toBuffer()) as LinearRegressor;
      assert.deepEqual(back.getParams(), { loss: 'huber', epsilon: 0.1, dtype: 'float64' }, 'the file holds what the weights were trained with');
      assert.deepEqual(back.predict([[1.5]]), before);
      await r.fit([[0], [1], [2]], [0, 1, 2], { epochs: 3 });
      assert.deepEqual((fromBuffer(r.toBuffer()) as LinearRegressor).getParams(), { loss: 'huber', epsilon: 0.9, dtype: 'float64' }, 'the next fit trains the new head');
    });
    it('lbfgs: an objective that overflows at the start is a DivergenceError (initial weights kept); one that overflows at a trial point backs off', async () => {
      const m = new LinearRegression({ dtype: 'float64' });
      await assert.rejects(m.fit([[1], [2]], [1e200, 2e200], { optimizer: lbfgs(), seed: 2 }), (e: unknown) => e instanceof Error && e.name === 'DivergenceError' && /L-BFGS diverged/.test(e.message));
      const fresh = new LinearRegression({ dtype: 'float64' });
      await fresh.fit([[1], [2]], [1, 2], { epochs: 0, seed: 2 });
      assert.deepEqual(m.getParameterVector(), fresh.getParameterVector());
      const p = new LinearRegressor({ dtype: 'float64', loss: 'poisson' });
      const h = await p.fit([[1], [2]], [1e300, 1], { optimizer: lbfgs() });
      assert.ok(h.loss.every(Number.isFinite) && p.getParameterVector().every(Number.isFinite));
    });
    it('averaging: weights set by hand are trained on; a failed run keeps the average; checkpoints are refused', async () => {
      const X = [[0], [1], [2], [3]], y = [0, 1, 2, 3];
      const m = new LinearRegression({ dtype: 'float64', average: true });
      await m.fit(X, y, { epochs: 3, batchSize: 1, shuffle: false, optimizer: sgd({ learningRate: 0.01 }) });
      const v = Float64Array.of(5, 5);
      m.setParameterVector(v);
      await m.partialFit([[0]], [0], { batchSize: 1 });
      const w = m.getParameterVector();
      // One step from v (w = 5 + ..., not from the old raw weights near 1); the average of 13 steps moves little.
      const raw = (m as unknown as { session: { rawParams: Float64Array } }).session.rawParams;
      assert.ok(Math.abs(raw[0]! - 5) < 0.1 && Math.abs(raw[1]! - 5 + 0.05) < 0.1, `continued from v: ${raw}`);
      assert.ok(w[0]! < 5, 'predict holds the average');
      const avg = m.getParameterVector().slice();
      await assert.rejects(m.partialFit([[1e200]], [1e200], { batchSize: 1 }), (e: unknown) => e instanceof Error && e.name === 'DivergenceError');
      assert.deepEqual(m.getParameterVector(), avg, 'still the average after a diverged run');
      assert.throws(() => m.toBuffer({ checkpoint: true }), (e: unknown) => e instanceof OptionError && e.argument === 'checkpoint');
    });
    it('resumeFrom refuses a checkpoint of another loss parameter; evaluate checks the targets\' domain; l1Ratio needs alpha', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-89-'));
      const file = path.join(dir, 'ck.safetensors');
      const X = [[0], [1], [2]], y = [0.5, 1, 2];
      const a = new LinearRegressor({ loss: 'huber', epsilon: 0.1 });
      await a.fit(X, y, { epochs: 2, checkpoint: { path: file } });
      await assert.rejects(new LinearRegressor({ loss: 'huber', epsilon: 5 }).fit(X, y, { epochs: 3, resumeFrom: file }), (e: unknown) => e instanceof OptionError && e.argument === 'resumeFrom');
      const g = new LinearRegressor({ loss: 'gamma' });
      await g.fit(X, y, { epochs: 1 });
      assert.throws(() => g.evaluate([[1]], [0]), (e: unknown) => e instanceof ShapeError && e.argument === 'y[0]');
      assert.throws(() => g.score([[1]], [-1]), (e: unknown) => e instanceof ShapeError && e.argument === 'y[0]');
      opt(() => new LinearRegression({ regularization: { l1Ratio: 0.5 } }), 'regularization.alpha');
    });
    it('both backends refuse the same bad spec.average / spec.lossParam with the same argument', () => {
      const bad: [Record<string, unknown>, string][] = [
        [{ average: { kind: 'bogus', start: 1, decay: 0 } }, 'spec.average.kind'], [{ average: { kind: 'mean', start: 0, decay: 0 } }, 'spec.average.start'],
        [{ average: { kind: 'ema', start: 1, decay: 1 } }, 'spec.average.decay'], [{ average: 5 }, 'spec.average'], [{ lossParam: null }, 'spec.lossParam'],
      ];
      for (const backend of BACKENDS)
        for (const [extra, arg] of bad)
          assert.throws(() => getBackend(backend).createTrainer({ ...specOf('huber', 0.1, [{ inputs: 2, units: 1, activation: 'linear' }]), ...extra } as never),
            (e: unknown) => e instanceof OptionError && e.argument === arg, `${backend} ${JSON.stringify(extra)}`);
    });
    it('targets outside the loss\'s domain', async () => {
      const X = [[0], [1], [2]];
      await assert.rejects(new LinearRegressor({ loss: 'poisson' }).fit(X, [1, -1, 2]), (e: unknown) => e instanceof ShapeError && e.argument === 'y[1]');
      await assert.rejects(new LinearRegressor({ loss: 'gamma' }).fit(X, [1, 0, 2]), (e: unknown) => e instanceof ShapeError && e.argument === 'y[1]');
      await new LinearRegressor({ loss: 'tweedie', power: 0 }).fit(X, [1, -1, 2]);
    });
    it('lbfgs yields to the event loop between evaluations and honours signal (the model keeps its initial weights)', async () => {
      const dg = loadCsvSync(path.join(DATA, 'digits.csv'), { dtype: 'float64' });
      const { SoftmaxRegression: S } = { SoftmaxRegression };
      const m = new S({ dtype: 'float64', standardize: true, regularization: { l2: 1e-4 } });
      // The abort can only be delivered if the solver yields: without yields this fit would run 100000 iterations.
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 0);
      await assert.rejects(m.fit(dg.X, dg.y, { optimizer: lbfgs({ maxIter: 100000, tol: 0, toleranceChange: 0 }), signal: ac.signal, seed: 5 }), (e: unknown) => e instanceof Error && e.name === 'AbortError');
      const fresh = new S({ dtype: 'float64', standardize: true, regularization: { l2: 1e-4 } });
      await fresh.fit(dg.X, dg.y, { epochs: 0, seed: 5 });
      assert.deepEqual(m.getParameterVector(), fresh.getParameterVector());
    });

    it('lbfgs options and what does not apply to it', async () => {
      opt(() => lbfgs({ maxIter: 0 }), 'maxIter');
      opt(() => lbfgs({ lineSearch: 'armijo' as never }), 'lineSearch');
      const X = [[0], [1], [2]], y = [0, 1, 1];
      await assert.rejects(new LogisticRegression().fit(X, y, { optimizer: lbfgs(), epochs: 3 }), (e: unknown) => e instanceof OptionError && e.argument === 'epochs');
    });
    it('spec.lossParam on both backends', () => {
      for (const backend of BACKENDS)
        assert.throws(() => getBackend(backend).createTrainer(specOf('quantile', 2, [{ inputs: 2, units: 1, activation: 'linear' }])), (e: unknown) => e instanceof OptionError && e.argument === 'spec.lossParam', backend);
    });
  });
});
