/**
 * A standalone, dependency-free reader and writer for the safetensors format
 * (https://github.com/huggingface/safetensors, "Format" section of its README):
 *
 *     [8 bytes: N, u64 little-endian][N bytes: UTF-8 JSON header][byte buffer]
 *
 * The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the
 * start of the byte buffer) plus an optional `"__metadata__"` map of strings to strings. Tensor data is
 * little-endian and row-major ("C" order); the offsets must tile the byte buffer exactly (no holes, no overlaps).
 *
 * The decoder treats every file as hostile: it checks the whole header against the real size of the input before
 * it allocates anything proportional to a size the file claims, and every problem becomes a `FormatError`.
 */
import * as fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { DescentError, FormatError, IOError, ShapeError } from '../errors';
import { checkKeys, describe, invalid, isPlainObject, num, readArgument } from '../validate';
import { READ_NONBLOCK, writeFileAtomic } from './util';

/** Element types this module reads and writes (names as in the safetensors header). */
export type TensorDtype = 'F32' | 'F64' | 'I32' | 'U32' | 'U8' | 'I64';

/** The typed array that holds the elements of each {@link TensorDtype}. */
export type TensorData = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | BigInt64Array;

/**
 * One tensor: its elements in row-major order. `data.length` must equal the product of `shape` (1 for the scalar
 * shape `[]`), and `data` must be the typed array of `dtype` (F32 → Float32Array, F64 → Float64Array,
 * I32 → Int32Array, U32 → Uint32Array, U8 → Uint8Array or Buffer, I64 → BigInt64Array).
 */
export interface Tensor {
  dtype: TensorDtype;
  shape: number[];
  data: TensorData;
}

/** Options of {@link decodeSafetensors} and {@link readSafetensorsFile}. */
export interface DecodeOptions {
  /** Largest header accepted, in bytes. Default 100 000 000, the limit of the reference implementation. */
  maxHeaderBytes?: number;
}

/** What {@link decodeSafetensors} returns. */
export interface DecodedSafetensors {
  /** Tensors in the order of their data in the file. Every `data` is a fresh, aligned copy. */
  tensors: Map<string, Tensor>;
  /** The `__metadata__` map; `{}` when the file has none. */
  metadata: Record<string, string>;
}

interface DtypeInfo {
  size: number;
  /** Position in the reference `Dtype` enum: the writer orders tensors by it (descending) so each is aligned. */
  rank: number;
  /** `[[TypedArrayName]]` of the array type, compared by tag so arrays from other realms are accepted. */
  tag: string;
  make: (length: number) => TensorData;
}

const DTYPES: Record<TensorDtype, DtypeInfo> = {
  U8: { size: 1, rank: 1, tag: 'Uint8Array', make: (n) => new Uint8Array(n) },
  I32: { size: 4, rank: 9, tag: 'Int32Array', make: (n) => new Int32Array(n) },
  U32: { size: 4, rank: 10, tag: 'Uint32Array', make: (n) => new Uint32Array(n) },
  F32: { size: 4, rank: 11, tag: 'Float32Array', make: (n) => new Float32Array(n) },
  F64: { size: 8, rank: 12, tag: 'Float64Array', make: (n) => new Float64Array(n) },
  I64: { size: 8, rank: 13, tag: 'BigInt64Array', make: (n) => new BigInt64Array(n) },
};
const SUPPORTED = Object.keys(DTYPES) as TensorDtype[];
/** Dtypes the format defines that have no JS typed array here: named separately so the error says "unsupported". */
const OTHER_SPEC_DTYPES = [
  'BOOL', 'I8', 'I16', 'U16', 'F16', 'BF16', 'U64', 'C64',
  'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2',
];
const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'];
const METADATA_KEY = '__metadata__';
/** Reference implementation's MAX_HEADER_SIZE. */
const DEFAULT_MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** A paired surrogate is one code point under /u, so this matches only lone surrogates (not valid UTF-8). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

/** Quotes a name for a message, cut short so a corrupt 10 MB name cannot flood the message. */
function q(s: string): string {
  return JSON.stringify(s.length > 120 ? s.slice(0, 120) + '…' : s);
}

/** Renders a header value for a message without recursing (a hostile header may nest arrays 10^6 deep). */
function show(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'string') return q(v);
  if (Array.isArray(v)) {
    if (v.length <= 8 && v.every((x) => typeof x === 'number')) return `[${v.join(',')}]`;
    return `an array of length ${v.length}`;
  }
  if (typeof v === 'object') return 'an object';
  return describe(v);
}

