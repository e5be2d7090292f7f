/**
 * Streaming data sources for `fit(source, options)` and the pieces that keep memory bounded: chunk
 * normalization (typed arrays, nested arrays, Apache Arrow tables/record batches with named columns), a CSV file
 * read as a stream (csv-parse), and a seeded shuffle buffer. Rows are pulled only as fast as training consumes them.
 */
import * as fs from 'node:fs';
import { parse } from 'csv-parse';
import type { Dtype, FloatArray } from '../backend/types';
import { FormatError, IOError, OptionError, ShapeError } from '../errors';
import { requireMemory } from '../memory';
import { Rng } from '../rng';
import { describe, isPlainObject } from '../validate';
import { Matrix, arrayFor, isMatrix, toMatrix, toVector } from './matrix';

/** The minimal Apache Arrow surface descent reads (a `Table` or `RecordBatch` from the `apache-arrow` package). */
export interface ArrowLike {
  numRows: number;
  schema: { fields: { name: string }[] };
  getChild(name: string): { toArray(): ArrayLike<number | bigint>; nullCount?: number; isValid?(i: number): boolean } | null;
}

/** One chunk a source yields: features `x` (rows × features) and targets `y` (or a target column of an Arrow `x`). */
export interface SourceChunk {
  x: Matrix | readonly (readonly number[])[] | ArrowLike;
  y?: ArrayLike<number>;
}

/**
 * A training source: a CSV file path (streamed), an Apache Arrow `Table` or `RecordBatch` (with `options.target`),
 * an `AsyncIterable`/`Iterable` of chunks, a Node `Readable` in object mode, or a function returning a fresh
 * iterable (so every epoch can re-read it). One-shot iterables and
 * streams allow a single epoch.
 */
export type StreamSource = string | ArrowLike | AsyncIterable<SourceChunk> | Iterable<SourceChunk> | (() => AsyncIterable<SourceChunk> | Iterable<SourceChunk>);

export interface ChunkOptions {
  /** Target column (CSV, or Arrow `x` without `y`). Default: the last CSV column; required for Arrow without `y`. */
  target?: string;
  /** Feature columns by name (CSV/Arrow), in this order. Default: every column except the target. */
  features?: string[];
  dtype: Dtype;
  /** Rows per chunk read from a CSV file. */
  chunkRows: number;
}

export interface Chunk {
  X: Matrix;
  y: Float64Array;
  /** Feature names when the source has them (CSV header, Arrow schema). */
  featureNames?: string[];
}

export function isArrowLike(x: unknown): x is ArrowLike {
  return typeof x === 'object' && x !== null && typeof (x as ArrowLike).getChild === 'function' && typeof (x as ArrowLike).numRows === 'number' && Array.isArray((x as ArrowLike).schema?.fields);
}

export function isStreamSource(x: unknown): x is StreamSource {
  if (typeof x === 'string' || typeof x === 'function') return true;
  // An array of { x, y } chunks is a (re-readable) source; an array of rows is in-memory X.
  if (Array.isArray(x)) return x.length > 0 && isPlainObject(x[0]) && 'x' in (x[0] as object);
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x) || isMatrix(x)) return false;
  if (isArrowLike(x)) return true; // a Table iterates over rows, not chunks: it is one chunk itself
  return typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** True when each epoch can read the source afresh (a file path, an Arrow table, an array of chunks or a factory function). */
export function isReiterable(source: StreamSource): boolean {
  return typeof source === 'string' || typeof source === 'function' || Array.isArray(source) || isArrowLike(source);
}

/** An Arrow column as numbers; a null (which `toArray()` turns into 0) is an error naming the column and row, never data. */
function arrowColumn(col: NonNullable<ReturnType<ArrowLike['getChild']>>, name: string, argument: string, index: number): ArrayLike<number | bigint> {
  if ((col.nullCount ?? 0) > 0) {
    let row = 0;
    while (row < 2 ** 31 && col.isValid?.(row) !== false) row++;
    throw new ShapeError(`Expected no nulls but column ${JSON.stringify(name)} of Arrow chunk ${index} holds ${col.nullCount} (the first at row ${row})`, argument);
  }
  return col.toArray();
}

