/**
 * Loss heads: what a model's last layer means. Each head validates targets, turns raw outputs (logits) into
 * predictions and probabilities, and computes the loss and metrics (scikit-learn definitions) from outputs.
 */
import type { FloatArray, LossName } from '../backend/types';
import { elementLoss } from '../backend/js/losses';
import { LOSSES, lossParamDefault } from '../engine/spec';
import { ShapeError } from '../errors';
import { accuracy, logLoss, mae, mse, precisionRecallF1, r2, type Average } from '../train/metrics';

export type Outputs = { data: FloatArray; rows: number; cols: number };

/** Regression metrics on `(X, y)`. */
export interface RegressionMetrics {
  /** Objective data term `1/(2n)·Σ(ŷ − y)²`. */
  loss: number;
  mse: number;
  mae: number;
  r2: number;
}

/**
 * Classification metrics on `(X, y)`. precision/recall/f1 as scikit-learn's defaults: of the positive class (1)
 * for binary models (`average: 'binary'`), the macro average over classes for softmax (`'macro'`); `evaluate(X, y,
 * { average })` chooses.
 */
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

export interface Head {
  readonly loss: LossName;
  /** The loss head's parameter (`EngineSpec.lossParam`; 0 for heads without one). */
  readonly lossParam: number;
  readonly isClassifier: boolean;
  /** Metric names besides `loss`. */
  readonly metricNames: readonly string[];
  /**
   * Validates training targets (`[n]`, or `[n, cols]` row-major for the heads with one target per output: multi-output
   * regression, multi-label sigmoid) and fixes the number of outputs (`fixedOutputs` when the last layer sets it).
   */
  prepare(y: Float64Array, fixedOutputs?: number, cols?: number): number;
  /** Validates other targets (validation data, evaluate) against what `prepare` fixed. */
  check(y: Float64Array, name: string): void;
  /** `average` applies to precision/recall/f1 (default: the head's, 'binary' for one logit, 'macro' for softmax). */
  metrics(out: Outputs, y: Float64Array, average?: Average): Record<string, number>;
  predict(out: Outputs): Float64Array;
  /** Decision values as they come from the outputs: `[n]` for one output, `[n, k]` row-major for k. */
  decision?(out: Outputs): Float64Array;
  /** Probabilities: `[n]` P(y=1) for the binary head, `[n, k]` row-major for softmax. */
  proba?(out: Outputs): Float64Array;
  /** Re-establishes what `prepare` fixed, for a model loaded from a file. */
  restore?(outputs: number): void;
  /** A copy with the same state: a training session sizes its own, so a fit that fails leaves the model's as it was. */
  fork(): Head;
}

/** Regression heads that the facade treats alike: squared error and the scikit-learn losses with one target per output. */
export type RegressionLoss = 'squaredError' | 'huber' | 'epsilonInsensitive' | 'squaredEpsilonInsensitive' | 'quantile' | 'poisson' | 'gamma' | 'tweedie';

/**
 * One output; `predict` is z (identity link) or eᶻ (the log link of poisson, gamma, tweedie). Targets are checked
 * against the loss's domain (scikit-learn's): poisson y ≥ 0, gamma y > 0, tweedie y ≥ 0 for 1 ≤ power < 2 and
 * y > 0 for power ≥ 2.
 */
