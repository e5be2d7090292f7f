/**
 * Dense row-major matrices and the one-time conversion of user input (nested arrays or typed arrays) into them.
 * Every check names the argument and the offending position.
 */
import { ShapeError } from '../errors';
import { requireMemory } from '../memory';
import { describe } from '../validate';
import type { Dtype, FloatArray } from '../backend/types';

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

export function isMatrix(x: unknown): x is Matrix {
  return (
    typeof x === 'object' && x !== null && ArrayBuffer.isView((x as Matrix).data) &&
    typeof (x as Matrix).rows === 'number' && typeof (x as Matrix).cols === 'number'
  );
}

export function arrayFor(dtype: Dtype, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** Builds a {@link Matrix}, checking `data.length === rows * cols`. */
export function matrix(data: FloatArray, rows: number, cols: number): Matrix {
  if (!(data instanceof Float32Array || data instanceof Float64Array))
    throw new ShapeError(`Expected a Float32Array or Float64Array for data but received ${describe(data)}`, 'data');
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 1 || data.length !== rows * cols)
    throw new ShapeError(`Expected data of length rows * cols = ${rows} * ${cols} but received length ${data.length}`, 'data');
  return { data, rows, cols };
}

function overflow(cell: string, v: number): ShapeError {
  return new ShapeError(`${cell} = ${v} overflows float32 (largest finite value 3.4028235e38); use dtype 'float64' or rescale the data`, cell);
}

/** Throws ShapeError naming `name[i]` when a value of `src` became ±Infinity in the `dtype` copy `dst`. */
export function requireRepresentable(dst: FloatArray, src: ArrayLike<number>, name: string, dtype: Dtype): void {
  if (dtype === 'float64') return;
  for (let i = 0; i < dst.length; i++) if (!Number.isFinite(dst[i]!)) throw overflow(`${name}[${i}]`, src[i]!);
}

/**
 * Converts features to a matrix of `dtype`, copying once. Throws `ShapeError` for empty input, ragged rows
 * (naming the row) and NaN/±Infinity (naming the cell, e.g. `X[3][1]`).
 */
export function toMatrix(X: unknown, name: string, dtype: Dtype, expectedCols?: number): Matrix {
  let out: Matrix;
  if (isMatrix(X)) {
    const { data, rows, cols } = X;
    if (!(data instanceof Float32Array || data instanceof Float64Array) || data.length !== rows * cols || !Number.isInteger(cols) || cols < 1)
      throw new ShapeError(`Expected ${name}.data to be a Float32Array or Float64Array of length rows * cols but received ${describe(data)} with rows=${rows}, cols=${cols}`, name);
    requireMemory(data.length * (dtype === 'float64' ? 8 : 4), name, `A ${dtype} copy of ${name} (${rows} × ${cols})`);
    const copy = arrayFor(dtype, data.length);
    copy.set(data);
    out = { data: copy, rows, cols };
    for (let i = 0; i < copy.length; i++) {
      if (!Number.isFinite(copy[i]!)) {
        const cell = `${name}[${Math.floor(i / cols)}][${i % cols}]`;
        if (Number.isFinite(data[i]!)) throw overflow(cell, data[i]!);
        throw new ShapeError(`Expected finite numbers in ${name} but ${cell} is ${describe(data[i])}`, name);
      }
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
    throw new ShapeError(`Expected number[][] or a Matrix ({ data, rows, cols }) for ${name} but received ${describe(X)}`, name);
  }
  if (out.rows === 0) throw new ShapeError(`Expected at least one row in ${name} but received 0 rows`, name);
  if (expectedCols !== undefined && out.cols !== expectedCols)
    throw new ShapeError(`Expected ${expectedCols} columns in ${name} (as in training) but received ${out.cols}`, name);
  return out;
}

/** Converts targets to a Float64Array, checking length and finiteness. */
export function toVector(y: unknown, name: string, expectedLength: number): Float64Array {
  if (!(Array.isArray(y) || (ArrayBuffer.isView(y) && !(y instanceof DataView))))
    throw new ShapeError(`Expected number[] or a typed array for ${name} but received ${describe(y)}`, name);
  const a = y as ArrayLike<unknown>;
  if (a.length !== expectedLength)
    throw new ShapeError(`Expected ${name} to have ${expectedLength} values (one per row of X) but received ${a.length}`, name);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ShapeError(`Expected finite numbers in ${name} but ${name}[${i}] is ${describe(v)}`, `${name}[${i}]`);
    out[i] = v;
  }
  return out;
}

/** Rows `idx` of `m`, as a new matrix of the same dtype. */
export function takeRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = m.data instanceof Float64Array ? new Float64Array(idx.length * m.cols) : new Float32Array(idx.length * m.cols);
  for (let i = 0; i < idx.length; i++) out.set(m.data.subarray(idx[i]! * m.cols, (idx[i]! + 1) * m.cols), i * m.cols);
  return { data: out, rows: idx.length, cols: m.cols };
}
