import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  MLPClassifier, MLPRegressor, OptionError, Rng, Sequential, ShapeError, adam, dense, dropout, elu, leakyRelu,
  loadCsvSync, loadFashionMnist, FASHION_MNIST_DIR,
} from '../lib';
import { getBackend } from '../lib/backend';
import { ACTIVATION_NAMES, ActivationName, EngineSpec, LOSS_NAMES, LossName, defaultKernelConfig } from '../lib/engine/spec';
import { BACKENDS, relMaxDiff, requireNative } from './support/backends';
import { reference } from './support/reference';

const DATA = path.join(__dirname, '..', 'datasets');

function spec(acts: ActivationName[], loss: LossName, outputs: number, extra: Partial<EngineSpec> = {}): EngineSpec {
  const sizes = [4, 5, 6];
  const layers = sizes.slice(1).map((u, i) => ({ inputs: sizes[i]!, units: u, activation: acts[i]!, activationParam: acts[i] === 'leakyRelu' ? 0.1 : acts[i] === 'elu' ? 0.7 : 0, useBias: true, dropout: 0 }));
  layers.push({ inputs: 6, units: outputs, activation: 'linear', activationParam: 0, useBias: true, dropout: 0 });
  return {
    dtype: 'float64', layers, loss, l1: 0, l2: 0, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 8,
    optimizer: defaultKernelConfig('sgd'),
    ...extra,
  };
}

// The original three heads here, across every activation; the scikit-learn heads (some with kinks, where
// differences straddling one would not agree) have their own checks in test/89.
const HEADS = LOSS_NAMES.slice(0, 3);
assert.deepEqual(HEADS, ['squaredError', 'sigmoidCrossEntropy', 'softmaxCrossEntropy']);

describe('70 MLP: gradients match central finite differences (float64, 2 hidden layers)', () => {
  for (const backend of BACKENDS) {
    for (let l = 0; l < HEADS.length; l++) {
      for (let a = 0; a < ACTIVATION_NAMES.length; a++) {
        const l2 = a === 1 ? 0.3 : 0; // one case per head also checks the L2 term
        const act = ACTIVATION_NAMES[a]!, loss = HEADS[l]!;
        it(`${backend}: ${act} hidden layers, ${loss} head${l2 ? ', l2 = 0.3' : ''}: max|g − fd| / max|g| ≤ 1e-6`, () => {
          const outputs = loss === 'softmaxCrossEntropy' ? 3 : 1;
          const s = spec([act, act], loss, outputs, { l2 });
          const t = getBackend(backend).createTrainer(s);
          t.initialize(7 + a);
          const rng = new Rng(100 + a * 3 + l);
          const n = 8;
          const X = Float64Array.from({ length: n * 4 }, () => 2 * rng.uniform() - 1);
          const Y = l === 0 ? Float64Array.from({ length: n }, () => rng.uniform() * 2 - 1)
            : l === 1 ? Float64Array.from({ length: n }, (_, i) => i % 2) : Float64Array.from({ length: n }, (_, i) => i % 3);
          const p = t.getParams() as Float64Array;
          const g = new Float64Array(p.length);
          t.gradients(X, Y, n, g);
          const scratch = new Float64Array(p.length);
          const objective = (q: Float64Array) => {
            t.setParams(q);
            let pen = 0;
            if (l2) {
              let off = 0;
              for (const L of s.layers) {
                for (let i = 0; i < L.units * L.inputs; i++) pen += 0.5 * l2 * q[off + i]! ** 2;
                off += L.units * L.inputs + L.units;
              }
            }
            return t.gradients(X, Y, n, scratch) + pen;
          };
          const h = 1e-6;
          let maxDiff = 0, maxG = 0;
          for (let i = 0; i < p.length; i++) {
            const q = p.slice();
            q[i] = p[i]! + h;
            const fp = objective(q);
            q[i] = p[i]! - h;
            const fm = objective(q);
            maxDiff = Math.max(maxDiff, Math.abs((fp - fm) / (2 * h) - g[i]!));
            maxG = Math.max(maxG, Math.abs(g[i]!));
          }
          t.dispose();
          assert.ok(maxG > 1e-3, 'the gradient is not trivially zero');
          assert.ok(maxDiff / maxG <= 1e-6, `max|g − fd| / max|g| = ${maxDiff / maxG}`);
        });
      }
    }
  }
});

