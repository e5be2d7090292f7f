/**
 * IDX file loading: the format of MNIST and Fashion-MNIST, as described on Yann LeCun's MNIST page
 * (http://yann.lecun.com/exdb/mnist/, section "The IDX file format").
 *
 * Layout: two zero bytes, a dtype byte (0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int, 0x0D float, 0x0E double),
 * a byte with the number of dimensions, each dimension as a big-endian uint32, then the data, big-endian and
 * row-major (last index changes fastest).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FormatError, IOError } from '../errors';
import { readFileChecked } from '../io/util';
import { checkKeys, invalid, num, oneOf } from '../validate';
import type { Dtype, FloatArray } from '../backend/types';
import { arrayFor } from './matrix';
import type { Dataset } from './csv';

/** An n-dimensional array read from an IDX file, in host byte order. */
export interface IdxArray {
  /** Element type, from the dtype byte (0x08 → uint8, 0x09 → int8, 0x0B → int16, 0x0C → int32, 0x0D → float32, 0x0E → float64). */
  dtype: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  /** Dimensions, outermost first (e.g. `[60000, 28, 28]` for MNIST training images). */
  shape: number[];
  /**
   * Elements in row-major order; `data.length` is the product of `shape`. Never a view of a caller's buffer, but
   * uint8/int8 data from {@link loadIdx} may sit at a nonzero `byteOffset` of a private buffer (after the header).
   */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

type IdxCtor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

const DTYPES: ReadonlyMap<number, { name: IdxArray['dtype']; size: number; ctor: IdxCtor }> = new Map([
  [0x08, { name: 'uint8', size: 1, ctor: Uint8Array }],
  [0x09, { name: 'int8', size: 1, ctor: Int8Array }],
  [0x0b, { name: 'int16', size: 2, ctor: Int16Array }],
  [0x0c, { name: 'int32', size: 4, ctor: Int32Array }],
  [0x0d, { name: 'float32', size: 4, ctor: Float32Array }],
  [0x0e, { name: 'float64', size: 8, ctor: Float64Array }],
] as const);

// IDX is big-endian; typed arrays use the host order, so multi-byte elements are swapped on little-endian hosts.
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Upper bound for a gunzipped IDX file, so a gzip bomb fails cleanly instead of exhausting memory. */
const MAX_GUNZIPPED_BYTES = 2 ** 31; // 2 GiB

/** Reverses each `size`-byte group of `bytes` in place. */
function swapBytes(bytes: Uint8Array, size: number): void {
  const n = bytes.length;
  if (size === 2) {
    for (let i = 0; i < n; i += 2) {
      const a = bytes[i]!;
      bytes[i] = bytes[i + 1]!;
      bytes[i + 1] = a;
    }
  } else {
    for (let i = 0; i < n; i += size) {
      for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
        const a = bytes[lo]!;
        bytes[lo] = bytes[hi]!;
        bytes[hi] = a;
      }
    }
  }
}

/**
 * Parses and validates; `copyBytes = false` lets internal callers take a view of `buf` for uint8/int8 data
 * (saves a copy of a 47 MB image file that is converted to floats right away).
 */
