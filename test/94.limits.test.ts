/**
 * 94 limits (issue 10, "input guards at scale").
 *   - Memory limit: a trainer, a data copy or a workspace that would need more than `memoryLimit()` fails with a
 *     MemoryLimitError (a ShapeError) naming the argument before anything is allocated, on both backends and in the
 *     binding itself; the binding's byte count equals lib/memory.ts trainerBytes() for random specs.
 *   - Native memory is reported to V8: trainers dropped without dispose() are collected before RSS runs away.
 *   - Magnitudes: features and targets scaled by 1e30 and 1e-30 either train with every parameter and prediction
 *     finite, or stop with a DivergenceError that leaves finite parameters; never NaN, never another error. The
 *     loss heads are stable at logits of ±1e30, and standardization makes the scale irrelevant.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import {
  AbortError, DataSourceError, DivergenceError, FormatError, IOError, LinearRegression, LogisticRegression, MLPClassifier, MemoryLimitError,
  Model, OptionError, ShapeError, SoftmaxRegression, StandardScaler, StateError, adam, datasetPath, fromBuffer, info,
  loadCsvSync, loadIdx, loadModel, memoryLimit, optimizerByName, parseScheduleSpec, reduceOnPlateau, setMemoryLimit, sgd,
} from '../lib';
import { getBackend } from '../lib/backend';
import { ACTIVATION_NAMES, ActivationName, EngineSpec, KERNEL_NAMES, KernelConfig, KernelName, LOSS_NAMES, LossName, defaultKernelConfig, trainerBytes } from '../lib/engine/spec';
import { defaultMemoryLimit, parseMemorySize } from '../lib/memory';
import { Rng } from '../lib/rng';
import { BACKENDS, native, requireNative } from './support/backends';
import { resign } from './support/resign';

const MB = 1024 * 1024;

function optimizer(kernel: KernelName, extra: Partial<KernelConfig> = {}): KernelConfig {
  return { ...defaultKernelConfig(kernel), ...extra };
}

function spec(layers: [number, number, ActivationName?, number?][], loss: LossName, float64: boolean, maxBatch: number, opt = optimizer('sgd')): EngineSpec {
  return {
    dtype: float64 ? 'float64' : 'float32',
    layers: layers.map(([inputs, units, activation = 'linear', dropout = 0]) => ({ inputs, units, activation, activationParam: 0.1, useBias: true, dropout })),
    loss, optimizer: opt, l1: 0, l2: 0, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch,
  };
}

function rejectsWith(e: unknown, argument: string, required?: number): true {
  assert.ok(e instanceof MemoryLimitError, `expected MemoryLimitError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  assert.ok(e instanceof ShapeError);
  assert.equal(e.argument, argument);
  assert.equal(e.limitBytes, memoryLimit());
  assert.ok(e.requiredBytes > e.limitBytes);
  if (required !== undefined) assert.equal(e.requiredBytes, required);
  assert.match(e.message, /memory limit/);
  return true;
}

describe('94 limits: memory limit', function () {
  this.timeout(60_000);
  afterEach(() => setMemoryLimit(null));

  it('the default is 3/4 of physical (or cgroup) memory; DESCENT_MEMORY_LIMIT sizes parse; bad values are OptionErrors', () => {
    assert.equal(memoryLimit(), defaultMemoryLimit());
    assert.equal(info().memoryLimit, memoryLimit());
    assert.equal(parseMemorySize('512M'), 512 * MB);
    assert.equal(parseMemorySize('8G'), 8 * 1024 * MB);
    assert.equal(parseMemorySize('1.5GiB'), 1.5 * 1024 * MB);
    assert.equal(parseMemorySize('1048576'), MB);
    assert.equal(parseMemorySize('1e9'), 1e9);
    for (const bad of ['', 'lots', '-1G', '0', '1e-3', '12 parsecs']) assert.throws(() => parseMemorySize(bad), OptionError, bad);
    for (const bad of [0, -1, 1.5, NaN, Infinity, '1G', undefined]) assert.throws(() => setMemoryLimit(bad as number), OptionError, String(bad));
    setMemoryLimit(123456789);
    assert.equal(memoryLimit(), 123456789);
    if (native) assert.equal((native as unknown as { memoryLimit(): number }).memoryLimit(), 123456789, 'the binding follows');
    setMemoryLimit(null);
    assert.equal(memoryLimit(), defaultMemoryLimit());
  });

  it('DESCENT_MEMORY_LIMIT sets the limit in a new process, and a malformed value is an OptionError at fit()', () => {
    const script = `const d=require('./lib');console.log(d.memoryLimit());` +
      `const m=new d.LinearRegression();m.fit([[1],[2]],[1,2],{epochs:1}).then(()=>console.log('fit'),e=>console.log(e.name,e.argument))`;
    const run = (v: string) => spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: path.join(__dirname, '..'), encoding: 'utf8', env: { ...process.env, DESCENT_MEMORY_LIMIT: v },
    });
    const ok = run('64M');
    assert.equal(ok.stdout.trim().split('\n')[0], String(64 * MB), ok.stderr);
    const bad = run('sixty');
    assert.match(bad.stdout + bad.stderr, /OptionError/);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: hiddenLayers [100000, 100000] (10^10 parameters) is refused before allocating`, async () => {
      const X = Array.from({ length: 64 }, (_, i) => [i / 64, (i % 7) / 7]);
      const y = X.map((r) => (r[0]! > 0.5 ? 1 : 0));
      const rss0 = process.memoryUsage().rss;
      for (const dtype of ['float32', 'float64'] as const) {
        const m = new MLPClassifier({ hiddenLayers: [100_000, 100_000], backend, dtype });
        await assert.rejects(m.fit(X, y, { epochs: 1 }), (e) => rejectsWith(e, 'hiddenLayers'));
        assert.throws(() => m.predict(X), /fit/, 'the model stays unfitted');
      }
      assert.ok(process.memoryUsage().rss - rss0 < 64 * MB, 'nothing large was allocated');
    });

    it(`${backend}: a workspace too large for the limit names batchSize; the same fit passes once the limit is raised`, async () => {
      const rng = new Rng(3);
      const X = Array.from({ length: 4000 }, () => [rng.uniform(), rng.uniform(), rng.uniform()]);
      const y = X.map((r) => (r[0]! + r[1]! > 1 ? 1 : 0));
      setMemoryLimit(4 * MB); // parameters (3·512 + 512·2 floats, × 7 for Adam) and 256 rows fit; 4000 rows × 512 units do not
      const m = new MLPClassifier({ hiddenLayers: [512], backend });
      const opts = { epochs: 1, batchSize: 4000, optimizer: adam({ learningRate: 0.01 }), seed: 1 };
      await assert.rejects(m.fit(X, y, opts), (e) => rejectsWith(e, 'batchSize'));
      await m.fit(X, y, { ...opts, batchSize: 64 });
      setMemoryLimit(null);
      await m.fit(X, y, opts);
      assert.ok(Array.from(m.getParameterVector()).every(Number.isFinite));
    });

    it(`${backend}: the copy of X (n · d · 4 bytes in float32) is checked before it is made`, async () => {
      setMemoryLimit(512 * 1024);
      const data = new Float64Array(1000 * 200).map((_, i) => Math.sin(i));
      const y = new Float64Array(1000).map((_, i) => i % 2);
      const m = new LogisticRegression({ backend });
      await assert.rejects(m.fit({ data, rows: 1000, cols: 200 }, y, { epochs: 1 }), (e) => rejectsWith(e, 'X', 1000 * 200 * 4));
      await assert.rejects(m.fit(Array.from({ length: 1000 }, (_, i) => Array.from(data.subarray(i * 200, i * 200 + 200))), y, { epochs: 1 }), (e) => rejectsWith(e, 'X', 1000 * 200 * 4));
    });
  }

  describe('the binding checks on its own (callers that bypass the facade)', function () {
    before(function () {
      requireNative(this);
    });

    it('a spec with 1.7·10^9 parameters (20 GB in float32 with SGD) fails with MemoryLimitError at a 1 GiB limit', () => {
      setMemoryLimit(1024 * MB);
      const s = spec([[1 << 24, 100]], 'squaredError', false, 1);
      assert.throws(() => getBackend('native').createTrainer(s), (e) => rejectsWith(e, 'spec', trainerBytes(s)));
    });

    it('its byte count equals lib/memory.ts trainerBytes() for 200 random specs', () => {
      setMemoryLimit(1);
      const rng = new Rng(94);
      const int = (lo: number, hi: number) => lo + Math.floor(rng.uniform() * (hi - lo + 1));
      for (let t = 0; t < 200; t++) {
        const L = int(1, 4);
        const widths = Array.from({ length: L + 1 }, () => int(1, 300));
        const layers = widths.slice(0, L).map((w, l): [number, number, ActivationName, number] => [w, widths[l + 1]!, ACTIVATION_NAMES[l === L - 1 ? 0 : int(0, 6)]!, l === L - 1 ? 0 : rng.uniform() < 0.3 ? 0.5 : 0]);
        const loss = LOSS_NAMES[int(0, 2)]!;
        const opt = optimizer(KERNEL_NAMES[int(0, 6)]!, { momentum: rng.uniform() < 0.5 ? 0.9 : 0, amsgrad: rng.uniform() < 0.5, centered: rng.uniform() < 0.5 });
        const s = spec(layers, loss, rng.uniform() < 0.5, int(1, 512), opt);
        (s.layers as unknown as { useBias: boolean }[]).forEach((l) => (l.useBias = rng.uniform() < 0.8));
        assert.throws(() => getBackend('native').createTrainer(s), (e) => rejectsWith(e, 'spec', trainerBytes(s)), JSON.stringify(s));
      }
    });

    it('setData refuses its copies (targets, row order; X is not copied) above the limit, keeps the trainer usable, and works after raising it', async () => {
      const s = spec([[8, 1]], 'squaredError', false, 16);
      const t = getBackend('native').createTrainer(s);
      t.initialize(1);
      const n = 100;
      const X = new Float32Array(n * 8).map((_, i) => Math.cos(i));
      const Y = new Float32Array(n).map((_, i) => i / n);
      setMemoryLimit(500);
      assert.throws(() => t.setData(X, Y, n), (e) => rejectsWith(e, 'y', n * 4 + n * 4));
      assert.throws(() => t.shuffle(), /setData/, 'no data was installed');
      setMemoryLimit(null);
      t.setData(X, Y, n);
      const losses = new Float64Array(7);
      const r = await t.runBatches(false, 16, 0, 7, new Float64Array(7).fill(0.01), losses, null);
      assert.equal(r.status, 0);
      assert.ok(losses.every((v) => Number.isFinite(v) && v > 0));
      t.dispose();
    });

    it('trainers dropped without dispose() are collected: 60 × 120 MB trainers keep peak RSS under 3 GB (V8 sees their memory)', function () {
      if (process.env.DESCENT_UNDER_ASAN) {
        console.log('      (skipped: RSS is not meaningful under ASan, DESCENT_UNDER_ASAN=1)');
        this.skip();
      }
      const script = `
        const { getBackend } = require('./lib/backend');
        const b = getBackend('native');
        const layers = [{ inputs: 1000, units: 3000, activation: 'relu', activationParam: 0, useBias: true, dropout: 0.5 },
                        { inputs: 3000, units: 4, activation: 'linear', activationParam: 0, useBias: false, dropout: 0 }];
        const opt = { kernel: 'adam', momentum: 0, dampening: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, amsgrad: true,
          weightDecay: 0, decoupled: false, alpha: 0.99, centered: false, lrDecay: 0, initialAccumulatorValue: 0, rho: 0.9, momentumDecay: 0.004 };
        const spec = { dtype: 'float32', layers, loss: 'softmaxCrossEntropy', optimizer: opt, l1: 0, l2: 0, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 64 };
        let peak = 0;
        (async () => {
          for (let i = 0; i < 60; i++) {
            b.createTrainer(spec).initialize(i);
            if (i % 10 === 9) await new Promise((r) => setImmediate(r));
            peak = Math.max(peak, process.memoryUsage().rss);
          }
          console.log(JSON.stringify({ peak }));
        })();`;
      const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
      const { peak } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { peak: number };
      console.log(`      peak RSS ${(peak / MB).toFixed(0)} MB for 60 dropped trainers of ${(trainerBytes({ dtype: 'float32', layers: [{ inputs: 1000, units: 3000, activation: 'relu', activationParam: 0, useBias: true, dropout: 0.5 }, { inputs: 3000, units: 4, activation: 'linear', activationParam: 0, useBias: false, dropout: 0 }], loss: 'softmaxCrossEntropy', optimizer: optimizer('adam', { amsgrad: true }), l1: 0, l2: 0, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 64 }) / MB).toFixed(0)} MB (7.2 GB if never collected)`);
      assert.ok(peak < 3 * 1024 * MB, `peak RSS ${peak / MB} MB`);
    });
  });
});

describe('94 limits: magnitudes 1e30 and 1e-30', function () {
  this.timeout(300_000);
  const bc = loadCsvSync(datasetPath('breast-cancer'), { dtype: 'float64' });
  const digits = loadCsvSync(datasetPath('digits'), { dtype: 'float64' });
  const diabetes = loadCsvSync(datasetPath('diabetes'), { dtype: 'float64' });
  const scaled = (X: { data: Float32Array | Float64Array; rows: number; cols: number }, s: number) => ({ data: Float64Array.from(X.data, (v) => v * s), rows: X.rows, cols: X.cols });
  const allFinite = (a: ArrayLike<number>) => Array.from(a).every(Number.isFinite);

  for (const backend of BACKENDS) {
    for (const dtype of ['float32', 'float64'] as const) {
      const f64 = dtype === 'float64';
      it(`${backend} ${dtype}: the loss heads are stable at logits ±1e30 (exact losses and gradients, no NaN)`, () => {
        const b = getBackend(backend);
        const F = f64 ? Float64Array : Float32Array;
        // One input x = 1, so the logits are the weights (biases 0).
        const sig = b.createTrainer(spec([[1, 1]], 'sigmoidCrossEntropy', f64, 2));
        sig.setParams(new F([1e30, 0]));
        const g = new F(2);
        let loss = sig.gradients(new F([1, 1]), new F([0, 1]), 2, g); // z = 1e30: wrong for y = 0, right for y = 1
        assert.equal(loss, (f64 ? 1e30 : Math.fround(1e30)) / 2, 'BCE mean = (z + 0) / 2');
        assert.deepEqual(Array.from(g), [0.5, 0.5]);
        const soft = b.createTrainer(spec([[1, 3]], 'softmaxCrossEntropy', f64, 1));
        soft.setParams(new F([1e30, -1e30, 0, 0, 0, 0]));
        const gs = new F(6);
        loss = soft.gradients(new F([1]), new F([1]), 1, gs);
        assert.ok(Math.abs(loss - 2e30) / 2e30 < 1e-6, `softmax loss ${loss}`);
        assert.deepEqual(Array.from(gs), [1, -1, 0, 1, -1, 0]);
        const sq = b.createTrainer(spec([[1, 1]], 'squaredError', f64, 1));
        sq.setParams(new F([1e30, 0]));
        const gq = new F(2);
        loss = sq.gradients(new F([1e-30]), new F([0]), 1, gq);
        assert.ok(Math.abs(loss - 0.5) < 1e-5 && allFinite(gq), `squared loss ${loss}`);
        for (const t of [sig, soft, sq]) t.dispose();
      });

      it(`${backend} ${dtype}: standardized features at scale 1e30 and 1e-30 train like the unscaled data`, async () => {
        const run = async (s: number) => {
          const m = new SoftmaxRegression({ backend, dtype, standardize: true });
          const X = scaled(digits.X, s);
          await m.fit(X, digits.y, { epochs: 3, seed: 5, optimizer: adam({ learningRate: 0.01 }) });
          return { acc: m.evaluate(X, digits.y).accuracy, p: m.predictProba(X) };
        };
        const base = await run(1);
        for (const s of [1e30, 1e-30]) {
          const r = await run(s);
          assert.equal(r.acc, base.acc, `accuracy at scale ${s}`);
          let d = 0;
          for (let i = 0; i < base.p.length; i++) d = Math.max(d, Math.abs(r.p[i]! - base.p[i]!));
          assert.ok(d < (f64 ? 1e-9 : 1e-4), `probabilities differ by ${d} at scale ${s}`);
        }
        assert.ok(base.acc > 0.95);
      });

      it(`${backend} ${dtype}: validation outputs that overflow make that epoch's validation metrics NaN, and predict throws`, async () => {
        // y = 1000·x on [0, 1]; validation x = 1e36 → 1e39, beyond float32 (float64 holds it: metrics stay finite).
        const X = Array.from({ length: 64 }, (_, i) => [i / 64]);
        const y = X.map((r) => 1000 * r[0]!);
        const Xv = [[1e36], [2e36]];
        const yv = [1e39, 2e39];
        const m = new LinearRegression({ backend, dtype });
        const h = await m.fit(X, y, { epochs: 100, batchSize: 64, optimizer: sgd({ learningRate: 1.4 }), validationData: [Xv, yv], seed: 1 });
        assert.ok(Math.abs(m.getWeights()[0]!.weight[0]! - 1000) < 50, `w ${m.getWeights()[0]!.weight[0]}`);
        const last = h.valLoss.at(-1)!;
        if (f64) {
          assert.ok(Number.isFinite(last) && Number.isFinite(h.metrics.validation.r2!.at(-1)!));
          assert.ok(Array.from(m.predict(Xv) as Float64Array).every(Number.isFinite));
        } else {
          assert.ok(Number.isNaN(last), `valLoss ${last}`);
          for (const k of ['mse', 'mae', 'r2']) assert.ok(Number.isNaN(h.metrics.validation[k]!.at(-1)!), k);
          assert.throws(() => m.predict(Xv), (e) => e instanceof ShapeError && e.argument === 'X' && /row 0/.test(e.message));
          assert.throws(() => m.evaluate(Xv, yv), ShapeError);
        }
        assert.ok(Array.from(m.predict(X) as Float64Array).every(Number.isFinite));
      });

      it(`${backend} ${dtype}: 64 unstandardized fits at 1e30 / 1e-30 either finish finite or stop with DivergenceError`, async () => {
        const outcomes: Record<string, number> = {};
        const cases: { name: string; make: () => Model; X: ReturnType<typeof scaled>; y: Float64Array; s: number; epochs: number }[] = [];
        for (const s of [1e30, 1e-30]) {
          cases.push({ name: 'linear', make: () => new LinearRegression({ backend, dtype, standardize: false }), X: scaled(diabetes.X, s), y: Float64Array.from(diabetes.y, (v) => v * s), s, epochs: 3 });
          cases.push({ name: 'logistic', make: () => new LogisticRegression({ backend, dtype, standardize: false }), X: scaled(bc.X, s), y: Float64Array.from(bc.y), s, epochs: 3 });
          cases.push({ name: 'softmax', make: () => new SoftmaxRegression({ backend, dtype, standardize: false }), X: scaled(digits.X, s), y: Float64Array.from(digits.y), s, epochs: 2 });
          cases.push({ name: 'mlp', make: () => new MLPClassifier({ backend, dtype, standardize: false, hiddenLayers: [16] }), X: scaled(digits.X, s), y: Float64Array.from(digits.y), s, epochs: 2 });
        }
        for (const c of cases) {
          for (const opt of ['sgd', 'adam']) {
            for (const batchSize of [32, 100_000]) {
              for (const lr of [0.1, 1e-3]) {
                const m = c.make();
                const optimizer = opt === 'sgd' ? sgd({ learningRate: lr }) : adam({ learningRate: lr });
                const label = `${c.name} scale ${c.s} ${opt} lr ${lr} batch ${batchSize}`;
                let outcome: string;
                try {
                  await m.fit(c.X, c.y, { epochs: c.epochs, batchSize, optimizer, seed: 1 });
                  outcome = 'finished';
                } catch (e) {
                  assert.ok(e instanceof DivergenceError, `${label}: ${(e as Error).name}: ${(e as Error).message}`);
                  assert.ok(e.epoch >= 1 && e.batch >= 0, `${label}: the error names the step`);
                  outcome = 'diverged';
                }
                assert.ok(allFinite(m.getParameterVector()), `${label}: parameters finite after ${outcome}`);
                // Outputs are finite, or (the inputs overflow the dtype with these weights) a ShapeError naming X.
                try {
                  assert.ok(allFinite(m.outputs(c.X).data), `${label}: finite outputs`);
                } catch (e) {
                  assert.ok(e instanceof ShapeError && e.argument === 'X' && /overflow/.test(e.message), `${label}: ${(e as Error).message}`);
                  outcome += ', outputs overflow';
                }
                outcomes[`${c.name} ${c.s} ${outcome}`] = (outcomes[`${c.name} ${c.s} ${outcome}`] ?? 0) + 1;
                m.dispose();
              }
            }
          }
        }
        console.log(`      ${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        // Where finite arithmetic allows, training finishes: the tiny scale never overflows, and float64 holds
        // every 1e30 case of the classifiers (stable heads).
        for (const name of ['linear', 'logistic', 'softmax', 'mlp']) assert.equal(outcomes[`${name} 1e-30 finished`], 8, `${name} at 1e-30`);
        if (f64) for (const name of ['logistic', 'softmax']) assert.ok((outcomes[`${name} 1e+30 finished`] ?? 0) >= 4, `${name} at 1e30`);
      });
    }
  }
});

describe('94 limits: regressions from the new-user pass', function () {
  this.timeout(120_000);
  afterEach(() => setMemoryLimit(null));
  const ROOT = path.join(__dirname, '..');
  const child = (script: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });

  it('devices, FIFOs and directories are refused before reading (loadModel("/dev/zero") used to read for ever)', () => {
    const t0 = Date.now();
    assert.throws(() => loadModel('/dev/zero'), (e) => e instanceof IOError && e.argument === 'path' && /not a regular file/.test(e.message));
    // The same fault, the same class on every entry point: IOError (was a FormatError from loadCsvSync and loadIdx).
    assert.throws(() => loadCsvSync('/dev/zero'), (e) => e instanceof IOError && /not a regular file/.test(e.message));
    assert.throws(() => loadIdx('/dev/zero'), (e) => e instanceof IOError && /not a regular file/.test(e.message));
    assert.throws(() => loadModel(os.tmpdir()), (e) => e instanceof IOError && /directory/.test(e.message));
    assert.ok(Date.now() - t0 < 5000);
  });

  it('a file larger than the memory limit is refused before it is read', async () => {
    const file = path.join(os.tmpdir(), `descent-94-${process.pid}.safetensors`);
    const m = new LinearRegression();
    await m.fit([[1], [2], [3]], [1, 2, 3], { epochs: 1 });
    m.save(file);
    setMemoryLimit(100);
    assert.throws(() => loadModel(file), (e) => rejectsWith(e, 'path', fs.statSync(file).size));
    await assert.rejects(new LinearRegression().fit([[1]], [1], { resumeFrom: file }), (e) => e instanceof MemoryLimitError && e.argument === 'resumeFrom');
    assert.throws(() => loadCsvSync(datasetPath('diabetes')), (e) => rejectsWith(e, 'path'));
    setMemoryLimit(null);
    assert.ok(loadModel(file) instanceof LinearRegression);
    fs.rmSync(file);
  });

  it('predict outputs and shuffle buffers count against the limit', async () => {
    const m = new SoftmaxRegression();
    await m.fit(Array.from({ length: 1000 }, (_, i) => [i / 1000]), Array.from({ length: 1000 }, (_, i) => i), { epochs: 1 });
    setMemoryLimit(64 * MB);
    assert.throws(() => m.predictProba({ data: new Float32Array(1e5), rows: 1e5, cols: 1 }), (e) => rejectsWith(e, 'X', 1e5 * 1000 * 4));
    assert.equal((m.predict([[0.5]]) as Float64Array).length, 1);
    const src = [{ x: { data: new Float32Array(10_000), rows: 10, cols: 1000 }, y: new Float32Array(10) }];
    await assert.rejects(new LogisticRegression().fit(src, { shuffleBuffer: 60_000_000 }), (e) => rejectsWith(e, 'shuffleBuffer'));
  });

  for (const backend of BACKENDS) {
    it(`${backend}: values beyond float32 in number[][] X, in y and in typed arrays are ShapeErrors naming the cell, not divergence`, async () => {
      const m = new LinearRegression({ backend });
      await assert.rejects(m.fit([[1e39], [1], [2]], [0, 1, 2], { epochs: 1 }), (e) => e instanceof ShapeError && e.argument === 'X[0][0]' && /overflows float32/.test(e.message));
      await assert.rejects(m.fit([[1], [2]], [1e39, 1], { epochs: 1 }), (e) => e instanceof ShapeError && e.argument === 'y[0]' && /overflows float32/.test(e.message));
      await assert.rejects(m.fit({ data: Float64Array.of(1, 2e40), rows: 2, cols: 1 }, [0, 1], { epochs: 1 }), (e) => e instanceof ShapeError && /X\[1\]\[0\] = 2e\+40 overflows float32/.test(e.message));
      await m.fit([[1e39], [1]], [1e39, 1], { epochs: 1, dtype: 'float64', learningRate: 1e-80 });
    });
  }

  it('a model file holding NaN or Infinity is a FormatError naming the tensor; NaN set by setParams is named at predict', async () => {
    const m = new LogisticRegression();
    await m.fit([[1, 2], [3, 4]], [0, 1], { epochs: 1 });
    const good = m.toBuffer();
    const buf = Buffer.from(good);
    const n = Number(buf.readBigUInt64LE(0));
    buf.writeFloatLE(NaN, 8 + n); // first element of the first tensor in the data section
    assert.throws(() => fromBuffer(buf), (e) => e instanceof FormatError && /fails its crc32c checksum/.test(e.message));
    assert.throws(() => fromBuffer(resign(buf)), (e) => e instanceof FormatError && /holds NaN/.test(e.message));
    m.setParameterVector(Float32Array.of(NaN, 0, 0));
    assert.throws(() => m.predict([[1, 2]]), (e) => e instanceof StateError && e.argument === 'params');
  });

  it('StandardScaler keeps its statistics at 1e±200 and ±1.5e308 (no overflow to Infinity, no tiny spread read as constant)', async () => {
    for (const [v, mean, std] of [[[1e200, 3e200], 2e200, 1e200], [[1e-200, 3e-200], 2e-200, 1e-200], [[-1.5e308, 1.5e308], 0, 1.5e308], [[1, 3], 2, 1]] as const) {
      const X = { data: Float64Array.from(v), rows: 2, cols: 1 };
      for (const sc of [new StandardScaler().fit(X), new StandardScaler().partialFit({ ...X, data: X.data.subarray(0, 1), rows: 1 }).partialFit({ ...X, data: X.data.subarray(1), rows: 1 })]) {
        assert.ok(Math.abs(sc.mean![0]! - mean) <= Math.abs(mean) * 1e-15, `mean ${sc.mean![0]} for ${v}`);
        assert.ok(Math.abs(sc.std![0]! - std) <= std * 1e-15, `std ${sc.std![0]} for ${v}`);
        assert.deepEqual(Array.from(sc.transform(X, 'float64').data), [-1, 1]);
      }
    }
    // Breast cancer at 1e300 and 1e-300, standardized, float64: the unscaled accuracy (was the majority class).
    const bc = loadCsvSync(datasetPath('breast-cancer'), { dtype: 'float64' });
    const acc = async (s: number) => {
      const m = new LogisticRegression({ standardize: true, dtype: 'float64' });
      const X = { data: Float64Array.from(bc.X.data, (x) => x * s), rows: bc.X.rows, cols: bc.X.cols };
      await m.fit(X, bc.y, { epochs: 3, seed: 2, optimizer: adam({ learningRate: 0.01 }) });
      return m.evaluate(X, bc.y).accuracy;
    };
    const base = await acc(1);
    assert.ok(base > 0.95);
    assert.equal(await acc(1e300), base);
    assert.equal(await acc(1e-300), base);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: partialFit after fit continues it (fit 1 epoch + partialFit = fit 2 epochs, bit for bit) and keeps the column count`, async () => {
      const d = loadCsvSync(datasetPath('breast-cancer'), { dtype: 'float64' });
      const opts = { batchSize: 64, shuffle: false, seed: 3, optimizer: adam({ learningRate: 0.01 }) };
      const a = new LogisticRegression({ backend, standardize: true });
      await a.fit(d.X, d.y, { ...opts, epochs: 2 });
      const b = new LogisticRegression({ backend, standardize: true });
      await b.fit(d.X, d.y, { ...opts, epochs: 1 });
      await b.partialFit(d.X, d.y, { batchSize: 64 });
      assert.deepEqual(Array.from(b.getParameterVector()), Array.from(a.getParameterVector()));
      await assert.rejects(b.partialFit([[1, 2, 3]], [1]), (e) => e instanceof ShapeError && e.argument === 'X');
      await assert.rejects(b.partialFit(d.X, d.y, { optimizer: 'sgd' }), (e) => e instanceof OptionError && /fixed/.test(e.message));
      const c = new LogisticRegression({ backend });
      await c.fit(d.X, d.y, { ...opts, epochs: 1 });
      await assert.rejects(c.partialFit(d.X, d.y, { learningRate: 0.1 }), (e) => e instanceof OptionError && e.argument === 'learningRate');
      const loaded = fromBuffer(b.toBuffer());
      await assert.rejects(loaded.partialFit(d.X, d.y), (e) => e instanceof StateError && /resumeFrom/.test(e.message));
    });
  }

  it('aborting a fit whose stream stalls (never yields again) rejects with AbortError promptly', async () => {
    for (const src of [
      (async function* () { yield { x: [[1, 2]], y: [1] }; await new Promise(() => {}); })(),
      (async function* () { await new Promise(() => {}); })(),
    ]) {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const t0 = Date.now();
      const m = new LogisticRegression();
      await assert.rejects(m.fit(src as AsyncIterable<{ x: number[][]; y: number[] }>, { signal: ac.signal }), AbortError);
      assert.ok(Date.now() - t0 < 5000);
      assert.doesNotThrow(() => m.dispose(), 'the model is not left busy');
    }
  });

  it('each worker thread has its own memory limit; a malformed DESCENT_MEMORY_LIMIT keeps the native addon and fails at fit', function () {
    if (!native) {
      console.log('      (skipped: needs the native backend)');
      this.skip();
    }
    const r = child(`
      const { Worker } = require('node:worker_threads');
      const d = require('./lib');
      const X = { data: new Float32Array(100000 * 10).map((_, i) => Math.sin(i)), rows: 100000, cols: 10 };
      const y = new Float64Array(100000).map((_, i) => i % 2);
      const w = new Worker("require('./lib').setMemoryLimit(2 ** 20); require('./lib').info(); require('node:worker_threads').parentPort.postMessage('set')", { eval: true, execArgv: ['--require', 'tsx/cjs'] });
      w.once('message', async () => {
        const m = new d.LogisticRegression();
        try { await m.fit(X, y, { epochs: 1 }); console.log('main ok', require('./lib/backend/native/loader').loadNative().binding.memoryLimit() === d.memoryLimit()); }
        catch (e) { console.log('main failed', e.message); }
        await w.terminate();
      });`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /main ok true/);
    const bad = child(`
      const d = require('./lib');
      console.log('backend', d.info().backend);
      new d.LinearRegression().fit([[1], [2]], [1, 2], { epochs: 1 }).then(() => console.log('fit ok'), (e) => {
        console.log('fit', e.name, e.argument);
        d.setMemoryLimit(2 ** 30);
        return new d.LinearRegression().fit([[1], [2]], [1, 2], { epochs: 1 }).then(() => console.log('after set ok', d.info().backend));
      });`, { DESCENT_MEMORY_LIMIT: 'abc' });
    assert.equal(bad.status, 0, bad.stderr);
    assert.match(bad.stdout, /backend native/);
    assert.match(bad.stdout, /fit OptionError DESCENT_MEMORY_LIMIT/);
    assert.match(bad.stdout, /after set ok native/);
  });
});

describe('94 limits: small contract gaps from the new-user pass', function () {
  this.timeout(60_000);
  const cli = (args: string[]) => spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, '..', 'lib', 'cli', 'main.ts'), ...args], { encoding: 'utf8', timeout: 30_000 });

  it('all-zero sampleWeight is a ShapeError; save() before fit names save', async () => {
    await assert.rejects(new LinearRegression().fit([[1], [2]], [1, 2], { sampleWeight: [0, 0] }), (e) => e instanceof ShapeError && e.argument === 'sampleWeight');
    assert.throws(() => new LinearRegression().save(path.join(os.tmpdir(), 'never.safetensors')), (e) => e instanceof StateError && e.argument === 'save');
  });

  it('a softmax output layer sized by a huge label names y; a wide layer on 2 rows shrinks the predict workspace instead of failing', async () => {
    setMemoryLimit(64 * MB);
    try {
      // Labels 0 and 1e7 are two classes (scikit-learn's reading), not 1e7 + 1 outputs.
      const two = new SoftmaxRegression();
      await two.fit([[1], [2]], [0, 1e7], { epochs: 1 });
      assert.deepEqual(two.classes, [0, 1e7]);
      const m = new MLPClassifier({ hiddenLayers: [100_000] });
      await m.fit([[1, 2], [2, 3]], [0, 1], { epochs: 1 }); // 256 workspace rows × 100 000 units would not fit; 2 rows do
      assert.equal((m.predict([[1, 2], [2, 3], [3, 4]]) as Float64Array).length, 3);
      assert.throws(() => new LinearRegression().evaluate([[1]], [1]), (e) => e instanceof StateError && e.argument === 'evaluate');
    } finally {
      setMemoryLimit(null);
    }
  });

  it('streaming: a float32-overflowing target or CSV cell is a clear error, not a divergence', async () => {
    await assert.rejects(new LinearRegression().fit([{ x: [[1], [2]], y: [1, 1e39] }]), (e) => e instanceof ShapeError && e.argument === 'y' && /overflows float32/.test(e.message));
    await assert.rejects(new LinearRegression().fit([{ x: [[1], [2e39]], y: [1, 2] }]), (e) => e instanceof ShapeError && /overflows float32/.test(e.message));
    const file = path.join(os.tmpdir(), `descent-94-${process.pid}.csv`);
    fs.writeFileSync(file, 'a,b,y\n1,2,3\n4,5e39,6\n');
    await assert.rejects(new LinearRegression().fit(file, { target: 'y' }), (e) => e instanceof FormatError && /overflows float32/.test(e.message));
    await new LinearRegression({ dtype: 'float64' }).fit(file, { target: 'y', learningRate: 1e-90 });
    fs.rmSync(file);
  });

  it('CLI: a malformed --hidden names the flag; --dropout on a non-MLP model is refused, not ignored', () => {
    const data = datasetPath('breast-cancer');
    const bad = cli(['train', '--data', data, '--model', 'mlp', '--hidden', '12x', '--epochs', '1']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /OptionError \[ERR_OPTION\]: Expected positive integers separated by commas .* for --hidden but received "12x"/);
    const drop = cli(['train', '--data', data, '--model', 'softmax', '--dropout', '0.5', '--epochs', '1']);
    assert.notEqual(drop.status, 0);
    assert.match(drop.stderr, /--dropout applies to the mlp models only/);
    const ok = cli(['train', '--data', data, '--model', 'mlp', '--hidden', '8,4', '--dropout', '0.1', '--epochs', '1']);
    assert.equal(ok.status, 0, ok.stderr);
  });
});

describe('94 limits: second new-user pass (callbacks, setup failures, prototype keys, streaming)', function () {
  this.timeout(120_000);
  afterEach(() => setMemoryLimit(null));
  const bc = loadCsvSync(datasetPath('breast-cancer'), { dtype: 'float64' });

  it('a directory or device as a streaming CSV path is an IOError, not a crash or an endless read', async () => {
    for (const p of [os.tmpdir(), '/dev/zero']) {
      await assert.rejects(new LinearRegression().fit(p, {}), (e) => e instanceof IOError && /not a regular file/.test(e.message), p);
    }
  });

  it('an async onBatchEnd that rejects rejects fit with its error (in memory and streaming), not an unhandled rejection', async () => {
    const boom = async ({ batch }: { batch: number }) => { if (batch === 2) throw new Error('callback failed'); };
    await assert.rejects(new LinearRegression().fit([[1], [2], [3], [4]], [1, 2, 3, 4], { epochs: 2, batchSize: 1, onBatchEnd: boom }), /callback failed/);
    await assert.rejects(new LinearRegression().fit([{ x: [[1], [2], [3], [4]], y: [1, 2, 3, 4] }], { batchSize: 1, onBatchEnd: boom }), /callback failed/);
    await assert.rejects(new LinearRegression().fit([{ x: [[1]], y: [1] }], { onEpochEnd: 5 as never }), (e) => e instanceof OptionError && e.argument === 'onEpochEnd');
  });

  it('the JS backend lets timers run during a fit of short epochs (an abort at 5 ms takes effect)', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 5);
    const m = new SoftmaxRegression({ backend: 'js', standardize: true });
    const digits = loadCsvSync(datasetPath('digits'));
    await assert.rejects(m.fit(digits.X, digits.y, { epochs: 200, batchSize: 64, signal: ac.signal }), AbortError);
  });

  it('prototype keys are unknown names, not TypeErrors; a file whose class does not match its head is a FormatError', async () => {
    for (const k of ['constructor', '__proto__:x=1', 'toString:a=1']) assert.throws(() => parseScheduleSpec(k, 0.1), OptionError, k);
    assert.throws(() => optimizerByName('constructor'), OptionError);
    const m = new LinearRegression();
    await m.fit([[1], [2]], [1, 2], { epochs: 1 });
    const relabel = (cls: string) => {
      const buf = m.toBuffer();
      const n = Number(buf.readBigUInt64LE(0));
      const header = JSON.parse(buf.subarray(8, 8 + n).toString());
      const model = JSON.parse(header.__metadata__.model);
      model.class = cls;
      header.__metadata__.model = JSON.stringify(model);
      let h = Buffer.from(JSON.stringify(header));
      h = Buffer.concat([h, Buffer.alloc((8 - (h.length % 8)) % 8, 0x20)]);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(h.length));
      return resign(Buffer.concat([len, h, buf.subarray(8 + n)]));
    };
    assert.throws(() => fromBuffer(relabel('constructor')), FormatError);
    assert.throws(() => fromBuffer(relabel('LogisticRegression')), (e) => e instanceof FormatError && /head/.test(e.message));
    assert.ok(fromBuffer(relabel('LinearRegression')) instanceof LinearRegression);
  });

  it('a fit that fails during setup keeps the previous weights and scaler; resume checks standardize', async () => {
    const m = new LogisticRegression({ standardize: true });
    await m.fit(bc.X, bc.y, { epochs: 3, seed: 1 });
    const before = Array.from(m.getParameterVector());
    const pred = Array.from(m.predictProba(bc.X));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(m.fit(bc.X, bc.y, { epochs: 3, signal: ac.signal }), AbortError);
    await assert.rejects(m.fit({ data: bc.X.data.map((v) => v * 1000), rows: bc.X.rows, cols: bc.X.cols }, bc.y, { optimizer: { not: 'an optimizer' } as never }), OptionError);
    assert.deepEqual(Array.from(m.getParameterVector()), before);
    assert.deepEqual(Array.from(m.predictProba(bc.X)), pred);
    const file = path.join(os.tmpdir(), `descent-94b-${process.pid}.safetensors`);
    m.save(file, { checkpoint: true });
    await assert.rejects(new LogisticRegression().fit(bc.X, bc.y, { epochs: 4, resumeFrom: file }), (e) => e instanceof OptionError && e.argument === 'resumeFrom' && /standardize/.test(e.message));
    fs.rmSync(file);
  });

  it('featureNames that do not fit the model are refused at save, not at load', async () => {
    const m = new LinearRegression();
    await m.fit([[1, 2], [2, 3]], [1, 2], { epochs: 1 });
    m.featureNames = ['a'];
    assert.throws(() => m.toBuffer(), (e) => e instanceof OptionError && e.argument === 'featureNames');
    m.featureNames = ['a', 'b'];
    assert.deepEqual(fromBuffer(m.toBuffer()).featureNames, ['a', 'b']);
  });

  it('early stopping on a train_ metric computes it; checkpoints refuse an unsaveable schedule before training', async () => {
    const m = new LinearRegression({ standardize: true });
    const h = await m.fit(bc.X, bc.y, { epochs: 4, earlyStopping: { monitor: 'train_mae', patience: 10 } });
    assert.equal(h.epoch.length, 4);
    assert.ok(h.metrics.train.mae!.every(Number.isFinite));
    const custom = { at: (t: number) => 0.01 / (1 + t) };
    await assert.rejects(new LinearRegression().fit(bc.X, bc.y, { epochs: 1, optimizer: sgd({ learningRate: custom as never }), checkpoint: { path: path.join(os.tmpdir(), 'never.st') } }), (e) => e instanceof OptionError && e.argument === 'checkpoint');
  });

  it('reduceOnPlateau starts fresh each fit and hears every streaming epoch; an epoch with no rows is a DataSourceError', async () => {
    const plateau = reduceOnPlateau({ learningRate: 0.5, patience: 0, factor: 0.5 });
    const run = async () => {
      const m = new LinearRegression({ standardize: true });
      await m.fit(bc.X, bc.y, { epochs: 4, seed: 2, learningRate: plateau });
      return Array.from(m.getParameterVector());
    };
    assert.deepEqual(await run(), await run());
    const src = () => [{ x: bc.X, y: bc.y }];
    await new LinearRegression({ standardize: true }).fit(src, { epochs: 3, learningRate: plateau });
    assert.equal(plateau.getState().lastEpoch, 3);
    let calls = 0;
    const shrinking = () => (calls++ === 0 ? [{ x: [[1], [2]], y: [1, 2] }] : []);
    await assert.rejects(new LinearRegression().fit(shrinking, { epochs: 2 }), (e) => e instanceof DataSourceError && /epoch 2/.test(e.message));
  });

  it('the streaming staging area counts against the memory limit', async () => {
    setMemoryLimit(50 * MB);
    await assert.rejects(new LinearRegression().fit([{ x: [[1, 2]], y: [1] }], { batchSize: 2 ** 20 }), (e) => e instanceof MemoryLimitError && e.argument === 'batchSize');
  });
});
