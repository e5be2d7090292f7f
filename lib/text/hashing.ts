/**
 * Feature hashing of texts into a sparse matrix, exactly as scikit-learn's `HashingVectorizer` (1.2): tokens are the
 * maximal runs of ≥ 2 Unicode word characters (its default `token_pattern` `(?u)\b\w\w+\b`; Python's `\w` is
 * letters, numbers and `_`), optionally lowercased, joined into word n-grams with single spaces; each n-gram's
 * UTF-8 bytes are hashed by MurmurHash3 x86 32-bit with seed 0 (Appleby; scikit-learn's `murmurhash3_32`), the
 * column is `|h| mod nFeatures` (h = −2³¹ maps as scikit-learn maps it) and, with `alternateSign`, the value is
 * −1 for h < 0; duplicates in a row are summed, then each row is normalized (`norm` 'l2' default, 'l1' or null).
 * The result is CSR with indices sorted per row.
 */
import type { CsrMatrix } from '../data/sparse';
import { OptionError, ShapeError } from '../errors';
import { checkKeys, describe, num, oneOf } from '../validate';

export interface HashFeaturesOptions {
  /** Columns. Default 2^20 (scikit-learn's). */
  nFeatures?: number;
  /** Word n-gram lengths `[min, max]`. Default `[1, 1]`. */
  ngramRange?: [number, number];
  /** Sign each count by the hash's sign (scikit-learn's `alternate_sign`, against collisions). Default true. */
  alternateSign?: boolean;
  /** Lowercase before tokenizing. Default true. */
  lowercase?: boolean;
  /** Tokens: matches of this RegExp (its flags are kept; `g` is added). Default: runs of ≥ 2 of `[\p{L}\p{N}_]`. */
  tokenPattern?: RegExp;
  /** Row normalization: `'l2'` (default), `'l1'` or `null`. */
  norm?: 'l2' | 'l1' | null;
}

/** A sparse matrix in compressed sparse row form: row i's columns are `indices[indptr[i] … indptr[i + 1])`. */

/** MurmurHash3 x86 32-bit of `bytes` with `seed`, as a signed 32-bit integer (scikit-learn's `murmurhash3_32(…, positive=False)`). */
export function murmurhash3(bytes: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51, c2 = 0x1b873593;
  let h = seed | 0;
  const n = bytes.length, blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const DEFAULT_TOKENS = /[\p{L}\p{N}_]{2,}/gu;
const encoder = new TextEncoder();

/**
 * Hashes `texts` (`string[]`) into a `[texts.length, nFeatures]` CSR matrix of float64 values, equal to
 * scikit-learn's `HashingVectorizer(n_features, ngram_range, alternate_sign, lowercase, norm).transform(texts)`.
 * @throws ShapeError when `texts` is not an array of strings (naming the element); OptionError for bad options.
 */
export function hashFeatures(texts: readonly string[], options: HashFeaturesOptions = {}): CsrMatrix {
  const o = checkKeys('options', options, ['nFeatures', 'ngramRange', 'alternateSign', 'lowercase', 'tokenPattern', 'norm']);
  const nFeatures = num('nFeatures', o.nFeatures, { integer: true, min: 1, max: 2 ** 31 - 1 }, 2 ** 20);
  const range = o.ngramRange ?? [1, 1];
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => Number.isInteger(v) && v >= 1 && v <= 64) || range[0] > range[1])
    throw new OptionError(`Expected ngramRange as [min, max] with 1 ≤ min ≤ max ≤ 64 but received ${describe(range)}`, 'ngramRange');
  const [lo, hi] = range as [number, number];
  const alternateSign = o.alternateSign === undefined ? true : o.alternateSign;
  const lowercase = o.lowercase === undefined ? true : o.lowercase;
  if (typeof alternateSign !== 'boolean') throw new OptionError(`Expected a boolean for alternateSign but received ${describe(alternateSign)}`, 'alternateSign');
  if (typeof lowercase !== 'boolean') throw new OptionError(`Expected a boolean for lowercase but received ${describe(lowercase)}`, 'lowercase');
  if (o.tokenPattern !== undefined && !(o.tokenPattern instanceof RegExp)) throw new OptionError(`Expected a RegExp for tokenPattern but received ${describe(o.tokenPattern)}`, 'tokenPattern');
  const pattern = o.tokenPattern ? new RegExp((o.tokenPattern as RegExp).source, (o.tokenPattern as RegExp).flags.includes('g') ? (o.tokenPattern as RegExp).flags : (o.tokenPattern as RegExp).flags + 'g') : DEFAULT_TOKENS;
  const norm = o.norm === null ? null : oneOf('norm', o.norm, ['l2', 'l1'] as const, 'l2');
  if (!Array.isArray(texts)) throw new ShapeError(`Expected an array of strings for texts but received ${describe(texts)}`, 'texts');
  const indptr = new Int32Array(texts.length + 1);
  const idx: number[] = [], val: number[] = [];
  for (let r = 0; r < texts.length; r++) {
    const t = texts[r];
    if (typeof t !== 'string') throw new ShapeError(`Expected a string for texts[${r}] but received ${describe(t)}`, `texts[${r}]`);
    const doc = lowercase ? t.toLowerCase() : t;
    pattern.lastIndex = 0;
    const tokens = doc.match(pattern) ?? [];
    const row = new Map<number, number>();
    for (let n = lo; n <= hi; n++) {
      for (let i = 0; i + n <= tokens.length; i++) {
        const gram = n === 1 ? tokens[i]! : tokens.slice(i, i + n).join(' ');
        const h = murmurhash3(encoder.encode(gram), 0);
        // scikit-learn: abs(h) % n_features, with abs(-2^31) defined as (2^31 − 1 − (n − 1)) % n.
        const col = h === -2147483648 ? (2147483647 - (nFeatures - 1)) % nFeatures : Math.abs(h) % nFeatures;
        row.set(col, (row.get(col) ?? 0) + (alternateSign && h < 0 ? -1 : 1));
      }
    }
    const cols = [...row.keys()].sort((a, b) => a - b);
    let s = 0;
    for (const c of cols) s += norm === 'l1' ? Math.abs(row.get(c)!) : row.get(c)! ** 2;
    const scale = norm === null || s === 0 ? 1 : norm === 'l1' ? s : Math.sqrt(s);
    for (const c of cols) {
      const v = row.get(c)!;
      // A +1 and a −1 that collide sum to an explicit 0, which scikit-learn keeps (sum_duplicates, no eliminate_zeros).
      idx.push(c);
      val.push(v / scale);
    }
    indptr[r + 1] = idx.length;
  }
  return { format: 'csr', indptr, indices: Int32Array.from(idx), values: Float64Array.from(val), rows: texts.length, cols: nFeatures };
}