export class RegressionHead implements Head {
  readonly isClassifier = false;
  readonly metricNames = ['mse', 'mae', 'r2'] as const;
  readonly lossParam: number;
  /** Targets per row (k for [n, k]), fixed by prepare: names a bad target by row and column. */
  private cols = 1;
  constructor(readonly loss: RegressionLoss = 'squaredError', lossParam?: number) {
    this.lossParam = lossParam ?? lossParamDefault(loss);
  }
  restore(outputs: number): void {
    this.cols = outputs;
  }
  private get logLink(): boolean {
    return LOSSES[this.loss].link === 'log';
  }
  prepare(y: Float64Array, fixedOutputs?: number, cols = 1): number {
    if (fixedOutputs !== undefined && fixedOutputs !== cols)
      throw new ShapeError(`A ${this.loss} model with targets y [n${cols > 1 ? `, ${cols}` : ''}] needs ${cols} output unit${cols > 1 ? 's' : ''}, not ${fixedOutputs}`, 'layers');
    this.cols = cols;
    this.check(y, 'y');
    return cols;
  }
  check(y: Float64Array, name: string): void {
    const p = this.lossParam;
    const positive = this.loss === 'gamma' || (this.loss === 'tweedie' && p >= 2);
    const nonNegative = this.loss === 'poisson' || (this.loss === 'tweedie' && p >= 1 && p < 2);
    if (!positive && !nonNegative) return;
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      if (positive ? !(v > 0) : !(v >= 0)) {
        const k = this.cols, at = k > 1 ? `${name}[${Math.floor(i / k)}][${i % k}]` : `${name}[${i}]`;
        throw new ShapeError(`The ${this.loss} loss${this.loss === 'tweedie' ? ` (power ${p})` : ''} needs ${positive ? 'positive' : 'non-negative'} targets but ${at} is ${v}`, at);
      }
    }
  }
  fork(): RegressionHead {
    const h = new RegressionHead(this.loss, this.lossParam);
    h.cols = this.cols;
    return h;
  }
  /** Mean loss per row (summed over outputs, as the trainer); mse, mae and r2 averaged uniformly over outputs (scikit-learn's `multioutput='uniform_average'`). */
  metrics(out: Outputs, y: Float64Array): RegressionMetrics & Record<string, number> {
    const pred = this.predict(out);
    const m = mse(y, pred);
    let loss = (m / 2) * out.cols;
    if (this.loss !== 'squaredError') {
      const f = elementLoss(this.loss, this.lossParam, (x) => x), g = [0];
      loss = 0;
      for (let i = 0; i < y.length; i++) loss += f(out.data[i]!, y[i]!, g);
      loss /= out.rows;
    }
    if (out.cols === 1) return { loss, mse: m, mae: mae(y, pred), r2: r2(y, pred) };
    const per = this.perOutput(out, y);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    return { loss, mse: m, mae: mae(y, pred), r2: mean(per.r2) };
  }
  /** mse, mae and r2 of each output, for `[n, k]` targets. */
  perOutput(out: Outputs, y: Float64Array): { mse: number[]; mae: number[]; r2: number[] } {
    const pred = this.predict(out);
    const res = { mse: [] as number[], mae: [] as number[], r2: [] as number[] };
    for (let j = 0; j < out.cols; j++) {
      const yj = Float64Array.from({ length: out.rows }, (_, i) => y[i * out.cols + j]!);
      const pj = Float64Array.from({ length: out.rows }, (_, i) => pred[i * out.cols + j]!);
      res.mse.push(mse(yj, pj));
      res.mae.push(mae(yj, pj));
      res.r2.push(r2(yj, pj));
    }
    return res;
  }
  predict(out: Outputs): Float64Array {
    return this.logLink ? Float64Array.from(out.data, Math.exp) : Float64Array.from(out.data);
  }
}

/** Margin classifier heads (one-vs-rest, as scikit-learn's SGDClassifier). */
export type MarginLoss = 'log' | 'hinge' | 'squaredHinge' | 'modifiedHuber' | 'perceptron';

/**
 * One-vs-rest margin heads: one output for two classes (positive: class 1), else one output per class; labels are
 * class indices 0 … k−1. `predict` is `z > 0` (one output) or the argmax, as scikit-learn's `predict`;
 * `proba` exists for `log` (σ(z), rows normalized for k > 2) and `modifiedHuber` ((clip(z, −1, 1) + 1)/2,
 * normalized; uniform where every class is 0), as scikit-learn's `predict_proba`.
 */
