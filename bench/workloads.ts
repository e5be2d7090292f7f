/**
 * The five benchmark workloads, defined once: sizes (full and --quick), hyperparameters, seeds, and the seeded
 * synthetic data every runner (descent native and JS, TensorFlow.js, PyTorch) trains on. All float32.
 */
import { Rng, loadFashionMnist, FASHION_MNIST_DIR } from '../lib';
import { fillNormal } from './util';

export type WorkloadId = 'w1' | 'w2' | 'w3' | 'w4' | 'w5';

export interface Config {
  quick: boolean;
  /** W1 linear-sgd: y = X·w* + b* + 0.1·noise, squared error 1/(2n)·Σ(ŷ−y)², SGD. */
  w1: { rows: number; cols: number; batch: number; lr: number; epochs: number; dataSeed: number };
  /** W2 logistic-adam: labels ~ Bernoulli(σ(X·w* + b*)), sigmoid cross-entropy on logits, Adam. */
  w2: { rows: number; cols: number; batch: number; lr: number; epochs: number; dataSeed: number };
  /**
   * W3 mlp-fashion: 784-256-128-10 ReLU, softmax cross-entropy on logits, Adam, on the first `trainRows` training
   * images; slow runners time `slowBatches` batches only and do not report accuracy.
   */
  w3: { dir: string; trainRows: number; hidden: [number, number]; batch: number; lr: number; epochs: number; slowBatches: number };
  /** W4 adam-step: one Adam step on `params` float32 parameters (28 bytes/element: p, g read; p, m, v read+write). */
  w4: { params: number; steps: number; slowSteps: number; lr: number };
  /** W5 tiny-steps: logistic regression d=16, batch 32, `steps` SGD steps (1 epoch over steps·batch rows). */
  w5: { cols: number; batch: number; steps: number; slowSteps: number; lr: number; dataSeed: number };
  /** Seed of model initialization and shuffling (descent); peers use it for their own generators. */
  modelSeed: number;
}

export function config(quick: boolean): Config {
  return {
    quick,
    w1: { rows: quick ? 20_000 : 200_000, cols: 64, batch: 256, lr: 0.01, epochs: quick ? 1 : 5, dataSeed: 101 },
    w2: { rows: quick ? 20_000 : 200_000, cols: 64, batch: 256, lr: 1e-3, epochs: quick ? 1 : 5, dataSeed: 202 },
    w3: { dir: FASHION_MNIST_DIR, trainRows: quick ? 5_000 : 60_000, hidden: [256, 128], batch: 128, lr: 1e-3, epochs: quick ? 1 : 3, slowBatches: quick ? 5 : 30 },
    w4: { params: quick ? 1_000_000 : 10_000_000, steps: quick ? 10 : 20, slowSteps: 3, lr: 1e-3 },
    w5: { cols: 16, batch: 32, steps: quick ? 2_000 : 20_000, slowSteps: quick ? 300 : 2_000, lr: 0.1, dataSeed: 505 },
    modelSeed: 7,
  };
}

/** Display name, unit of the headline number, and its direction. */
export const WORKLOADS: Record<WorkloadId, { name: string; unit: string; higherIsBetter: boolean }> = {
  w1: { name: 'W1 linear-sgd', unit: 's/epoch', higherIsBetter: false },
  w2: { name: 'W2 logistic-adam', unit: 's/epoch', higherIsBetter: false },
  w3: { name: 'W3 mlp-fashion', unit: 'samples/s', higherIsBetter: true },
  w4: { name: 'W4 adam-step', unit: 'ms/step', higherIsBetter: false },
  w5: { name: 'W5 tiny-steps', unit: 'µs/step', higherIsBetter: false },
};

/** A row-major float32 data set with float32 targets. */
export interface Data {
  X: Float32Array;
  y: Float32Array;
  rows: number;
  cols: number;
}

/** Standard normal features, w* ~ N(0, 1), b* = 0.5, y = X·w* + b* + 0.1·N(0, 1). */
export function linearData(rows: number, cols: number, seed: number): Data {
  const rng = new Rng(seed);
  const w = new Float64Array(cols);
  fillNormal(w, rng);
  const X = new Float32Array(rows * cols);
  fillNormal(X, rng);
  const noise = new Float64Array(rows);
  fillNormal(noise, rng, 0.1);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0.5;
    for (let j = 0; j < cols; j++) s += X[i * cols + j]! * w[j]!;
    y[i] = s + noise[i]!;
  }
  return { X, y, rows, cols };
}

/** Standard normal features, w* ~ N(0, 4/d) (logits of standard deviation ≈ 2), b* = −0.25, y ~ Bernoulli(σ(X·w* + b*)). */
export function logisticData(rows: number, cols: number, seed: number): Data {
  const rng = new Rng(seed);
  const w = new Float64Array(cols);
  fillNormal(w, rng, 2 / Math.sqrt(cols));
  const X = new Float32Array(rows * cols);
  fillNormal(X, rng);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = -0.25;
    for (let j = 0; j < cols; j++) z += X[i * cols + j]! * w[j]!;
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X, y, rows, cols };
}

export interface Fashion {
  train: Data;
  test: Data;
}

/** Fashion-MNIST from descent's loader (x/255, float32), training split cut to the first `trainRows` images. */
export function fashionData(cfg: Config['w3']): Fashion {
  const { train, test } = loadFashionMnist(cfg.dir);
  const conv = (d: typeof train, rows: number): Data => ({
    X: (d.X as { data: Float32Array }).data.subarray(0, rows * 784),
    y: Float32Array.from(d.y as ArrayLike<number>).subarray(0, rows),
    rows,
    cols: 784,
  });
  return { train: conv(train, Math.min(cfg.trainRows, (train.X as { rows: number }).rows)), test: conv(test, (test.X as { rows: number }).rows) };
}

/** Rows of the first `rows` of `d` as a new Data view (no copy). */
export function prefix(d: Data, rows: number): Data {
  rows = Math.min(rows, d.rows);
  return { X: d.X.subarray(0, rows * d.cols), y: d.y.subarray(0, rows), rows, cols: d.cols };
}

/** Gradient used by W4 everywhere: small deterministic values in [−8e-3, 8e-3]. */
export function adamGrad(n: number): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = ((i % 17) - 8) * 1e-3;
  return g;
}
