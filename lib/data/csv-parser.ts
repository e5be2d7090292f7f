/**
 * The delimited-text reader in TypeScript: the JS backend's (and the fallback's) mirror of native/io/csv.cc, with
 * the same contract, the same grammar and the same messages, so a file reads the same with or without the addon
 * (test/66 checks both). Fed byte chunks in any split, it parses each complete record; numbers follow strtod's
 * grammar (a sign, a leading '+', digits, '.', an exponent, inf/infinity/nan) and `Number`'s correct rounding.
 */

export interface CsvReaderOptions {
  /** One character; undefined: sniffed from the header line among `,` `;` `\t` `|`. */
  delimiter?: string;
  /** One character: lines starting with it are skipped. */
  comment?: string;
  dtype: 'float32' | 'float64';
  /** False: every selected column is a feature (prediction input). */
  hasTarget: boolean;
  /** The target column; undefined: the last column. */
  target?: string;
  /** Feature columns in this order; undefined: all but the target and `ignore`. */
  columns?: string[];
  ignore?: string[];
  /** Cell texts (spaces trimmed) that mean "missing". */
  naValues?: string[];
  /** Missing features take this value (else a missing cell is an error). */
  fillValue?: number;
  allowNonFinite: boolean;
  /** A non-numeric target column becomes class indices (else it is an error). */
  stringLabels: boolean;
}

/** The first problem, in file order. */
export interface CsvReadError {
  message: string;
  /** 0-based data row. */
  row: number;
  /** 1-based line of the file where the record starts. */
  line: number;
  /** The column at fault, or '' (the file is). */
  column: string;
}

/** What both readers (native, JS) offer lib/data/csv.ts and the streaming source. */
export interface CsvReaderLike {
  /** The read buffer `i` (0 or 1) to fill with the file's next bytes. */
  buffer(i: number): ArrayBuffer;
  feed(i: number, length: number, final: boolean): Promise<CsvReadError | undefined>;
  feedSync(i: number, length: number, final: boolean): CsvReadError | undefined;
  header(): { names: string[]; features: string[]; target: string; delimiter: string } | null;
  /** The parsed rows (as a multiple of `multipleOf` unless `all`): X row-major in the dtype, y as float64. */
  take(multipleOf: number, all: boolean): { rows: number; X: ArrayBuffer; y: ArrayBuffer };
  labels(): string[] | null;
  sortLabels(): void;
  /** Rows parsed and not yet taken. */
  pending(): number;
}

/** strtod's decimal grammar, plus inf / infinity / nan in any case (accepted syntactically, then judged finite). */
const NUMBER = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan(?:\([A-Za-z0-9_]*\))?)$/i;

/** A number as strtod reads it (the caller trims the spaces); undefined when the text is not one. */
function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const c = text.charCodeAt(text.length - 1);
  if (c >= 48 && c <= 57) return Number(text.charCodeAt(0) === 43 ? text.slice(1) : text); // digits or '.'
  const t = text.toLowerCase();
  if (t.includes('nan')) return NaN;
  if (t.includes('inf')) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(t.replace(/^\+/, ''));
}

const isSpace = (c: number): boolean => c === 32 || c === 9;

function trim(s: string): string {
  let b = 0, e = s.length;
  while (b < e && isSpace(s.charCodeAt(b))) b++;
  while (e > b && isSpace(s.charCodeAt(e - 1))) e--;
  return b === 0 && e === s.length ? s : s.slice(b, e);
}

