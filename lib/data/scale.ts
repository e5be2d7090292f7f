import { ShapeError, StateError } from '../errors';
import type { Dtype } from '../backend/types';
import { Matrix, arrayFor, matrix } from './matrix';

/**
 * Standardizes features: `z = (x − mean) / std` with the population standard deviation (ddof = 0), as
 * scikit-learn's `StandardScaler`; a constant column gets std 1. Statistics are accumulated in double.
 */
export class StandardScaler {
  mean: Float64Array | undefined;
  std: Float64Array | undefined;
  /** Rows seen by `partialFit` and the running sums of squared deviations (Chan et al. 1979). */
  private count = 0;
  private m2: Float64Array | undefined;

  /**
   * Updates the statistics with more rows (streaming / `partialFit`), merging per-chunk moments with the
   * parallel variance formula of Chan, Golub & LeVeque (1979); equals `fit` on all rows seen. Returns `this`.
   */
  partialFit(X: Matrix): this {
    const { rows, cols, data } = checked(X);
    if (this.mean && this.mean.length !== cols) throw new ShapeError(`Expected ${this.mean.length} columns in X (as before) but received ${cols}`, 'X');
    if (!this.mean || !this.m2) {
      this.mean = new Float64Array(cols);
      this.m2 = new Float64Array(cols);
      this.std = new Float64Array(cols).fill(1);
      this.count = 0;
    }
    for (let j = 0; j < cols; j++) {
      let mb = 0;
      for (let i = 0; i < rows; i++) mb += data[i * cols + j]!;
      mb /= rows;
      let m2b = 0;
      for (let i = 0; i < rows; i++) m2b += (data[i * cols + j]! - mb) ** 2;
      const n = this.count + rows;
      const delta = mb - this.mean[j]!;
      this.m2[j]! += m2b + (delta * delta * this.count * rows) / n;
      this.mean[j]! += (delta * rows) / n;
      const sd = Math.sqrt(this.m2[j]! / n);
      this.std![j] = sd > 0 ? sd : 1;
    }
    this.count += rows;
    return this;
  }

  /** Learns per-column mean and std from `X` `[n, d]`. Returns `this`. */
  fit(X: Matrix): this {
    const { rows, cols, data } = checked(X);
    const mean = new Float64Array(cols);
    const m2 = new Float64Array(cols);
    // Welford's algorithm: stable for large offsets.
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const x = data[i * cols + j]!;
        const d = x - mean[j]!;
        mean[j]! += d / (i + 1);
        m2[j]! += d * (x - mean[j]!);
      }
    }
    const std = m2.map((v) => {
      const s = Math.sqrt(v / rows);
      return s > 0 ? s : 1;
    });
    this.mean = mean;
    this.std = std;
    this.m2 = m2;
    this.count = rows;
    return this;
  }

  /** Returns a new standardized matrix of `dtype` (default: X's own). */
  transform(X: Matrix, dtype?: Dtype): Matrix {
    if (!this.mean || !this.std) throw new StateError('StandardScaler.transform called before fit()', 'scaler');
    const { rows, cols, data } = checked(X);
    if (cols !== this.mean.length) throw new ShapeError(`Expected ${this.mean.length} columns in X (as when the scaler was fitted) but received ${cols}`, 'X');
    const out = arrayFor(dtype ?? (data instanceof Float64Array ? 'float64' : 'float32'), rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) out[i * cols + j] = (data[i * cols + j]! - this.mean[j]!) / this.std[j]!;
    return { data: out, rows, cols };
  }

  fitTransform(X: Matrix, dtype?: Dtype): Matrix {
    return this.fit(X).transform(X, dtype);
  }

  toJSON(): { mean: number[]; std: number[] } | null {
    return this.mean && this.std ? { mean: Array.from(this.mean), std: Array.from(this.std) } : null;
  }
}

/** A `{ data, rows, cols }` whose sizes are consistent (ShapeError otherwise), with at least one row. */
function checked(X: Matrix): Matrix {
  if (typeof X !== 'object' || X === null) throw new ShapeError(`Expected a Matrix ({ data, rows, cols }) for X but received ${String(X)}`, 'X');
  const m = matrix(X.data, X.rows, X.cols);
  if (m.rows < 1) throw new ShapeError('Expected at least one row in X', 'X');
  return m;
}
