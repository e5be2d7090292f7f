/**
 * Apache Parquet input through hyparquet (pure JavaScript, no dependencies), an optional peer dependency: descent
 * imports it only when a Parquet file is read, so users who never read Parquet never pay for it. Columns are read a
 * row group at a time and written straight into the row-major block (column-to-row), for `loadParquet` (a whole
 * file) and for `fit(path)` on a `.parquet` file (one chunk per row group, so memory stays at one row group).
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BackendError, DescentError, FormatError, IOError } from '../errors';
import { checkKeys, invalid, isPlainObject, oneOf } from '../validate';
import { requireMemory } from '../memory';
import type { Dtype } from '../backend/types';
import { arrayFor } from './matrix';
import type { Dataset } from './csv';

/** The part of hyparquet's API descent uses. */
interface Hyparquet {
  asyncBufferFromFile(file: string): Promise<unknown>;
  parquetMetadataAsync(file: unknown): Promise<{ num_rows: bigint; row_groups: { num_rows: bigint }[]; schema: { name: string; num_children?: number }[] }>;
  parquetRead(options: {
    file: unknown; metadata: unknown; columns: string[]; rowStart: number; rowEnd: number;
    onChunk: (c: { columnName: string; columnData: ArrayLike<unknown>; rowStart: number; rowEnd: number }) => void;
  }): Promise<void>;
}

// A real dynamic import (TypeScript would turn `import()` into `require()`, which cannot load an ES module on every
// Node 20), resolved from this package so the user's installed copy is found.
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
let loaded: Promise<Hyparquet> | undefined;

function hyparquet(): Promise<Hyparquet> {
  loaded ??= (async () => {
    let resolved: string;
    try {
      resolved = require.resolve('hyparquet');
    } catch (e) {
      loaded = undefined;
      throw new BackendError('Reading Parquet files needs the optional package hyparquet (pure JavaScript, no dependencies): npm install hyparquet', 'path', { cause: e });
    }
    return (await importModule(pathToFileURL(resolved).href)) as Hyparquet;
  })();
  return loaded;
}

/** True when `file` starts with Parquet's magic bytes `PAR1` (read synchronously: 4 bytes). */
export function isParquetFile(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    if (!fs.fstatSync(fd).isFile()) return false;
    const b = Buffer.alloc(4);
    return fs.readSync(fd, b, 0, 4, 0) === 4 && b.toString('latin1') === 'PAR1';
  } catch {
    return false; // the CSV reader reports a missing or unreadable file
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export interface ParquetOptions {
  /** The target column. Default: the last column. */
  target?: string;
  /** Feature columns, in this order. Default: every column but the target. */
  features?: string[];
  /** Storage type of X. Default `'float32'`. */
  dtype?: Dtype;
}

interface Opened {
  hp: Hyparquet;
  buf: unknown;
  meta: Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;
  features: string[];
  target: string;
}

async function open(file: string, o: ParquetOptions): Promise<Opened> {
  const hp = await hyparquet();
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new IOError(`Cannot read Parquet file ${JSON.stringify(file)}: ${(e as Error).message}`, 'path', { cause: e });
  }
  if (!st.isFile()) throw new IOError(`Cannot read Parquet file ${JSON.stringify(file)}: not a regular file`, 'path');
  let buf: unknown, meta: Opened['meta'];
  try {
    buf = await hp.asyncBufferFromFile(file);
    meta = await hp.parquetMetadataAsync(buf);
  } catch (e) {
    throw new FormatError(`Cannot read Parquet file ${JSON.stringify(file)}: ${(e as Error)?.message ?? e}`, 'path', { cause: e });
  }
  // Flat files: the root's children are the columns (a nested column has children of its own and is not numeric).
  const names = meta.schema.slice(1).filter((e) => !e.num_children).map((e) => e.name);
  const listed = names.join(', ');
  const target = o.target ?? names[names.length - 1]!;
  if (!names.includes(target)) throw new FormatError(`Target column ${JSON.stringify(target)} not found in ${file}; columns are: ${listed}`, 'target');
  const features = o.features ?? names.filter((n) => n !== target);
  for (const f of features) {
    if (!names.includes(f)) throw new FormatError(`Column ${JSON.stringify(f)} not found in ${file}; columns are: ${listed}`, 'features');
    if (f === target) throw new FormatError(`Column ${JSON.stringify(f)} is the target and cannot also be a feature`, 'features');
  }
  if (features.length === 0) throw new FormatError(`No feature columns in ${file} (the target is the only column)`, 'features');
  return { hp, buf, meta, features, target };
}