function shapeText(shape: readonly number[]): string {
  return shape.length <= 16 ? `[${shape.join(',')}]` : `[${shape.slice(0, 16).join(',')},… (${shape.length} dims)]`;
}

/** Product of the dimensions as a BigInt: exact for any shape, so a file cannot overflow it into a match. */
function elementCount(shape: readonly number[]): bigint {
  let n = 1n;
  for (const d of shape) n *= BigInt(d);
  return n;
}

/** Reverses each `size`-byte group: converts between little-endian file bytes and a big-endian host. */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

function utf8Compare(a: string, b: string): number {
  // The reference sorts Rust Strings, i.e. by UTF-8 bytes; JS `<` compares UTF-16 units, which differs above U+FFFF.
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

interface PendingTensor {
  name: string;
  dtype: TensorDtype;
  shape: number[];
  bytes: Uint8Array;
}

/** Most dimensions accepted in a tensor's shape when encoding (a guard against huge sparse arrays, not a format limit). */
const MAX_ENCODE_DIMS = 1024;

function checkTensor(name: string, t: unknown): PendingTensor {
  const where = `tensors[${q(name)}]`;
  if (name === '' || name === METADATA_KEY || LONE_SURROGATE.test(name)) {
    throw invalid('tensor name', `a non-empty, well-formed string other than "${METADATA_KEY}"`, name);
  }
  const what = 'a tensor object { dtype, shape, data }';
  if (!isPlainObject(t)) throw invalid(where, what, t, ShapeError);
  // Each field is read once, so a getter or Proxy trap that throws becomes an error naming the tensor.
  const fields = readArgument(where, what, t, () => ({ dtype: t.dtype, shape: t.shape, data: t.data }), ShapeError);
  const dtype = fields.dtype;
  if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(DTYPES, dtype)) {
    throw invalid(`${where}.dtype`, `one of ${SUPPORTED.map((d) => JSON.stringify(d)).join(', ')}`, dtype);
  }
  const info = DTYPES[dtype as TensorDtype];
  const shapeWhat = `an array of at most ${MAX_ENCODE_DIMS} non-negative integers`;
  const shapeIn = fields.shape;
  const shape = Array.isArray(shapeIn)
    ? readArgument(`${where}.shape`, shapeWhat, shapeIn, () => (shapeIn.length <= MAX_ENCODE_DIMS ? Array.from(shapeIn as unknown[]) : undefined), ShapeError)
    : undefined;
  if (!shape || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw invalid(`${where}.shape`, shapeWhat, shapeIn, ShapeError);
  }
  const dims = shape as number[];
  const data = fields.data;
  const tag = ArrayBuffer.isView(data) ? Object.prototype.toString.call(data).slice(8, -1) : undefined;
  if (tag !== info.tag) throw invalid(`${where}.data`, `a ${info.tag} (dtype ${dtype})`, data, ShapeError);
  const typed = data as TensorData;
  const count = elementCount(dims);
  if (count !== BigInt(typed.length)) {
    throw invalid(`${where}.data`, `${count} elements (the product of shape ${shapeText(dims)})`, data, ShapeError);
  }
  return {
    name,
    dtype: dtype as TensorDtype,
    shape: dims,
    // A view of a detached buffer cannot be made (it has 0 elements, so its bytes are empty anyway).
    bytes: typed.byteLength === 0 ? new Uint8Array(0) : new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength),
  };
}

function checkMetadata(metadata: unknown): [string, string][] {
  if (!isPlainObject(metadata)) throw invalid('metadata', 'an object mapping strings to strings', metadata);
  const out: [string, string][] = [];
  for (const key of Object.keys(metadata)) {
    const value = metadata[key];
    if (typeof value !== 'string') throw invalid(`metadata[${q(key)}]`, 'a string', value);
    if (LONE_SURROGATE.test(key) || LONE_SURROGATE.test(value)) {
      throw invalid(`metadata[${q(key)}]`, 'a well-formed key and value (no lone surrogates)', value);
    }
    out.push([key, value]);
  }
  return out.sort((a, b) => utf8Compare(a[0], b[0])); // few keys: no need to cache their bytes
}

