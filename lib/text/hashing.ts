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

/** MurmurHash3 x86 32-bit's block scramble of one 32-bit word. */
function scramble(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

/** MurmurHash3 x86 32-bit's finalization mix, over `n` bytes hashed. */
function finalize(h: number, n: number): number {
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** MurmurHash3 x86 32-bit of `bytes` with `seed`, as a signed 32-bit integer (scikit-learn's `murmurhash3_32(…, positive=False)`). */
export function murmurhash3(bytes: Uint8Array, seed = 0): number {
  let h = seed | 0;
  const n = bytes.length, blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h ^= scramble(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    h ^= scramble(k);
  }
  return finalize(h, n);
}

/** MurmurHash3 (as {@link murmurhash3}, seed 0) of the UTF-8 bytes of `s[start, end)`, which holds only ASCII. */
function murmurAscii(s: string, start: number, end: number): number {
  let h = 0;
  const n = end - start, blocks = start + (n & ~3);
  for (let i = start; i < blocks; i += 4) {
    let k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
    h ^= scramble(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= s.charCodeAt(blocks + 2) << 16;
    if (tail >= 2) k ^= s.charCodeAt(blocks + 1) << 8;
    k ^= s.charCodeAt(blocks);
    h ^= scramble(k);
  }
  return finalize(h, n);
}

const encoder = new TextEncoder();
let utf8 = new Uint8Array(1024);
/** MurmurHash3 of a string's UTF-8 bytes, encoded into a reused buffer (TextEncoder.encode allocates per call). */
function murmurString(s: string): number {
  if (utf8.length < 3 * s.length) utf8 = new Uint8Array(3 * s.length + 1024);
  const { written } = encoder.encodeInto(s, utf8);
  return murmurhash3(utf8.subarray(0, written), 0);
}

// scikit-learn's default token_pattern (?u)\b\w\w+\b: runs of two or more word characters, [\p{L}\p{N}_] (JS
// \b is ASCII-only, so the run is matched directly). ASCII by table, other code points by the Unicode class.
const ASCII_WORD = new Uint8Array(128).map((_, c) => (/[A-Za-z0-9_]/.test(String.fromCharCode(c)) ? 1 : 0));
const UNICODE_WORD = /^[\p{L}\p{N}_]$/u;
const wordCache = new Map<number, boolean>();
function isWord(cp: number): boolean {
  if (cp < 128) return ASCII_WORD[cp] === 1;
  let w = wordCache.get(cp);
  if (w === undefined) {
    w = UNICODE_WORD.test(String.fromCodePoint(cp));
    if (wordCache.size < 65536) wordCache.set(cp, w);
  }
  return w;
}

/**
 * The default pattern's tokens of `doc` as [start, end) code-unit offsets into `spans` (reused) and whether each
 * is ASCII into `ascii`; returns the count. Equal to `doc.match(/[\p{L}\p{N}_]{2,}/gu)`, without the strings.
 */
function scanTokens(doc: string, spans: number[], ascii: boolean[]): number {
  let count = 0;
  const n = doc.length;
  let i = 0;
  while (i < n) {
    let cp = doc.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) cp = doc.codePointAt(i)!;
    if (!isWord(cp)) {
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const start = i;
    let points = 0, isAscii = true;
    while (i < n) {
      let c = doc.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) c = doc.codePointAt(i)!;
      if (!isWord(c)) break;
      if (c >= 128) isAscii = false;
      points++;
      i += c > 0xffff ? 2 : 1;
    }
    if (points >= 2) {
      spans[2 * count] = start;
      spans[2 * count + 1] = i;
      ascii[count] = isAscii;
      count++;
    }
  }
  return count;
}

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
  const pattern = o.tokenPattern ? new RegExp((o.tokenPattern as RegExp).source, (o.tokenPattern as RegExp).flags.includes('g') ? (o.tokenPattern as RegExp).flags : (o.tokenPattern as RegExp).flags + 'g') : undefined;
  const norm = o.norm === null ? null : oneOf('norm', o.norm, ['l2', 'l1'] as const, 'l2');
  if (!Array.isArray(texts)) throw new ShapeError(`Expected an array of strings for texts but received ${describe(texts)}`, 'texts');
  const indptr = new Int32Array(texts.length + 1);
  let idx = new Int32Array(1024), val = new Float64Array(1024), nnz = 0;
  const spans: number[] = [], ascii: boolean[] = [];
  let tokens: string[] = [];
  // One row's (column, ±1) pairs, sorted and merged: typed arrays reused across rows.
  let cols = new Int32Array(256), signs = new Float64Array(256), order = new Uint32Array(256);
  for (let r = 0; r < texts.length; r++) {
    const t = texts[r];
    if (typeof t !== 'string') throw new ShapeError(`Expected a string for texts[${r}] but received ${describe(t)}`, `texts[${r}]`);
    const doc = lowercase ? t.toLowerCase() : t;
    let ntok: number;
    if (pattern) {
      pattern.lastIndex = 0;
      tokens = doc.match(pattern) ?? [];
      ntok = tokens.length;
    } else {
      ntok = scanTokens(doc, spans, ascii);
      if (hi > 1) {
        tokens.length = ntok;
        for (let i = 0; i < ntok; i++) tokens[i] = doc.slice(spans[2 * i]!, spans[2 * i + 1]!);
      }
    }
    let m = 0;
    for (let n = lo; n <= hi; n++) m += Math.max(0, ntok - n + 1);
    if (cols.length < m) {
      cols = new Int32Array(2 * m);
      signs = new Float64Array(2 * m);
      order = new Uint32Array(2 * m);
    }
    let k = 0;
    for (let n = lo; n <= hi; n++) {
      for (let i = 0; i + n <= ntok; i++) {
        let h: number;
        if (n === 1 && !pattern) h = ascii[i] ? murmurAscii(doc, spans[2 * i]!, spans[2 * i + 1]!) : murmurString(doc.slice(spans[2 * i]!, spans[2 * i + 1]!));
        else h = murmurString(n === 1 ? tokens[i]! : tokens.slice(i, i + n).join(' '));
        // scikit-learn: abs(h) % n_features, with abs(-2^31) defined as (2^31 − 1 − (n − 1)) % n.
        cols[k] = h === -2147483648 ? (2147483647 - (nFeatures - 1)) % nFeatures : Math.abs(h) % nFeatures;
        signs[k] = alternateSign && h < 0 ? -1 : 1;
        order[k] = k;
        k++;
      }
    }
    const ord = order.subarray(0, k).sort((a, b) => cols[a]! - cols[b]! || a - b);
    if (idx.length < nnz + k) {
      const grow = Math.max(2 * idx.length, nnz + k);
      const i2 = new Int32Array(grow), v2 = new Float64Array(grow);
      i2.set(idx.subarray(0, nnz));
      v2.set(val.subarray(0, nnz));
      idx = i2;
      val = v2;
    }
    const rowStart = nnz;
    for (let q = 0; q < k; q++) {
      const c = cols[ord[q]!]!;
      // A +1 and a −1 that collide sum to an explicit 0, which scikit-learn keeps (sum_duplicates, no eliminate_zeros).
      if (nnz > rowStart && idx[nnz - 1] === c) val[nnz - 1] = val[nnz - 1]! + signs[ord[q]!]!;
      else {
        idx[nnz] = c;
        val[nnz] = signs[ord[q]!]!;
        nnz++;
      }
    }
    if (norm !== null) {
      let s = 0;
      for (let q = rowStart; q < nnz; q++) s += norm === 'l1' ? Math.abs(val[q]!) : val[q]! * val[q]!;
      const scale = s === 0 ? 1 : norm === 'l1' ? s : Math.sqrt(s);
      for (let q = rowStart; q < nnz; q++) val[q] = val[q]! / scale;
    }
    indptr[r + 1] = nnz;
  }
  return { format: 'csr', indptr, indices: idx.slice(0, nnz), values: val.slice(0, nnz), rows: texts.length, cols: nFeatures };
}

/** One record of a text stream: the text and its target (a class index or a regression value). */
export interface TextRecord {
  text: string;
  y: number;
}

/**
 * Streams a corpus as CSR chunks for `fit(source)`: reads `{ text, y }` records from an (async) iterable, hashes
 * `chunkRows` (default 4096) at a time with {@link hashFeatures} and yields `{ x: CsrMatrix, y: Float64Array }`, so
 * memory holds one chunk, not the corpus. One pass per call: for several epochs give `fit` a function returning a
 * fresh stream, `fit(() => hashStream(readRecords(), o), { epochs: 5, classes: 2 })`.
 * @throws ShapeError for a record that is not `{ text: string, y: number }` (naming its position); OptionError
 * for bad options (checked before the first record is read).
 */
export async function* hashStream(
  records: AsyncIterable<TextRecord> | Iterable<TextRecord>,
  options: HashFeaturesOptions & { chunkRows?: number } = {},
): AsyncGenerator<{ x: CsrMatrix; y: Float64Array }> {
  const { chunkRows: cr, ...hashOptions } = checkKeys('options', options, ['nFeatures', 'ngramRange', 'alternateSign', 'lowercase', 'tokenPattern', 'norm', 'chunkRows']);
  const chunkRows = num('chunkRows', cr, { integer: true, min: 1, max: 1 << 24 }, 4096);
  hashFeatures([], hashOptions); // validates the options now, not at the first full chunk
  const isIterable = (v: unknown) => typeof v === 'object' && v !== null && (Symbol.asyncIterator in v || Symbol.iterator in v);
  if (!isIterable(records)) throw new ShapeError(`Expected an iterable or async iterable of { text, y } records but received ${describe(records)}`, 'records');
  let texts: string[] = [], ys: number[] = [], seen = 0;
  for await (const r of records as AsyncIterable<TextRecord>) {
    if (typeof r !== 'object' || r === null || typeof r.text !== 'string' || typeof r.y !== 'number')
      throw new ShapeError(`Expected records { text: string, y: number } but record ${seen} is ${describe(r)}`, `records[${seen}]`);
    texts.push(r.text);
    ys.push(r.y);
    seen++;
    if (texts.length === chunkRows) {
      yield { x: hashFeatures(texts, hashOptions), y: Float64Array.from(ys) };
      texts = [];
      ys = [];
    }
  }
  if (texts.length > 0) yield { x: hashFeatures(texts, hashOptions), y: Float64Array.from(ys) };
}
