/**
 * Dense row-major matrices and the one-time conversion of user input (nested arrays or typed arrays) into them.
 * Every check names the argument and the offending position.
 */
import { ShapeError } from '../errors';
import { requireMemory } from '../memory';
import { describe, invalid, num, oneOf, readArgument } from '../validate';
import type { Dtype, FloatArray } from '../backend/types';
import { loadNative } from '../backend/native/loader';

/** A row-major `[rows, cols]` matrix over a `Float32Array` or `Float64Array`. */
export interface Matrix {
  readonly data: FloatArray;
  readonly rows: number;
  readonly cols: number;
}

/** Anything a model accepts as features: nested arrays `number[][]` or a {@link Matrix}. */
export type MatrixLike = readonly (readonly number[])[] | Matrix;
/** Anything a model accepts as targets: `number[]` or a typed array (one value per row). */
export type VectorLike = readonly number[] | ArrayLike<number>;
/** Targets of `fit`: a vector `[n]`, class labels, or `[n, k]` (multi-output regression, multi-label classification). */
export type TargetsLike = VectorLike | readonly string[] | MatrixLike;

export function isMatrix(x: unknown): x is Matrix {
  return (
    typeof x === 'object' && x !== null && ArrayBuffer.isView((x as Matrix).data) &&
    typeof (x as Matrix).rows === 'number' && typeof (x as Matrix).cols === 'number'
  );
}

/** A Float32Array or Float64Array (checked without running the caller's code: a Proxy is not one). */
export function isFloatArray(x: unknown): x is FloatArray {
  return ArrayBuffer.isView(x) && (x instanceof Float32Array || x instanceof Float64Array);
}

/**
 * Checks a `{ data, rows, cols }` argument, reading each field once: `data` a Float32Array or Float64Array, `rows`
 * an integer >= 0, `cols` an integer >= 1, `data.length === rows * cols`. ShapeError naming `name.data`,
 * `name.rows`… otherwise (also when reading a field throws). Returns a Matrix over the same `data` (no copy).
 */
export function checkMatrix(X: unknown, name: string): Matrix {
  const what = 'a Matrix ({ data, rows, cols })';
  if (typeof X !== 'object' || X === null || Array.isArray(X) || ArrayBuffer.isView(X)) throw invalid(name, what, X, ShapeError);
  const { data, rows, cols } = readArgument(name, what, X, () => ({ data: (X as Matrix).data, rows: (X as Matrix).rows, cols: (X as Matrix).cols }), ShapeError);
  return matrixOf(data, rows, cols, `${name}.`);
}

function matrixOf(data: unknown, rows: unknown, cols: unknown, prefix: string): Matrix {
  if (!isFloatArray(data)) throw invalid(`${prefix}data`, 'a Float32Array or Float64Array', data, ShapeError);
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0) throw invalid(`${prefix}rows`, 'an integer >= 0', rows, ShapeError);
  if (typeof cols !== 'number' || !Number.isSafeInteger(cols) || cols < 1) throw invalid(`${prefix}cols`, 'an integer >= 1', cols, ShapeError);
  if (data.length !== rows * cols)
    throw new ShapeError(`Expected ${prefix}data of length rows * cols = ${rows} * ${cols} but received length ${data.length}`, `${prefix}data`);
  return { data, rows, cols };
}

/**
 * The values of `value` — a `number[]` (copied; each element read once and checked to be a number, NaN allowed) or
 * a typed array of numbers (returned as is) — else a ShapeError naming `name` (also when reading it throws).
 */
export function toNumbers(name: string, value: unknown): ArrayLike<number> {
  const what = 'number[] or a typed array of numbers';
  if (ArrayBuffer.isView(value)) {
    if (value instanceof DataView || value instanceof BigInt64Array || value instanceof BigUint64Array) throw invalid(name, what, value, ShapeError);
    return value as unknown as ArrayLike<number>;
  }
  if (!Array.isArray(value)) throw invalid(name, what, value, ShapeError);
  return readArgument(name, what, value, () => {
    const out: number[] = [];
    for (let i = 0, n = value.length; i < n; i++) {
      const v: unknown = value[i];
      if (typeof v !== 'number') throw new ShapeError(`Expected numbers in ${name} but ${name}[${i}] is ${describe(v)}`, `${name}[${i}]`);
      out.push(v);
    }
    return out;
  }, ShapeError);
}

/**
 * Index of the first NaN/±Infinity in `data`, or -1: the addon's vectorized scan when it is loaded (and the JS
 * backend is not forced), else a loop. One pass, no copy.
 */
