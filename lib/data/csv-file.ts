/**
 * A delimited-text file driven through a reader — native/io/csv.cc when the addon is loaded, else its TypeScript
 * mirror (lib/data/csv-parser.ts). The file is read in chunks into the reader's two buffers: while one chunk parses
 * on a worker thread (its records split across the thread pool), the next is read into the other buffer. Parsed
 * rows are taken in blocks (multiples of a batch size for streaming, everything for loadCsv), as typed arrays over
 * the reader's own memory: nothing is copied on the way to the trainer. gzip input (magic bytes 1f 8b) is
 * decompressed with Node's zlib on the way in. loadCsv, streaming fits and the CLI's `predict` all read through here.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { AbortError, FormatError, IOError } from '../errors';
import { memoryLimit, requireMemory } from '../memory';
import { constants as bufferConstants } from 'node:buffer';
import { READ_NONBLOCK } from '../io/util';
import { loadNative } from '../backend/native/loader';
import type { Dtype, FloatArray } from '../backend/types';
import { CsvReadError, CsvReaderLike, CsvReaderOptions, JsCsvReader } from './csv-parser';

/**
 * Bytes per read (each of the two buffers): big enough to keep both cores busy, small enough to stay flat. A
 * setting, not a constant, so tests can cut files into many chunks.
 */
export const csvTuning = { chunkBytes: 8 << 20 };

/** What `onProgress` receives after each chunk. */
export interface CsvProgress {
  /** Bytes of the file read so far (compressed bytes for a gzip file). */
  bytesRead: number;
  /** The file's size in bytes. */
  totalBytes: number;
  /** Data rows parsed so far. */
  rows: number;
}

/** The reader: native unless the addon is missing or `DESCENT_BACKEND=js` (then the TS mirror, same results). */
export function createReader(o: CsvReaderOptions, chunkBytes: number): CsvReaderLike {
  const native = process.env.DESCENT_BACKEND === 'js' ? undefined : loadNative().binding;
  return native?.CsvReader ? (new native.CsvReader(o, chunkBytes) as CsvReaderLike) : new JsCsvReader(o, chunkBytes);
}

/**
 * A reader's first error as a FormatError naming the file, line, data row (1-based, as in the message) and column
 * (`argument`: the column, or the option at fault for a header problem, else `path`).
 */
export function csvError(file: string, e: CsvReadError): FormatError {
  const option = e.column === 'target' || e.column === 'features' || e.column === 'ignore';
  const dataRow = e.row >= 0;
  const where = dataRow ? `line ${e.line} (data row ${e.row + 1})${e.column && !option ? `, column ${JSON.stringify(e.column)}` : ''}` : `line ${e.line}`;
  const err = new FormatError(`Cannot read CSV file ${JSON.stringify(file)}: ${where}: ${e.message}`, e.column || 'path');
  err.location = { file, line: e.line, ...(dataRow ? { row: e.row + 1 } : {}), ...(e.column && !option ? { column: e.column } : {}) };
  return err;
}

function ioError(file: string, e: unknown): IOError {
  return new IOError(`Cannot read CSV file ${JSON.stringify(file)}: ${(e as Error)?.message ?? e}`, 'path', { cause: e });
}

const BUFFER_MAX = bufferConstants.MAX_LENGTH;

/** zlib's errors (corrupt or truncated data) are the file's format; anything else is I/O. */
function gzipError(file: string, e: unknown): FormatError | IOError {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  if (code.startsWith('Z_'))
    return new FormatError(`Cannot read CSV file ${JSON.stringify(file)}: corrupt or truncated gzip data (${(e as Error).message})`, 'path', { cause: e });
  return ioError(file, e);
}

/** Bytes in: a regular file read at explicit offsets, or its gzip-decompressed contents. */
interface ByteSource {
  /** Fills `into` as far as the data goes; 0 at the end. */
  read(into: Uint8Array): Promise<number>;
  readSync(into: Uint8Array): number;
  /** Bytes of the file consumed so far. */
  position(): number;
  close(): void;
}

function fsRead(fd: number, into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, into, offset, length, position, (e, n) => (e ? reject(e) : resolve(n))));
}

