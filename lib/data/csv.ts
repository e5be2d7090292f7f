/**
 * loadCsv: a delimited-text file (CSV, TSV… optionally gzip-compressed) to a {@link Dataset}, parsed by the native
 * reader off the event loop (lib/data/csv-file.ts), straight into the row-major block `fit` trains on in place.
 */
import { AbortError, DescentError, FormatError, OptionError } from '../errors';
import { checkKeys, invalid, isPlainObject, num, oneOf, readArgument } from '../validate';
import type { Dtype } from '../backend/types';
import type { Matrix } from './matrix';
import { CsvFile, CsvProgress } from './csv-file';
import type { CsvReaderOptions } from './csv-parser';

export type { CsvProgress } from './csv-file';

/** A data set: features `X` `[n, d]` (row-major), targets `y` `[n]`, and the column names. */
export interface Dataset {
  X: Matrix;
  /**
   * Targets as float64: the column's numbers, or — for a column of text labels — class indices into `classes`.
   */
  y: Float64Array;
  featureNames: string[];
  targetName: string;
  /**
   * For a target column of text labels: the distinct labels in sorted order (UTF-8 byte order), `y` holding their
   * indices — scikit-learn's `LabelEncoder.classes_`. Undefined for a numeric target.
   */
  classes?: string[];
}

export interface LoadCsvOptions {
  /** The target column. Default: the last column. */
  target?: string;
  /** Feature columns, in this order. Default: every column but the target and `ignore`. */
  features?: string[];
  /** Columns to skip. */
  ignore?: string[];
  /** Storage type of X. Default `'float32'`. */
  dtype?: Dtype;
  /** Field delimiter, one character. Default: sniffed from the header line among `,` `;` `\t` `|` (`,` on a tie). */
  delimiter?: string;
  /** Lines starting with this character are skipped (pandas `comment`). Default: none. */
  comment?: string;
  /**
   * Cell texts (after trimming spaces) that mean "missing", e.g. `['', 'NA']`. A missing feature is an error unless
   * `fillValue` is given. Default: none (an empty or `NA` cell is an error naming its row and column).
   */
  naValues?: string[];
  /** The value of a missing feature (needs `naValues`). */
  fillValue?: number;
  /** Accept `inf`/`nan` spellings as feature values. Default false (an error naming the cell). */
  allowNonFinite?: boolean;
  /**
   * A target column of text labels is encoded to class indices (`Dataset.classes`). Default true; false makes any
   * non-numeric target an error. Whether labels are text is decided by the first 8 MiB of the file.
   */
  stringLabels?: boolean;
  /** Called after each chunk (8 MiB) with bytes read and rows parsed. */
  onProgress?: (p: CsvProgress) => void;
  /** Aborts reading (between chunks) with an AbortError. */
  signal?: AbortSignal;
}

const OPTIONS = ['target', 'features', 'ignore', 'dtype', 'delimiter', 'comment', 'naValues', 'fillValue', 'allowNonFinite', 'stringLabels', 'onProgress', 'signal'] as const;

function oneChar(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length !== 1 || v.charCodeAt(0) >= 0x80 || v.charCodeAt(0) === 0 || /["\r\n]/.test(v))
    throw invalid(name, 'one ASCII character other than NUL, a quote or a line break', v);
  return v;
}

function names(name: string, v: unknown, allowEmpty: boolean): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw invalid(name, 'an array of column names (strings)', v);
  return readArgument(name, 'an array of strings', v, () => {
    const out: string[] = [];
    for (let i = 0; i < v.length; i++) {
      const s: unknown = v[i];
      if (typeof s !== 'string' || (!allowEmpty && s === '')) throw invalid(`${name}[${i}]`, allowEmpty ? 'a string' : 'a non-empty string', s);
      out.push(s);
    }
    return out;
  });
}