function parse(buf: Uint8Array, source: string, argument: string, copyBytes: boolean): IdxArray {
  const bad = (problem: string) => new FormatError(`Malformed IDX data in ${source}: ${problem}`, argument);
  if (!(ArrayBuffer.isView(buf) && buf instanceof Uint8Array)) throw invalid(argument, 'a Uint8Array or Buffer', buf);
  if (buf.length < 4) throw bad(`expected at least 4 header bytes but found ${buf.length}`);
  if (buf[0] !== 0 || buf[1] !== 0)
    throw bad(`bad magic number: expected the first two bytes to be 0x00 0x00 but found 0x${hex(buf[0]!)} 0x${hex(buf[1]!)}`);
  const code = buf[2]!;
  const dt = DTYPES.get(code);
  if (!dt) throw bad(`unknown dtype code 0x${hex(code)} (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)`);
  const ndim = buf[3]!;
  if (ndim < 1) throw bad('number of dimensions is 0 (expected at least 1)');
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes)
    throw bad(`truncated header: ${ndim} dimensions need ${headerBytes} header bytes but the data has only ${buf.length}`);

  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false)); // unsigned, so always >= 0
  const remaining = buf.length - headerBytes;
  // Check the element count against the bytes actually present before any allocation. A zero dimension makes the
  // product 0 whatever the others are; otherwise stop as soon as the running product needs more bytes than exist,
  // so the product stays far below 2^53 and a corrupt header (e.g. 0xFFFFFFFF × 0xFFFFFFFF) can't overflow.
  let count = 0;
  if (!shape.includes(0)) {
    count = 1;
    for (const d of shape) {
      count *= d;
      if (count * dt.size > remaining)
        throw bad(
          `dimensions [${shape.join(', ')}] of ${dt.name} need more than the ${remaining} data bytes present ` +
            `(data shorter than the header says)`,
        );
    }
  }
  const dataBytes = count * dt.size;
  if (dataBytes !== remaining)
    throw bad(
      `dimensions [${shape.join(', ')}] of ${dt.name} need ${dataBytes} data bytes but ${remaining} follow the header ` +
        `(${remaining < dataBytes ? 'data shorter than' : 'data longer than'} the header says)`,
    );

  const body = buf.subarray(headerBytes);
  let data: IdxArray['data'];
  if (dt.size === 1) {
    const bytes = copyBytes ? new Uint8Array(body) : body;
    data = dt.name === 'int8' ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
  } else {
    // Copy the raw bytes into a fresh (hence aligned) array, then fix the byte order in place: much faster than a
    // DataView call per element.
    data = new dt.ctor(count);
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    raw.set(body);
    if (HOST_LITTLE_ENDIAN) swapBytes(raw, dt.size);
  }
  return { dtype: dt.name, shape, data };
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * Parses an IDX buffer (the MNIST file format, see Yann LeCun's MNIST page, http://yann.lecun.com/exdb/mnist/).
 *
 * Validates the header (two zero bytes, a known dtype code, at least one dimension, a complete dimension list)
 * and that the product of the dimensions times the element size equals the bytes after the header exactly.
 * Multi-byte elements are converted from big-endian to host order. The returned data is a copy, not a view of `buf`.
 *
 * @param buf - the whole file contents (not gzipped; see {@link loadIdx} for .gz files).
 * @param source - a name for error messages, e.g. the file path.
 * @throws FormatError naming `source` and the problem (too short, bad magic, unknown dtype, truncated header,
 *   data shorter or longer than the dimensions say); OptionError when `buf` is not a Uint8Array/Buffer or `source`
 *   not a string.
 */
export function parseIdx(buf: Uint8Array, source = '<buffer>'): IdxArray {
  if (typeof source !== 'string') throw invalid('source', 'a string naming the data (e.g. its file path)', source);
  return parse(buf, source, 'buf', true);
}

/** Reads a file, gunzipping it when it starts with the gzip magic bytes 1f 8b. */
function readMaybeGzip(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileChecked(file);
  } catch (e) {
    if (!(e instanceof IOError)) throw e;
    // Missing or unreadable is an IOError on every entry point (as loadCsv, loadModel and streaming fits).
    throw new IOError(`Cannot read IDX file ${JSON.stringify(file)}: ${(e as Error).message.replace(/^Cannot read "[^"]*": /, '')}`, 'path', { cause: e });
  }
  // Decide by content, not by name: an IDX file always starts with 00 00, so 1f 8b is unambiguous.
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return zlib.gunzipSync(raw, { maxOutputLength: MAX_GUNZIPPED_BYTES });
    } catch (e) {
      throw new FormatError(`Cannot gunzip IDX file ${JSON.stringify(file)}: ${(e as Error).message}`, 'path', { cause: e });
    }
  }
  return raw;
}

/**
 * Reads an IDX file (MNIST format, see Yann LeCun's MNIST page, http://yann.lecun.com/exdb/mnist/), plain or
 * gzipped. Gzip is detected from the magic bytes 1f 8b, not the file name, and decompressed with Node's zlib
 * (output capped at 2 GiB).
 *
 * @param path - the file to read.
 * @throws IOError when the file cannot be read, FormatError when it cannot be gunzipped (both with the original error as `cause`) or is
 *   malformed (see {@link parseIdx}).
 */
export function loadIdx(path: string): IdxArray {
  if (typeof path !== 'string' || path === '') throw invalid('path', 'a file path string', path);
  const buf = readMaybeGzip(path);
  // Small reads and gunzip outputs can be slices of a larger pooled ArrayBuffer: copy those so the result owns
  // its memory; large files own their buffer already, and skipping the copy saves time and memory.
  return parse(buf, path, 'path', buf.buffer.byteLength !== buf.byteLength);
}

