/**
 * TensorFlow.js peer (`@tensorflow/tfjs` with the `cpu` backend, `@tensorflow/tfjs-backend-wasm` with `wasm`).
 *
 * Idiom: a tf.sequential model of tf.layers.dense trained by a manual `optimizer.minimize` loop over shuffled
 * index batches (tf.gather), each step in tf.tidy. In a probe on this machine that loop was 1.1–1.4× faster than
 * `model.fit` with the same batches (W1 shape and W3 shape, both backends), so it is the one used. Weights and
 * biases are initialized U(±1/√fanIn) like PyTorch's nn.Linear and descent; Adam's epsilon is set to 1e-8
 * (PyTorch's and descent's default; tfjs would use 1e-7). Production mode is on (no debug checks, no banner).
 * In Node the wasm backend runs single-threaded with SIMD (no Worker-based threads), the cpu backend is plain JS.
 */
import * as path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { EpochResult, MlpResult, RunnerResult, StepResult, TinyResult } from '../types';
import { Config, Data, Fashion, adamGrad } from '../workloads';
import { log, median, now, since } from '../util';

type Tf = typeof TF;
let tfMod: Tf | null = null;

/** Loads tfjs and the wasm backend (wasm files from the package's dist directory), or returns the reason it cannot. */
export async function loadTfjs(): Promise<{ tf: Tf; version: string } | { error: string }> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tf = require('@tensorflow/tfjs') as Tf;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths: (p: string) => void };
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dist + path.sep);
    tf.enableProdMode();
    tfMod = tf;
    return { tf, version: tf.version.tfjs };
  } catch (e) {
    return { error: `@tensorflow/tfjs not loadable (${(e as Error).message.split('\n')[0]}); npm install -D @tensorflow/tfjs @tensorflow/tfjs-backend-wasm` };
  }
}

function tfx(): Tf {
  if (!tfMod) throw new Error('loadTfjs() first');
  return tfMod;
}

/** U(±1/√fanIn) as nn.Linear. */
function torchInit(fanIn: number, seed: number) {
  const lim = 1 / Math.sqrt(fanIn);
  return tfx().initializers.randomUniform({ minval: -lim, maxval: lim, seed });
}

function mlpModel(layers: { units: number; activation?: 'relu' }[], inputs: number, seed: number): TF.Sequential {
  const tf = tfx();
  let fanIn = inputs;
  return tf.sequential({
    layers: layers.map((l, i) => {
      const layer = tf.layers.dense({
        units: l.units,
        activation: l.activation ?? 'linear',
        inputShape: i === 0 ? [inputs] : undefined,
        kernelInitializer: torchInit(fanIn, seed + 2 * i),
        biasInitializer: torchInit(fanIn, seed + 2 * i + 1),
      });
      fanIn = l.units;
      return layer;
    }),
  });
}

type LossFn = (y: TF.Tensor, out: TF.Tensor) => TF.Scalar;

/**
 * Shuffled-batch training: per epoch a fresh permutation, per batch gather + minimize in tf.tidy.
 * Returns per-epoch seconds and steps; stops after `maxSteps` steps in total when given.
 */
function trainEpochs(model: TF.Sequential, opt: TF.Optimizer, X: TF.Tensor, Y: TF.Tensor, n: number, batch: number, epochs: number, loss: LossFn, maxSteps = Infinity): { epochSeconds: number[]; steps: number } {
  const tf = tfx();
  const epochSeconds: number[] = [];
  let steps = 0;
  for (let e = 0; e < epochs && steps < maxSteps; e++) {
    const t0 = now();
    const idx = tf.util.createShuffledIndices(n);
    for (let s = 0; s < n && steps < maxSteps; s += batch, steps++) {
      const bi = tf.tensor1d(Int32Array.from(idx.subarray(s, Math.min(n, s + batch))), 'int32');
      tf.tidy(() => {
        const xb = tf.gather(X, bi);
        const yb = tf.gather(Y, bi);
        opt.minimize(() => loss(yb, model.apply(xb, { training: true }) as TF.Tensor), false);
      });
      bi.dispose();
    }
    // cpu and wasm run synchronously; read one value anyway so the epoch is surely finished.
    (model.layers.at(-1)!.getWeights()[1] as TF.Tensor).dataSync();
    epochSeconds.push(since(t0));
  }
  return { epochSeconds, steps };
}

