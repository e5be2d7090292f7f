/** The one-layer presets: `Dense(d → k)` + a loss head. */
import type { FloatArray, LossName } from '../backend/types';
import { ShapeError } from '../errors';
import { accuracy, logLoss, mse, mae, precisionRecallF1, r2 } from '../train/metrics';
import { Model } from './model';

/** Regression metrics on `(X, y)`. */
export interface RegressionMetrics {
  /** Objective data term `1/(2n)·Σ(ŷ − y)²`. */
  loss: number;
  mse: number;
  mae: number;
  r2: number;
}

/** Classification metrics on `(X, y)`; precision/recall/f1 are macro averages over classes. */
export interface ClassificationMetrics {
  /** Mean cross-entropy of the logits (the training loss head, without penalties). */
  loss: number;
  accuracy: number;
  /** Mean cross-entropy of the probabilities clipped to [1e-15, 1 − 1e-15] (scikit-learn's `log_loss`). */
  logLoss: number;
  precision: number;
  recall: number;
  f1: number;
}

type Outputs = { data: FloatArray; rows: number; cols: number };

/**
 * Linear regression `ŷ = x·wᵀ + b` trained on the squared-error objective `1/(2n)·Σ(ŷ − y)²` (+ penalties).
 * `predict` returns `Float64Array` `[n]`.
 */
export class LinearRegression extends Model {
  protected readonly loss: LossName = 'squaredError';
  protected readonly metricNames = ['mse', 'mae', 'r2'] as const;
  protected readonly isClassifier = false;

  protected prepareTargets(y: Float64Array) {
    return { Y: y, outputs: 1 };
  }

  protected metricsFromOutputs(out: Outputs, y: Float64Array): Record<string, number> {
    const pred = Float64Array.from(out.data);
    const m = mse(y, pred);
    return { loss: m / 2, mse: m, mae: mae(y, pred), r2: r2(y, pred) };
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
    return this.evaluateAll(X, y) as unknown as RegressionMetrics;
  }
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

const CLASS_METRICS = ['accuracy', 'logLoss', 'precision', 'recall', 'f1'] as const;

function classification(y: Float64Array, pred: Float64Array, proba: Float64Array, k: number, loss: number): ClassificationMetrics {
  return { loss, accuracy: accuracy(y, pred), logLoss: logLoss(y, proba, k), ...precisionRecallF1(y, pred, k) };
}

/**
 * Binary logistic regression: `P(y=1) = σ(x·w + b)`, trained on the mean sigmoid cross-entropy computed from
 * logits (`max(z,0) − z·y + log(1 + e^−|z|)`). Labels must be 0 or 1.
 */
export class LogisticRegression extends Model {
  protected readonly loss: LossName = 'sigmoidCrossEntropy';
  protected readonly metricNames = CLASS_METRICS;
  protected readonly isClassifier = true;

  protected prepareTargets(y: Float64Array) {
    this.prepareTargetsCheck(y, 'y');
    return { Y: y, outputs: 1 };
  }

  protected override prepareTargetsCheck(y: Float64Array, name: string): void {
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 0 && y[i] !== 1) throw new ShapeError(`Expected labels 0 or 1 for ${name} (logistic regression) but ${name}[${i}] is ${y[i]}`, `${name}[${i}]`);
    }
  }

  protected metricsFromOutputs(out: Outputs, y: Float64Array): Record<string, number> {
    const z = out.data;
    let loss = 0;
    const proba = new Float64Array(2 * y.length);
    const pred = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) {
      const zi = z[i]!;
      loss += Math.max(zi, 0) - zi * y[i]! + Math.log1p(Math.exp(-Math.abs(zi)));
      const p = sigmoid(zi);
      proba[2 * i] = 1 - p;
      proba[2 * i + 1] = p;
      pred[i] = zi >= 0 ? 1 : 0;
    }
    return { ...classification(y, pred, proba, 2, loss / y.length) };
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
    return this.evaluateAll(X, y) as unknown as ClassificationMetrics;
  }
}

/**
 * Multinomial (softmax) regression over classes `0 … k−1` (k = max label + 1, at least 2), trained on mean softmax
 * cross-entropy of the logits (log-sum-exp, stable for logits of ±1e4). Labels must be non-negative integers.
 */
export class SoftmaxRegression extends Model {
  protected readonly loss: LossName = 'softmaxCrossEntropy';
  protected readonly metricNames = CLASS_METRICS;
  protected readonly isClassifier = true;
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

  protected override prepareTargetsCheck(y: Float64Array, name: string): void {
    for (let i = 0; i < y.length; i++) {
      if (!(Number.isInteger(y[i]!) && y[i]! >= 0 && y[i]! < this.numClasses))
        throw new ShapeError(`Expected class labels in [0, ${this.numClasses - 1}] for ${name} but ${name}[${i}] is ${y[i]}`, `${name}[${i}]`);
    }
  }

  protected metricsFromOutputs(out: Outputs, y: Float64Array): Record<string, number> {
    const { data, rows, cols } = out;
    this.prepareTargetsCheck(y, 'y');
    const proba = softmaxRows(data, rows, cols);
    const pred = argmaxRows(proba, rows, cols);
    let loss = 0;
    for (let i = 0; i < rows; i++) {
      // −log softmax from the logits (log-sum-exp), exact where the clipped probability would not be.
      let m = -Infinity;
      for (let j = 0; j < cols; j++) m = Math.max(m, data[i * cols + j]!);
      let s = 0;
      for (let j = 0; j < cols; j++) s += Math.exp(data[i * cols + j]! - m);
      loss += Math.log(s) + m - data[i * cols + y[i]!]!;
    }
    return { ...classification(y, pred, proba, cols, loss / rows) };
  }

  /** Class probabilities `[n, k]` row-major. */
  predictProba(X: unknown): Float64Array {
    const { data, rows, cols } = this.outputs(X);
    return softmaxRows(data, rows, cols);
  }

  /** Most probable class per row, `[n]`. */
  predict(X: unknown): Float64Array {
    const { data, rows, cols } = this.outputs(X);
    return argmaxRows(data, rows, cols);
  }

  evaluate(X: unknown, y: unknown): ClassificationMetrics {
    return this.evaluateAll(X, y) as unknown as ClassificationMetrics;
  }
}

function argmaxRows(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (data[i * cols + j]! > data[i * cols + best]!) best = j;
    out[i] = best;
  }
  return out;
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
