/** Evaluation metrics (scikit-learn definitions), accumulated in double. Inputs are checked: ShapeError/OptionError. */
import { ShapeError } from '../errors';
import { describe, num } from '../validate';

function pair(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  const ok = (a: unknown) => Array.isArray(a) || (ArrayBuffer.isView(a) && !(a instanceof DataView));
  if (!ok(yTrue) || !ok(yPred)) throw new ShapeError(`Expected two arrays of numbers but received ${describe(yTrue)} and ${describe(yPred)}`, 'yTrue');
  if (yTrue.length === 0 || yTrue.length !== yPred.length) throw new ShapeError(`Expected yTrue and yPred of the same non-zero length but received ${yTrue.length} and ${yPred.length}`, 'yPred');
}

function labels(y: ArrayLike<number>, k: number, name: string): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < k)) throw new ShapeError(`Expected class labels in [0, ${k - 1}] in ${name} but ${name}[${i}] is ${v}`, `${name}[${i}]`);
  }
}

/** Mean squared error `Σ(ŷ − y)²/n`. */
export function mse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  pair(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yPred[i]! - yTrue[i]!) ** 2;
  return s / yTrue.length;
}

/** Mean absolute error. */
export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  pair(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yPred[i]! - yTrue[i]!);
  return s / yTrue.length;
}

/** Coefficient of determination `1 − SS_res/SS_tot` (`sklearn.metrics.r2_score`; for constant y: 1 if exact, else 0). */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  pair(yTrue, yPred);
  let mean = 0;
  for (let i = 0; i < yTrue.length; i++) mean += yTrue[i]!;
  mean /= yTrue.length;
  let ssRes = 0, ssTot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    ssRes += (yTrue[i]! - yPred[i]!) ** 2;
    ssTot += (yTrue[i]! - mean) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** Fraction of exact matches. */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  pair(yTrue, yPred);
  let c = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) c++;
  return c / yTrue.length;
}

/** Mean cross-entropy of class probabilities `proba` `[n, k]` (row-major) against integer labels, clipped at 1e-15 as scikit-learn. */
export function logLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>, k: number): number {
  num('k', k, { integer: true, min: 1, max: 1 << 24 });
  if (!(Array.isArray(proba) || ArrayBuffer.isView(proba)) || proba.length !== yTrue.length * k) throw new ShapeError(`Expected proba of length n * k = ${yTrue.length * k} but received ${describe(proba)}`, 'proba');
  labels(yTrue, k, 'yTrue');
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, proba[i * k + yTrue[i]!]!));
    s -= Math.log(p);
  }
  return s / yTrue.length;
}

/** Macro-averaged precision, recall and F1 over classes `0 … k−1` (`sklearn.metrics` with `average='macro'`; 0 for undefined ratios). */
export function precisionRecallF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): { precision: number; recall: number; f1: number } {
  pair(yTrue, yPred);
  num('k', k, { integer: true, min: 1, max: 1 << 24 });
  labels(yTrue, k, 'yTrue');
  labels(yPred, k, 'yPred');
  const tp = new Float64Array(k), fp = new Float64Array(k), fn = new Float64Array(k);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!, p = yPred[i]!;
    if (t === p) tp[t]!++;
    else {
      fp[p]!++;
      fn[t]!++;
    }
  }
  let P = 0, R = 0, F = 0;
  for (let c = 0; c < k; c++) {
    const p = tp[c]! + fp[c]! > 0 ? tp[c]! / (tp[c]! + fp[c]!) : 0;
    const r = tp[c]! + fn[c]! > 0 ? tp[c]! / (tp[c]! + fn[c]!) : 0;
    P += p;
    R += r;
    F += p + r > 0 ? (2 * p * r) / (p + r) : 0;
  }
  return { precision: P / k, recall: R / k, f1: F / k };
}

/**
 * Rescales `tensors` in place so their global L2 norm is at most `maxNorm`, as `torch.nn.utils.clip_grad_norm_`
 * (coefficient `maxNorm / (norm + 1e-6)`, applied only when below 1). Returns the norm before clipping.
 */
export function clipGradNorm(tensors: readonly (Float32Array | Float64Array)[], maxNorm: number): number {
  num('maxNorm', maxNorm, { gt: 0 });
  if (!Array.isArray(tensors) || !tensors.every((t) => t instanceof Float32Array || t instanceof Float64Array)) throw new ShapeError(`Expected an array of Float32Array/Float64Array for tensors but received ${describe(tensors)}`, 'tensors');
  let s = 0;
  for (const t of tensors) for (const v of t) s += v * v;
  const total = Math.sqrt(s);
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) for (const t of tensors) for (let i = 0; i < t.length; i++) t[i]! *= coef;
  return total;
}