function arrowChunk(t: ArrowLike, y: ArrayLike<number> | undefined, o: ChunkOptions, index: number): Chunk {
  const names = t.schema.fields.map((f) => f.name);
  if (y === undefined && o.target === undefined) throw new OptionError('An Arrow chunk without y needs options.target naming its target column', 'target');
  const features = o.features ?? names.filter((n) => n !== o.target);
  const rows = t.numRows;
  const X = arrayFor(o.dtype, rows * features.length);
  features.forEach((name, j) => {
    const col = t.getChild(name);
    if (!col) throw new ShapeError(`Column ${JSON.stringify(name)} not found in Arrow chunk ${index}; columns are: ${names.join(', ')}`, 'features');
    const v = arrowColumn(col, name, name, index);
    for (let i = 0; i < rows; i++) {
      const x = Number(v[i]);
      if (!Number.isFinite(x)) throw new ShapeError(`Expected finite numbers but column ${JSON.stringify(name)} row ${i} of Arrow chunk ${index} is ${x}`, name);
      X[i * features.length + j] = x;
    }
  });
  let yv: Float64Array;
  if (y !== undefined) yv = toVector(y, `chunk ${index} y`, rows);
  else {
    const col = t.getChild(o.target!);
    if (!col) throw new ShapeError(`Target column ${JSON.stringify(o.target)} not found in Arrow chunk ${index}; columns are: ${names.join(', ')}`, 'target');
    yv = toVector(Array.from(arrowColumn(col, o.target!, 'target', index), Number), `column ${o.target}`, rows);
  }
  return { X: { data: X, rows, cols: features.length }, y: yv, featureNames: features };
}

function normalize(c: unknown, o: ChunkOptions, index: number): Chunk {
  if (!isPlainObject(c) || !('x' in c)) throw new ShapeError(`Expected chunks of the form { x, y } but chunk ${index} is ${describe(c)}`, 'source');
  const { x, y } = c as unknown as SourceChunk;
  if (isArrowLike(x)) return arrowChunk(x, y, o, index);
  // Column names select from CSV files and Arrow tables; plain rows have none, so the options cannot be honoured.
  if (o.target !== undefined || o.features !== undefined)
    throw new OptionError(`${o.target !== undefined ? 'target' : 'features'} names columns of a CSV file or an Arrow table, but chunk ${index} holds plain rows { x, y }`, o.target !== undefined ? 'target' : 'features');
  const X = toMatrix(x, `chunk ${index} x`, o.dtype);
  if (y === undefined) throw new ShapeError(`Chunk ${index} has no y`, 'source');
  return { X, y: toVector(y, `chunk ${index} y`, X.rows) };
}

/**
 * Reads up to `max` parsed records from an object-mode stream, waiting for data when none is buffered; null at
 * the end. Batching the reads avoids one promise per record (the cost of `for await` over a Readable).
 */