/**
 * Serializes tensors (and optional string metadata) to the bytes of a safetensors file.
 *
 * The layout is the one the reference library (`safetensors.torch.save_file`) writes: tensors ordered by
 * descending dtype alignment (I64, F64, F32, U32, I32, U8), then by name (UTF-8 byte order), so every tensor
 * starts at a multiple of its element size; `__metadata__` first in the header (keys sorted, for determinism);
 * header padded with spaces to a multiple of 8 bytes. The output is little-endian on every host and matches the
 * reference's bytes (checked against its unit-test vectors), except that the reference leaves the order of several
 * metadata keys to a hash map.
 *
 * @param tensors name → tensor. Names must be non-empty, not `"__metadata__"` and well-formed Unicode.
 * @param metadata optional string → string map stored as `__metadata__` (written, even when empty, iff given).
 * @returns a new Buffer holding the whole file.
 * @throws OptionError for a bad name, dtype or metadata value; ShapeError when shape, data type and data length
 *   disagree.
 */
export function encodeSafetensors(
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata?: Record<string, string>,
): Buffer {
  const what = 'a Map or an object of name → tensor';
  if (!isPlainObject(tensors)) throw invalid('tensors', what, tensors);
  // Reading a caller's Map or object may run its code (a Proxy, a getter): anything it throws names `tensors`.
  const pairs = readArgument('tensors', what, tensors, (): [unknown, unknown][] =>
    tensors instanceof Map ? [...tensors.entries()] : Object.keys(tensors).map((k) => [k, (tensors as Record<string, unknown>)[k]]),
  );
  const list = pairs.map(([name, t]) => {
    if (typeof name !== 'string') throw invalid('tensor name', 'a string', name);
    return checkTensor(name, t);
  });
  const meta = metadata === undefined ? undefined : readArgument('metadata', 'an object mapping strings to strings', metadata, () => checkMetadata(metadata));

  const utf8 = new Map(list.map((t) => [t, Buffer.from(t.name, 'utf8')] as const));
  list.sort((a, b) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || Buffer.compare(utf8.get(a)!, utf8.get(b)!));

  const parts: string[] = [];
  if (meta) parts.push(`"${METADATA_KEY}":{${meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  let offset = 0;
  for (const t of list) {
    const begin = offset;
    offset += t.bytes.length;
    parts.push(
      `${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${begin},${offset}]}`,
    );
  }
  const header = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  // Spaces (not NULs) keep the padded header valid JSON; 8 + N ≡ 0 (mod 8) aligns the byte buffer.
  const padded = header.length + ((8 - (header.length % 8)) % 8);
  const out = Buffer.alloc(8 + padded + offset);
  out.writeBigUInt64LE(BigInt(padded), 0);
  header.copy(out, 8);
  out.fill(0x20, 8 + header.length, 8 + padded);
  let at = 8 + padded;
  for (const t of list) {
    out.set(t.bytes, at);
    if (!LITTLE_ENDIAN_HOST) swapBytes(out.subarray(at, at + t.bytes.length), DTYPES[t.dtype].size);
    at += t.bytes.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

interface PlannedTensor {
  name: string;
  dtype: TensorDtype;
  shape: number[];
  begin: number;
  end: number;
}

interface Plan {
  tensors: PlannedTensor[];
  metadata: Record<string, string>;
}

function maxHeaderOption(options: unknown): number {
  const o = checkKeys('options', options, ['maxHeaderBytes']);
  return num('options.maxHeaderBytes', o.maxHeaderBytes, { integer: true, min: 2 }, DEFAULT_MAX_HEADER);
}

/**
 * Reads N from the 8-byte prefix and checks it against the real size. BigInt throughout: N is a u64, and any value
 * past 2^53 − 1 would round silently as a Number.
 */
function headerLength(prefix: Uint8Array, totalSize: number, maxHeader: number): number {
  if (totalSize < 8) {
    throw new FormatError(`safetensors input is ${totalSize} bytes, shorter than the 8-byte header-length prefix`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  const available = BigInt(totalSize - 8);
  if (n > available) {
    throw new FormatError(
      `header length ${n} (bytes 0-7) exceeds the ${available} bytes that follow the length prefix: file truncated or not safetensors`,
    );
  }
  if (n > BigInt(maxHeader)) throw new FormatError(`header length ${n} exceeds maxHeaderBytes (${maxHeader})`);
  return Number(n);
}

/**
 * Finds a repeated key in any object of an already-validated JSON text (JSON.parse keeps the last silently; the
 * format forbids duplicates). Iterative, with an explicit stack, so deep nesting cannot overflow the call stack.
 */
function findDuplicateKey(text: string): { parent: string | undefined; depth: number; key: string } | undefined {
  const stack: { keys: Set<string> | null; name: string | undefined }[] = [];
  let lastKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ keys: c === 0x7b ? new Set() : null, name: lastKey });
      lastKey = undefined;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x22 /* " */) {
      const start = i;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      let j = i + 1;
      while (j < text.length && (text[j] === ' ' || text[j] === '\n' || text[j] === '\r' || text[j] === '\t')) j++;
      const top = stack[stack.length - 1];
      if (text[j] === ':' && top && top.keys) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (top.keys.has(key)) return { parent: top.name, depth: stack.length, key };
        top.keys.add(key);
        lastKey = key;
      }
    }
  }
  return undefined;
}

function parseMetadata(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  // The reference reads `"__metadata__": null` as "no metadata" (serde Option), so it is accepted here too.
  if (value === null) return out;
  if (!isPlainObject(value)) {
    throw new FormatError(`"${METADATA_KEY}" must be an object mapping strings to strings but is ${show(value)}`);
  }
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (typeof v !== 'string') {
      throw new FormatError(`"${METADATA_KEY}" entry ${q(key)} must be a string but is ${show(v)}`);
    }
    if (LONE_SURROGATE.test(key) || LONE_SURROGATE.test(v)) {
      throw new FormatError(`"${METADATA_KEY}" entry ${q(key)} contains a lone surrogate escape (not valid Unicode)`);
    }
    // defineProperty: a key such as "__proto__" must become data, not change the object's prototype.
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function parseEntry(name: string, entry: unknown, dataLength: number): PlannedTensor {
  const t = `tensor ${q(name)}`;
  if (name === '') throw new FormatError('tensor with an empty name');
  if (LONE_SURROGATE.test(name)) throw new FormatError(`${t}: name contains a lone surrogate escape (not valid Unicode)`);
  if (!isPlainObject(entry)) {
    throw new FormatError(`${t}: expected an object {"dtype", "shape", "data_offsets"} but found ${show(entry)}`);
  }
  for (const key of Object.keys(entry)) {
    if (!ENTRY_KEYS.includes(key)) {
      throw new FormatError(`${t}: unknown key ${q(key)} (allowed: ${ENTRY_KEYS.join(', ')})`);
    }
  }
  for (const key of ENTRY_KEYS) {
    if (!Object.prototype.hasOwnProperty.call(entry, key)) throw new FormatError(`${t}: missing "${key}"`);
  }

  const dtype = entry.dtype;
  if (typeof dtype !== 'string') throw new FormatError(`${t}: dtype must be a string but is ${show(dtype)}`);
  if (!Object.prototype.hasOwnProperty.call(DTYPES, dtype)) {
    if (OTHER_SPEC_DTYPES.includes(dtype)) {
      throw new FormatError(`${t}: dtype ${q(dtype)} is not supported by this reader (supported: ${SUPPORTED.join(', ')})`);
    }
    throw new FormatError(`${t}: unknown dtype ${q(dtype)} (supported: ${SUPPORTED.join(', ')})`);
  }
  const info = DTYPES[dtype as TensorDtype];

  const shape = entry.shape;
  if (!Array.isArray(shape)) throw new FormatError(`${t}: shape must be an array but is ${show(shape)}`);
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new FormatError(`${t}: shape ${show(shape)} has dimension ${i} = ${show(d)}, expected a non-negative integer`);
    }
  }

  const offsets = entry.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o: unknown) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  ) {
    throw new FormatError(`${t}: data_offsets must be [begin, end] with non-negative integers but is ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new FormatError(`${t}: data_offsets [${begin}, ${end}] have begin > end`);
  if (end > dataLength) {
    throw new FormatError(`${t}: data_offsets [${begin}, ${end}] are out of range: the byte buffer has ${dataLength} bytes`);
  }
  const bytes = elementCount(shape) * BigInt(info.size);
  if (bytes !== BigInt(end - begin)) {
    throw new FormatError(
      `${t}: data_offsets [${begin}, ${end}] do not match shape ${shapeText(shape)} of ${dtype} (${bytes} bytes)`,
    );
  }
  return { name, dtype: dtype as TensorDtype, shape: shape.slice() as number[], begin, end };
}

