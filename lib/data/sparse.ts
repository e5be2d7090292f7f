/**
 * Sparse rows in compressed sparse row form, as scipy's `csr_matrix`: row i's non-zeros are `values[k]` at columns
 * `indices[k]` for k in `[indptr[i], indptr[i + 1])`. `hashFeatures` makes them; `fit`, `partialFit`, `predict`
 * and `evaluate` of the linear models and MLPs take them as `X`.
 */
import { OptionError, ShapeError } from '../errors';
import type { Dtype } from '../engine/spec';
import type { CsrData, FloatArray } from '../backend/types';
export type { CsrData };
import { describe } from '../validate';
import type { Matrix } from './matrix';

/** `X` as CSR: `indptr` `[rows + 1]`, `indices` and `values` `[nnz]`; column indices sorted or not (duplicates add up). */
export interface CsrMatrix {
  format: 'csr';
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array | Float32Array;
  rows: number;
  cols: number;
}

/** A validated CSR matrix whose values are in the trainer's dtype. */
export interface CsrRows extends CsrMatrix {
  values: FloatArray;
}

export function isCsr(x: unknown): x is CsrMatrix {
  return typeof x === 'object' && x !== null && (x as { format?: unknown }).format === 'csr';
}

/**
 * Validates a CSR matrix and returns it with values in `dtype` (the arrays are used as given when they already are
 * Int32Array and the dtype's array; otherwise copied). Checks: integer `rows ≥ 1` and `cols ≥ 1` (equal to
 * `cols` when given), `indptr` of length rows + 1 starting at 0 and non-decreasing, `indices` and `values` of
 * length `indptr[rows]`, every index in `[0, cols)`, every value finite (and representable in float32).
 * @throws ShapeError naming the bad array element.
 */
export function toCsr(x: CsrMatrix, name: string, dtype: Dtype, cols?: number): CsrRows {
  const rows = x.rows, c = x.cols;
  if (!(Number.isInteger(rows) && rows >= 1)) throw new ShapeError(`Expected ${name}.rows to be a positive integer but received ${describe(rows)}`, `${name}.rows`);
  if (!(Number.isInteger(c) && c >= 1 && c <= 2 ** 31 - 1)) throw new ShapeError(`Expected ${name}.cols to be a positive integer below 2^31 but received ${describe(c)}`, `${name}.cols`);
  if (cols !== undefined && c !== cols) throw new ShapeError(`Expected ${cols} columns (features) in ${name} but ${name}.cols is ${c}`, `${name}.cols`);
  const ints = (a: unknown, what: string): Int32Array => {
    if (a instanceof Int32Array) return a;
    if (!(Array.isArray(a) || (ArrayBuffer.isView(a) && !(a instanceof DataView))))
      throw new ShapeError(`Expected an Int32Array (or array of integers) for ${name}.${what} but received ${describe(a)}`, `${name}.${what}`);
    const src = a as ArrayLike<unknown>;
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (!(typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) throw new ShapeError(`Expected 32-bit integers in ${name}.${what} but ${name}.${what}[${i}] is ${describe(v)}`, `${name}.${what}[${i}]`);
      out[i] = v;
    }
    return out;
  };
  const indptr = ints(x.indptr, 'indptr');
  const indices = ints(x.indices, 'indices');
  if (indptr.length !== rows + 1) throw new ShapeError(`Expected ${name}.indptr to have length ${rows + 1} (rows + 1) but received length ${indptr.length}`, `${name}.indptr`);
  if (indptr[0] !== 0) throw new ShapeError(`Expected ${name}.indptr[0] to be 0 but received ${indptr[0]}`, `${name}.indptr[0]`);
  for (let i = 0; i < rows; i++)
    if (indptr[i + 1]! < indptr[i]!) throw new ShapeError(`Expected ${name}.indptr to be non-decreasing but ${name}.indptr[${i + 1}] = ${indptr[i + 1]} < ${name}.indptr[${i}] = ${indptr[i]}`, `${name}.indptr[${i + 1}]`);
  const nnz = indptr[rows]!;
  if (indices.length !== nnz) throw new ShapeError(`Expected ${name}.indices to have length ${nnz} (${name}.indptr[rows], the number of non-zeros) but received length ${indices.length}`, `${name}.indices`);
  for (let k = 0; k < nnz; k++)
    if (!(indices[k]! >= 0 && indices[k]! < c)) throw new ShapeError(`Expected column indices in [0, ${c}) but ${name}.indices[${k}] is ${indices[k]}`, `${name}.indices[${k}]`);
  const v = x.values as unknown;
  if (!(Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array))))
    throw new ShapeError(`Expected a Float64Array, Float32Array or array of numbers for ${name}.values but received ${describe(v)}`, `${name}.values`);
  const src = v as ArrayLike<number>;
  if (src.length !== nnz) throw new ShapeError(`Expected ${name}.values to have length ${nnz} (${name}.indptr[rows], the number of non-zeros) but received length ${src.length}`, `${name}.values`);
  const F = dtype === 'float64' ? Float64Array : Float32Array;
  // Plain arrays are checked before conversion (F.from would turn null, '1' and true into numbers).
  if (Array.isArray(src))
    for (let k = 0; k < nnz; k++)
      if (typeof src[k] !== 'number') throw new ShapeError(`Expected finite numbers in ${name}.values but ${name}.values[${k}] is ${describe(src[k])}`, `${name}.values[${k}]`);
  const values = src instanceof F ? src : F.from(src);
  for (let k = 0; k < nnz; k++) {
    if (!Number.isFinite(values[k]!)) {
      const given = src[k];
      throw new ShapeError(`Expected finite values in ${name}.values but ${name}.values[${k}] is ${describe(given)}${Number.isFinite(given) ? ` (not representable in ${dtype})` : ''}`, `${name}.values[${k}]`);
    }
  }
  return { format: 'csr', indptr, indices, values, rows, cols: c };
}

/** The rows `idx` of a CSR matrix (in that order). */
export function takeRowsCsr(m: CsrRows, idx: ArrayLike<number>): CsrRows {
  const indptr = new Int32Array(idx.length + 1);
  for (let r = 0; r < idx.length; r++) indptr[r + 1] = indptr[r]! + m.indptr[idx[r]! + 1]! - m.indptr[idx[r]!]!;
  const indices = new Int32Array(indptr[idx.length]!);
  const values = new (m.values instanceof Float64Array ? Float64Array : Float32Array)(indices.length);
  for (let r = 0; r < idx.length; r++) {
    const a = m.indptr[idx[r]!]!, b = m.indptr[idx[r]! + 1]!;
    indices.set(m.indices.subarray(a, b), indptr[r]!);
    values.set(m.values.subarray(a, b), indptr[r]!);
  }
  return { format: 'csr', indptr, indices, values, rows: idx.length, cols: m.cols };
}

/** Training or evaluation rows: dense row-major, or CSR. */
export type Rows = Matrix | CsrRows;

/** The trainer's view of rows: the dense array, or the CSR arrays. */
export function trainerRows(m: Rows): FloatArray | CsrRows {
  return isCsr(m) ? m : m.data;
}

/** Refuses what CSR input does not support, naming the option. */
export function refuseWithCsr(option: string, why: string): never {
  throw new OptionError(`${option} is not supported with sparse (CSR) X: ${why}`, option);
}