/** Validated reader options (OptionError naming the option otherwise), shared with `fit(path)` and the CLI. */
export function csvReaderOptions(o: Record<string, unknown>, prefix: string, hasTarget: boolean, dtypeFallback: Dtype = 'float32'): CsvReaderOptions {
  const dtype = oneOf(`${prefix}dtype`, o.dtype, ['float32', 'float64'] as const, dtypeFallback);
  if (o.target !== undefined && (typeof o.target !== 'string' || o.target === '')) throw invalid(`${prefix}target`, 'a column name (a non-empty string)', o.target);
  const naValues = names(`${prefix}naValues`, o.naValues, true);
  const fillValue = o.fillValue === undefined ? undefined : num(`${prefix}fillValue`, o.fillValue);
  if (fillValue !== undefined && naValues === undefined)
    throw new OptionError(`${prefix}fillValue fills the cells naValues names as missing: give naValues too (e.g. ['', 'NA'])`, `${prefix}fillValue`);
  const r: CsvReaderOptions = {
    dtype,
    hasTarget,
    allowNonFinite: o.allowNonFinite === undefined ? false : bool(`${prefix}allowNonFinite`, o.allowNonFinite),
    stringLabels: o.stringLabels === undefined ? true : bool(`${prefix}stringLabels`, o.stringLabels),
  };
  const delimiter = oneChar(`${prefix}delimiter`, o.delimiter);
  const comment = oneChar(`${prefix}comment`, o.comment);
  if (delimiter !== undefined && delimiter === comment) throw new OptionError(`${prefix}delimiter and ${prefix}comment are both ${JSON.stringify(delimiter)}`, `${prefix}comment`);
  if (delimiter !== undefined) r.delimiter = delimiter;
  if (comment !== undefined) r.comment = comment;
  if (o.target !== undefined) r.target = o.target as string;
  const features = names(`${prefix}features`, o.features, false);
  if (features !== undefined) {
    if (features.length === 0) throw invalid(`${prefix}features`, 'a non-empty array of column names', features);
    r.columns = features;
  }
  const ignore = names(`${prefix}ignore`, o.ignore, false);
  if (ignore !== undefined) r.ignore = ignore;
  if (naValues !== undefined) r.naValues = naValues;
  if (fillValue !== undefined) r.fillValue = fillValue;
  return r;
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalid(name, 'a boolean', v);
  return v;
}

function checkPath(path: unknown): string {
  if (typeof path !== 'string' || path === '') throw invalid('path', 'a non-empty CSV file path string', path);
  return path;
}

function prepare(path: unknown, options: unknown): { file: string; reader: CsvReaderOptions; onProgress?: (p: CsvProgress) => void; signal?: AbortSignal } {
  const file = checkPath(path);
  if (options !== undefined && !isPlainObject(options)) throw invalid('options', 'an options object', options);
  const o = checkKeys('options', options, OPTIONS);
  const reader = csvReaderOptions(o, 'options.', true);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw invalid('options.onProgress', 'a function', o.onProgress);
  const signal = o.signal;
  if (signal !== undefined && !(typeof signal === 'object' && signal !== null && typeof (signal as AbortSignal).aborted === 'boolean' && typeof (signal as AbortSignal).addEventListener === 'function'))
    throw invalid('options.signal', 'an AbortSignal', signal);
  return { file, reader, onProgress: o.onProgress as ((p: CsvProgress) => void) | undefined, signal: signal as AbortSignal | undefined };
}

/** A file with a header and no data rows; lines ending in a lone CR (classic Mac OS) read as one header line. */
export function noRowsError(file: string, header: { names: string[] }): FormatError {
  const cr = header.names.some((n) => n.includes('\r'));
  const e = new FormatError(`Cannot read CSV file ${JSON.stringify(file)}: line 1: ${cr ? 'its lines end with a lone CR (classic Mac OS); convert them to LF or CRLF' : 'a header row but no data rows'}`, 'path');
  e.location = { file, line: 1 };
  return e;
}

function dataset(f: CsvFile): Dataset {
  const h = f.header()!;
  if (f.pending() === 0) throw noRowsError(f.file, h);
  f.sortLabels();
  const classes = f.labels();
  const t = f.take(1, true);
  const out: Dataset = { X: { data: t.X, rows: t.rows, cols: h.features.length }, y: t.y, featureNames: h.features, targetName: h.target };
  if (classes) out.classes = classes;
  return out;
}

