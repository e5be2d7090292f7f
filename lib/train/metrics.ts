/** Evaluation metrics (scikit-learn definitions), accumulated in double. Inputs are checked: ShapeError/OptionError. */
import { DivergenceError, OptionError, ShapeError } from '../errors';
import { toNumbers as numbers } from '../data/matrix';
import { bool, checkKeys, describe, invalid, num, oneOf, readArgument } from '../validate';
import { l2Norm } from '../numerics';

function pair(yTrue: unknown, yPred: unknown): [ArrayLike<number>, ArrayLike<number>] {
  const a = numbers('yTrue', yTrue), b = numbers('yPred', yPred);
  if (a.length === 0 || a.length !== b.length) throw new ShapeError(`Expected yTrue and yPred of the same non-zero length but received ${a.length} and ${b.length}`, 'yPred');
  return [a, b];
}

function labels(y: ArrayLike<number>, k: number, name: string): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < k)) throw new ShapeError(`Expected class labels in [0, ${k - 1}] in ${name} but ${name}[${i}] is ${v}`, `${name}[${i}]`);
  }
}

/** Mean squared error `Σ(ŷ − y)²/n`. */
export function mse(yTrueIn: ArrayLike<number>, yPredIn: ArrayLike<number>): number {
  const [yTrue, yPred] = pair(yTrueIn, yPredIn);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yPred[i]! - yTrue[i]!) ** 2;
  return s / yTrue.length;
}

/** Mean absolute error. */
export function mae(yTrueIn: ArrayLike<number>, yPredIn: ArrayLike<number>): number {
  const [yTrue, yPred] = pair(yTrueIn, yPredIn);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yPred[i]! - yTrue[i]!);
  return s / yTrue.length;
}

/** Coefficient of determination `1 − SS_res/SS_tot` (`sklearn.metrics.r2_score`; for constant y: 1 if exact, else 0). */
export function r2(yTrueIn: ArrayLike<number>, yPredIn: ArrayLike<number>): number {
  const [yTrue, yPred] = pair(yTrueIn, yPredIn);
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
export function accuracy(yTrueIn: ArrayLike<number>, yPredIn: ArrayLike<number>): number {
  const [yTrue, yPred] = pair(yTrueIn, yPredIn);
  let c = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) c++;
  return c / yTrue.length;
}

/** Mean cross-entropy of class probabilities `proba` `[n, k]` (row-major) against integer labels, clipped at 1e-15 as scikit-learn. */
export function logLoss(yTrueIn: ArrayLike<number>, probaIn: ArrayLike<number>, k: number): number {
  num('k', k, { integer: true, min: 1, max: 1 << 24 });
  const yTrue = numbers('yTrue', yTrueIn), proba = numbers('proba', probaIn);
  if (yTrue.length === 0) throw new ShapeError('Expected at least one label in yTrue but received an empty array', 'yTrue');
  if (proba.length !== yTrue.length * k) throw new ShapeError(`Expected proba of length n * k = ${yTrue.length * k} but received ${describe(probaIn)}`, 'proba');
  labels(yTrue, k, 'yTrue');
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, proba[i * k + yTrue[i]!]!));
    s -= Math.log(p);
  }
  return s / yTrue.length;
}

/** How precision, recall and F1 combine the classes (scikit-learn's `average`). */
export type Average = 'binary' | 'macro' | 'weighted';

/**
 * Precision, recall and F1 over classes `0 … k−1`, as `sklearn.metrics.precision_recall_fscore_support` with
 * `average`: `'macro'` (default here; the unweighted mean over the k classes), `'weighted'` (weighted by each
 * class's support in `yTrue`), or `'binary'` (class 1 only, scikit-learn's default for two classes; needs k ≤ 2).
 * An undefined ratio (no predicted or no true samples of a class) counts as 0, as scikit-learn's `zero_division`
 * default (which also warns).
 * @throws ShapeError for labels outside `[0, k)` or mismatched lengths; OptionError for a bad `average` or
 * `'binary'` with k > 2.
 */
