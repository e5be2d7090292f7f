/**
 * 47 hardening: what an adversarial pass found in the one training path, each fixed and kept fixed — refused calls
 * leave the model and its session exactly as they were, options a model would ignore are refused, optimizer state
 * that overflows is divergence (not a silent stall), sources hand over no silent zeros, checkpoints mark the epoch
 * training stopped at.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tableFromArrays, tableFromJSON } from 'apache-arrow';
import {
  AbortError, DivergenceError, FormatError, LinearRegression, LogisticRegression, OptionError, Sequential, ShapeError, SoftmaxRegression, adam, dense,
  elu, fromBuffer, leakyRelu, loadCsvSync, loadModel, reduceOnPlateau, sgd,
} from '../lib';
import { getBackend } from '../lib/backend';
import { defaultKernelConfig } from '../lib/engine/spec';
import { BACKENDS } from './support/backends';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-47-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Seeded rows: `n` × `cols` uniform in [-1, 1], labels `k` classes from the first column's sign pattern. */
function data(n: number, cols: number, k: number, seed: number): { X: number[][]; y: number[] } {
  let s = seed >>> 0 || 1;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const X = Array.from({ length: n }, () => Array.from({ length: cols }, u));
  const y = X.map((r) => Math.min(k - 1, Math.floor(((r[0]! + 1) / 2) * k)));
  return { X, y };
}

const isOption = (argument: string, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof OptionError, `expected OptionError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  assert.equal(e.argument, argument);
  if (message) assert.match(e.message, message);
  return true;
};

describe('47 hardening: refused calls change nothing', function () {
  this.timeout(120_000);
  for (const backend of BACKENDS) {
    it(`${backend}: a fit refused before training keeps the model's classes (the head is sized by the session)`, async () => {
      const d = data(90, 3, 3, 1);
      const m = new SoftmaxRegression({ backend });
      await m.fit(d.X, d.y, { epochs: 2 });
      const before = m.evaluate(d.X, d.y);
      await assert.rejects(m.fit(d.X, d.y.map((v) => v % 2), { epochs: 2, signal: AbortSignal.abort() }), AbortError);
      assert.deepEqual(m.evaluate(d.X, d.y), before, 'still 3 classes, same weights');
    });

    it(`${backend}: a refused partialFit (aborted, or batchSize over the workspace) leaves scaler, defaults and generator as they were`, async () => {
      const d = data(600, 4, 2, 2);
      const chunk = (a: number, b: number) => ({ X: d.X.slice(a, b), y: d.y.slice(a, b) });
      const run = async (refuse: boolean) => {
        const m = new LogisticRegression({ backend, standardize: true });
        await m.partialFit(chunk(0, 50).X, chunk(0, 50).y, { batchSize: 10, shuffle: true, seed: 4 });
        const seen = m.standardScaler!.nSamplesSeen, mean = Array.from(m.standardScaler!.mean!);
        if (refuse) {
          await assert.rejects(m.partialFit(chunk(50, 600).X, chunk(50, 600).y, { signal: AbortSignal.abort(), batchSize: 7 }), AbortError);
          await assert.rejects(m.partialFit(chunk(50, 600).X, chunk(50, 600).y, { batchSize: 300, shuffle: true }), isOption('batchSize', /exceeds/));
          assert.equal(m.standardScaler!.nSamplesSeen, seen);
          assert.deepEqual(Array.from(m.standardScaler!.mean!), mean);
        }
        await m.partialFit(chunk(50, 600).X, chunk(50, 600).y, { shuffle: true }); // batchSize 10, as the first call
        return Array.from(m.getParameterVector());
      };
      assert.deepEqual(await run(true), await run(false), 'bit for bit as without the refused calls');
    });

    it(`${backend}: after fit on fewer rows than batchSize, partialFit's default batch fits the workspace`, async () => {
      const d = data(1000, 3, 2, 3);
      const m = new LogisticRegression({ backend });
      await m.fit(d.X.slice(0, 100), d.y.slice(0, 100), { epochs: 1, batchSize: 300 });
      const h = await m.partialFit(d.X, d.y);
      assert.equal(h.learningRates.length, Math.ceil(1000 / 256));
    });
  }

  it('a reduceOnPlateau schedule survives a refused fit; a fresh identical one is the same partialFit choice', async () => {
    const d = data(120, 3, 2, 5);
    // mode 'max' on a falling loss: no epoch improves, so the rate halves every epoch.
    const plateau = reduceOnPlateau({ learningRate: 0.1, patience: 0, factor: 0.5, mode: 'max' });
    const m = new LogisticRegression();
    await m.fit(d.X, d.y, { epochs: 6, optimizer: sgd({ learningRate: plateau }) });
    const lr = plateau.current();
    assert.ok(lr < 0.1);
    await assert.rejects(new LogisticRegression().fit(d.X, d.y, { epochs: 2, optimizer: sgd({ learningRate: plateau }), signal: AbortSignal.abort() }), AbortError);
    assert.equal(plateau.current(), lr, 'not reset by a fit that never trained');
    const p = new LogisticRegression();
    await p.partialFit(d.X, d.y, { optimizer: sgd({ learningRate: reduceOnPlateau({ learningRate: 0.1, patience: 0, factor: 0.5 }) }) });
    await p.partialFit(d.X, d.y, { optimizer: sgd({ learningRate: reduceOnPlateau({ learningRate: 0.1, patience: 0, factor: 0.5 }) }) });
    await p.partialFit(d.X, d.y, { backend: undefined });
  });
});