export class MarginHead implements Head {
  readonly isClassifier = true;
  readonly lossParam = 0;
  readonly metricNames: readonly string[];
  numClasses = 0;
  readonly proba?: (out: Outputs) => Float64Array;
  constructor(readonly loss: MarginLoss) {
    const hasProba = loss === 'log' || loss === 'modifiedHuber';
    this.metricNames = hasProba ? CLASS_METRICS : CLASS_METRICS.filter((m) => m !== 'logLoss');
    if (hasProba) this.proba = (out) => this.probaOf(out);
  }
  /** Output units for `classes` classes. */
  static outputsFor(classes: number): number {
    return classes === 2 ? 1 : classes;
  }
  prepare(y: Float64Array, fixedOutputs?: number, cols = 1): number {
    if (cols !== 1) throw new ShapeError(`A one-vs-rest ${this.loss} classifier takes one label per row (y [n]), not [n, ${cols}]`, 'y');
    let max = 0;
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      if (!(Number.isInteger(v) && v >= 0 && v < 1 << 24))
        throw new ShapeError(`Expected non-negative integer class labels for y but y[${i}] is ${v}`, `y[${i}]`);
      if (v > max) max = v;
    }
    const classes = fixedOutputs === undefined ? Math.max(2, max + 1) : fixedOutputs === 1 ? 2 : fixedOutputs;
    if (max >= classes)
      throw new ShapeError(`Expected class labels in [0, ${classes - 1}] (the last layer has ${fixedOutputs} units) but found label ${max}`, 'y');
    this.numClasses = classes;
    return MarginHead.outputsFor(classes);
  }
  restore(outputs: number): void {
    this.numClasses = outputs === 1 ? 2 : outputs;
  }
  fork(): MarginHead {
    const h = new MarginHead(this.loss);
    h.numClasses = this.numClasses;
    return h;
  }
  check(y: Float64Array, name: string): void {
    checkClassIndices(y, name, this.numClasses);
  }
  metrics(out: Outputs, y: Float64Array, average: Average = out.cols === 1 ? 'binary' : 'macro'): Record<string, number> {
    this.check(y, 'y');
    const { data, rows, cols } = out;
    const f = elementLoss(this.loss, 0, (x) => x), g = [0];
    let loss = 0;
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) loss += f(data[i * cols + j]!, (cols === 1 ? y[i] === 1 : y[i] === j) ? 1 : -1, g);
    const pred = this.predict(out);
    const k = cols === 1 ? 2 : cols;
    const res: Record<string, number> = { loss: loss / rows, accuracy: accuracy(y, pred), ...precisionRecallF1(y, pred, k, average) };
    if (this.proba) {
      const p = this.proba(out);
      const full = cols === 1 ? Float64Array.from({ length: 2 * rows }, (_, i) => (i % 2 ? p[i >> 1]! : 1 - p[i >> 1]!)) : p;
      res.logLoss = logLoss(y, full, k);
    }
    return res;
  }
  predict(out: Outputs): Float64Array {
    return out.cols === 1 ? Float64Array.from(out.data, (z) => (z > 0 ? 1 : 0)) : argmaxRows(out.data, out.rows, out.cols);
  }
  decision(out: Outputs): Float64Array {
    return Float64Array.from(out.data);
  }
  private probaOf(out: Outputs): Float64Array {
    const { data, rows, cols } = out;
    const p = this.loss === 'log' ? Float64Array.from(data, sigmoid) : Float64Array.from(data, (z) => (Math.min(1, Math.max(-1, z)) + 1) / 2);
    if (cols === 1) return p;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += p[i * cols + j]!;
      for (let j = 0; j < cols; j++) p[i * cols + j] = s === 0 ? 1 / cols : p[i * cols + j]! / s;
    }
    return p;
  }
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

const CLASS_METRICS = ['accuracy', 'logLoss', 'precision', 'recall', 'f1'] as const;

function classification(y: Float64Array, pred: Float64Array, proba: Float64Array, k: number, loss: number, average: Average): ClassificationMetrics & Record<string, number> {
  return { loss, accuracy: accuracy(y, pred), logLoss: logLoss(y, proba, k), ...precisionRecallF1(y, pred, k, average) };
}