/** Default install location of the Debian/Ubuntu package `dataset-fashion-mnist`. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

const INSTALL_HINT = 'install it with `apt-get install -y dataset-fashion-mnist` or pass the directory holding the IDX files';

/** Options of {@link loadFashionMnist}. */
export interface LoadFashionMnistOptions {
  /** Storage type of X. Default `'float32'`. */
  dtype?: Dtype;
  /** Keep only the first `limit` rows of each split (for quick runs). Default: all rows. */
  limit?: number;
}

/** Finds `base.gz`, else `base`, in `dir`. */
function findFile(dir: string, base: string): string {
  for (const name of [`${base}.gz`, base]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new IOError(`Fashion-MNIST file ${base}(.gz) not found in ${JSON.stringify(dir)}; ${INSTALL_HINT}`, 'dir');
}

function loadSplit(dir: string, prefix: 'train' | 't10k', dtype: Dtype, limit: number | undefined): Dataset {
  const imgPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const lblPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  const images = parse(readMaybeGzip(imgPath), imgPath, 'dir', false);
  const labels = parse(readMaybeGzip(lblPath), lblPath, 'dir', false);
  const s = images.shape;
  if (images.dtype !== 'uint8' || s.length !== 3 || s[1] !== 28 || s[2] !== 28)
    throw new FormatError(`Expected ${imgPath} to hold uint8 images of shape [n, 28, 28] but found ${images.dtype} [${s.join(', ')}]`, 'dir');
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1)
    throw new FormatError(`Expected ${lblPath} to hold uint8 labels of shape [n] but found ${labels.dtype} [${labels.shape.join(', ')}]`, 'dir');
  if (labels.shape[0] !== s[0])
    throw new FormatError(`Image count ${s[0]} in ${imgPath} does not match label count ${labels.shape[0]} in ${lblPath}`, 'dir');

  const n = limit === undefined ? s[0]! : Math.min(limit, s[0]!);
  const d = 28 * 28;
  const src = images.data as Uint8Array;
  const X: FloatArray = arrayFor(dtype, n * d);
  // Plain typed-array loop: ~47M elements for the training set, so no per-element DataView or bounds helpers.
  for (let i = 0; i < n * d; i++) X[i] = src[i]! / 255;
  const lab = labels.data as Uint8Array;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = lab[i]!;
    if (v > 9) throw new FormatError(`Expected labels 0–9 in ${lblPath} but label ${i} is ${v}`, 'dir');
    y[i] = v;
  }
  const featureNames = Array.from({ length: d }, (_, j) => `px${j}`);
  return { X: { data: X, rows: n, cols: d }, y, featureNames, targetName: 'label' };
}

/**
 * Loads Fashion-MNIST: 70,000 28×28 grayscale images of Zalando articles in 10 classes, 60,000 for training and
 * 10,000 for testing. Han Xiao, Kashif Rasul, Roland Vollgraf (2017), "Fashion-MNIST: a Novel Image Dataset for
 * Benchmarking Machine Learning Algorithms", arXiv:1708.07747; MIT licence, © 2017 Zalando SE.
 *
 * Reads the four IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`, each as `.gz` or unzipped) from `dir`. Images are flattened to 784 features
 * `px0…px783` (row-major) scaled to [0, 1] by x / 255; labels 0–9 go to `y` (target name `label`), and
 * `classNames[label]` names the class.
 *
 * @param dir - directory holding the files; default {@link FASHION_MNIST_DIR}, where
 *   `apt-get install -y dataset-fashion-mnist` puts them.
 * @param options - `dtype` of X (default `'float32'`); `limit`: keep the first N rows of each split.
 * @throws IOError when a file is missing (the message says how to install the data); FormatError when one is malformed, or the
 *   images are not 28×28 or do not match the labels in number.
 */
export function loadFashionMnist(
  dir: string = FASHION_MNIST_DIR,
  options: LoadFashionMnistOptions = {},
): { train: Dataset; test: Dataset; classNames: string[] } {
  if (typeof dir !== 'string' || dir === '') throw invalid('dir', 'a directory path string', dir);
  const o = checkKeys('options', options, ['dtype', 'limit']);
  const dtype = oneOf('options.dtype', o.dtype, ['float32', 'float64'] as const, 'float32');
  const limit = o.limit === undefined ? undefined : num('options.limit', o.limit, { integer: true, min: 1 });
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    // Missing or unreadable: reported below with the install hint.
  }
  if (!isDir) throw new IOError(`Fashion-MNIST directory ${JSON.stringify(dir)} not found; ${INSTALL_HINT}`, 'dir');
  return {
    train: loadSplit(dir, 'train', dtype, limit),
    test: loadSplit(dir, 't10k', dtype, limit),
    classNames: [...FASHION_MNIST_CLASSES],
  };
}