describe('47 hardening: optimizer choices and schedules', function () {
  this.timeout(120_000);
  const d = data(150, 4, 2, 6);

  it('a custom schedule without toJSON trains, saves without state, repeats in partialFit, and is refused for checkpoints', async () => {
    const custom = { at: (t: number) => 0.1 / (1 + t) };
    const m = new LogisticRegression();
    await m.fit(d.X, d.y, { epochs: 2, learningRate: custom as never });
    assert.ok(fromBuffer(m.toBuffer()) instanceof LogisticRegression);
    assert.throws(() => m.toBuffer({ checkpoint: true }), isOption('checkpoint', /can be saved/));
    const p = new LogisticRegression();
    await p.partialFit(d.X, d.y, { learningRate: custom as never });
    await p.partialFit(d.X, d.y, { learningRate: custom as never });
    const junk = { at: () => 0.1, toJSON: () => ({ kind: 'nope' }) };
    await assert.rejects(new LogisticRegression().fit(d.X, d.y, { epochs: 1, learningRate: junk as never, checkpoint: { path: path.join(tmp, 'x.st') } }), isOption('checkpoint', /rebuilds/));
  });

  it('optimizer objects are rebuilt from name and options: a JSON copy trains as the original, a hand-edited one is validated', async () => {
    const fit = async (optimizer: unknown) => {
      const m = new LogisticRegression({ dtype: 'float64' });
      await m.fit(d.X, d.y, { epochs: 2, seed: 1, optimizer: optimizer as never });
      return Array.from(m.getParameterVector());
    };
    const ref = await fit(adam({ learningRate: 0.01 }));
    assert.deepEqual(await fit(JSON.parse(JSON.stringify(adam({ learningRate: 0.01 })))), ref);
    assert.deepEqual(await fit({ ...adam({ learningRate: 0.01 }), config: { ...adam().config, kernel: 'bogus' } }), ref, 'config is derived, never trusted');
    await assert.rejects(fit({ ...adam({ learningRate: 0.01 }), name: 'sgd' }), isOption('sgd.beta1', /Unknown option "beta1" in sgd/));
  });

  it('values one backend would refuse are refused by the factories and constructors, for both', () => {
    assert.throws(() => adam({ epsilon: 2e6 }), isOption('adam.epsilon', /<= 1000000/));
    assert.throws(() => sgd({ weightDecay: 1e7 }), isOption('sgd.weightDecay'));
    assert.throws(() => new LinearRegression({ regularization: { l1: 1e31 } }), isOption('regularization.l1'));
    assert.throws(() => new LinearRegression({ clipNorm: Infinity }), isOption('options.clipNorm'));
    assert.throws(() => leakyRelu(2e6), isOption('leakyRelu.alpha'));
    assert.throws(() => elu(2e6), isOption('elu.alpha'));
  });

  for (const backend of BACKENDS) {
    it(`${backend}: an optimizer state that overflows float32 is a DivergenceError, not a silent stall with an unloadable checkpoint`, async () => {
      const X = Array.from({ length: 32 }, (_, i) => [i / 32]);
      const y = X.map((r) => 1e25 * (1 + r[0]!));
      // (adamax keeps max(β₂u, |g|), not g²: it does not overflow here, and trains.)
      for (const optimizer of [adam({ learningRate: 0.1 }), 'nadam', 'adagrad', 'rmsprop', 'adadelta'] as const) {
        const m = new LinearRegression({ backend });
        const file = path.join(tmp, `ovf-${backend}.st`);
        await assert.rejects(m.fit(X, y, { epochs: 3, batchSize: 8, optimizer: optimizer as never, checkpoint: { path: file } }),
          (e: unknown) => e instanceof DivergenceError && /parameters or optimizer state/.test(e.message), String(typeof optimizer === 'string' ? optimizer : 'adam'));
        assert.ok(Array.from(m.getParameterVector()).every(Number.isFinite));
        if (fs.existsSync(file)) assert.ok(loadModel(file), 'any checkpoint written loads');
      }
    });
  }
});