describe('70 MLP: one PyTorch step (mlp_step.json), float64', () => {
  const ref = reference('mlp_step.json');
  const flat = (m: Record<string, number[] | number[][]>) => Float64Array.from(['0.weight', '0.bias', '2.weight', '2.bias'].flatMap((k) => (m[k] as number[] | number[][]).flat()));
  for (const backend of BACKENDS) {
    it(`${backend}: loss, every gradient and the parameters after one Adam step equal PyTorch's to 1e-10`, async () => {
      const s = spec(['relu'], 'softmaxCrossEntropy', 3, {
        layers: [
          { inputs: 4, units: 5, activation: 'relu', activationParam: 0, useBias: true, dropout: 0 },
          { inputs: 5, units: 3, activation: 'linear', activationParam: 0, useBias: true, dropout: 0 },
        ],
        optimizer: defaultKernelConfig('adam'),
      });
      const t = getBackend(backend).createTrainer(s);
      t.initialize(0);
      t.setParams(flat(ref.init));
      const X = Float64Array.from((ref.X as number[][]).flat());
      const Y = Float64Array.from(ref.y as number[]);
      const g = new Float64Array(X.length * 0 + 43);
      const loss = t.gradients(X, Y, 6, g);
      assert.ok(Math.abs(loss - ref.loss) < 1e-10, `loss ${loss} vs ${ref.loss}`);
      const gref = flat(ref.grads);
      g.forEach((v, i) => assert.ok(Math.abs(v - gref[i]!) < 1e-10, `grad ${i}: ${v} vs ${gref[i]}`));
      t.setData(X, Y, 6);
      await t.runBatches(false, 6, 0, 1, new Float64Array([ref.adam.lr]), new Float64Array(1), new Float64Array(1));
      const after = flat(ref.after_one_step);
      t.getParams().forEach((v, i) => assert.ok(Math.abs(v - after[i]!) < 1e-10, `param ${i}: ${v} vs ${after[i]}`));
      t.dispose();
    });
  }
});