export function precisionRecallF1(yTrueIn: ArrayLike<number>, yPredIn: ArrayLike<number>, k: number, average: Average = 'macro'): { precision: number; recall: number; f1: number } {
  const [yTrue, yPred] = pair(yTrueIn, yPredIn);
  num('k', k, { integer: true, min: 1, max: 1 << 24 });
  const avg = oneOf('average', average, ['binary', 'macro', 'weighted'] as const);
  if (avg === 'binary' && k > 2) throw new OptionError(`average 'binary' needs two classes but k is ${k}; choose 'macro' or 'weighted'`, 'average');
  labels(yTrue, k, 'yTrue');
  labels(yPred, k, 'yPred');
  // Classes above the largest label seen contribute 0 to every sum, so count only up to it (k may be 2^24).
  let m = avg === 'binary' ? 2 : 0;
  for (let i = 0; i < yTrue.length; i++) m = Math.max(m, yTrue[i]! + 1, yPred[i]! + 1);
  const tp = new Float64Array(m), fp = new Float64Array(m), fn = new Float64Array(m);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!, p = yPred[i]!;
    if (t === p) tp[t]!++;
    else {
      fp[p]!++;
      fn[t]!++;
    }
  }
  const prf = (c: number) => {
    const p = tp[c]! + fp[c]! > 0 ? tp[c]! / (tp[c]! + fp[c]!) : 0;
    const r = tp[c]! + fn[c]! > 0 ? tp[c]! / (tp[c]! + fn[c]!) : 0;
    return [p, r, p + r > 0 ? (2 * p * r) / (p + r) : 0] as const;
  };
  if (avg === 'binary') {
    const [p, r, f] = prf(1);
    return { precision: p, recall: r, f1: f };
  }
  let P = 0, R = 0, F = 0;
  for (let c = 0; c < m; c++) {
    const [p, r, f] = prf(c);
    const w = avg === 'weighted' ? tp[c]! + fn[c]! : 1; // support, or equal weights
    P += w * p;
    R += w * r;
    F += w * f;
  }
  const d = avg === 'weighted' ? yTrue.length : k;
  return { precision: P / d, recall: R / d, f1: F / d };
}

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /**
   * Throw `DivergenceError` (tensors untouched) when the total norm is NaN or ±Infinity. Default **true** — unlike
   * PyTorch 1.13, whose `error_if_nonfinite` defaults to False (PyTorch plans to make True its default). With
   * `false`, the tensors are scaled exactly as PyTorch 1.13 does (see {@link clipGradNorm}).
   */
  errorIfNonfinite?: boolean;
}

/**
 * Rescales `tensors` in place so their global L2 norm is at most `maxNorm`, as `torch.nn.utils.clip_grad_norm_`
 * (PyTorch 1.13, `norm_type=2`): `total = ‖(‖t₀‖₂, ‖t₁‖₂, …)‖₂`, `coef = maxNorm / (total + 1e-6)`, and every
 * element is multiplied by `min(coef, 1)`. Returns `total`, the norm before clipping.
 *
 * The norm is the sum of squares in double, square-rooted; when that overflows while every element is finite
 * (float64 elements near 1e155 and above) it is recomputed scaled by the largest |element|, so finite tensors
 * give their finite norm where PyTorch returns `inf`. (It is ±Infinity only when the true norm exceeds the largest
 * double.)
 *
 * A NaN or infinite norm: by default ({@link ClipGradNormOptions.errorIfNonfinite} `true`; PyTorch 1.13's
 * `error_if_nonfinite` defaults to False) throws `DivergenceError` (code `ERR_DIVERGENCE`, `argument`
 * `"gradient norm"`, epoch and batch 0) and leaves the tensors unchanged. With `errorIfNonfinite: false` it does
 * what PyTorch 1.13 does: `coef = maxNorm / (norm + 1e-6)` is 0 for an infinite norm, so finite elements become 0
 * and infinite ones NaN; a NaN norm makes every element NaN. The norm is returned either way.
 *
 * @throws OptionError for a `maxNorm` that is not a finite number > 0 or bad options; ShapeError when `tensors` is
 *   not an array of Float32Array/Float64Array.
 */
export function clipGradNorm(tensors: readonly (Float32Array | Float64Array)[], maxNorm: number, options?: ClipGradNormOptions): number {
  num('maxNorm', maxNorm, { gt: 0 });
  const o = checkKeys('options', options, ['errorIfNonfinite']);
  const errorIfNonfinite = bool('options.errorIfNonfinite', o.errorIfNonfinite, true);
  const what = 'an array of Float32Array/Float64Array';
  if (!Array.isArray(tensors)) throw invalid('tensors', what, tensors, ShapeError);
  const list = readArgument('tensors', what, tensors, () => Array.from(tensors as unknown[]), ShapeError);
  list.forEach((t, i) => {
    if (!(ArrayBuffer.isView(t) && (t instanceof Float32Array || t instanceof Float64Array))) throw invalid(`tensors[${i}]`, 'a Float32Array or Float64Array', t, ShapeError);
  });
  const ts = list as (Float32Array | Float64Array)[];
  // Summed in double, rescaled by the largest |element| when the squares of finite elements overflow.
  const total = l2Norm(ts);
  const firstBad = (): { i: number; j: number; v: number } | undefined => {
    for (let i = 0; i < ts.length; i++) {
      const j = ts[i]!.findIndex((v) => !Number.isFinite(v));
      if (j >= 0) return { i, j, v: ts[i]![j]! };
    }
    return undefined;
  };
  if (!Number.isFinite(total)) {
    if (errorIfNonfinite) {
      const bad = firstBad();
      const cause = bad
        ? `tensors[${bad.i}][${bad.j}] is ${bad.v}`
        : 'every element is finite but the norm exceeds the largest double';
      throw new DivergenceError(
        0,
        0,
        NaN,
        'gradient norm',
        `clipGradNorm: the total gradient norm is ${total}, not finite (${cause}); the tensors are left unchanged. ` +
          'Lower the learning rate or look for the NaN/Infinity upstream; pass { errorIfNonfinite: false } to scale ' +
          'them anyway as PyTorch does.',
      );
    }
    // PyTorch 1.13: clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1, multiplied into every element.
    const coef = Math.min(maxNorm / (total + 1e-6), 1);
    for (const t of ts) for (let i = 0; i < t.length; i++) t[i]! *= coef;
    return total;
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) for (const t of ts) for (let i = 0; i < t.length; i++) t[i]! *= coef;
  return total;
}