describe('47 hardening: options a model would ignore, and silent zeros', function () {
  this.timeout(120_000);
  const d = data(100, 3, 2, 7);

  it('classes on a model without classes, a classes that contradicts the last layer, scaler without standardize, column names for plain chunks: OptionErrors', async () => {
    await assert.rejects(new LinearRegression().partialFit(d.X, d.y, { classes: 3 }), isOption('classes', /softmax and one-vs-rest classifiers/));
    await assert.rejects(new LogisticRegression().partialFit(d.X, d.y, { classes: 3 }), isOption('classes'));
    await new LogisticRegression().partialFit(d.X, d.y, { classes: 2 });
    const seq = new Sequential([dense(4)], { loss: 'softmaxCrossEntropy' });
    await assert.rejects(seq.partialFit(d.X, d.y, { classes: 3 }), isOption('classes', /4 units/));
    await assert.rejects(new LinearRegression().partialFit(d.X, d.y, { scaler: 'frozen' }), isOption('scaler', /standardize/));
    await assert.rejects(new LinearRegression().fit([{ x: d.X, y: d.y }], { target: 'y' }), isOption('target', /plain rows/));
    await assert.rejects(new LinearRegression().fit([{ x: d.X, y: d.y }], { features: ['a'] }), isOption('features'));
  });

  it('weights that zero every row or overflow float32 are ShapeErrors; a CSV without feature columns is a FormatError, an empty features list an OptionError', async () => {
    await assert.rejects(new LogisticRegression().fit(d.X, d.y, { classWeight: { 0: 0, 1: 0 } }), (e: unknown) => e instanceof ShapeError && e.argument === 'classWeight');
    await assert.rejects(new LogisticRegression().fit(d.X, d.y, { sampleWeight: d.y.map(() => 1e39) }), (e: unknown) => e instanceof ShapeError && /overflows float32/.test(e.message));
    const file = path.join(tmp, 'one-column.csv');
    fs.writeFileSync(file, 'y\n1\n2\n');
    await assert.rejects(new LinearRegression().fit(file, {}), (e: unknown) => e instanceof FormatError && e.argument === 'features' && /no feature columns/.test(e.message));
    assert.throws(() => loadCsvSync(file), (e: unknown) => e instanceof FormatError && e.argument === 'features');
    fs.writeFileSync(file, 'a,y\n1,1\n2,2\n');
    await assert.rejects(new LinearRegression().fit(file, { features: [] }), (e: unknown) => e instanceof OptionError && e.argument === 'features');
    assert.throws(() => loadCsvSync(file, { features: [] }), (e: unknown) => e instanceof OptionError && e.argument === 'options.features');
  });

  it('an Arrow table trains as a source of its own, and a null in it is a ShapeError naming the column and row (was trained as 0)', async () => {
    const t = tableFromArrays({ a: Float64Array.from(d.X, (r) => r[0]!), b: Float64Array.from(d.X, (r) => r[1]!), y: Float64Array.from(d.y) });
    const m1 = new LogisticRegression({ dtype: 'float64' });
    await m1.fit(t, { target: 'y', epochs: 2 });
    const m2 = new LogisticRegression({ dtype: 'float64' });
    await m2.fit([{ x: t }], { target: 'y', epochs: 2 });
    assert.deepEqual(Array.from(m1.getParameterVector()), Array.from(m2.getParameterVector()));
    const withNull = tableFromJSON([{ a: 1, t: 1 }, { a: 2, t: null }, { a: 3, t: 0 }]);
    await assert.rejects(new LogisticRegression().fit(withNull, { target: 't' }), (e: unknown) => e instanceof ShapeError && e.argument === 'target' && /row 1/.test(e.message));
    const nullFeature = tableFromJSON([{ a: 1, t: 1 }, { a: null, t: 0 }]);
    await assert.rejects(new LogisticRegression().fit(nullFeature, { target: 't' }), (e: unknown) => e instanceof ShapeError && e.argument === 'a');
  });

  it('featureNames that no longer describe the inputs are dropped by a refit (save works again)', async () => {
    const m = new LinearRegression();
    m.featureNames = ['a', 'b', 'c', 'd'];
    await m.fit(d.X, d.y, { epochs: 1 });
    assert.equal(m.featureNames, undefined);
    m.featureNames = ['a', 'b', 'c'];
    await m.fit(d.X, d.y, { epochs: 1 });
    assert.deepEqual(m.featureNames, ['a', 'b', 'c'], 'names that still fit are kept');
    assert.deepEqual(fromBuffer(m.toBuffer()).featureNames, ['a', 'b', 'c']);
  });
});