/**
 * Validates a whole header (its raw bytes) against the length of the byte buffer that follows it and returns
 * where each tensor lives. Allocates nothing larger than the header itself.
 */
function parseHeader(headerBytes: Uint8Array, dataLength: number): Plan {
  if (headerBytes.length === 0) throw new FormatError('header is empty (length 0); it must be a JSON object');
  if (headerBytes[0] !== 0x7b) {
    const b = headerBytes[0];
    const c = b >= 0x20 && b < 0x7f ? ` (${JSON.stringify(String.fromCharCode(b))})` : '';
    throw new FormatError(
      `header must be a JSON object starting with "{" (byte 0x7b) but starts with byte 0x${b.toString(16).padStart(2, '0')}${c}`,
    );
  }
  if (!isUtf8(headerBytes)) throw new FormatError('header is not valid UTF-8');
  const text = Buffer.from(headerBytes.buffer, headerBytes.byteOffset, headerBytes.length).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`header is not valid JSON: ${(e as Error).message}`, undefined, { cause: e });
  }
  if (!isPlainObject(json)) throw new FormatError(`header must be a JSON object but is ${show(json)}`);
  let metadata: Record<string, string> = {};
  const tensors: PlannedTensor[] = [];
  for (const name of Object.keys(json)) {
    if (name === METADATA_KEY) metadata = parseMetadata(json[name]);
    else tensors.push(parseEntry(name, json[name], dataLength));
  }
  // After the entries are checked (so their own errors stay precise), before tiling (whose errors would mislead).
  const dup = findDuplicateKey(text);
  if (dup) {
    if (dup.depth === 1) {
      throw new FormatError(dup.key === METADATA_KEY ? `header has "${METADATA_KEY}" twice` : `header has duplicate tensor name ${q(dup.key)}`);
    }
    const where = dup.parent === METADATA_KEY ? `"${METADATA_KEY}"` : `tensor ${q(dup.parent ?? '')}`;
    throw new FormatError(`${where}: duplicate key ${q(dup.key)}`);
  }

  // The format requires the offsets to tile [0, dataLength) exactly: sorted by (begin, end), each tensor must
  // start where the previous one ended, and the last must end at the end of the buffer.
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: PlannedTensor | undefined;
  for (const t of tensors) {
    if (t.begin < pos) {
      throw new FormatError(
        `tensor ${q(t.name)}: data_offsets [${t.begin}, ${t.end}] overlap tensor ${q(prev!.name)} [${prev!.begin}, ${prev!.end}]`,
      );
    }
    if (t.begin > pos) {
      throw new FormatError(
        prev
          ? `gap of ${t.begin - pos} bytes in the byte buffer between tensor ${q(prev.name)} (ends at ${pos}) and tensor ${q(t.name)} (starts at ${t.begin})`
          : `gap of ${t.begin} bytes at the start of the byte buffer: the first tensor ${q(t.name)} starts at ${t.begin}, not 0`,
      );
    }
    pos = t.end;
    prev = t;
  }
  if (pos !== dataLength) {
    throw new FormatError(
      prev
        ? `byte buffer has ${dataLength - pos} bytes after the last tensor ${q(prev.name)} (ends at ${pos} of ${dataLength}) not covered by any tensor`
        : `header lists no tensors but the byte buffer has ${dataLength} bytes`,
    );
  }
  return { tensors, metadata };
}