/** One logit per row; `P(y=1) = σ(z)`; labels 0/1. */
export class BinaryHead implements Head {
  readonly loss = 'sigmoidCrossEntropy' as const;
  readonly lossParam = 0;
  /** Labels per row (k for multi-label), fixed by prepare: names a bad label by row and column. */
  private cols = 1;
  restore(outputs: number): void {
    this.cols = outputs;
  }
  readonly isClassifier = true;
  readonly metricNames = CLASS_METRICS;
  prepare(y: Float64Array, fixedOutputs?: number, cols = 1): number {
    if (fixedOutputs !== undefined && fixedOutputs !== cols)
      throw new ShapeError(`A sigmoid cross-entropy model with labels y [n${cols > 1 ? `, ${cols}` : ''}] needs ${cols} output unit${cols > 1 ? 's' : ''}, not ${fixedOutputs}`, 'layers');
    this.cols = cols;
    this.check(y, 'y');
    return cols;
  }
  fork(): BinaryHead {
    const h = new BinaryHead();
    h.cols = this.cols;
    return h;
  }
  check(y: Float64Array, name: string): void {
    const k = this.cols;
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 0 && y[i] !== 1) {
        const at = k > 1 ? `${name}[${Math.floor(i / k)}][${i % k}]` : `${name}[${i}]`;
        throw new ShapeError(`Expected labels 0 or 1 for ${name} (${k > 1 ? 'multi-label' : 'binary'} classification) but ${at} is ${y[i]}`, at);
      }
    }
  }
  metrics(out: Outputs, y: Float64Array, average?: Average): Record<string, number> {
    this.check(y, 'y');
    if (out.cols > 1) return multilabelMetrics(out, y, average ?? 'macro');
    average ??= 'binary';
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
    return classification(y, pred, proba, 2, loss / y.length, average);
  }
  predict(out: Outputs): Float64Array {
    return Float64Array.from(out.data, (z) => (z >= 0 ? 1 : 0));
  }
  proba(out: Outputs): Float64Array {
    return Float64Array.from(out.data, sigmoid);
  }
}

/** k logits per row; classes `0 … k−1`. */
export class SoftmaxHead implements Head {
  readonly loss = 'softmaxCrossEntropy' as const;
  readonly lossParam = 0;
  readonly isClassifier = true;
  readonly metricNames = CLASS_METRICS;
  /** Number of classes fixed by the last `prepare`. */
  numClasses = 0;
  prepare(y: Float64Array, fixedOutputs?: number, cols = 1): number {
    if (cols !== 1) throw new ShapeError(`Softmax classification takes one label per row (y [n]), not [n, ${cols}]; for multi-label targets use sigmoid outputs (LogisticRegression, or Sequential with loss 'sigmoidCrossEntropy')`, 'y');
    let max = 0;
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      if (!(Number.isInteger(v) && v >= 0 && v < 1 << 24))
        throw new ShapeError(`Expected non-negative integer class labels for y but y[${i}] is ${v}`, `y[${i}]`);
      if (v > max) max = v;
    }
    if (fixedOutputs !== undefined && max >= fixedOutputs)
      throw new ShapeError(`Expected class labels in [0, ${fixedOutputs - 1}] (the last layer has ${fixedOutputs} units) but found label ${max}`, 'y');
    this.numClasses = fixedOutputs ?? Math.max(2, max + 1);
    return this.numClasses;
  }
  restore(outputs: number): void {
    this.numClasses = outputs;
  }
  fork(): SoftmaxHead {
    const h = new SoftmaxHead();
    h.numClasses = this.numClasses;
    return h;
  }
  check(y: Float64Array, name: string): void {
    checkClassIndices(y, name, this.numClasses);
  }
  metrics(out: Outputs, y: Float64Array, average: Average = 'macro'): Record<string, number> {
    const { data, rows, cols } = out;
    this.check(y, 'y');
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
    return classification(y, pred, proba, cols, loss / rows, average);
  }
  predict(out: Outputs): Float64Array {
    return argmaxRows(out.data, out.rows, out.cols);
  }
  proba(out: Outputs): Float64Array {
    return softmaxRows(out.data, out.rows, out.cols);
  }
}