describe('47 hardening: checkpoints and the backend contract', function () {
  this.timeout(120_000);
  const d = data(120, 3, 2, 8);

  it('a checkpoint is written at the epoch training stops, whether by onEpochEnd or by early stopping', async () => {
    const file = path.join(tmp, 'stop.st');
    await new LogisticRegression().fit(d.X, d.y, { epochs: 10, checkpoint: { path: file, every: 3 }, onEpochEnd: ({ epoch }) => epoch < 5 });
    assert.equal((loadModel(file) as unknown as { toBuffer(): Buffer }) && JSON.parse(fs.readFileSync(file).subarray(8, 8 + Number(fs.readFileSync(file).readBigUInt64LE(0))).toString()).__metadata__.checkpoint.includes('"epoch":5'), true);
    const m = new LogisticRegression();
    const h = await m.fit(d.X, d.y, { epochs: 50, learningRate: 1, checkpoint: { path: file, every: 100 }, earlyStopping: { monitor: 'loss', patience: 1, minDelta: 1e9 } });
    assert.ok(h.stoppedEarly);
    const meta = JSON.parse(fs.readFileSync(file).subarray(8, 8 + Number(fs.readFileSync(file).readBigUInt64LE(0))).toString()).__metadata__;
    assert.equal(JSON.parse(meta.checkpoint).epoch, h.epoch.at(-1));
  });

  for (const backend of BACKENDS) {
    it(`${backend}: runBatches stopping on an out-of-range label rolls the chunk back, as on divergence`, async () => {
      const spec = { dtype: 'float64' as const, layers: [{ inputs: 2, units: 3, activation: 'linear' as const, activationParam: 0, useBias: true, dropout: 0 }], loss: 'softmaxCrossEntropy' as const, optimizer: defaultKernelConfig('sgd'), l1: 0, l2: 0, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 4 };
      const t = getBackend(backend).createTrainer(spec);
      t.initialize(3);
      const before = Array.from(t.getParams());
      t.setData(new Float64Array([1, 2, 3, 4, 5, 6, 7, 8]), new Float64Array([0, 1, 2, 7]), 4);
      const r = await t.runBatches(false, 1, 0, 4, new Float64Array(4).fill(0.1), new Float64Array(4), null);
      assert.deepEqual([r.status, r.batch], [2, 3]);
      assert.deepEqual(Array.from(t.getParams()), before);
      assert.equal(t.getState().step, 0);
      t.dispose();
    });
  }
});