/** Allocates the tensor's own (aligned) array and lets `fill` write its little-endian bytes into it. */
function materialize(t: PlannedTensor, fill: (target: Uint8Array) => void): Tensor {
  const info = DTYPES[t.dtype];
  const data = info.make((t.end - t.begin) / info.size);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  fill(bytes);
  if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, info.size);
  return { dtype: t.dtype, shape: t.shape, data };
}

/**
 * Parses the bytes of a safetensors file.
 *
 * Everything is validated before any tensor is allocated: the length prefix against the input size and
 * `maxHeaderBytes`; the header as UTF-8 JSON starting with `{`, without duplicate keys; each entry for exactly the
 * keys `dtype` (one of {@link TensorDtype}), `shape` (non-negative integers) and `data_offsets`
 * (`begin ≤ end ≤` byte-buffer length, `end − begin` = elements × element size, computed exactly); the offsets for
 * tiling the byte buffer with no gap and no overlap; `__metadata__` for string values. Sizes are therefore bounded
 * by the input's real length, so a small corrupt input never causes a large allocation.
 *
 * Unpadded headers (any length) and any order of entries are accepted, as the format allows.
 *
 * @param buf the whole file (a Buffer works; any byteOffset, no alignment needed).
 * @param options `maxHeaderBytes` (default 100 000 000).
 * @returns the tensors, in file order, each with its own copied, aligned typed array (I64 → BigInt64Array), and
 *   the metadata (`{}` when absent).
 * @throws FormatError naming the problem (and the tensor) for any malformed input; OptionError for bad arguments.
 */