/** A cell's text for a message: quoted, cut at 40 characters, control characters escaped (as the native reader). */
function show(text: string): string {
  const chars = [...text];
  const cut = chars.slice(0, 40).join('');
  const body = cut.replace(/["\\]/g, (c) => '\\' + c).replace(/[\u0000-\u001f]/g, (c) => '\\u00' + c.charCodeAt(0).toString(16).padStart(2, '0'));
  return `"${body}${chars.length > 40 ? '…' : ''}"`;
}

/** One cell: its offsets in the chunk (inside the quotes for a quoted cell) and whether it holds "" escapes. */
interface Cell {
  b: number;
  e: number;
  quoted: boolean;
  escaped: boolean;
}

/**
 * Splits the record [p, end) of `s` into cells, calling f(j, cell) for each (false stops). Returns the number of
 * cells, or -1 - offset of the offending character for text after a closing quote or an unclosed quote.
 */
function forEachCell(s: string, p: number, end: number, delim: number, quote: number, f: (j: number, c: Cell) => boolean): number {
  let j = 0;
  for (;;) {
    let q = p;
    while (q < end && isSpace(s.charCodeAt(q)) && s.charCodeAt(q) !== delim) q++;
    let c: Cell;
    if (q < end && s.charCodeAt(q) === quote) {
      const open = q;
      let k = q + 1, escaped = false;
      for (;;) {
        if (k >= end) return -1 - open;
        if (s.charCodeAt(k) === quote) {
          if (k + 1 < end && s.charCodeAt(k + 1) === quote) {
            escaped = true;
            k += 2;
            continue;
          }
          break;
        }
        k++;
      }
      c = { b: open + 1, e: k, quoted: true, escaped };
      p = k + 1;
      while (p < end && isSpace(s.charCodeAt(p)) && s.charCodeAt(p) !== delim) p++;
      if (p < end && s.charCodeAt(p) !== delim) return -1 - p;
    } else {
      let d = s.indexOf(String.fromCharCode(delim), p);
      if (d < 0 || d > end) d = end;
      c = { b: p, e: d, quoted: false, escaped: false };
      p = d;
    }
    if (!f(j, c)) return j + 1;
    j++;
    if (p >= end) return j;
    p++; // the delimiter
    if (p === end) {
      f(j, { b: p, e: p, quoted: false, escaped: false }); // a record ending with a delimiter has an empty last cell
      return j + 1;
    }
  }
}

/** The text of a cell, "" unescaped, spaces trimmed unless quoted. */
function cellText(s: string, c: Cell, quote: string): string {
  let t = s.slice(c.b, c.e);
  if (c.escaped) t = t.split(quote + quote).join(quote);
  return c.quoted ? t : trim(t);
}

/**
 * Record splitting (RFC 4180), as native/io/csv.cc's Scanner: a quote opens a quoted field only at a field's start
 * (after optional spaces); inside one, "" is a quote and a lone quote closes it; a quote inside an unquoted field is
 * literal. A newline ends the record unless inside a quoted field. `delim` 0 (the header, before sniffing) counts
 * every candidate delimiter. States: 0 field start, 1 unquoted, 2 quoted, 3 a quote inside a quoted field.
 */
class Scanner {
  constructor(private readonly q: number, private readonly delim: number) {}
  private isDelim(c: number): boolean {
    return this.delim !== 0 ? c === this.delim : c === 44 || c === 59 || c === 9 || c === 124;
  }
  state = 0;
  /** Advances over `c`; true when `c` ends a record (the state is then back at a field start). */
  step(c: number): boolean {
    switch (this.state) {
      case 0:
        if (c === this.q) this.state = 2;
        else if (c === 10) return true;
        else if (!(this.isDelim(c) || c === 32 || c === 9)) this.state = 1;
        return false;
      case 1:
        if (c === 10) {
          this.state = 0;
          return true;
        }
        if (this.isDelim(c)) this.state = 0;
        return false;
      case 2:
        if (c === this.q) this.state = 3;
        return false;
      default:
        if (c === this.q) this.state = 2;
        else if (c === 10) {
          this.state = 0;
          return true;
        } else if (this.isDelim(c)) this.state = 0;
        else this.state = 1;
        return false;
    }
  }
}

function validUtf8Name(name: string): boolean {
  return !name.includes('\ufffd');
}

interface Span {
  b: number;
  e: number;
}

/** Growable typed storage for the parsed rows. */
class Rows {
  X: Float32Array | Float64Array;
  y: Float64Array;
  n = 0;
  constructor(private readonly f64: boolean, private readonly d: number, private readonly hasTarget: boolean) {
    this.X = f64 ? new Float64Array(0) : new Float32Array(0);
    this.y = new Float64Array(0);
  }
  reserve(rows: number): void {
    if (rows * this.d <= this.X.length) return;
    let cap = Math.max(1024, this.X.length / this.d);
    while (cap < rows) cap *= 2;
    const X = this.f64 ? new Float64Array(cap * this.d) : new Float32Array(cap * this.d);
    X.set(this.X.subarray(0, this.n * this.d));
    this.X = X;
    if (this.hasTarget) {
      const y = new Float64Array(cap);
      y.set(this.y.subarray(0, this.n));
      this.y = y;
    }
  }
}

export class JsCsvReader implements CsvReaderLike {
  private readonly bufs: ArrayBuffer[];
  private readonly decoder = new TextDecoder('utf-8');
  private readonly quote = '"';
  private readonly q = 34;
  private delim = 0;
  private carry = '';
  private carryState = 0;
  private line = 1;
  private err: CsvReadError | undefined;
  private headerDone = false;
  private names: string[] = [];
  private features: string[] = [];
  private targetName = '';
  private roles: number[] = [];
  private rows: Rows | undefined;
  private total = 0;
  private labelMode: 'undecided' | 'numbers' | 'strings' = 'undecided';
  private labelIds = new Map<string, number>();
  private labelList: string[] = [];

  constructor(private readonly o: CsvReaderOptions, chunkBytes: number) {
    this.bufs = [new ArrayBuffer(chunkBytes), new ArrayBuffer(chunkBytes)];
    if (o.delimiter !== undefined) this.delim = o.delimiter.charCodeAt(0);
  }

  buffer(i: number): ArrayBuffer {
    return this.bufs[i]!;
  }

  async feed(i: number, length: number, final: boolean): Promise<CsvReadError | undefined> {
    return this.feedSync(i, length, final);
  }

  feedSync(i: number, length: number, final: boolean): CsvReadError | undefined {
    if (this.err) return this.err;
    // The decoder drops a leading BOM and carries a character cut by the chunk boundary to the next call.
    let data = this.decoder.decode(new Uint8Array(this.bufs[i]!, 0, length), { stream: !final });
    if (this.carry !== '') {
      // Complete the record the previous chunk cut: find its end, continuing the quote state.
      const sc = new Scanner(this.q, this.delim);
      sc.state = this.carryState;
      let k = 0;
      const n = data.length;
      while (k < n && !sc.step(data.charCodeAt(k))) k++;
      if (k === n && !final) {
        this.carry += data;
        this.carryState = sc.state;
        return undefined;
      }
      const take = k < n ? k + 1 : n;
      const joined = this.carry + data.slice(0, take);
      this.carry = '';
      this.carryState = 0;
      data = data.slice(take);
      if (!this.parseChunk(joined, final && data.length === 0)) return this.err;
      if (this.carry !== '') return undefined;
    }
    if (data.length === 0 && !final) return undefined;
    this.parseChunk(data, final);
    return this.err;
  }

  private fail(row: number, line: number, column: string, message: string): false {
    this.err ??= { message, row, line, column };
    return false;
  }

  private lineOf(data: string, offset: number): number {
    let line = this.line;
    for (let p = data.indexOf('\n'); p >= 0 && p < offset; p = data.indexOf('\n', p + 1)) line++;
    return line;
  }

  private parseChunk(data: string, final: boolean): boolean {
    if (!this.headerDone) {
      // The header: the first record that is neither empty nor a comment.
      const comment = this.o.comment?.charCodeAt(0);
      const sc = new Scanner(this.q, this.delim);
      let start = 0, i = 0, first: Span | undefined;
      const n = data.length;
      for (; i < n; i++) {
        if (sc.step(data.charCodeAt(i))) {
          let e = i;
          if (e > start && data.charCodeAt(e - 1) === 13) e--;
          if (e > start && data.charCodeAt(start) !== comment) {
            first = { b: start, e };
            break;
          }
          start = i + 1;
        }
      }
      if (!first) {
        if (!final) {
          // Only the incomplete line waits for the next feed: the empty and comment lines before it are done with.
          this.line = this.lineOf(data, start);
          this.carry = data.slice(start);
          this.carryState = sc.state;
          return true;
        }
        let e = n;
        if (e > start && data.charCodeAt(e - 1) === 13) e--;
        if (e === start || data.charCodeAt(start) === comment) return this.fail(-1, this.line, '', 'the file is empty (no header row)');
        if (sc.state === 2) return this.fail(-1, this.line, '', 'a quoted field in the header row is not closed');
        first = { b: start, e };
        i = n;
      }
      if (!this.parseHeader(data, first.b, first.e, this.lineOf(data, first.b))) return false;
      const off = i < n ? i + 1 : n;
      this.line = this.lineOf(data, off);
      data = data.slice(off);
    }
    const recs: Span[] = [];
    if (!this.scan(data, final, recs)) return false;
    if (!this.parseRecords(data, recs)) return false;
    const consumed = data.length - this.carry.length;
    for (let p = data.indexOf('\n'); p >= 0 && p < consumed; p = data.indexOf('\n', p + 1)) this.line++;
    return true;
  }

  private parseHeader(data: string, b: number, e: number, line: number): boolean {
    if (this.delim === 0) {
      // Sniff: the candidate that occurs most often outside quotes in the header line (',' on a tie or none).
      let best = 44, bestCount = 0;
      for (const cand of [44, 59, 9, 124]) {
        let count = 0, inq = false;
        for (let p = b; p < e; p++) {
          const c = data.charCodeAt(p);
          if (c === this.q) inq = !inq;
          else if (!inq && c === cand) count++;
        }
        if (count > bestCount) {
          best = cand;
          bestCount = count;
        }
      }
      this.delim = best;
    }
    const names: string[] = [];
    const n = forEachCell(data, b, e, this.delim, this.q, (_, c) => {
      names.push(cellText(data, c, this.quote));
      return true;
    });
    if (n < 0) return this.fail(-1, line, '', 'malformed quoting in the header row');
    for (let j = 0; j < names.length; j++)
      if (!validUtf8Name(names[j]!)) return this.fail(-1, line, '', `the header row is not valid UTF-8 (column ${j + 1})`);
    const where = new Map<string, number>();
    for (let j = 0; j < names.length; j++) {
      const i = where.get(names[j]!);
      if (i !== undefined) return this.fail(-1, line, '', `the header names column "${names[j]}" twice (columns ${i + 1} and ${j + 1})`);
      where.set(names[j]!, j);
    }
    // The columns, for messages: the first 50 (a wide file's list would run to megabytes).
    const listed = names.slice(0, 50).join(', ') + (names.length > 50 ? `, … (${names.length} columns)` : '');
    const indexOf = (name: string) => where.get(name) ?? -1;
    const roles = new Array<number>(names.length).fill(-2);
    let t = -1;
    if (this.o.hasTarget) {
      this.targetName = this.o.target ?? names[names.length - 1]!;
      t = indexOf(this.targetName);
      if (t < 0) return this.fail(-1, line, 'target', `target column "${this.targetName}" not found; columns are: ${listed}`);
      roles[t] = -1;
    }
    const ignore = this.o.ignore ?? [];
    for (const name of ignore) {
      const j = indexOf(name);
      if (j < 0) return this.fail(-1, line, 'ignore', `column "${name}" (in ignore) not found; columns are: ${listed}`);
      if (j === t) return this.fail(-1, line, 'ignore', `column "${name}" is the target and cannot be ignored`);
    }
    const features: string[] = [];
    if (this.o.columns) {
      for (const name of this.o.columns) {
        const j = indexOf(name);
        if (j < 0) return this.fail(-1, line, 'features', `column "${name}" not found; columns are: ${listed}`);
        if (j === t) return this.fail(-1, line, 'features', `column "${name}" is the target and cannot also be a feature`);
        if (roles[j]! >= 0) return this.fail(-1, line, 'features', `column "${name}" is listed twice`);
        if (ignore.includes(name)) return this.fail(-1, line, 'ignore', `column "${name}" is in both features and ignore`);
        roles[j] = features.length;
        features.push(name);
      }
    } else {
      const ignored = new Set(ignore);
      names.forEach((name, j) => {
        if (j === t || ignored.has(name)) return;
        roles[j] = features.length;
        features.push(name);
      });
    }
    if (features.length === 0) return this.fail(-1, line, 'features', 'no feature columns (the target is the only column, or every other column is ignored)');
    this.names = names;
    this.features = features;
    this.roles = roles;
    this.rows = new Rows(this.o.dtype === 'float64', features.length, this.o.hasTarget);
    this.headerDone = true;
    return true;
  }

  /** Records end at a newline outside quotes; a trailing \r is dropped; empty and comment lines are skipped. */
  private scan(data: string, final: boolean, recs: Span[]): boolean {
    const comment = this.o.comment?.charCodeAt(0);
    const emit = (b: number, e: number) => {
      if (e > b && data.charCodeAt(e - 1) === 13) e--;
      if (e === b || data.charCodeAt(b) === comment) return;
      recs.push({ b, e });
    };
    let start = 0;
    const sc = new Scanner(this.q, this.delim);
    const n = data.length;
    if (!data.includes(this.quote)) {
      for (let nl = data.indexOf('\n'); nl >= 0; nl = data.indexOf('\n', start)) {
        emit(start, nl);
        start = nl + 1;
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (sc.step(data.charCodeAt(i))) {
          emit(start, i);
          start = i + 1;
        }
      }
    }
    if (start < n) {
      if (final) {
        if (sc.state === 2) return this.fail(this.total + recs.length, this.lineOf(data, start), '', 'a quoted field is not closed before the end of the file (truncated?)');
        emit(start, n);
      } else {
        this.carry = data.slice(start);
        this.carryState = sc.state;
      }
    }
    return true;
  }

  private parseRecords(data: string, recs: Span[]): boolean {
    const nrec = recs.length;
    if (nrec === 0) return true;
    const rows = this.rows!;
    rows.reserve(rows.n + nrec);
    const d = this.features.length, ncols = this.names.length, base = rows.n;
    const X = rows.X, y = rows.y, f32 = this.o.dtype === 'float32';
    const na = this.o.naValues ?? [];
    const keepTargets = this.o.hasTarget && this.labelMode !== 'numbers' && this.o.stringLabels;
    const targets: string[] = [];
    const targetAt: number[] = [];
    const mode = this.labelMode;
    let sawText = false, sawNumber = false, firstText = -1;
    for (let r = 0; r < nrec; r++) {
      const row = this.total + r;
      const at = (offset: number) => this.lineOf(data, offset);
      let failed = false;
      const rowBase = (base + r) * d;
      const cells = forEachCell(data, recs[r]!.b, recs[r]!.e, this.delim, this.q, (j, c) => {
        if (j >= ncols) return false; // ragged: reported below
        const role = this.roles[j]!;
        if (role === -2) return true;
        const name = this.names[j]!;
        const text = trim(cellText(data, c, this.quote)); // a number may have spaces around it, inside quotes too
        if (role === -1) {
          if (keepTargets) {
            targets[r] = text;
            targetAt[r] = c.b;
          }
          if (text === '' || (na.length > 0 && na.includes(text))) {
            failed = this.fail(row, at(c.b), name, `missing target value${text === '' ? '' : ' ' + show(text)} (a row without a target cannot train: drop it)`) || true;
            return false;
          }
          if (mode === 'strings') return true;
          const v = parseNumber(text);
          if (v !== undefined) {
            if (!Number.isFinite(v)) {
              failed = this.fail(row, at(c.b), name, `target ${show(text)} is not a finite number`) || true;
              return false;
            }
            y[base + r] = v;
            if (mode === 'undecided') sawNumber = true;
            return true;
          }
          if (mode === 'undecided' && this.o.stringLabels) {
            sawText = true;
            if (firstText < 0) firstText = r;
            return true;
          }
          failed = this.fail(row, at(c.b), name, `target ${show(text)} is not a number${mode === 'numbers' && this.o.stringLabels ? " (the column's first rows held numbers: it is numeric)" : ''}`) || true;
          return false;
        }
        let v: number | undefined;
        if (na.length > 0 && na.includes(text)) {
          if (this.o.fillValue === undefined) {
            failed = this.fail(row, at(c.b), name, `missing value ${show(text)} (give fillValue to fill missing values)`) || true;
            return false;
          }
          v = this.o.fillValue;
        } else if (text === '') {
          failed = this.fail(row, at(c.b), name, 'empty cell (a missing value: give naValues [""] and fillValue to fill missing values)') || true;
          return false;
        } else {
          v = parseNumber(text);
          if (v === undefined) {
            failed = this.fail(row, at(c.b), name, `non-numeric cell ${show(text)}`) || true;
            return false;
          }
          if (!Number.isFinite(v) && !this.o.allowNonFinite) {
            const last = text.charCodeAt(text.length - 1);
            failed = this.fail(row, at(c.b), name, `cell ${show(text)} is not a finite number${!Number.isNaN(v) && last >= 48 && last <= 57 ? ' (it overflows double)' : ''}`) || true;
            return false;
          }
        }
        if (f32 && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
          failed = this.fail(row, at(c.b), name, `cell ${show(text)} overflows float32; use dtype 'float64'`) || true;
          return false;
        }
        X[rowBase + role] = v;
        return true;
      });
      if (failed) return false;
      if (cells < 0) return this.fail(row, at(-1 - cells), '', 'malformed quoting (text after a closing quote, or an unclosed quote)');
      if (cells !== ncols) return this.fail(row, at(recs[r]!.b), '', `expected ${ncols} fields but found ${cells > ncols ? 'more' : cells}`);
    }
    if (this.o.hasTarget && this.labelMode === 'undecided') {
      // Text labels only when no target of the first chunk is a number (as the native reader).
      if (sawText && sawNumber)
        return this.fail(this.total + firstText, this.lineOf(data, targetAt[firstText]!), this.targetName,
          `target ${show(targets[firstText]!)} is not a number (the column holds numbers too; text labels need a column without numbers, or naValues for missing ones)`);
      this.labelMode = sawText ? 'strings' : 'numbers';
    }
    if (this.labelMode === 'strings' && this.o.hasTarget) {
      // String labels: class indices in order of first appearance (sortLabels reorders them for a whole file).
      for (let r = 0; r < nrec; r++) {
        const label = targets[r]!;
        if (label === '') return this.fail(this.total + r, this.lineOf(data, targetAt[r]!), this.targetName, 'missing target value');
        if (!validUtf8Name(label)) return this.fail(this.total + r, this.lineOf(data, targetAt[r]!), this.targetName, 'the label is not valid UTF-8 (or holds U+FFFD)');
        let id = this.labelIds.get(label);
        if (id === undefined) {
          if (this.labelList.length >= 2 ** 24) return this.fail(this.total + r, this.lineOf(data, recs[r]!.b), this.targetName, 'more than 16777216 distinct labels');
          id = this.labelList.length;
          this.labelIds.set(label, id);
          this.labelList.push(label);
        }
        y[base + r] = id;
      }
    }
    rows.n += nrec;
    this.total += nrec;
    return true;
  }

  header(): { names: string[]; features: string[]; target: string; delimiter: string } | null {
    return this.headerDone ? { names: [...this.names], features: [...this.features], target: this.targetName, delimiter: String.fromCharCode(this.delim) } : null;
  }

  take(multipleOf: number, all: boolean): { rows: number; X: ArrayBuffer; y: ArrayBuffer } {
    const r = this.rows;
    if (!r) return { rows: 0, X: new ArrayBuffer(0), y: new ArrayBuffer(0) };
    const d = this.features.length;
    const rows = all ? r.n : Math.floor(r.n / multipleOf) * multipleOf;
    const X = r.X.slice(0, rows * d);
    const y = this.o.hasTarget ? r.y.slice(0, rows) : new Float64Array(0);
    r.X.copyWithin(0, rows * d, r.n * d);
    if (this.o.hasTarget) r.y.copyWithin(0, rows, r.n);
    r.n -= rows;
    return { rows, X: X.buffer as ArrayBuffer, y: y.buffer as ArrayBuffer };
  }

  pending(): number {
    return this.rows?.n ?? 0;
  }

  labels(): string[] | null {
    return this.labelMode === 'strings' ? [...this.labelList] : null;
  }

  sortLabels(): void {
    if (this.labelMode !== 'strings' || this.labelList.length === 0) return;
    // By UTF-8 bytes, as the native reader's std::string order.
    const keys = this.labelList.map((s) => Buffer.from(s, 'utf8'));
    const order = keys.map((_, i) => i).sort((a, b) => Buffer.compare(keys[a]!, keys[b]!));
    const remap = new Float64Array(order.length);
    order.forEach((old, rank) => (remap[old] = rank));
    const r = this.rows!;
    for (let i = 0; i < r.n; i++) r.y[i] = remap[r.y[i]!]!;
    this.labelList = order.map((i) => this.labelList[i]!);
    this.labelIds = new Map(this.labelList.map((l, i) => [l, i]));
  }
}
