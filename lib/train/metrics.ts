/** Evaluation metrics (scikit-learn definitions), accumulated in double. */

/** Mean squared error `Σ(ŷ − y)²/n`. */
export function mse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yPred[i]! - yTrue[i]!) ** 2;
  return s / yTrue.length;
}

/** Mean absolute error. */
export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yPred[i]! - yTrue[i]!);
  return s / yTrue.length;
}

/** Coefficient of determination `1 − SS_res/SS_tot` (`sklearn.metrics.r2_score`; for constant y: 1 if exact, else 0). */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
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
  let c = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) c++;
  return c / yTrue.length;
}

/** Mean cross-entropy of class probabilities `proba` `[n, k]` (row-major) against integer labels, clipped at 1e-15 as scikit-learn. */
export function logLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, proba[i * k + yTrue[i]!]!));
    s -= Math.log(p);
  }
  return s / yTrue.length;
}

/** Macro-averaged precision, recall and F1 over classes `0 … k−1` (`sklearn.metrics` with `average='macro'`; 0 for undefined ratios). */
export function precisionRecallF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): { precision: number; recall: number; f1: number } {
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
  let s = 0;
  for (const t of tensors) for (const v of t) s += v * v;
  const total = Math.sqrt(s);
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) for (const t of tensors) for (let i = 0; i < t.length; i++) t[i]! *= coef;
  return total;
}