export function decodeSafetensors(buf: Uint8Array, options?: DecodeOptions): DecodedSafetensors {
  if (!(ArrayBuffer.isView(buf) && buf instanceof Uint8Array)) throw invalid('buf', 'a Uint8Array or Buffer', buf);
  const maxHeader = maxHeaderOption(options);
  const n = headerLength(buf, buf.length, maxHeader);
  const dataStart = 8 + n;
  const plan = parseHeader(buf.subarray(8, dataStart), buf.length - dataStart);
  const tensors = new Map<string, Tensor>();
  for (const t of plan.tensors) {
    tensors.set(t.name, materialize(t, (target) => target.set(buf.subarray(dataStart + t.begin, dataStart + t.end))));
  }
  return { tensors, metadata: plan.metadata };
}

// ---------------------------------------------------------------------------------------------------------------
// Files

function checkPath(p: unknown): string {
  if (typeof p !== 'string' || p === '') throw invalid('path', 'a non-empty file path', p);
  return p;
}

/** `readSync` until `target` is full; a short file (changed under us) is a FormatError, not a hang or garbage. */
function readFully(fd: number, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.length) {
    const got = fs.readSync(fd, target, done, target.length - done, position + done);
    if (got === 0) throw new FormatError(`file ended after ${position + done} bytes while reading (was it truncated while being read?)`);
    done += got;
  }
}

/**
 * Reads and decodes a safetensors file (same validation as {@link decodeSafetensors}).
 *
 * Reads the prefix and header first and then each tensor straight into its own array, so memory use is about the
 * size of the tensors (not twice the file) and nothing is allocated for a size the header claims before it has
 * been checked against the file's real size.
 *
 * @throws FormatError (its message starts with the path) for malformed files; IOError (with the `fs` error as
 *   `cause`) for I/O failures (missing file, a directory, permissions).
 */
export function readSafetensorsFile(path: string, options?: DecodeOptions): DecodedSafetensors {
  checkPath(path);
  const maxHeader = maxHeaderOption(options);
  let fd: number;
  try {
    fd = fs.openSync(path, READ_NONBLOCK); // a FIFO must not block the open; it is refused below
  } catch (e) {
    throw new IOError(`Cannot read ${JSON.stringify(path)}: ${(e as Error).message}`, 'path', { cause: e });
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new IOError(`Cannot read ${JSON.stringify(path)}: not a regular file (a ${st.isDirectory() ? 'directory' : 'device, FIFO or socket'})`, 'path');
    const size = st.size;
    const prefix = new Uint8Array(8);
    if (size >= 8) readFully(fd, prefix, 0);
    const n = headerLength(prefix, size, maxHeader);
    const header = new Uint8Array(n);
    readFully(fd, header, 8);
    const dataStart = 8 + n;
    const plan = parseHeader(header, size - dataStart);
    const tensors = new Map<string, Tensor>();
    for (const t of plan.tensors) tensors.set(t.name, materialize(t, (target) => readFully(fd, target, dataStart + t.begin)));
    return { tensors, metadata: plan.metadata };
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`${JSON.stringify(path)}: ${e.message}`, e.argument, { cause: e });
    if (e instanceof DescentError) throw e;
    throw new IOError(`Cannot read ${JSON.stringify(path)}: ${(e as Error).message}`, 'path', { cause: e });
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Encodes tensors with {@link encodeSafetensors} and writes them with {@link writeFileAtomic}.
 *
 * @throws as encodeSafetensors (nothing is written then) and as writeFileAtomic.
 */
export function writeSafetensorsFile(
  path: string,
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  metadata?: Record<string, string>,
): void {
  checkPath(path);
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
