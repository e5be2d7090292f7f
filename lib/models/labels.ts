/**
 * Class labels of any kind for the classifiers (scikit-learn's `LabelEncoder` semantics): `fit` encodes the
 * training labels to indices `0 … k−1` of the sorted distinct labels, `predict` decodes, and the labels are saved
 * with the model. Labels that are already the indices `0 … k−1` (every one of them present, or 0/1 for a binary
 * model) are kept as they are, so numeric code sees no change; anything else — strings, labels 1…3, −1/+1 — is
 * encoded.
 */
import { ShapeError } from '../errors';
import { describe } from '../validate';

/** A model's classes: numbers or strings, sorted (numbers ascending, strings by UTF-16 code units as numpy). */
export type ClassLabels = number[] | string[];

/** What a classifier's predict returns: numbers (Float64Array) for numeric classes, strings for string classes. */
export type Labels = Float64Array | string[];

/** Whether `y` holds any string (then every label must be a string). */
function isStringLabels(y: ArrayLike<unknown>): boolean {
  return Array.isArray(y) && y.some((v) => typeof v === 'string');
}

/**
 * The classes of training labels `y` (an array or typed array, length checked by the caller), or undefined when
 * the labels are already indices `0 … k−1` (binary: a subset of {0, 1}; with a fixed output layer of k units,
 * any integers in [0, k)) and stay as they are.
 * @throws ShapeError naming `name[i]` for a label that is neither a finite number nor a string, or a mix of both.
 */
export function classesOf(y: unknown, name: string, binary: boolean, fixedOutputs?: number): ClassLabels | undefined {
  if (!(Array.isArray(y) || (ArrayBuffer.isView(y) && !(y instanceof DataView)))) return undefined; // toVector reports it
  const a = y as ArrayLike<unknown>;
  if (isStringLabels(a)) {
    // Labels of one kind: name the first label whose kind differs from the first one's.
    const firstIsString = typeof a[0] === 'string';
    for (let i = 1; i < a.length; i++) {
      if ((typeof a[i] === 'string') !== firstIsString)
        throw new ShapeError(`Expected labels of one kind in ${name}, all numbers or all strings, but ${name}[0] is ${describe(a[0])} and ${name}[${i}] is ${describe(a[i])}`, `${name}[${i}]`);
    }
    const set = new Set<string>();
    for (let i = 0; i < a.length; i++) set.add(a[i] as string);
    return [...set].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  }
  const set = new Set<number>();
  let identity = true;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined; // toVector names the bad value
    if (!set.has(v)) {
      set.add(v);
      if (!(Number.isInteger(v) && v >= 0)) identity = false;
    }
  }
  const sorted = [...set].sort((p, q) => p - q);
  if (identity) {
    if (binary && sorted.every((v) => v === 0 || v === 1)) return undefined;
    if (!binary && sorted.every((v, i) => v === i)) return undefined;
    // A fixed output layer (Sequential) of k units: integer labels below k are its indices, all present or not.
    if (!binary && fixedOutputs !== undefined && sorted[sorted.length - 1]! < fixedOutputs) return undefined;
  }
  return sorted;
}

/**
 * `y` as class indices under `classes` (Float64Array), for training, evaluation and validation labels.
 * @throws ShapeError naming `name[i]` for a label that is not one of the classes.
 */
export function encodeLabels(y: unknown, classes: ClassLabels, name: string): Float64Array {
  if (!(Array.isArray(y) || (ArrayBuffer.isView(y) && !(y instanceof DataView)))) return y as never; // toVector reports it
  const a = y as ArrayLike<unknown>;
  const index = new Map<unknown, number>();
  classes.forEach((c, i) => index.set(c, i));
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const j = index.get(a[i]);
    if (j === undefined) {
      const shown = classes.length <= 10 ? classes.map((c) => JSON.stringify(c)).join(', ') : `${classes.length} classes`;
      throw new ShapeError(`Expected a label the model was trained on (${shown}) for ${name}[${i}] but it is ${describe(a[i])}`, `${name}[${i}]`);
    }
    out[i] = j;
  }
  return out;
}

/** Class indices (a head's predictions) as labels. */
export function decodeLabels(indices: Float64Array, classes: ClassLabels | undefined): Labels {
  if (!classes) return indices;
  if (typeof classes[0] === 'string') return Array.from(indices, (i) => (classes as string[])[i]!);
  return Float64Array.from(indices, (i) => (classes as number[])[i]!);
}

/**
 * Checks classes read from a model file: a non-empty array of distinct finite numbers or of distinct strings,
 * sorted, `k` of them (the output width; 2 for a one-logit head).
 */
export function validClasses(v: unknown, k: number): v is ClassLabels {
  if (!Array.isArray(v) || v.length !== k) return false;
  const strings = v.every((c) => typeof c === 'string');
  const numbers = v.every((c) => typeof c === 'number' && Number.isFinite(c));
  if (!strings && !numbers) return false;
  for (let i = 1; i < v.length; i++) if (!(v[i - 1] < v[i])) return false;
  return true;
}
