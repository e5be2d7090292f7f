/** The one-layer presets: `Dense(d → k)` + a loss head. */
import { BinaryHead, ClassificationMetrics, RegressionHead, RegressionMetrics, SoftmaxHead } from './heads';
import { Model, ModelOptions, jsonClone, type ProbaOptions, type ProbaResult } from './model';
import type { Average } from '../train/metrics';
import type { Labels } from './labels';

export type { ClassificationMetrics, RegressionMetrics } from './heads';

/**
 * Linear regression `ŷ = x·wᵀ + b` trained on the squared-error objective `1/(2n)·Σ(ŷ − y)²` (+ penalties).
 * `predict` returns `Float64Array` `[n]`.
 */
export class LinearRegression extends Model {
  constructor(options: ModelOptions = {}, extraKeys: readonly string[] = []) {
    super(new RegressionHead(), options, extraKeys);
    this.ctorArgs = [jsonClone(options)];
  }

  /** Predictions `[n]` for `X` `[n, d]` (raw features; the fitted scaler is applied). */
  predict(X: unknown): Float64Array {
    return this.head.predict(this.outputs(X));
  }

  /** Weights `w` `[d]` of the last layer in the space the model was trained in (standardized features when `standardize`). */
  get coefficients(): Float64Array {
    return Float64Array.from(this.getWeights().at(-1)!.weight);
  }

  /** Bias of the last layer (scikit-learn's `intercept_` for one target). */
  override get intercept(): number {
    return this.getWeights().at(-1)!.bias![0]!;
  }

  /** `{ loss, mse, mae, r2 }` on `(X, y)`. */
  evaluate(X: unknown, y: unknown): RegressionMetrics {
    return this.evaluateAll(X, y) as unknown as RegressionMetrics;
  }
}

/**
 * Binary logistic regression: `P(y=1) = σ(x·w + b)`, trained on the mean sigmoid cross-entropy computed from
 * logits (`max(z,0) − z·y + log(1 + e^−|z|)`). Labels: 0/1, or any two labels (numbers or strings; the second
 * of the sorted pair is the positive class, as scikit-learn's `classes_[1]`).
 */
export class LogisticRegression extends Model {
  constructor(options: ModelOptions = {}, extraKeys: readonly string[] = []) {
    super(new BinaryHead(), options, extraKeys);
    this.ctorArgs = [jsonClone(options)];
  }

  /**
   * `P(y = classes[1])` per row, `[n]`; `{ format: 'rows' }` gives `[n][2]` and `{ format: 'matrix' }`
   * `{ data, rows: n, cols: 2 }` (`[1 − p, p]` per row, as scikit-learn's `predict_proba`).
   */
  predictProba(X: unknown, options?: { format?: 'flat' }): Float64Array;
  predictProba(X: unknown, options: { format: 'rows' }): number[][];
  predictProba(X: unknown, options: { format: 'matrix' }): { data: Float64Array; rows: number; cols: number };
  predictProba(X: unknown, options?: ProbaOptions): ProbaResult {
    return this.probaAs(X, options);
  }

  /**
   * Labels `[n]` (threshold 0.5, i.e. logit ≥ 0 → the second class): 0/1 as a Float64Array, or the labels the
   * model was trained on (`classes[0]`/`classes[1]`; strings as `string[]`).
   */
  predict(X: unknown): Labels {
    return this.decode(this.head.predict(this.outputs(X)));
  }

  /**
   * `{ loss, accuracy, logLoss, precision, recall, f1 }` on `(X, y)`; precision/recall/f1 of class 1 unless
   * `average` says otherwise (`'binary'` default, as scikit-learn; `'macro'`, `'weighted'`).
   */
  evaluate(X: unknown, y: unknown, options: { average?: Average } = {}): ClassificationMetrics {
    return this.evaluateAll(X, y, options) as unknown as ClassificationMetrics;
  }
}

/**
 * Multinomial (softmax) regression over classes `0 … k−1` (the indices of the sorted distinct labels, which may be numbers or strings; labels that are already
 * 0 … k−1 stay as they are, with k = max label + 1), trained on mean softmax
 * cross-entropy of the logits (log-sum-exp, stable for logits of ±1e4). Labels must be non-negative integers.
 */
export class SoftmaxRegression extends Model {
  constructor(options: ModelOptions = {}, extraKeys: readonly string[] = []) {
    super(new SoftmaxHead(), options, extraKeys);
    this.ctorArgs = [jsonClone(options)];
  }

  /** Number of classes seen by the last fit. */
  get numClasses(): number {
    return (this.head as SoftmaxHead).numClasses;
  }

  /** Class probabilities `[n, k]` (column j: `classes[j]`): row-major Float64Array, or as `format` asks ('rows', 'matrix'). */
  predictProba(X: unknown, options?: { format?: 'flat' }): Float64Array;
  predictProba(X: unknown, options: { format: 'rows' }): number[][];
  predictProba(X: unknown, options: { format: 'matrix' }): { data: Float64Array; rows: number; cols: number };
  predictProba(X: unknown, options?: ProbaOptions): ProbaResult {
    return this.probaAs(X, options);
  }

  /** Most probable class per row, `[n]`: its index 0 … k−1, or the label the model was trained on (`classes[i]`). */
  predict(X: unknown): Labels {
    return this.decode(this.head.predict(this.outputs(X)));
  }

  /** `{ loss, accuracy, logLoss, precision, recall, f1 }` on `(X, y)`. */
  evaluate(X: unknown, y: unknown, options: { average?: Average } = {}): ClassificationMetrics {
    return this.evaluateAll(X, y, options) as unknown as ClassificationMetrics;
  }
}
