/**
 * Ordinary least squares with an intercept, by the normal equations and a Cholesky factorization in double.
 * A reference for the demo and the tests (the exact minimizer that gradient descent must reach), not a trainer.
 */
import type { Matrix } from '../data/matrix';
import { ShapeError } from '../errors';

/** Returns `{ weights [d], bias }` minimizing `Σ(x·w + b − y)²`. Throws `ShapeError` for rank-deficient X. */
export function leastSquares(X: Matrix, y: ArrayLike<number>): { weights: Float64Array; bias: number } {
  const { rows: n, cols: d, data } = X;
  const m = d + 1; // last unknown is the bias
  const A = new Float64Array(m * m);
  const b = new Float64Array(m);
  const row = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j]!;
    row[d] = 1;
    for (let j = 0; j < m; j++) {
      b[j]! += row[j]! * y[i]!;
      for (let k = 0; k <= j; k++) A[j * m + k]! += row[j]! * row[k]!;
    }
  }
  // Cholesky A = L·Lᵀ in place (lower triangle).
  for (let j = 0; j < m; j++) {
    let s = A[j * m + j]!;
    for (let k = 0; k < j; k++) s -= A[j * m + k]! ** 2;
    if (!(s > 0)) throw new ShapeError('X has linearly dependent columns: least squares has no unique solution', 'X');
    const ljj = Math.sqrt(s);
    A[j * m + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      let t = A[i * m + j]!;
      for (let k = 0; k < j; k++) t -= A[i * m + k]! * A[j * m + k]!;
      A[i * m + j] = t / ljj;
    }
  }
  const z = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let t = b[i]!;
    for (let k = 0; k < i; k++) t -= A[i * m + k]! * z[k]!;
    z[i] = t / A[i * m + i]!;
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let t = z[i]!;
    for (let k = i + 1; k < m; k++) t -= A[k * m + i]! * x[k]!;
    x[i] = t / A[i * m + i]!;
  }
  return { weights: x.slice(0, d), bias: x[d]! };
}
