/**
 * CSV loading with `csv-parse` (RFC 4180 quoting, BOMs, CRLF handled there). One header row; every cell must be
 * numeric; errors name the file, line and column.
 */
import { parse } from 'csv-parse/sync';
import { DescentError, FormatError } from '../errors';
import { readFileChecked } from '../io/util';
import { checkKeys, invalid, oneOf } from '../validate';
import type { Dtype } from '../backend/types';
import { Matrix, arrayFor } from './matrix';

/** A data set: features `X` `[n, d]`, targets `y` `[n]` and the column names. */
export interface Dataset {
  X: Matrix;
  y: Float64Array;
  featureNames: string[];
  targetName: string;
}

export interface LoadCsvOptions {
  /** Name of the target column. Default: the last column. */
  target?: string;
  /** Storage type of X. Default `'float32'`. */
  dtype?: Dtype;
  /** Field delimiter. Default `','`. */
  delimiter?: string;
}

/**
 * Reads a numeric CSV with a header row. Throws `FormatError` when the target column is missing (listing the
 * columns), a row has the wrong number of fields, or a cell is not a finite number (naming line and column);
 * OptionError for a `path` that is not a non-empty string or a bad option (`target` a non-empty string,
 * `delimiter` a non-empty string without quotes or line breaks); IOError when the file is missing or unreadable;
 * MemoryLimitError when it is larger than the memory limit.
 */
export function loadCsv(path: string, options: LoadCsvOptions = {}): Dataset {
  if (typeof path !== 'string' || path === '') throw invalid('path', 'a non-empty CSV file path string', path);
  const file = path;
  const o = checkKeys('options', options, ['target', 'dtype', 'delimiter']);
  const dtype = oneOf('options.dtype', o.dtype, ['float32', 'float64'] as const, 'float32');
  if (o.target !== undefined && (typeof o.target !== 'string' || o.target === '')) throw invalid('options.target', 'a column name (a non-empty string)', o.target);
  const delimiter = o.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter === '' || /["\r\n]/.test(delimiter))
    throw invalid('options.delimiter', 'a non-empty string without quotes or line breaks', delimiter);
  const target = o.target as string | undefined;
  let text: string;
  try {
    text = readFileChecked(file).toString('utf8');
  } catch (e) {
    // A missing or unreadable file is readFileChecked's IOError, as on every entry point; only a file too large for
    // one JS string is reported here.
    if ((e as { code?: string }).code !== 'ERR_STRING_TOO_LONG') throw e;
    throw new FormatError(
      `Cannot read CSV file ${JSON.stringify(file)}: ${(e as Error).message}. The file is too large to load in memory; train on it with fit(path) (CLI: --stream)`,
      'path',
      { cause: e },
    );
  }
  let records: string[][];
  try {
    records = parse(text, { delimiter, bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  } catch (e) {
    throw new FormatError(`Cannot parse CSV file ${JSON.stringify(file)}: ${(e as Error).message}`, 'path', { cause: e });
  }
  if (records.length < 2) throw new FormatError(`Expected a header row and at least one data row in ${file} but found ${records.length} row(s)`, 'path');
  const header = records[0]!;
  const targetName = target ?? header[header.length - 1]!;
  const t = header.indexOf(targetName);
  if (t < 0)
    throw new FormatError(`Target column ${JSON.stringify(targetName)} not found in ${file}; columns are: ${header.join(', ')}`, 'target');
  if (header.length < 2) throw new FormatError(`Expected at least one feature column besides the target in ${file}`, 'path');
  const featureNames = header.filter((_, j) => j !== t);
  const n = records.length - 1;
  const d = featureNames.length;
  const X = arrayFor(dtype, n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const rec = records[i + 1]!;
    const line = i + 2;
    if (rec.length !== header.length)
      throw new FormatError(`Expected ${header.length} fields on line ${line} of ${file} but found ${rec.length}`, `line ${line}`);
    let k = 0;
    for (let j = 0; j < rec.length; j++) {
      const cell = rec[j]!;
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v))
        throw new FormatError(`Non-numeric cell ${JSON.stringify(cell)} on line ${line} (row ${i + 1}), column ${JSON.stringify(header[j])} of ${file}`, header[j]);
      if (j === t) y[i] = v;
      else X[i * d + k++] = v;
    }
  }
  return { X: { data: X, rows: n, cols: d }, y, featureNames, targetName };
}

/**
 * Reads a numeric CSV with a header row as features only (for prediction): all columns, or the named `columns`
 * in that order (a missing name is a FormatError listing the file's columns).
 */
export function loadCsvFeatures(file: string, options: { columns?: string[]; dtype?: Dtype } = {}): { X: Matrix; columns: string[] } {
  const dtype = oneOf('options.dtype', options.dtype, ['float32', 'float64'] as const, 'float32');
  let records: string[][];
  try {
    records = parse(readFileChecked(file).toString('utf8'), { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  } catch (e) {
    if (e instanceof DescentError) throw e; // IOError, MemoryLimitError
    throw new FormatError(`Cannot parse CSV file ${JSON.stringify(file)}: ${(e as Error).message}`, 'path', { cause: e });
  }
  if (records.length < 2) throw new FormatError(`Expected a header row and at least one data row in ${file}`, 'path');
  const header = records[0]!;
  const columns = options.columns ?? header;
  const idx = columns.map((c) => {
    const j = header.indexOf(c);
    if (j < 0) throw new FormatError(`Column ${JSON.stringify(c)} not found in ${file}; columns are: ${header.join(', ')}`, c);
    return j;
  });
  const n = records.length - 1, d = idx.length;
  const X = arrayFor(dtype, n * d);
  for (let i = 0; i < n; i++) {
    const rec = records[i + 1]!;
    if (rec.length !== header.length) throw new FormatError(`Expected ${header.length} fields on line ${i + 2} of ${file} but found ${rec.length}`, `line ${i + 2}`);
    idx.forEach((j, k) => {
      const cell = rec[j]!;
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) throw new FormatError(`Non-numeric cell ${JSON.stringify(cell)} on line ${i + 2} (row ${i + 1}), column ${JSON.stringify(header[j])} of ${file}`, header[j]);
      X[i * d + k] = v;
    });
  }
  return { X: { data: X, rows: n, cols: d }, columns };
}