function readRecords(stream: NodeJS.ReadableStream & { read(): unknown; readableEnded?: boolean }, max: number): Promise<string[][] | null> {
  return new Promise((resolve, reject) => {
    const out: string[][] = [];
    const cleanup = () => {
      stream.off('readable', tryRead);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onEnd = () => {
      cleanup();
      resolve(out.length ? out : null);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    function tryRead(): void {
      let r: unknown;
      while (out.length < max && (r = stream.read()) !== null) out.push(r as string[]);
      if (out.length) {
        cleanup();
        resolve(out);
      } else if (stream.readableEnded) {
        cleanup();
        resolve(null);
      }
    }
    stream.on('readable', tryRead);
    stream.on('end', onEnd);
    stream.on('error', onError);
    tryRead();
  });
}

/** Streams a CSV file as chunks of `chunkRows` rows (header row required; errors name line and column). */
async function* csvChunks(file: string, o: ChunkOptions): AsyncGenerator<Chunk> {
  let input: fs.ReadStream;
  let st: fs.Stats;
  try {
    fs.accessSync(file, fs.constants.R_OK);
    st = fs.statSync(file);
  } catch (e) {
    throw new IOError(`Cannot read CSV file ${JSON.stringify(file)}: ${(e as Error).message}`, 'path', { cause: e });
  }
  // A directory would emit EISDIR on a stream nobody listens to; a device such as /dev/zero never ends.
  if (!st.isFile()) throw new IOError(`Cannot read CSV file ${JSON.stringify(file)}: not a regular file (a ${st.isDirectory() ? 'directory' : 'device, FIFO or socket'})`, 'path');
  input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  // A deep object-mode buffer lets readRecords take thousands of records per wake-up. A field longer than
  // 64 MiB is not a number: bounding it keeps one endless line from exhausting memory.
  const parser = input.pipe(parse({ bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, readableHighWaterMark: 16384, max_record_size: 1 << 26 } as never));
  // pipe() does not forward the source's errors (e.g. the file vanishing mid-read): hand them to the parser,
  // whose consumer (readRecords) listens for 'error'.
  input.on('error', (e) => parser.destroy(e));
  let header: string[] | undefined;
  let t = -1, idx: number[] = [], d = 0;
  let X: FloatArray | undefined, y: Float64Array | undefined, rows = 0, line = 1;
  try {
    for (let batch = await readRecords(parser, 4096); batch; batch = await readRecords(parser, 4096)) for (const rec of batch) {
      if (!header) {
        header = rec;
        const target = o.target ?? header[header.length - 1]!;
        t = header.indexOf(target);
        if (t < 0) throw new FormatError(`Target column ${JSON.stringify(target)} not found in ${file}; columns are: ${header.join(', ')}`, 'target');
        const names = o.features ?? header.filter((_, j) => j !== t);
        idx = names.map((n) => {
          const j = header!.indexOf(n);
          if (j < 0) throw new FormatError(`Column ${JSON.stringify(n)} not found in ${file}; columns are: ${header!.join(', ')}`, 'features');
          return j;
        });
        d = idx.length;
        continue;
      }
      line++;
      if (rec.length !== header.length) throw new FormatError(`Expected ${header.length} fields on line ${line} of ${file} but found ${rec.length}`, `line ${line}`);
      if (!X) {
        X = arrayFor(o.dtype, o.chunkRows * d);
        y = new Float64Array(o.chunkRows);
      }
      for (let k = 0; k < d; k++) {
        const cell = rec[idx[k]!]!;
        const v = cell === '' ? NaN : Number(cell);
        if (!Number.isFinite(v)) throw new FormatError(`Non-numeric cell ${JSON.stringify(cell)} on line ${line}, column ${JSON.stringify(header[idx[k]!])} of ${file}`, header[idx[k]!]);
        X[rows * d + k] = v;
        if (!Number.isFinite(X[rows * d + k]!)) throw new FormatError(`Cell ${cell} on line ${line}, column ${JSON.stringify(header[idx[k]!])} of ${file} overflows float32; use dtype 'float64'`, header[idx[k]!]);
      }
      const tv = Number(rec[t]);
      if (!Number.isFinite(tv) || rec[t] === '') throw new FormatError(`Non-numeric target ${JSON.stringify(rec[t])} on line ${line} of ${file}`, header[t]);
      y![rows++] = tv;
      if (rows === o.chunkRows) {
        yield { X: { data: X, rows, cols: d }, y: y!, featureNames: idx.map((j) => header![j]!) };
        X = undefined;
        rows = 0;
      }
    }
  } finally {
    input.destroy();
  }
  if (!header) throw new FormatError(`Expected a header row and at least one data row in ${file} but found 0 row(s)`, 'path');
  if (rows > 0) yield { X: { data: X!.subarray(0, rows * d), rows, cols: d }, y: y!.subarray(0, rows), featureNames: idx.map((j) => header![j]!) };
}

/** Iterates one pass over a source as normalized chunks. */
export async function* chunksOf(source: StreamSource, o: ChunkOptions): AsyncGenerator<Chunk> {
  if (typeof source === 'string') {
    yield* csvChunks(source, o);
    return;
  }
  if (isArrowLike(source)) {
    yield arrowChunk(source, undefined, o, 0);
    return;
  }
  const it = typeof source === 'function' ? source() : source;
  if (!it || (typeof (it as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function' && typeof (it as Iterable<unknown>)[Symbol.iterator] !== 'function'))
    throw new OptionError(`Expected the source function to return an iterable but it returned ${describe(it)}`, 'source');
  let i = 0;
  for await (const c of it as AsyncIterable<unknown>) yield normalize(c, o, i++);
}

/**
 * A seeded shuffle buffer (as `tf.data.Dataset.shuffle`): holds up to `capacity` rows; each incoming row, once
 * the buffer is full, evicts a uniformly chosen resident row. Memory: capacity × (features + 1) values.
 */
export class ShuffleBuffer {
  private readonly X: FloatArray;
  private readonly y: Float64Array;
  private size = 0;
  constructor(private readonly capacity: number, private readonly cols: number, dtype: Dtype, private readonly rng: Rng) {
    requireMemory(capacity * (cols * (dtype === 'float64' ? 8 : 4) + 8), 'shuffleBuffer', `A shuffle buffer of ${capacity} rows × ${cols} columns`);
    this.X = arrayFor(dtype, capacity * cols);
    this.y = new Float64Array(capacity);
  }
  /** Adds row `i` of `X`/`y`; calls `emit` with an evicted row when full. */
  push(X: FloatArray, y: Float64Array, i: number, emit: (x: FloatArray, y: number) => void): void {
    const c = this.cols;
    if (this.size < this.capacity) {
      this.X.set(X.subarray(i * c, (i + 1) * c), this.size * c);
      this.y[this.size++] = y[i]!;
      return;
    }
    const j = this.rng.below(this.capacity);
    emit(this.X.subarray(j * c, (j + 1) * c), this.y[j]!);
    this.X.set(X.subarray(i * c, (i + 1) * c), j * c);
    this.y[j] = y[i]!;
  }
  /** Emits one uniformly chosen buffered row and removes it; false when empty (call until false to drain). */
  drainOne(emit: (x: FloatArray, y: number) => void): boolean {
    if (this.size === 0) return false;
    const c = this.cols;
    const j = this.rng.below(this.size);
    emit(this.X.subarray(j * c, (j + 1) * c), this.y[j]!);
    const last = this.size - 1;
    this.X.copyWithin(j * c, last * c, (last + 1) * c);
    this.y[j] = this.y[last]!;
    this.size--;
    return true;
  }
}
