/**
 * Streaming data sources for `fit(source, options)` and the pieces that keep memory bounded: chunk
 * normalization (typed arrays, nested arrays, Apache Arrow tables/record batches with named columns), a CSV file
 * read through the native reader (lib/data/csv-file.ts), and a seeded shuffle buffer. Rows are pulled only as fast as training consumes them.
 */
import { isCsr, toCsr, type CsrMatrix, type CsrRows } from './sparse';
import type { Dtype, FloatArray } from '../backend/types';
import { FormatError, OptionError, ShapeError } from '../errors';
import { CsvFile } from './csv-file';
import { csvReaderOptions, noRowsError } from './csv';
import type { CsvReaderOptions } from './csv-parser';
import { isParquetFile, parquetChunks } from './parquet';
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
  x: Matrix | readonly (readonly number[])[] | ArrowLike | CsrMatrix;
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
  /** How a CSV file is read (delimiter, comment, ignore, naValues, fillValue). */
  csv?: Readonly<Pick<CsvReaderOptions, 'delimiter' | 'comment' | 'ignore' | 'naValues' | 'fillValue'>>;
}

export interface Chunk {
  /** Dense rows, or CSR rows (a chunk `x` in CSR form: values in the dtype, validated). */
  X: Matrix | CsrRows;
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
  const X = isCsr(x) ? toCsr(x, `chunk ${index} x`, o.dtype) : toMatrix(x, `chunk ${index} x`, o.dtype);
  if (y === undefined) throw new ShapeError(`Chunk ${index} has no y`, 'source');
  return { X, y: toVector(y, `chunk ${index} y`, X.rows) };
}

/**
 * Streams a CSV file (optionally gzip) through the native reader as chunks of at most `chunkRows` rows: while the
 * consumer trains on one chunk, the next is parsed on worker threads (and the one after read from disk). Errors
 * name the file, line, data row and column.
 */
async function* csvChunks(file: string, o: ChunkOptions): AsyncGenerator<Chunk> {
  const reader = csvReaderOptions({ ...o.csv, target: o.target, features: o.features, dtype: o.dtype }, '', true, o.dtype);
  // Labels are numbers here: the head checks them, and a streamed classifier is sized by `classes`.
  reader.stringLabels = false;
  const f = new CsvFile(file, reader);
  const next = async () => {
    try {
      return await f.next();
    } catch (e) {
      // A text label: say how to train on it (the stream reads the target as numbers).
      if (e instanceof FormatError && /target ".*" is not a number/.test(e.message))
        e.message += '; a streaming fit reads the target as numbers: encode text labels first (loadCsv maps them to class indices, Dataset.classes)';
      throw e;
    }
  };
  try {
    let more = await next();
    while (more) {
      const h = f.header();
      const final = f.finished;
      const t = h ? f.take(1, final) : undefined;
      // Parse the next chunk while the consumer trains on this one.
      const pending = final ? undefined : next();
      pending?.catch(() => {});
      if (t && t.rows > 0) {
        const d = h!.features.length;
        for (let i = 0; i < t.rows; i += o.chunkRows) {
          const n = Math.min(o.chunkRows, t.rows - i);
          yield { X: { data: t.X.subarray(i * d, (i + n) * d), rows: n, cols: d }, y: t.y.subarray(i, i + n), featureNames: h!.features };
        }
      }
      more = pending ? await pending : false;
    }
    if (f.rowsRead === 0) throw noRowsError(file, f.header() ?? { names: [] });
  } finally {
    await f.close();
  }
}

/** Iterates one pass over a source as normalized chunks. */
export async function* chunksOf(source: StreamSource, o: ChunkOptions): AsyncGenerator<Chunk> {
  if (typeof source === 'string') {
    if (isParquetFile(source)) yield* parquetChunks(source, o);
    else yield* csvChunks(source, o);
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