export function firstNonFinite(data: FloatArray): number {
  const native = process.env.DESCENT_BACKEND === 'js' ? undefined : loadNative().binding;
  if (native?.firstNonFinite && data.length > 4096) return native.firstNonFinite(data);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

export function arrayFor(dtype: Dtype, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/**
 * Builds a {@link Matrix} over `data` (no copy), checking that `data` is a Float32Array or Float64Array, `rows` an
 * integer >= 0, `cols` an integer >= 1 and `data.length === rows * cols` (ShapeError naming the argument).
 */
export function matrix(data: FloatArray, rows: number, cols: number): Matrix {
  return matrixOf(data, rows, cols, '');
}

function overflow(cell: string, v: number): ShapeError {
  return new ShapeError(`${cell} = ${v} overflows float32 (largest finite value 3.4028235e38); use dtype 'float64' or rescale the data`, cell);
}

/** Throws ShapeError naming `name[i]` when a value of `src` became ±Infinity in the `dtype` copy `dst`. */
export function requireRepresentable(dst: FloatArray, src: ArrayLike<number>, name: string, dtype: Dtype): void {
  if (dtype === 'float64') return;
  const i = firstNonFinite(dst);
  if (i >= 0) throw overflow(`${name}[${i}]`, src[i]!);
}

/**
 * Converts features to a matrix of `dtype`: a Matrix already in `dtype` is returned over the same `data` (no copy;
 * the caller must not modify it while training reads it), anything else is copied once. Throws `ShapeError` for empty input, ragged rows
 * (naming the row) and NaN/±Infinity (naming the cell, e.g. `X[3][1]`), and when reading `X` throws (a Proxy or a
 * getter); OptionError for a bad `name`, `dtype` or `expectedCols`.
 */
export function toMatrix(X: unknown, name: string, dtype: Dtype, expectedCols?: number): Matrix {
  if (typeof name !== 'string' || name === '') throw invalid('name', 'a non-empty string', name);
  oneOf('dtype', dtype, ['float32', 'float64'] as const);
  if (expectedCols !== undefined) num('expectedCols', expectedCols, { integer: true, min: 1 });
  const out = readArgument(name, 'number[][] or a Matrix ({ data, rows, cols })', X, () => convert(X, name, dtype), ShapeError);
  if (out.rows === 0) throw new ShapeError(`Expected at least one row in ${name} but received 0 rows`, name);
  if (expectedCols !== undefined && out.cols !== expectedCols)
    throw new ShapeError(`Expected ${expectedCols} columns in ${name} (as in training) but received ${out.cols}`, name);
  return out;
}

function convert(X: unknown, name: string, dtype: Dtype): Matrix {
  let out: Matrix;
  if (typeof X === 'object' && X !== null && !Array.isArray(X) && !ArrayBuffer.isView(X) && ArrayBuffer.isView((X as Matrix).data)) {
    const { data, rows, cols } = checkMatrix(X, name);
    if (data instanceof (dtype === 'float64' ? Float64Array : Float32Array)) {
      // Already in the dtype: used in place (never copied), after one scan for NaN/±Infinity.
      const bad = firstNonFinite(data);
      if (bad >= 0) throw new ShapeError(`Expected finite numbers in ${name} but ${name}[${Math.floor(bad / cols)}][${bad % cols}] is ${describe(data[bad])}`, name);
      return { data, rows, cols };
    }
    requireMemory(data.length * (dtype === 'float64' ? 8 : 4), name, `A ${dtype} copy of ${name} (${rows} × ${cols})`);
    const copy = arrayFor(dtype, data.length);
    copy.set(data);
    out = { data: copy, rows, cols };
    const bad = firstNonFinite(copy);
    if (bad >= 0) {
      const cell = `${name}[${Math.floor(bad / cols)}][${bad % cols}]`;
      if (Number.isFinite(data[bad]!)) throw overflow(cell, data[bad]!);
      throw new ShapeError(`Expected finite numbers in ${name} but ${cell} is ${describe(data[bad])}`, name);
    }
  } else if (Array.isArray(X)) {
    const rows = X.length;
    if (rows === 0) throw new ShapeError(`Expected at least one row in ${name} but received an empty array`, name);
    const first = X[0];
    if (!Array.isArray(first)) throw new ShapeError(`Expected ${name} to be an array of rows (number[][]) but ${name}[0] is ${describe(first)}`, name);
    const cols = first.length;
    if (cols === 0) throw new ShapeError(`Expected at least one column in ${name} but ${name}[0] is empty`, name);
    requireMemory(rows * cols * (dtype === 'float64' ? 8 : 4), name, `A ${dtype} copy of ${name} (${rows} × ${cols})`);
    const data = arrayFor(dtype, rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = X[i];
      if (!Array.isArray(row) || row.length !== cols)
        throw new ShapeError(`Expected every row of ${name} to have ${cols} values (ragged rows) but ${name}[${i}] is ${describe(row)}`, `${name}[${i}]`);
      for (let j = 0; j < cols; j++) {
        const v = row[j];
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new ShapeError(`Expected finite numbers in ${name} but ${name}[${i}][${j}] is ${describe(v)}`, `${name}[${i}][${j}]`);
        data[i * cols + j] = v;
        if (!Number.isFinite(data[i * cols + j]!)) throw overflow(`${name}[${i}][${j}]`, v);
      }
    }
    out = { data, rows, cols };
  } else {
    const sparseLike = typeof X === 'object' && X !== null && ('indptr' in X || 'format' in X);
    throw new ShapeError(
      sparseLike
        ? `Expected ${name}.format to be 'csr' for sparse rows ({ format: 'csr', indptr, indices, values, rows, cols }) but received format ${describe((X as { format?: unknown }).format)}`
        : `Expected number[][], a Matrix ({ data, rows, cols }) or CSR rows ({ format: 'csr', … }) for ${name} but received ${describe(X)}`,
      sparseLike ? `${name}.format` : name,
    );
  }
  return out;
}

/** Converts targets to a Float64Array, checking length and finiteness. */
export function toVector(y: unknown, name: string, expectedLength: number): Float64Array {
  if (!(Array.isArray(y) || (ArrayBuffer.isView(y) && !(y instanceof DataView))))
    throw new ShapeError(`Expected number[] or a typed array for ${name} but received ${describe(y)}`, name);
  return readArgument(name, 'number[] or a typed array', y, () => {
    const a = y as ArrayLike<unknown>;
    const n = a.length;
    if (n !== expectedLength)
      throw new ShapeError(`Expected ${name} to have ${expectedLength} values (one per row of X) but received ${n}`, name);
    if (a instanceof Float64Array || a instanceof Float32Array) {
      // Typed floats: one native copy and one vectorized scan, not a JS loop (fit setup stays short even cold).
      const out = new Float64Array(a);
      const bad = firstNonFinite(out);
      if (bad >= 0) throw new ShapeError(`Expected finite numbers in ${name} but ${name}[${bad}] is ${describe(out[bad])}`, `${name}[${bad}]`);
      return out;
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = a[i];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new ShapeError(`Expected finite numbers in ${name} but ${name}[${i}] is ${describe(v)}`, `${name}[${i}]`);
      out[i] = v;
    }
    return out;
  }, ShapeError);
}

/**
 * Targets as a flat row-major Float64Array: a vector `[n]` (`cols` 1), or `[n, k]` — nested rows `number[][]` or
 * a Matrix `{ data, rows, cols }` — for multi-output regression and multi-label classification.
 * @throws ShapeError for a row count other than `rows`, ragged rows or a non-finite value (named by position).
 */
export function toTargets(y: unknown, name: string, rows: number): { y: Float64Array; cols: number } {
  const nested = Array.isArray(y) && y.length > 0 && Array.isArray(y[0]);
  const matrix = !Array.isArray(y) && !ArrayBuffer.isView(y) && typeof y === 'object' && y !== null && 'data' in y && 'cols' in y;
  if (!nested && !matrix) return { y: toVector(y, name, rows), cols: 1 };
  const m = toMatrix(y, name, 'float64');
  if (m.rows !== rows) throw new ShapeError(`Expected ${name} to have ${rows} rows (one per row of X) but received ${m.rows}`, name);
  const data = m.data === (y as { data?: unknown }).data ? Float64Array.from(m.data) : (m.data as Float64Array);
  return { y: data, cols: m.cols };
}

/** Rows `idx` of `m`, as a new matrix of the same dtype. */
export function takeRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = m.data instanceof Float64Array ? new Float64Array(idx.length * m.cols) : new Float32Array(idx.length * m.cols);
  for (let i = 0; i < idx.length; i++) out.set(m.data.subarray(idx[i]! * m.cols, (idx[i]! + 1) * m.cols), i * m.cols);
  return { data: out, rows: idx.length, cols: m.cols };
}
