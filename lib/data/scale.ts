import { ShapeError, StateError } from '../errors';
import type { Dtype } from '../backend/types';
import { oneOf } from '../validate';
import { Matrix, arrayFor, checkMatrix } from './matrix';

/**
 * Standardizes features: `z = (x − mean) / std` with the population standard deviation (ddof = 0), as
 * scikit-learn's `StandardScaler`; a constant column gets std 1. Statistics are accumulated in double.
 */
export class StandardScaler {
  mean: Float64Array | undefined;
  std: Float64Array | undefined;
  /**
   * Rows seen, and per column the running moments in units of a power of two `scale` (≈ the largest |x| seen):
   * `meanS = mean / scale`, `m2S = Σ(x − mean)² / scale²`. Dividing by a power of two is exact, so for ordinary data
   * the statistics are bit-identical to unscaled sums, while data near 1e±300 no longer overflows (Σx², Σx) or
   * underflows (a tiny spread read as a constant column).
   */
  private count = 0;
  /** Rows the statistics were computed from (scikit-learn's `n_samples_seen_`; 0 for statistics set directly). */
  get nSamplesSeen(): number {
    return this.count;
  }
  private scale: Float64Array | undefined;
  private meanS: Float64Array | undefined;
  private m2S: Float64Array | undefined;

  /**
   * Updates the statistics with more rows (streaming / `partialFit`), merging per-chunk moments with the
   * parallel variance formula of Chan, Golub & LeVeque (1979); equals `fit` on all rows seen. Returns `this`.
   */
  partialFit(X: Matrix): this {
    const { rows, cols, data } = checked(X);
    if (this.mean && this.mean.length !== cols) throw new ShapeError(`Expected ${this.mean.length} columns in X (as before) but received ${cols}`, 'X');
    if (!this.mean || !this.m2S || !this.meanS || !this.scale) {
      this.mean = new Float64Array(cols);
      this.std = new Float64Array(cols).fill(1);
      this.scale = new Float64Array(cols).fill(1);
      this.meanS = new Float64Array(cols);
      this.m2S = new Float64Array(cols);
      this.count = 0;
    }
    const scale = this.scale, meanS = this.meanS, m2S = this.m2S;
    for (let j = 0; j < cols; j++) {
      let maxAbs = 0;
      for (let i = 0; i < rows; i++) maxAbs = Math.max(maxAbs, Math.abs(data[i * cols + j]!));
      const sB = pow2(maxAbs);
      if (this.count === 0) scale[j] = sB;
      else if (sB > scale[j]!) {
        const r = scale[j]! / sB;
        meanS[j]! *= r;
        m2S[j]! *= r * r;
        scale[j] = sB;
      }
      const S = scale[j]!;
      let mb = 0;
      for (let i = 0; i < rows; i++) mb += data[i * cols + j]! / S;
      mb /= rows;
      let m2b = 0;
      for (let i = 0; i < rows; i++) m2b += (data[i * cols + j]! / S - mb) ** 2;
      const n = this.count + rows;
      const delta = mb - meanS[j]!;
      m2S[j]! += m2b + (delta * delta * this.count * rows) / n;
      meanS[j]! += (delta * rows) / n;
      this.mean[j] = meanS[j]! * S;
      const sd = Math.sqrt(m2S[j]! / n) * S;
      this.std![j] = sd > 0 ? sd : 1;
    }
    this.count += rows;
    return this;
  }

  /** An independent copy (statistics and running moments). */
  clone(): StandardScaler {
    const c = new StandardScaler();
    c.restoreFrom(this);
    return c;
  }

  /** Internal: takes `other`'s statistics and running moments (copies), undoing a `partialFit` since `other = clone()`. */
  restoreFrom(other: StandardScaler): void {
    const copy = (a: Float64Array | undefined) => (a ? Float64Array.from(a) : undefined);
    this.mean = copy(other.mean);
    this.std = copy(other.std);
    this.count = other.count;
    this.scale = copy(other.scale);
    this.meanS = copy(other.meanS);
    this.m2S = copy(other.m2S);
  }

  /** Learns per-column mean and std from `X` `[n, d]`. Returns `this`. */
  fit(X: Matrix): this {
    const { rows, cols, data } = checked(X);
    const scale = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) scale[j] = Math.max(scale[j]!, Math.abs(data[i * cols + j]!));
    for (let j = 0; j < cols; j++) scale[j] = pow2(scale[j]!);
    const meanS = new Float64Array(cols);
    const m2S = new Float64Array(cols);
    // Welford's algorithm (stable for large offsets), on x / scale.
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const x = data[i * cols + j]! / scale[j]!;
        const d = x - meanS[j]!;
        meanS[j]! += d / (i + 1);
        m2S[j]! += d * (x - meanS[j]!);
      }
    }
    this.mean = meanS.map((m, j) => m * scale[j]!);
    this.std = m2S.map((v, j) => {
      const sd = Math.sqrt(v / rows) * scale[j]!;
      return sd > 0 ? sd : 1;
    });
    this.scale = scale;
    this.meanS = meanS;
    this.m2S = m2S;
    this.count = rows;
    return this;
  }

  /** Returns a new standardized matrix of `dtype` (default: X's own). */
  transform(X: Matrix, dtype?: Dtype): Matrix {
    checkDtype(dtype);
    if (!this.mean || !this.std) throw new StateError('StandardScaler.transform called before fit()', 'scaler');
    const { rows, cols, data } = checked(X);
    if (cols !== this.mean.length) throw new ShapeError(`Expected ${this.mean.length} columns in X (as when the scaler was fitted) but received ${cols}`, 'X');
    const out = arrayFor(dtype ?? (data instanceof Float64Array ? 'float64' : 'float32'), rows * cols);
    const mean = this.mean, std = this.std;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const x = data[i * cols + j]!;
        let z = (x - mean[j]!) / std[j]!;
        if (!Number.isFinite(z)) {
          // x − mean overflowed (values of opposite sign near ±1.8e308): the same quotient in units of std's power of two.
          const S = pow2(std[j]!);
          z = (x / S - mean[j]! / S) / (std[j]! / S);
        }
        out[i * cols + j] = z;
      }
    }
    return { data: out, rows, cols };
  }

  fitTransform(X: Matrix, dtype?: Dtype): Matrix {
    checkDtype(dtype); // before fit, so a bad dtype leaves the scaler as it was
    return this.fit(X).transform(X, dtype);
  }

  toJSON(): { mean: number[]; std: number[] } | null {
    return this.mean && this.std ? { mean: Array.from(this.mean), std: Array.from(this.std) } : null;
  }
}

/** The power of two 2^floor(log2 v) (exact; 1 for 0), so v / pow2(v) is in [1, 2). */
function pow2(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  let e = Math.floor(Math.log2(v));
  // log2 can round across an integer boundary near powers of two; fix it up so 2^e <= v < 2^(e+1).
  if (2 ** e > v) e--;
  else if (2 ** (e + 1) <= v) e++;
  return e >= -1022 ? 2 ** e : 2 ** -1022;
}

/** A `{ data, rows, cols }` whose sizes are consistent (ShapeError otherwise), with at least one row. */
function checked(X: Matrix): Matrix {
  const m = checkMatrix(X, 'X');
  if (m.rows < 1) throw new ShapeError('Expected at least one row in X but received 0 rows', 'X');
  return m;
}

function checkDtype(dtype: unknown): void {
  if (dtype !== undefined) oneOf('dtype', dtype, ['float32', 'float64'] as const);
}