/** Evaluates a scalar-valued computation in tf.tidy, reads it and frees it. */
function scalar(f: () => TF.Tensor): number {
  const t = tfx().tidy(f);
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

/** Two training steps of a throwaway model and optimizer, so first-call costs (kernel setup, JIT) are not timed; every runner does the same. */
function warmUp(make: () => TF.Sequential, makeOpt: () => TF.Optimizer, X: TF.Tensor, Y: TF.Tensor, n: number, batch: number, loss: LossFn): void {
  const m = make();
  const o = makeOpt();
  trainEpochs(m, o, X, Y, n, batch, 1, loss, 2);
  o.dispose();
  m.dispose();
}

function epochWorkload(d: Data, c: Config['w1'], makeOpt: () => TF.Optimizer, loss: LossFn, quality: (y: TF.Tensor, out: TF.Tensor) => TF.Scalar, seed: number): EpochResult {
  const tf = tfx();
  const X = tf.tensor2d(d.X, [d.rows, d.cols]);
  const Y = tf.tensor2d(d.y, [d.rows, 1]);
  const model = mlpModel([{ units: 1 }], d.cols, seed);
  const opt = makeOpt();
  try {
    warmUp(() => mlpModel([{ units: 1 }], d.cols, seed), makeOpt, X, Y, d.rows, c.batch, loss);
    const { epochSeconds } = trainEpochs(model, opt, X, Y, d.rows, c.batch, c.epochs, loss);
    const q = scalar(() => quality(Y, model.apply(X) as TF.Tensor));
    return { secPerEpoch: median(epochSeconds), epochSeconds, epochsRun: epochSeconds.length, quality: q };
  } finally {
    X.dispose();
    Y.dispose();
    model.dispose();
    opt.dispose();
  }
}

function w3(cfg: Config, f: Fashion, slow: boolean): MlpResult {
  const tf = tfx();
  const c = cfg.w3;
  const X = tf.tensor2d(f.train.X, [f.train.rows, 784]);
  const Y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(f.train.y), 'int32'), 10).toFloat());
  const model = mlpModel([{ units: c.hidden[0], activation: 'relu' }, { units: c.hidden[1], activation: 'relu' }, { units: 10 }], 784, cfg.modelSeed);
  const opt = tf.train.adam(c.lr, 0.9, 0.999, 1e-8);
  const loss: LossFn = (y, out) => tf.losses.softmaxCrossEntropy(y, out) as TF.Scalar;
  try {
    if (slow) {
      trainEpochs(model, opt, X, Y, f.train.rows, c.batch, 1, loss, 2); // warm-up (accuracy is not measured)
      const { epochSeconds, steps } = trainEpochs(model, opt, X, Y, f.train.rows, c.batch, 1, loss, c.slowBatches);
      return { samplesPerSec: (steps * c.batch) / epochSeconds[0]!, samplesTimed: steps * c.batch, epochsRun: 0, testAccuracy: null, prefixOnly: true, note: `${steps} batches timed` };
    }
    warmUp(() => mlpModel([{ units: c.hidden[0], activation: 'relu' }, { units: c.hidden[1], activation: 'relu' }, { units: 10 }], 784, cfg.modelSeed), () => tf.train.adam(c.lr, 0.9, 0.999, 1e-8), X, Y, f.train.rows, c.batch, loss);
    const { epochSeconds } = trainEpochs(model, opt, X, Y, f.train.rows, c.batch, c.epochs, loss);
    // model.apply on the whole test set: model.predict's 32-row batching slices the input, and slicing a large
    // tensor on the wasm backend copies all of it each time (quadratic; minutes for 10 000 rows).
    const acc = scalar(() => {
      const Xt = tf.tensor2d(f.test.X, [f.test.rows, 784]);
      const pred = (model.apply(Xt) as TF.Tensor).argMax(1);
      return pred.equal(tf.tensor1d(Int32Array.from(f.test.y), 'int32')).toFloat().mean();
    });
    return { samplesPerSec: f.train.rows / median(epochSeconds), samplesTimed: f.train.rows, epochsRun: epochSeconds.length, epochSeconds, testAccuracy: acc, prefixOnly: false };
  } finally {
    X.dispose();
    Y.dispose();
    model.dispose();
    opt.dispose();
  }
}

