/** The one-layer presets: `Dense(d → k)` + a loss head. */
import type { FloatArray, LossName } from '../backend/types';
import { ShapeError } from '../errors';
import { toVector } from '../data/matrix';
import { accuracy, logLoss, mse, mae, r2 } from '../train/metrics';
import { Model } from './model';

/** Regression metrics on `(X, y)`. */
export interface RegressionMetrics {
  /** Objective data term `1/(2n)·Σ(ŷ − y)²`. */
  loss: number;
  mse: number;
  mae: number;
  r2: number;
}

/** Classification metrics on `(X, y)`. */
export interface ClassificationMetrics {
  /** Mean cross-entropy (the training loss head, without penalties). */
  loss: number;
  accuracy: number;
}

/**
 * Linear regression `ŷ = X·wᵀ + b` trained on the squared-error objective `1/(2n)·Σ(ŷ − y)²` (+ penalties).
 * `predict` returns `Float64Array` `[n]`.
 */
export class LinearRegression extends Model {
  protected readonly loss: LossName = 'squaredError';

  protected prepareTargets(y: Float64Array) {
    return { Y: y, outputs: 1 };
  }

  /** Predictions `[n]` for `X` `[n, d]` (raw features; the fitted scaler is applied). */
  predict(X: unknown): Float64Array {
    return Float64Array.from(this.outputs(X).data);
  }

  /** Weights `w` `[d]` in the space the model was trained in (standardized features when `standardize`). */
  get coefficients(): Float64Array {
    return Float64Array.from(this.getWeights()[0]!.weight);
  }

  get intercept(): number {
    return this.getWeights()[0]!.bias![0]!;
  }

  evaluate(X: unknown, y: unknown): RegressionMetrics {
    const pred = this.predict(X);
    const yt = toVector(y, 'y', pred.length);
    const m = mse(yt, pred);
    return { loss: m / 2, mse: m, mae: mae(yt, pred), r2: r2(yt, pred) };
  }
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Binary logistic regression: `P(y=1) = σ(x·w + b)`, trained on the mean sigmoid cross-entropy computed from
 * logits (`max(z,0) − z·y + log(1 + e^−|z|)`). Labels must be 0 or 1.
 */
export class LogisticRegression extends Model {
  protected readonly loss: LossName = 'sigmoidCrossEntropy';

  protected prepareTargets(y: Float64Array) {
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 0 && y[i] !== 1) throw new ShapeError(`Expected labels 0 or 1 for y (logistic regression) but y[${i}] is ${y[i]}`, `y[${i}]`);
    }
    return { Y: y, outputs: 1 };
  }

  /** `P(y = 1)` per row, `[n]`. */
  predictProba(X: unknown): Float64Array {
    return Float64Array.from(this.outputs(X).data, sigmoid);
  }

  /** Labels 0/1 (threshold 0.5, i.e. logit ≥ 0 → 1), `[n]`. */
  predict(X: unknown): Float64Array {
    return Float64Array.from(this.outputs(X).data, (z) => (z >= 0 ? 1 : 0));
  }

  evaluate(X: unknown, y: unknown): ClassificationMetrics {
    const logits = this.outputs(X).data;
    const yt = toVector(y, 'y', logits.length);
    let loss = 0;
    for (let i = 0; i < yt.length; i++) {
      const z = logits[i]!;
      loss += Math.max(z, 0) - z * yt[i]! + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return { loss: loss / yt.length, accuracy: accuracy(yt, Float64Array.from(logits, (z) => (z >= 0 ? 1 : 0))) };
  }
}

/**
 * Multinomial (softmax) regression over classes `0 … k−1` (k = max label + 1, at least 2), trained on mean softmax
 * cross-entropy of the logits (log-sum-exp, stable for logits of ±1e4). Labels must be non-negative integers.
 */
export class SoftmaxRegression extends Model {
  protected readonly loss: LossName = 'softmaxCrossEntropy';
  /** Number of classes seen by the last fit. */
  numClasses = 0;

  protected prepareTargets(y: Float64Array) {
    let max = 0;
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      if (!(Number.isInteger(v) && v >= 0 && v < 1 << 24))
        throw new ShapeError(`Expected non-negative integer class labels for y (softmax regression) but y[${i}] is ${v}`, `y[${i}]`);
      if (v > max) max = v;
    }
    this.numClasses = Math.max(2, max + 1);
    return { Y: y, outputs: this.numClasses };
  }

  /** Class probabilities `[n, k]` row-major. */
  predictProba(X: unknown): Float64Array {
    const { data, rows, cols } = this.outputs(X);
    return softmaxRows(data, rows, cols);
  }

  /** Most probable class per row, `[n]`. */
  predict(X: unknown): Float64Array {
    const { data, rows, cols } = this.outputs(X);
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let best = 0;
      for (let j = 1; j < cols; j++) if (data[i * cols + j]! > data[i * cols + best]!) best = j;
      out[i] = best;
    }
    return out;
  }

  evaluate(X: unknown, y: unknown): ClassificationMetrics {
    const { data, rows, cols } = this.outputs(X);
    const yt = toVector(y, 'y', rows);
    for (let i = 0; i < rows; i++) {
      if (!(Number.isInteger(yt[i]!) && yt[i]! >= 0 && yt[i]! < cols))
        throw new ShapeError(`Expected class labels in [0, ${cols - 1}] for y but y[${i}] is ${yt[i]}`, `y[${i}]`);
    }
    const proba = softmaxRows(data, rows, cols);
    const pred = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let best = 0;
      for (let j = 1; j < cols; j++) if (proba[i * cols + j]! > proba[i * cols + best]!) best = j;
      pred[i] = best;
    }
    return { loss: logLoss(yt, proba, cols), accuracy: accuracy(yt, pred) };
  }
}

function softmaxRows(data: FloatArray, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, data[i * cols + j]!);
    let s = 0;
    for (let j = 0; j < cols; j++) s += out[i * cols + j] = Math.exp(data[i * cols + j]! - m);
    for (let j = 0; j < cols; j++) out[i * cols + j]! /= s;
  }
  return out;
}