describe('70 MLP: models', () => {
  it('Sequential validates its layers and labels', async () => {
    assert.throws(() => new Sequential([dense(4, { activation: 'relu' })], { loss: 'squaredError' }), (e: Error) => e instanceof OptionError && /last layer must be linear/.test(e.message));
    assert.throws(() => new Sequential([dropout(0.5), dense(1)], { loss: 'squaredError' }), OptionError);
    assert.throws(() => new Sequential([dense(3), dropout(0.1)], { loss: 'squaredError' }), OptionError);
    assert.throws(() => dense(0), OptionError);
    assert.throws(() => dropout(1), OptionError);
    assert.throws(() => dense(3, { activation: 'swish' as never }), OptionError);
    const m = new Sequential([dense(4, { activation: 'tanh' }), dense(3)], { loss: 'softmaxCrossEntropy' });
    await assert.rejects(m.fit([[1], [2]], [0, 3]), (e: Error) => e instanceof ShapeError && /3 units but y has 2 classes \(0, 3\)/.test(e.message));
    await m.fit([[1], [2]], [1, 2], { epochs: 1 }); // indices below the units stay indices, even with class 0 absent
    assert.deepEqual(m.classes, [0, 1, 2]);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: dropout is seeded (same seed → same weights), changes training, and is off in predict`, async () => {
      const d = loadCsvSync(path.join(DATA, 'breast-cancer.csv'));
      const make = (rate: number) => new Sequential([dense(16, { activation: 'relu' }), dropout(rate), dense(1)], { loss: 'sigmoidCrossEntropy', standardize: true, backend, dtype: 'float64' });
      const a = make(0.5), b = make(0.5), c = make(0);
      for (const m of [a, b, c]) await m.fit(d.X, d.y, { epochs: 2, learningRate: 0.05, seed: 9 });
      assert.deepEqual(Array.from(a.getParameterVector()), Array.from(b.getParameterVector()));
      assert.notDeepEqual(Array.from(a.getParameterVector()), Array.from(c.getParameterVector()));
      assert.deepEqual(Array.from(a.predictProba(d.X)), Array.from(a.predictProba(d.X)));
    });
  }

  it('native and JS agree with dropout, leakyRelu, elu and gelu layers (float64, 3 epochs)', async function () {
    requireNative(this);
    const d = loadCsvSync(path.join(DATA, 'digits.csv'), { dtype: 'float64' });
    const p: Record<string, Float64Array | Float32Array> = {};
    for (const backend of ['native', 'js'] as const) {
      const m = new Sequential([
        dense(32, { activation: leakyRelu(0.1), kernelInitializer: 'heNormal' }), dropout(0.2),
        dense(16, { activation: elu(0.5), kernelInitializer: 'glorotUniform' }), dense(16, { activation: 'gelu' }), dense(10),
      ], { loss: 'softmaxCrossEntropy', standardize: true, dtype: 'float64', backend });
      await m.fit(d.X, d.y, { epochs: 3, batchSize: 64, optimizer: adam({ learningRate: 1e-3 }), seed: 12 });
      p[backend] = m.getParameterVector();
    }
    assert.ok(relMaxDiff(p.native!, p.js!) < 1e-10, `${relMaxDiff(p.native!, p.js!)}`);
  });

  it('initializers follow their distributions (seeded)', async () => {
    const X = Array.from({ length: 4 }, (_, i) => Array.from({ length: 200 }, (_, j) => ((i * 7 + j) % 11) / 11));
    const stats = async (init: 'glorotUniform' | 'heNormal' | 'zeros') => {
      const m = new Sequential([dense(300, { activation: 'relu', kernelInitializer: init }), dense(1)], { loss: 'squaredError', dtype: 'float64' });
      await m.fit(X, [1, 2, 3, 4], { epochs: 1, batchSize: 4, learningRate: 1e-300 });
      const w = m.getWeights()[0]!;
      let max = 0, ss = 0;
      w.weight.forEach((v) => { max = Math.max(max, Math.abs(v)); ss += v * v; });
      return { max, sd: Math.sqrt(ss / w.weight.length), bias: Array.from(w.bias!) };
    };
    const gu = await stats('glorotUniform');
    const limit = Math.sqrt(6 / 500);
    assert.ok(gu.max <= limit && gu.max > 0.99 * limit);
    assert.ok(Math.abs(gu.sd - limit / Math.sqrt(3)) < 0.02 * limit);
    assert.ok(gu.bias.every((b) => Math.abs(b) < 1e-290), "biases start at zero (moved only by the 1e-300 step)");
    const hn = await stats('heNormal');
    assert.ok(Math.abs(hn.sd - Math.sqrt(2 / 200)) < 0.03 * Math.sqrt(2 / 200), `he normal sd ${hn.sd}`);
    assert.equal((await stats('zeros')).max, 0);
  });

  it('MLPRegressor fits a nonlinear target that linear regression cannot', async () => {
    const rng = new Rng(3);
    const X = Array.from({ length: 400 }, () => [4 * rng.uniform() - 2]);
    const y = X.map(([x]) => Math.sin(2 * x!));
    const m = new MLPRegressor({ hiddenLayers: [32, 32], activation: 'tanh', dtype: 'float64' });
    await m.fit(X, y, { epochs: 300, batchSize: 32, optimizer: adam({ learningRate: 1e-2 }), seed: 2 });
    assert.ok(m.evaluate(X, y).r2 > 0.98, `R² ${m.evaluate(X, y).r2}`);
  });

  it('MLPClassifier on digits reaches test accuracy ≥ 0.95', async () => {
    const d = loadCsvSync(path.join(DATA, 'digits.csv'));
    const m = new MLPClassifier({ hiddenLayers: [64], standardize: true });
    const h = await m.fit(d.X, d.y, { epochs: 20, optimizer: adam({ learningRate: 1e-3 }), validationSplit: 0.2, seed: 1 });
    assert.ok(h.metrics.validation.accuracy!.at(-1)! >= 0.95, `${h.metrics.validation.accuracy!.at(-1)}`);
  });
});

describe('70 MLP: Fashion-MNIST', function () {
  before(function () {
    if (!fs.existsSync(FASHION_MNIST_DIR)) {
      console.log(`      (skipped: ${FASHION_MNIST_DIR} missing; apt-get install -y dataset-fashion-mnist)`);
      this.skip();
    }
  });
  let data: ReturnType<typeof loadFashionMnist>;
  before(() => {
    data = loadFashionMnist();
  });

  it('784-256-128-10 ReLU, Adam 1e-3, batch 128, 3 epochs: test accuracy ≥ 0.86', async function () {
    requireNative(this);
    const m = new MLPClassifier({ hiddenLayers: [256, 128] });
    await m.fit(data.train.X, data.train.y, { epochs: 3, batchSize: 128, optimizer: adam({ learningRate: 1e-3 }), seed: 0 });
    const acc = m.evaluate(data.test.X, data.test.y).accuracy;
    assert.ok(acc >= 0.86, `test accuracy ${acc}`);
  });

  it('native and JS agree after 20 batches of that recipe (float32): max|Δw|/max|w| ≤ 1e-4 per layer', async function () {
    requireNative(this);
    const n = 20 * 128;
    const X = { data: data.train.X.data.slice(0, n * 784), rows: n, cols: 784 };
    const y = data.train.y.slice(0, n);
    const weights: Record<string, ReturnType<MLPClassifier['getWeights']>> = {};
    for (const backend of ['native', 'js'] as const) {
      const m = new MLPClassifier({ hiddenLayers: [256, 128], backend });
      await m.fit(X, y, { epochs: 1, batchSize: 128, optimizer: adam({ learningRate: 1e-3 }), seed: 0 });
      weights[backend] = m.getWeights();
    }
    weights.native!.forEach((L, i) => {
      const J = weights.js![i]!;
      const dw = relMaxDiff(L.weight, J.weight);
      assert.ok(dw <= 1e-4, `layer ${i} weights: ${dw}`);
      assert.ok(relMaxDiff(L.bias!, J.bias!) <= 1e-4, `layer ${i} bias`);
    });
  });
});
