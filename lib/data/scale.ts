import { ShapeError, StateError } from '../errors';
import type { Dtype } from '../backend/types';
import { Matrix, arrayFor } from './matrix';

/**
 * Standardizes features: `z = (x − mean) / std` with the population standard deviation (ddof = 0), as
 * scikit-learn's `StandardScaler`; a constant column gets std 1. Statistics are accumulated in double.
 */
export class StandardScaler {
  mean: Float64Array | undefined;
  std: Float64Array | undefined;

  /** Learns per-column mean and std from `X` `[n, d]`. Returns `this`. */
  fit(X: Matrix): this {
    const { rows, cols, data } = X;
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
    return this;
  }

  /** Returns a new standardized matrix of `dtype` (default: X's own). */
  transform(X: Matrix, dtype?: Dtype): Matrix {
    if (!this.mean || !this.std) throw new StateError('StandardScaler.transform called before fit()', 'scaler');
    const { rows, cols, data } = X;
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
