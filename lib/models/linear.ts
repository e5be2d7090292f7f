/** The one-layer presets: `Dense(d → k)` + a loss head. */
import { BinaryHead, ClassificationMetrics, MarginHead, RegressionHead, RegressionMetrics, SoftmaxHead } from './heads';
import { LOSSES, lossParamProblem, type LossFact, type LossName } from '../engine/spec';
import { OptionError, ShapeError } from '../errors';
import { describe, isPlainObject, oneOf } from '../validate';
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

  /** Weights `w` `[d]` of the last layer in the space the model was trained in (standardized features when `standardize`); `[k·d]` row-major for k outputs (`coef` gives k rows). */
  get coefficients(): Float64Array {
    return Float64Array.from(this.getWeights().at(-1)!.weight);
  }

  /** Bias of the last layer (scikit-learn's `intercept_` for one target). @throws ShapeError for [n, k] targets: read `getWeights()`. */
  override get intercept(): number {
    return oneIntercept(this.getWeights().at(-1)!);
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

function oneIntercept(L: { units: number; bias?: ArrayLike<number> | null }): number {
  if (L.units !== 1) throw new ShapeError(`This model has ${L.units} outputs ([n, ${L.units}] targets), so ${L.units} intercepts: read them from getWeights().at(-1).bias`, 'intercept');
  return L.bias ? L.bias[0]! : 0;
}

/** The losses {@link LinearRegressor} takes. */
export const REGRESSOR_LOSSES = ['squaredError', 'huber', 'epsilonInsensitive', 'squaredEpsilonInsensitive', 'quantile', 'poisson', 'gamma', 'tweedie'] as const;
/** The losses {@link LinearClassifier} takes. */
export const CLASSIFIER_LOSSES = ['log', 'hinge', 'squaredHinge', 'modifiedHuber', 'perceptron'] as const;
const LOSS_PARAM_NAMES = ['epsilon', 'quantile', 'power'] as const;
/** scikit-learn's loss names → descent's (for the error message of a user who types the former). */
const SKLEARN_NAMES: Record<string, string> = {
  log_loss: 'log', squared_hinge: 'squaredHinge', modified_huber: 'modifiedHuber', squared_error: 'squaredError',
  epsilon_insensitive: 'epsilonInsensitive', squared_epsilon_insensitive: 'squaredEpsilonInsensitive', absolute_error: 'quantile',
};

/** The loss and its parameter from constructor options (the parameter under its own name: epsilon, quantile, power). */
export function lossOption<L extends LossName>(options: Record<string, unknown>, names: readonly L[], fallback?: L): { loss: L; param: number; rest: ModelOptions } {
  if (!isPlainObject(options)) throw new OptionError(`Expected an options object but received ${describe(options)}`, 'options');
  const ours = SKLEARN_NAMES[options.loss as string];
  if (typeof options.loss === 'string' && ours !== undefined && (names as readonly string[]).includes(ours))
    throw new OptionError(`Unknown loss ${JSON.stringify(options.loss)}: did you mean '${ours}' (scikit-learn's ${JSON.stringify(options.loss)})?`, 'options.loss');
  const loss = oneOf('options.loss', options.loss, names, fallback);
  const fact = (LOSSES[loss] as LossFact).param;
  const rest: Record<string, unknown> = { ...options };
  delete rest.loss;
  for (const n of LOSS_PARAM_NAMES) {
    if (n !== fact?.name && options[n] !== undefined)
      throw new OptionError(`options.${n} applies to ${REGRESSOR_LOSSES.filter((l) => (LOSSES[l] as LossFact).param?.name === n).map((l) => `'${l}'`).join(', ')}, not to loss '${loss}'`, `options.${n}`);
    delete rest[n];
  }
  let param = 0;
  if (fact) {
    const v = options[fact.name];
    param = v === undefined ? fact.default : (v as number);
    const why = typeof v === 'number' || v === undefined ? lossParamProblem(loss, param) : 'it must be a number';
    if (why !== undefined) throw new OptionError(`options.${fact.name} ${describe(v)} is invalid for loss '${loss}': ${why}`, `options.${fact.name}`);
  }
  return { loss, param, rest: rest as ModelOptions };
}

export interface LinearRegressorOptions extends ModelOptions {
  /**
   * The data term, as scikit-learn's SGDRegressor / GLMs (formulas in docs/formulas.md): `'squaredError'` (default),
   * `'huber'`, `'epsilonInsensitive'`, `'squaredEpsilonInsensitive'` (with `epsilon`), `'quantile'` (pinball loss at
   * `quantile`), `'poisson'`, `'gamma'`, `'tweedie'` (with `power`) — the last three with a log link.
   */
  loss?: (typeof REGRESSOR_LOSSES)[number];
  /** Huber threshold / insensitive-zone half width, in target units. Default 0.1 (scikit-learn's SGD `epsilon`). */
  epsilon?: number;
  /** The quantile of the pinball loss, in (0, 1). Default 0.5 (the median). */
  quantile?: number;
  /** Tweedie power: 0, or ≥ 1 (1 Poisson, 2 Gamma, (1, 2) compound Poisson–Gamma). Default 0 (scikit-learn's). */
  power?: number;
}

/**
 * A linear model `z = x·wᵀ + b` on one of scikit-learn's regression losses, trained by descent's optimizers or
 * {@link lbfgs}. `predict` returns `z` (identity link) or the mean `eᶻ` (poisson, gamma, tweedie), `[n]`.
 * Targets: any finite number, except poisson (y ≥ 0), gamma (y > 0), tweedie (y ≥ 0 for 1 ≤ power < 2, y > 0 for
 * power ≥ 2). @throws OptionError for an unknown loss or a parameter the loss does not take or out of range.
 */
export class LinearRegressor extends Model {
  constructor(options: LinearRegressorOptions = {}) {
    const { loss, param } = lossOption(options as Record<string, unknown>, REGRESSOR_LOSSES, 'squaredError');
    super(new RegressionHead(loss, param), options, ['loss', ...LOSS_PARAM_NAMES]);
    this.ctorArgs = [jsonClone(options)];
  }
  /** The loss this model trains. */
  get loss(): (typeof REGRESSOR_LOSSES)[number] {
    return this.head.loss as (typeof REGRESSOR_LOSSES)[number];
  }
  /** Predictions `[n]`: the linear output, or its exponential for the log-link losses (the predicted mean). */
  predict(X: unknown): Float64Array {
    return this.head.predict(this.outputs(X));
  }
  /** Weights `w` `[d]` (standardized space when `standardize`), scikit-learn's `coef_`; `[k·d]` row-major for k outputs. */
  get coefficients(): Float64Array {
    return Float64Array.from(this.getWeights().at(-1)!.weight);
  }
  override get intercept(): number {
    return oneIntercept(this.getWeights().at(-1)!);
  }
  /** `{ loss (the mean data term), mse, mae, r2 }` on `(X, y)`, with predictions as `predict` gives them. */
  evaluate(X: unknown, y: unknown): RegressionMetrics {
    return this.evaluateAll(X, y) as unknown as RegressionMetrics;
  }
}

export interface LinearClassifierOptions extends ModelOptions {
  /**
   * `'log'` (default; logistic regression), `'hinge'` (linear SVM), `'squaredHinge'`, `'modifiedHuber'`,
   * `'perceptron'`: scikit-learn's SGDClassifier losses, one-vs-rest for more than two classes.
   */
  loss?: (typeof CLASSIFIER_LOSSES)[number];
}

/**
 * A linear classifier on scikit-learn's SGDClassifier losses: two classes use one output (positive: the second
 * sorted label), k > 2 classes one output per class trained one-vs-rest in one network (the k binary problems
 * share nothing but the data, so this equals k separate fits). `predict`: `z > 0` or the argmax of the decision
 * values, as scikit-learn. Labels: numbers or strings (encoded as `classes`, sorted).
 */
export class LinearClassifier extends Model {
  constructor(options: LinearClassifierOptions = {}) {
    const { loss } = lossOption(options as Record<string, unknown>, CLASSIFIER_LOSSES, 'log');
    super(new MarginHead(loss), options, ['loss', ...LOSS_PARAM_NAMES]);
    this.ctorArgs = [jsonClone(options)];
  }
  get loss(): (typeof CLASSIFIER_LOSSES)[number] {
    return this.head.loss as (typeof CLASSIFIER_LOSSES)[number];
  }
  /** Classes seen by the last fit. */
  get numClasses(): number {
    return (this.head as MarginHead).numClasses;
  }
  /** Decision values (the outputs z): `[n]` for two classes (positive: `classes[1]`), `[n, k]` row-major for k. */
  decisionFunction(X: unknown): Float64Array {
    return (this.head as MarginHead).decision(this.outputs(X));
  }
  /**
   * Probabilities for `loss: 'log'` and `'modifiedHuber'` (scikit-learn's `predict_proba`: σ(z) or
   * (clip(z, −1, 1) + 1)/2, normalized over classes one-vs-rest). @throws OptionError for the other losses.
   */
  predictProba(X: unknown, options?: { format?: 'flat' }): Float64Array;
  predictProba(X: unknown, options: { format: 'rows' }): number[][];
  predictProba(X: unknown, options: { format: 'matrix' }): { data: Float64Array; rows: number; cols: number };
  predictProba(X: unknown, options?: ProbaOptions): ProbaResult {
    if (!this.head.proba) throw new OptionError(`predictProba() needs loss 'log' or 'modifiedHuber'; this model's loss is '${this.head.loss}' (use decisionFunction)`, 'loss');
    return this.probaAs(X, options);
  }
  /** Labels `[n]`: class indices, or the labels the model was trained on. */
  predict(X: unknown): Labels {
    return this.decode(this.head.predict(this.outputs(X)));
  }
  /** `{ loss, accuracy, precision, recall, f1 }` (+ `logLoss` where there are probabilities) on `(X, y)`. */
  evaluate(X: unknown, y: unknown, options: { average?: Average } = {}): ClassificationMetrics {
    return this.evaluateAll(X, y, options) as unknown as ClassificationMetrics;
  }
}