function w4(cfg: Config, slow: boolean): StepResult {
  const tf = tfx();
  const n = cfg.w4.params;
  const init = tf.fill([n], 0.5);
  const p = tf.variable(init);
  init.dispose();
  const g = tf.tensor1d(adamGrad(n));
  const opt = tf.train.adam(cfg.w4.lr, 0.9, 0.999, 1e-8);
  const steps = slow ? cfg.w4.slowSteps : cfg.w4.steps;
  const times: number[] = [];
  try {
    for (let i = 0; i < steps + 1; i++) {
      const t0 = now();
      opt.applyGradients([{ name: p.name, tensor: g }]);
      if (i > 0) times.push(since(t0) * 1e3); // the first step also creates the moment tensors
    }
    p.dataSync();
  } finally {
    p.dispose();
    g.dispose();
    opt.dispose();
  }
  const ms = median(times);
  return { msPerStep: ms, gbPerSec: (28 * n) / (ms * 1e6), steps };
}

function w5(cfg: Config, d: Data): TinyResult {
  const tf = tfx();
  const c = cfg.w5;
  const X = tf.tensor2d(d.X, [d.rows, d.cols]);
  const Y = tf.tensor2d(d.y, [d.rows, 1]);
  const model = mlpModel([{ units: 1 }], d.cols, cfg.modelSeed);
  const opt = tf.train.sgd(c.lr);
  const loss: LossFn = (y, out) => tf.losses.sigmoidCrossEntropy(y, out) as TF.Scalar;
  try {
    trainEpochs(model, opt, X, Y, d.rows, c.batch, 1, loss, 50); // warm-up
    const { epochSeconds, steps } = trainEpochs(model, opt, X, Y, d.rows, c.batch, 1, loss, c.slowSteps);
    const us = (epochSeconds[0]! / steps) * 1e6;
    return { usPerStep: us, steps, runs: [us], note: `${steps} steps timed` };
  } finally {
    X.dispose();
    Y.dispose();
    model.dispose();
    opt.dispose();
  }
}

export interface TfjsData {
  w1?: Data;
  w2?: Data;
  w3?: Fashion;
  w5?: Data;
}

/** Runs every workload on one tfjs backend (`cpu` is treated as a slow runner for W3). */
export async function runTfjs(cfg: Config, data: TfjsData, backend: 'cpu' | 'wasm'): Promise<RunnerResult> {
  const tf = tfx();
  const r: RunnerResult = { id: `tfjs-${backend}`, label: `tfjs ${backend}`, threads: 1, errors: {} };
  if (!(await tf.setBackend(backend))) {
    r.skipped = `tfjs backend ${backend} failed to initialize`;
    return r;
  }
  await tf.ready();
  const slowW3 = backend === 'cpu';
  const mse: LossFn = (y, out) => tf.losses.meanSquaredError(y, out).mul(0.5) as TF.Scalar; // descent's 1/(2n)·Σ(ŷ−y)²
  const jobs: [keyof TfjsData | 'w4', () => unknown][] = [
    ['w1', () => data.w1 && (r.w1 = epochWorkload(data.w1, cfg.w1, () => tf.train.sgd(cfg.w1.lr), mse, (y, o) => tf.losses.meanSquaredError(y, o) as TF.Scalar, cfg.modelSeed))],
    ['w2', () => data.w2 && (r.w2 = epochWorkload(data.w2, cfg.w2, () => tf.train.adam(cfg.w2.lr, 0.9, 0.999, 1e-8), (y, o) => tf.losses.sigmoidCrossEntropy(y, o) as TF.Scalar, (y, o) => tf.losses.sigmoidCrossEntropy(y, o) as TF.Scalar, cfg.modelSeed))],
    ['w3', () => data.w3 && (r.w3 = w3(cfg, data.w3, slowW3))],
    ['w4', () => (r.w4 = w4(cfg, true))],
    ['w5', () => data.w5 && (r.w5 = w5(cfg, data.w5))],
  ];
  for (const [w, job] of jobs) {
    const t0 = now();
    try {
      job();
    } catch (e) {
      r.errors[w] = (e as Error).message;
    }
    log(`${r.id} ${w} ${r.errors[w] ? `failed: ${r.errors[w]}` : 'done'} in ${since(t0).toFixed(1)} s (${tf.memory().numTensors} tensors live)`);
  }
  return r;
}