class FileBytes implements ByteSource {
  private pos = 0;
  constructor(private readonly fd: number, private readonly file: string) {}
  async read(into: Uint8Array): Promise<number> {
    let n = 0;
    try {
      while (n < into.length) {
        const k = await fsRead(this.fd, into, n, into.length - n, this.pos);
        if (k === 0) break;
        n += k;
        this.pos += k;
      }
    } catch (e) {
      throw ioError(this.file, e);
    }
    return n;
  }
  readSync(into: Uint8Array): number {
    let n = 0;
    try {
      while (n < into.length) {
        const k = fs.readSync(this.fd, into, n, into.length - n, this.pos);
        if (k === 0) break;
        n += k;
        this.pos += k;
      }
    } catch (e) {
      throw ioError(this.file, e);
    }
    return n;
  }
  position(): number {
    return this.pos;
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

class GzipBytes implements ByteSource {
  private stream: Readable | undefined;
  private iter: AsyncIterator<Buffer> | undefined;
  private input: fs.ReadStream | undefined;
  private whole: Buffer | undefined;
  private left: Buffer = Buffer.alloc(0);
  private wholePos = 0;
  private ended = false;
  constructor(private readonly fd: number, private readonly file: string, private readonly size: number) {}
  private copy(into: Uint8Array, n: number): number {
    const k = Math.min(this.left.length, into.length - n);
    into.set(this.left.subarray(0, k), n);
    this.left = this.left.subarray(k);
    return k;
  }
  async read(into: Uint8Array): Promise<number> {
    if (!this.iter) {
      // The stream owns the descriptor from here on (and closes it when destroyed).
      this.input = fs.createReadStream('', { fd: this.fd, autoClose: true, start: 0, highWaterMark: 1 << 20 });
      const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
      this.input.on('error', (e) => gunzip.destroy(e));
      this.stream = this.input.pipe(gunzip);
      this.iter = this.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    }
    let n = this.copy(into, 0);
    try {
      while (n < into.length && !this.ended) {
        const r = await this.iter.next();
        if (r.done) {
          this.ended = true;
          break;
        }
        this.left = r.value;
        n += this.copy(into, n);
      }
    } catch (e) {
      throw gzipError(this.file, e);
    }
    return n;
  }
  readSync(into: Uint8Array): number {
    if (!this.whole) {
      // zlib has no synchronous streaming API: the decompressed file is held once (loadCsvSync only).
      const packed = Buffer.alloc(this.size);
      let n = 0;
      try {
        while (n < this.size) {
          const k = fs.readSync(this.fd, packed, n, this.size - n, n);
          if (k === 0) break;
          n += k;
        }
        // Bounded by the memory limit while decompressing, not after: a small file can hold gigabytes.
        this.whole = zlib.gunzipSync(packed.subarray(0, n), { maxOutputLength: Math.min(memoryLimit(), BUFFER_MAX) });
      } catch (e) {
        if ((e as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE') {
          requireMemory(Math.min(memoryLimit(), BUFFER_MAX) + 1, 'path', `The decompressed contents of ${JSON.stringify(this.file)} (loadCsvSync holds them whole; loadCsv streams them)`);
          throw new IOError(`Cannot read CSV file ${JSON.stringify(this.file)}: it decompresses to more than ${BUFFER_MAX} bytes, more than loadCsvSync can hold; loadCsv streams it`, 'path', { cause: e });
        }
        throw gzipError(this.file, e);
      }
    }
    const k = Math.min(into.length, this.whole.length - this.wholePos);
    into.set(this.whole.subarray(this.wholePos, this.wholePos + k));
    this.wholePos += k;
    return k;
  }
  position(): number {
    if (this.whole) return this.size;
    return this.input?.bytesRead ?? 0;
  }
  close(): void {
    this.stream?.destroy();
    if (this.input) this.input.destroy();
    else fs.closeSync(this.fd);
  }
}

/** Opens a regular file for reading; a missing file, a directory, a device or a FIFO is an IOError naming it. */
function openRegular(file: string): { fd: number; size: number; gzip: boolean } {
  let fd: number;
  try {
    fd = fs.openSync(file, READ_NONBLOCK);
  } catch (e) {
    throw ioError(file, e);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new IOError(`Cannot read CSV file ${JSON.stringify(file)}: not a regular file (a ${st.isDirectory() ? 'directory' : 'device, FIFO or socket'})`, 'path');
    const magic = Buffer.alloc(4);
    const n = fs.readSync(fd, magic, 0, 4, 0);
    if (n === 4 && magic.toString('latin1') === 'PAR1')
      throw new FormatError(`Cannot read CSV file ${JSON.stringify(file)}: it is a Parquet file; read it with loadParquet (fit(path) reads either)`, 'path');
    return { fd, size: st.size, gzip: n >= 2 && magic[0] === 0x1f && magic[1] === 0x8b };
  } catch (e) {
    fs.closeSync(fd);
    throw e instanceof IOError || e instanceof FormatError ? e : ioError(file, e);
  }
}

export interface TakenRows {
  rows: number;
  /** `[rows, cols]` row-major in the reader's dtype. */
  X: FloatArray;
  /** `[rows]` (empty without a target column). */
  y: Float64Array;
}

export class CsvFile {
  readonly totalBytes: number;
  readonly gzip: boolean;
  private readonly reader: CsvReaderLike;
  private readonly src: ByteSource;
  private readonly bufs: Uint8Array[];
  private cur = 0;
  private ahead: Promise<number> | undefined;
  private running: Promise<boolean> | undefined;
  private done = false;
  private closed = false;
  private taken = 0;
  private fed = 0;

  /** Opens `file` (IOError when it cannot be read as a regular file); options are already validated. */
  constructor(readonly file: string, private readonly options: CsvReaderOptions, chunkBytes = csvTuning.chunkBytes) {
    const { fd, size, gzip } = openRegular(file);
    this.totalBytes = size;
    this.gzip = gzip;
    try {
      requireMemory(2 * chunkBytes, 'path', `The two ${chunkBytes}-byte read buffers for ${JSON.stringify(file)}`);
      this.reader = createReader(options, chunkBytes);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    this.src = gzip ? new GzipBytes(fd, file, size) : new FileBytes(fd, file);
    this.bufs = [new Uint8Array(this.reader.buffer(0)), new Uint8Array(this.reader.buffer(1))];
  }

  /** Rows parsed so far (taken or not). */
  get rowsRead(): number {
    return this.taken + this.reader.pending();
  }

  /** Bytes parsed so far (a gzip file: compressed bytes consumed, which run ahead of the parse by a buffer). */
  progress(): CsvProgress {
    return { bytesRead: this.gzip ? this.src.position() : this.fed, totalBytes: this.totalBytes, rows: this.rowsRead };
  }

  private after(err: CsvReadError | undefined): void {
    if (err) throw csvError(this.file, err);
    // The parsed rows grow by doubling: refuse before an allocation could exceed the memory limit.
    const h = this.reader.header();
    if (h) {
      const rowBytes = h.features.length * (this.options.dtype === 'float64' ? 8 : 4) + (this.options.hasTarget ? 8 : 0);
      requireMemory(2 * this.reader.pending() * rowBytes, 'path', `The parsed rows of ${JSON.stringify(this.file)} (${this.reader.pending()} so far, ${h.features.length} columns, growing)`);
    }
  }

  /**
   * Parses the next chunk of the file (reading the one after it meanwhile). False once the whole file is parsed.
   * Throws FormatError (the first fault, in file order), IOError, AbortError (`signal`).
   */
  next(signal?: AbortSignal): Promise<boolean> {
    const p = this.step(signal);
    this.running = p;
    p.catch(() => {});
    return p;
  }

  private async step(signal?: AbortSignal): Promise<boolean> {
    if (this.closed) throw new IOError(`Cannot read CSV file ${JSON.stringify(this.file)}: it was closed`, 'path');
    if (this.done) return false;
    if (signal?.aborted) throw new AbortError('loadCsv() was aborted', { cause: signal.reason });
    const i = this.cur;
    const pending = this.ahead ?? this.src.read(this.bufs[i]!);
    this.ahead = undefined;
    const n = await pending;
    const final = n === 0;
    if (!final) {
      this.ahead = this.src.read(this.bufs[1 - i]!);
      this.ahead.catch(() => {}); // awaited by the next call (or close): never an unhandled rejection
      this.cur = 1 - i;
    }
    const err = await this.reader.feed(i, n, final);
    this.fed += n;
    if (final) this.done = true;
    this.after(err);
    return true;
  }

  nextSync(): boolean {
    if (this.done) return false;
    const n = this.src.readSync(this.bufs[0]!);
    const err = this.reader.feedSync(0, n, n === 0);
    this.fed += n;
    if (n === 0) this.done = true;
    this.after(err);
    return true;
  }

  get finished(): boolean {
    return this.done;
  }

  header(): { names: string[]; features: string[]; target: string; delimiter: string } | null {
    return this.reader.header();
  }

  /** The parsed rows, as a multiple of `multipleOf` unless `all` (the rest waits for the next take). */
  take(multipleOf: number, all: boolean): TakenRows {
    const t = this.reader.take(multipleOf, all);
    this.taken += t.rows;
    const X = this.options.dtype === 'float64' ? new Float64Array(t.X) : new Float32Array(t.X);
    return { rows: t.rows, X, y: new Float64Array(t.y) };
  }

  pending(): number {
    return this.reader.pending();
  }

  labels(): string[] | null {
    return this.reader.labels();
  }

  sortLabels(): void {
    this.reader.sortLabels();
  }

  /** Releases the file (waiting for a read in flight, which must not land in a closed descriptor). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A read or a parse in flight finishes first: a read must not land in a closed (or reused) descriptor.
    await this.running?.catch(() => {});
    await this.ahead?.catch(() => {});
    this.src.close();
  }

  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    this.src.close();
  }
}

export type { Dtype };