/**
 * Multi-label metrics (k sigmoid outputs, labels 0/1 per output): `loss` the mean per row of the summed
 * cross-entropies, `accuracy` the subset accuracy (every label of a row right, scikit-learn's `accuracy_score` on
 * multilabel data), `hammingLoss` the fraction of wrong labels, `logLoss` the mean binary log loss over labels
 * (clipped as scikit-learn), precision/recall/F1 per label averaged `'macro'` (default), `'weighted'` (by
 * support) or `'micro'` is not offered.
 */
function multilabelMetrics(out: Outputs, y: Float64Array, average: Average): Record<string, number> {
  if (average === 'binary') throw new ShapeError("average 'binary' needs one label per row; multi-label metrics average 'macro' or 'weighted'", 'average');
  const { data, rows, cols } = out;
  let loss = 0, ll = 0, wrong = 0, exact = 0;
  const tp = new Float64Array(cols), fp = new Float64Array(cols), fn = new Float64Array(cols), support = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    let rowOk = true;
    for (let j = 0; j < cols; j++) {
      const z = data[i * cols + j]!, t = y[i * cols + j]!;
      loss += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
      const p = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(z)));
      ll -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
      const pred = z >= 0 ? 1 : 0;
      if (pred !== t) (wrong++, (rowOk = false));
      if (t === 1) support[j]!++;
      if (pred === 1 && t === 1) tp[j]!++;
      else if (pred === 1) fp[j]!++;
      else if (t === 1) fn[j]!++;
    }
    if (rowOk) exact++;
  }
  let P = 0, R = 0, F = 0, wsum = 0;
  for (let j = 0; j < cols; j++) {
    // scikit-learn's zero_division='warn' value: 0 where the denominator is 0.
    const p = tp[j]! + fp[j]! > 0 ? tp[j]! / (tp[j]! + fp[j]!) : 0;
    const r = tp[j]! + fn[j]! > 0 ? tp[j]! / (tp[j]! + fn[j]!) : 0;
    const f = p + r > 0 ? (2 * p * r) / (p + r) : 0;
    const w = average === 'weighted' ? support[j]! : 1;
    P += w * p;
    R += w * r;
    F += w * f;
    wsum += w;
  }
  const d = wsum > 0 ? wsum : 1;
  return { loss: loss / rows, accuracy: exact / rows, hammingLoss: wrong / (rows * cols), logLoss: ll / (rows * cols), precision: P / d, recall: R / d, f1: F / d };
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

/** Target columns a head takes with `outputs` outputs: one per output, or one class index. */
export function targetColumnsOf(head: Head, outputs: number): number {
  return LOSSES[head.loss].targetColumns === 1 ? 1 : outputs;
}

/** Labels must be class indices 0 … classes − 1 (softmax, one-vs-rest). */
function checkClassIndices(y: Float64Array, name: string, classes: number): void {
  for (let i = 0; i < y.length; i++) {
    if (!(Number.isInteger(y[i]!) && y[i]! >= 0 && y[i]! < classes))
      throw new ShapeError(`Expected class labels in [0, ${classes - 1}] for ${name} but ${name}[${i}] is ${y[i]}`, `${name}[${i}]`);
  }
}

export function headFor(loss: LossName, lossParam?: number): Head {
  const link = LOSSES[loss].link;
  if (link === 'sigmoid') return new BinaryHead();
  if (link === 'softmax') return new SoftmaxHead();
  if (link === 'margin') return new MarginHead(loss as MarginLoss);
  return new RegressionHead(loss as RegressionLoss, lossParam);
}