/** Rows [start, end) of the opened file: X row-major, targets as numbers or (labels) strings. */
async function readRows(f: Opened, file: string, start: number, end: number, dtype: Dtype, labels: boolean) {
  const d = f.features.length, n = end - start;
  requireMemory(n * d * (dtype === 'float64' ? 8 : 4) + n * 8, 'path', `Rows ${start}–${end} of ${JSON.stringify(file)} (${d} columns)`);
  const X = arrayFor(dtype, n * d);
  const y = new Float64Array(n);
  const text: string[] = [];
  const col = new Map(f.features.map((name, j) => [name, j]));
  // hyparquet calls onChunk from promise callbacks it does not await: an exception there would be an unhandled
  // rejection, so the first fault (lowest row) is kept and thrown once the read is done.
  let fault: { row: number; column: string; what: string } | undefined;
  const bad = (row: number, column: string, what: string) => {
    if (!fault || row < fault.row) fault = { row, column, what };
  };
  await f.hp.parquetRead({
    file: f.buf, metadata: f.meta, columns: [...f.features, f.target], rowStart: start, rowEnd: end,
    onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
      const j = col.get(columnName);
      const from = Math.max(start, rowStart), to = Math.min(end, rowEnd);
      for (let r = from; r < to; r++) {
        const raw = columnData[r - rowStart];
        if (columnName === f.target && j === undefined) {
          if (typeof raw === 'string' && labels) {
            text[r - start] = raw;
            continue;
          }
          const v = typeof raw === 'bigint' ? Number(raw) : raw;
          if (typeof v !== 'number' || !Number.isFinite(v)) return bad(r, columnName, `the target ${raw === null || raw === undefined ? 'is missing (null)' : `${JSON.stringify(String(raw))} is not a finite number`}`);
          y[r - start] = v;
          continue;
        }
        const v = typeof raw === 'bigint' ? Number(raw) : typeof raw === 'boolean' ? Number(raw) : raw;
        if (typeof v !== 'number' || !Number.isFinite(v)) return bad(r, columnName, raw === null || raw === undefined ? 'missing value (null)' : `${JSON.stringify(String(raw))} is not a finite number`);
        const k = (r - start) * d + j!;
        X[k] = v;
        if (!Number.isFinite(X[k]!)) return bad(r, columnName, `${v} overflows float32; use dtype 'float64'`);
      }
    },
  });
  if (fault) {
    const e = new FormatError(`Cannot read Parquet file ${JSON.stringify(file)}: row ${fault.row}, column ${JSON.stringify(fault.column)}: ${fault.what}`, fault.column);
    e.location = { file, row: fault.row, column: fault.column };
    throw e;
  }
  return { X, y, text };
}

function checkOptions(file: unknown, options: unknown, prefix: string): { file: string; o: ParquetOptions & { dtype: Dtype } } {
  if (typeof file !== 'string' || file === '') throw invalid('path', 'a non-empty Parquet file path string', file);
  if (options !== undefined && !isPlainObject(options)) throw invalid('options', 'an options object', options);
  const o = checkKeys('options', options, ['target', 'features', 'dtype']);
  const dtype = oneOf(`${prefix}dtype`, o.dtype, ['float32', 'float64'] as const, 'float32');
  if (o.target !== undefined && (typeof o.target !== 'string' || o.target === '')) throw invalid(`${prefix}target`, 'a column name (a non-empty string)', o.target);
  if (o.features !== undefined && (!Array.isArray(o.features) || o.features.length === 0 || !o.features.every((s) => typeof s === 'string' && s !== '')))
    throw invalid(`${prefix}features`, 'a non-empty array of column names', o.features);
  return { file, o: { dtype, target: o.target as string | undefined, features: o.features as string[] | undefined } };
}

/**
 * Reads a Parquet file (flat: one value per column per row) into a {@link Dataset}: numeric columns (integers,
 * floats, booleans as 0/1) become `X` `[n, d]` row-major in `dtype`, the target column `y` — text labels become
 * class indices in sorted order (`Dataset.classes`), as loadCsv. Needs the optional package `hyparquet`.
 * @throws BackendError when hyparquet is not installed; IOError for a missing file or a directory; FormatError for a
 *   file that is not Parquet, an unknown column (listing the columns), or a null / non-numeric / non-finite value
 *   (naming the row and column); MemoryLimitError above the memory limit; OptionError for a bad option.
 */
export async function loadParquet(file: string, options: ParquetOptions = {}): Promise<Dataset> {
  const { file: p, o } = checkOptions(file, options, 'options.');
  const f = await open(p, o);
  const n = Number(f.meta.num_rows);
  if (n === 0) throw new FormatError(`Expected at least one row in ${p}`, 'path');
  try {
    const { X, y, text } = await readRows(f, p, 0, n, o.dtype, true);
    const out: Dataset = { X: { data: X, rows: n, cols: f.features.length }, y, featureNames: f.features, targetName: f.target };
    if (text.length > 0) {
      const classes = [...new Set(text)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const id = new Map(classes.map((c, i) => [c, i]));
      for (let i = 0; i < n; i++) {
        if (text[i] === undefined) throw new FormatError(`Cannot read Parquet file ${JSON.stringify(p)}: row ${i}, column ${JSON.stringify(f.target)}: a number among text labels`, f.target);
        y[i] = id.get(text[i]!)!;
      }
      out.classes = classes;
    }
    return out;
  } catch (e) {
    if (e instanceof DescentError) throw e;
    throw new FormatError(`Cannot read Parquet file ${JSON.stringify(p)}: ${(e as Error)?.message ?? e}`, 'path', { cause: e });
  }
}

/** One chunk per row group, for streaming fits (`fit('data.parquet')`). */
export async function* parquetChunks(file: string, o: { target?: string; features?: string[]; dtype: Dtype }) {
  const f = await open(file, o);
  let start = 0;
  for (const g of f.meta.row_groups) {
    const n = Number(g.num_rows);
    if (n === 0) continue;
    let rows;
    try {
      rows = await readRows(f, file, start, start + n, o.dtype, false);
    } catch (e) {
      if (e instanceof DescentError) throw e;
      throw new FormatError(`Cannot read Parquet file ${JSON.stringify(file)}: ${(e as Error)?.message ?? e}`, 'path', { cause: e });
    }
    yield { X: { data: rows.X, rows: n, cols: f.features.length }, y: rows.y, featureNames: f.features };
    start += n;
  }
}