/**
 * Reads a delimited-text file with a header row (optionally gzip-compressed) into a {@link Dataset}, parsing on
 * worker threads (the event loop stays free; `setNumThreads` bounds the threads). Quoting follows RFC 4180 (quoted
 * fields may hold delimiters, `""` and line breaks); CRLF, a UTF-8 BOM, empty lines and comment lines are
 * accepted; numbers are read exactly as C's `strtod` (then rounded to float32 for that dtype). `X` lies in memory
 * the trainer reads in place: `fit(data.X, data.y)` copies nothing.
 *
 * @param path a file path.
 * @throws FormatError naming the file, line, data row and column for the first fault in file order: a cell that is
 *   not a number, a missing value (no `fillValue`), a ragged row, an unclosed quote (a truncated file), a header
 *   that is not UTF-8, an unknown `target`/`features`/`ignore` column (listing the columns), an empty file or a
 *   header without data rows. IOError when the file is missing, unreadable or not a regular file (a directory).
 *   OptionError for a bad option. MemoryLimitError when the parsed rows would exceed the memory limit. AbortError
 *   when `signal` aborts.
 */
export async function loadCsv(path: string, options: LoadCsvOptions = {}): Promise<Dataset> {
  const { file, reader, onProgress, signal } = prepare(path, options);
  const f = new CsvFile(file, reader);
  try {
    let last = -1;
    while (await f.next(signal)) {
      // Once per chunk: the final, empty feed that flushes the last record reports nothing new.
      const p = f.progress();
      if (onProgress && p.bytesRead + p.rows !== last) onProgress(p);
      last = p.bytesRead + p.rows;
      if (signal?.aborted) throw new AbortError('loadCsv() was aborted', { cause: signal.reason });
    }
    return dataset(f);
  } finally {
    await f.close();
  }
}

/**
 * {@link loadCsv} on the calling thread, for scripts: the same result, the same errors (no `signal`; `onProgress`
 * is called). Parsing still uses the thread pool; the event loop is blocked until it returns.
 */
export function loadCsvSync(path: string, options: Omit<LoadCsvOptions, 'signal'> = {}): Dataset {
  const { file, reader, onProgress, signal } = prepare(path, options);
  if (signal !== undefined) throw new OptionError('loadCsvSync cannot be aborted: use loadCsv for a signal', 'options.signal');
  const f = new CsvFile(file, reader);
  try {
    let last = -1;
    while (f.nextSync()) {
      const p = f.progress();
      if (onProgress && p.bytesRead + p.rows !== last) onProgress(p);
      last = p.bytesRead + p.rows;
    }
    return dataset(f);
  } finally {
    f.closeSync();
  }
}

/**
 * Features only, for prediction: every column, or the named `features` in that order (an unknown name is a
 * FormatError listing the file's columns). Rows are handed to `onRows` in blocks as the file is parsed, so a file
 * of any size predicts in bounded memory.
 */
export async function readCsvFeatures(
  path: string,
  options: { features?: string[]; dtype?: Dtype; delimiter?: string; onProgress?: (p: CsvProgress) => void },
  onRows: (X: Matrix, header: { features: string[] }) => void | Promise<void>,
): Promise<{ rows: number; features: string[] }> {
  const file = checkPath(path);
  const reader = csvReaderOptions(options as Record<string, unknown>, 'options.', false);
  const f = new CsvFile(file, reader);
  let rows = 0;
  try {
    while (await f.next()) {
      options.onProgress?.(f.progress());
      const h = f.header();
      if (!h) continue;
      const t = f.take(1, f.finished);
      if (t.rows > 0) {
        rows += t.rows;
        await onRows({ data: t.X, rows: t.rows, cols: h.features.length }, h);
      }
    }
    const h = f.header();
    if (!h || rows === 0) throw noRowsError(file, h ?? { names: [] });
    return { rows, features: h.features };
  } catch (e) {
    if (e instanceof DescentError) throw e;
    throw new FormatError(`Cannot read CSV file ${JSON.stringify(file)}: ${(e as Error)?.message ?? e}`, 'path', { cause: e });
  } finally {
    await f.close();
  }
}
