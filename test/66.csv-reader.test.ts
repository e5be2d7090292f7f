// The delimited-text reader (native/io/csv.cc and its TS mirror lib/data/csv-parser.ts), loadCsv / loadCsvSync,
// streaming fits from a path, and training in place:
// - both readers give the same rows, labels and first error on random files fed in random splits;
// - numbers are read as strtod reads them (Number() is correctly rounded too) on a file of edge cases;
// - faults are errors naming the file, line, data row and column;
// - a model trained from a path, from loadCsv and from an in-memory array (same seed, no shuffling) has the same
//   weights, bit for bit, on both backends; gzip files read the same;
// - X is not copied by fit (native memory accounting), and loadCsv lets the event loop run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  AbortError, FormatError, IOError, LinearRegression, LogisticRegression, OptionError, SoftmaxRegression, adam, datasetPath, loadCsv, loadCsvSync, setMemoryLimit, sgd, trainTestSplit,
} from '../lib';
import { JsCsvReader, CsvReaderLike, CsvReaderOptions } from '../lib/data/csv-parser';
import { csvTuning } from '../lib/data/csv-file';
import { readCsvFeatures } from '../lib/data/csv';
import { Rng } from '../lib/rng';
import { BACKENDS, native } from './support/backends';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-66-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string | Buffer) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};

/** Parses `bytes` with a reader fed in the given chunk sizes; everything the reader reports. */
function parseWith(reader: CsvReaderLike, bytes: Buffer, cuts: number[], sort: boolean) {
  const buf = [new Uint8Array(reader.buffer(0)), new Uint8Array(reader.buffer(1))];
  let err: unknown, pos = 0, k = 0;
  for (;;) {
    const n = Math.min(cuts[k % cuts.length]!, bytes.length - pos, buf[0]!.length);
    const final = pos + n >= bytes.length;
    buf[k % 2]!.set(bytes.subarray(pos, pos + n));
    err = reader.feedSync(k % 2, n, final);
    pos += n;
    k++;
    if (err || final) break;
  }
  if (err) return { err };
  if (sort) reader.sortLabels();
  const labels = reader.labels();
  const t = reader.take(1, true);
  return { header: reader.header(), labels, rows: t.rows, X: Buffer.from(t.X).toString('hex'), y: Buffer.from(t.y).toString('hex') };
}

/** A random small CSV and options for it: quoting, CRLF, BOM, comments, spaces, labels, missing values. */
function randomCase(r: Rng): { text: Buffer; o: CsvReaderOptions } {
  const pick = <T>(a: readonly T[]): T => a[r.below(a.length)]!;
  const cols = 1 + r.below(5);
  const delim = pick([',', ';', '\t', '|']);
  const eol = r.uniform() < 0.3 ? '\r\n' : '\n';
  const names = Array.from({ length: cols + 1 }, (_, j) => (j === cols ? 'label' : `c${j}`));
  const quoteName = (s: string) => (r.uniform() < 0.2 ? `"${s}"` : s);
  const num = (): string => {
    const v = pick(['1', '-2.5', '0.125', '+3', '1e3', '-0', '.5', '7.', '1.7976931348623157e308', '4.9e-324', ' 12 ', '"3.25"', '" 4 "', '0.30000000000000004', '123456789012345678']);
    return r.uniform() < 0.006 ? pick(['x', 'inf', 'nan', 'NA', '', '1e999', '"a""b"', '3e38', '4e38', 'ab"c', '2"3', '"4"x']) : v;
  };
  const textLabels = r.uniform() < 0.5;
  const label = () => (textLabels ? pick(['cat', 'dog', '"bird"', ' emu ', '"a,b"', '"line\nbreak"', 'ünï', '"q""uote"', 'o"k', ...(r.uniform() < 0.05 ? ['7'] : [])]) : pick(['0', '1', '2', ' 1 ', ...(r.uniform() < 0.05 ? ['NA', 'x'] : [])]));
  let out = (r.uniform() < 0.2 ? '\ufeff' : '') + (r.uniform() < 0.2 ? `# a comment${eol}` : '') + names.map(quoteName).join(delim) + eol;
  const rows = r.below(30);
  for (let i = 0; i < rows; i++) {
    if (r.uniform() < 0.05) out += eol; // an empty line
    if (r.uniform() < 0.05) out += `# comment ${i}${eol}`;
    let cells = Array.from({ length: cols }, num);
    if (r.uniform() < 0.01) cells = cells.slice(1); // ragged
    out += [...cells, label()].join(delim) + (i < rows - 1 || r.uniform() < 0.7 ? eol : '');
  }
  if (r.uniform() < 0.03) out += '"unclosed';
  const o: CsvReaderOptions = {
    dtype: r.uniform() < 0.5 ? 'float32' : 'float64', hasTarget: r.uniform() < 0.9, allowNonFinite: r.uniform() < 0.1, stringLabels: r.uniform() < 0.8,
  };
  if (r.uniform() < 0.5) o.delimiter = delim;
  if (r.uniform() < 0.8) o.comment = '#';
  if (r.uniform() < 0.2) {
    o.naValues = ['', 'NA'];
    if (r.uniform() < 0.7) o.fillValue = -1;
  }
  if (r.uniform() < 0.15 && cols > 1) o.ignore = ['c0'];
  else if (r.uniform() < 0.15) o.columns = names.slice(0, cols).reverse();
  if (!o.hasTarget && r.uniform() < 0.5) o.columns = names.slice(0, cols);
  return { text: Buffer.from(out), o };
}

describe('66 csv reader: native and TS readers agree', () => {
  it('on 400 random files fed in random splits: header, rows (bit for bit), labels and the first error', function () {
    if (!native) {
      console.log('      (skipped: needs the native reader to compare with; DESCENT_BACKEND=js or no addon)');
      this.skip();
    }
    const r = new Rng(66);
    let errors = 0, labelled = 0;
    for (let c = 0; c < 400; c++) {
      const { text, o } = randomCase(r);
      const cuts = r.uniform() < 0.5 ? [1 + r.below(8), 1 + r.below(64)] : [text.length + 1];
      const chunk = Math.max(...cuts, 1);
      const sort = r.uniform() < 0.5;
      const a = parseWith(new native!.CsvReader(o, chunk) as CsvReaderLike, text, cuts, sort);
      const b = parseWith(new JsCsvReader(o, chunk), text, cuts, sort);
      assert.deepEqual(b, a, `case ${c}: ${JSON.stringify(text.toString())} ${JSON.stringify(o)} cuts ${cuts}`);
      if ('err' in a) errors++;
      if (a.labels) labelled++;
    }
    // The generator must reach both outcomes, or the comparison proves little.
    assert.ok(errors > 40 && errors < 360, `${errors} of 400 cases were errors`);
    assert.ok(labelled > 40, `${labelled} cases had text labels`);
  });
});

describe('66 csv reader: numbers as strtod reads them', () => {
  const cells = [
    '0', '-0', '+0', '1', '-1', '+1.5', '0.1', '0.2', '0.30000000000000004', '1e10', '1E-10', '-2.5e+3', '.5', '5.', '-.5e1',
    '123456789012345678901234567890', '9007199254740993', '9007199254740992.5', '1.7976931348623157e308', '1.7976931348623158e308',
    '2.2250738585072011e-308', '2.2250738585072014e-308', '4.9e-324', '2.4703282292062328e-324', '1e-400', '-1e-400',
    '3.4028234663852886e38', '3.4028235677973366e38', '1.401298464324817e-45', '0.000001', '123.456789', '-0.000000',
    '1.00000000000000011102230246251565404236316680908203125', '0.1000000000000000055511151231257827021181583404541015625',
    '6.02214076e23', '1e22', '1e23', '8.98846567431158e307', '00012.50', '1_0',
  ];
  const finite = cells.filter((c) => c !== '1_0');

  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: every cell (plain, spaced, quoted, spaced inside quotes) equals ${dtype === 'float64' ? 'Number(text)' : 'Math.fround(Number(text))'} bit for bit`, async () => {
      const ok = finite.filter((c) => Number.isFinite(dtype === 'float64' ? Number(c) : Math.fround(Number(c))));
      assert.ok(ok.length >= finite.length - 5, `${finite.length - ok.length} cells overflow`);
      // A quoted text column with an embedded delimiter, "" and a line break sits between the numbers (ignored).
      const file = write(`edge-${dtype}.csv`, 'a,b,note,c,d\n' + ok.map((c) => `${c},  ${c}  ,"x,""y""\r\nz","${c}"," ${c} "`).join('\r\n') + '\r\n');
      for (const d of [await loadCsv(file, { dtype, stringLabels: false, target: 'd', ignore: ['note'] }), loadCsvSync(file, { dtype, stringLabels: false, target: 'd', ignore: ['note'] })]) {
        assert.equal(d.X.rows, ok.length);
        ok.forEach((c, i) => {
          const want = dtype === 'float64' ? Number(c) : Math.fround(Number(c));
          for (let j = 0; j < 3; j++) assert.ok(Object.is(d.X.data[i * 3 + j], want), `${JSON.stringify(c)} column ${j}: ${d.X.data[i * 3 + j]} vs ${want}`);
          assert.ok(Object.is(d.y[i], Number(c)), `target ${c}`);
        });
      }
    });
  }

  it('float32 overflow, double overflow, hex and underscores are errors naming the cell; inf/nan only with allowNonFinite', async () => {
    const cases: [string, RegExp][] = [
      ['4e38', /overflows float32/], ['1e999', /overflows double/], ['0x10', /non-numeric cell "0x10"/], ['1_0', /non-numeric cell "1_0"/],
      ['inf', /"inf" is not a finite number/], ['-Infinity', /not a finite number/], ['nan', /not a finite number/], ['NaN', /not a finite number/],
      ['++1', /non-numeric/], ['1e', /non-numeric/], ['e5', /non-numeric/], ['.', /non-numeric/], ['-', /non-numeric/],
    ];
    for (const [cell, re] of cases) {
      const f = write('bad-num.csv', `a,y\n1,0\n${cell},1\n`);
      assert.throws(() => loadCsvSync(f), (e: FormatError) => e instanceof FormatError && re.test(e.message) && /line 3 \(data row 2\), column "a"/.test(e.message) && e.location?.line === 3 && e.location?.row === 2 && e.location?.column === 'a', cell);
    }
    const f = write('nonfinite.csv', 'a,b,c,y\ninf,-Infinity,nan,0\n');
    const d = loadCsvSync(f, { allowNonFinite: true, dtype: 'float64' });
    assert.deepEqual(Array.from(d.X.data), [Infinity, -Infinity, NaN]);
  });
});

describe('66 csv reader: faults name the file, line, row and column', () => {
  const cases: { name: string; text: string | Buffer; re: RegExp; line?: number; opts?: object }[] = [
    { name: 'ragged', text: 'a,b,y\n1,2,0\n3,4\n5,6,1\n', re: /line 3 \(data row 2\): expected 3 fields but found 2/, line: 3 },
    { name: 'too many', text: 'a,b,y\n1,2,0\n3,4,1,9\n', re: /line 3 \(data row 2\): expected 3 fields but found more/, line: 3 },
    { name: 'truncated quote', text: 'a,b,y\n1,2,0\n3,"4', re: /line 3 \(data row 2\): a quoted field is not closed before the end of the file \(truncated\?\)/, line: 3 },
    { name: 'truncated line', text: 'a,b,y\n1,2,0\n3,4,1\n5', re: /line 4 \(data row 3\): expected 3 fields but found 1/, line: 4 },
    { name: 'truncated cell', text: 'a,b,y\n1,2,0\n3,4,1\n5,', re: /line 4 \(data row 3\), column "b": empty cell/, line: 4 },
    { name: 'invalid utf-8 header', text: Buffer.concat([Buffer.from('a,'), Buffer.from([0xff, 0xfe]), Buffer.from(',y\n1,2,3\n')]), re: /line 1: the header row is not valid UTF-8 \(column 2\)/, line: 1 },
    { name: 'empty', text: '', re: /the file is empty \(no header row\)/ },
    { name: 'blank lines only', text: '\n\r\n\n', re: /the file is empty/ },
    { name: 'header only', text: 'a,b,y\n', re: /line 1: a header row but no data rows/, line: 1 },
    { name: 'CR-only lines', text: 'a,b,y\r1,2,0\r3,4,1\r', re: /lone CR \(classic Mac OS\)/ },
    { name: 'duplicate header', text: 'a,a,y\n1,2,0\n', re: /line 1: the header names column "a" twice \(columns 1 and 2\)/, line: 1 },
    { name: 'quote inside an unquoted cell', text: 'a,b,y\n1,2"3,0\n', re: /line 2 \(data row 1\), column "b": non-numeric cell "2\\"3"/, line: 2 },
    { name: 'stray word in a numeric target', text: 'a,y\n1,0.5\n2,NA\n3,2\n', re: /line 3 \(data row 2\), column "y": target "NA" is not a number/, line: 3 },
    { name: 'parquet given to loadCsv', text: Buffer.from('PAR1xxxxPAR1'), re: /it is a Parquet file|Cannot read Parquet file/ },
    { name: 'non-numeric', text: 'a,b,y\n1,2,0\n1,abc,1\n', re: /line 3 \(data row 2\), column "b": non-numeric cell "abc"/, line: 3 },
    { name: 'empty cell', text: 'a,b,y\n1,,0\n', re: /line 2 \(data row 1\), column "b": empty cell \(a missing value/, line: 2 },
    { name: 'missing target column', text: 'a,b,y\n1,2,0\n', re: /target column "z" not found; columns are: a, b, y/, opts: { target: 'z' } },
    { name: 'quoted newline keeps line numbers', text: 'a,note,y\n1,"two\nlines",0\n"x",n,0\n', re: /line 4 \(data row 2\), column "a": non-numeric cell "x"/, line: 4, opts: { features: ['a'] } },
  ];
  for (const c of cases) {
    it(`${c.name}: loadCsv, loadCsvSync and fit(path) throw the same FormatError`, async () => {
      const f = write(`fault-${c.name.replace(/\W/g, '-')}.csv`, c.text);
      const opts = c.opts ?? {};
      const check = (e: unknown) => {
        assert.ok(e instanceof FormatError, String(e));
        assert.match(e.message, c.re);
        assert.ok(e.message.includes(JSON.stringify(f)) || /header row and at least one/.test(e.message), e.message);
        if (c.line !== undefined) assert.equal(e.location?.line, c.line);
        return true;
      };
      await assert.rejects(loadCsv(f, opts), check);
      assert.throws(() => loadCsvSync(f, opts), check);
      await assert.rejects(new LinearRegression().fit(f, { epochs: 1, ...opts }), check);
    });
  }

  it('a directory and a missing file are IOErrors naming the path', async () => {
    for (const p of [tmp, path.join(tmp, 'nope.csv')]) {
      const check = (e: unknown) => e instanceof IOError && e.message.includes(JSON.stringify(p)) && e.code === 'ERR_IO';
      await assert.rejects(loadCsv(p), check);
      assert.throws(() => loadCsvSync(p), check);
      await assert.rejects(new LinearRegression().fit(p, { epochs: 1 }), check);
    }
  });

  it('bad options are OptionErrors naming the option', async () => {
    const f = write('ok.csv', 'a,y\n1,0\n');
    const bad: [object, string][] = [
      [{ delimiter: ',,' }, 'options.delimiter'], [{ delimiter: '"' }, 'options.delimiter'], [{ comment: '\n' }, 'options.comment'],
      [{ features: [] }, 'options.features'], [{ features: ['a', 3] }, 'options.features[1]'], [{ fillValue: 0 }, 'options.fillValue'],
      [{ naValues: [''], fillValue: NaN }, 'options.fillValue'], [{ dtype: 'int8' }, 'options.dtype'], [{ onProgress: 1 }, 'options.onProgress'],
      [{ signal: {} }, 'options.signal'], [{ targt: 'y' }, 'options.targt'], [{ stringLabels: 'yes' }, 'options.stringLabels'],
    ];
    for (const [o, arg] of bad) {
      await assert.rejects(loadCsv(f, o as never), (e: OptionError) => e instanceof OptionError && e.argument === arg, JSON.stringify(o));
      assert.throws(() => loadCsvSync(f, o as never), (e: OptionError) => e instanceof OptionError && e.argument === arg, JSON.stringify(o));
    }
  });
});

describe('66 csv reader: options', () => {
  it('sniffs ; \\t | delimiters, skips comments, BOM, CRLF and blank lines; features, ignore and target select columns', () => {
    for (const d of [';', '\t', '|']) {
      const f = write('sniff.csv', `\ufeff# made by hand\r\nx${d}"y y"${d}t${d}z\r\n\r\n1${d}2${d}0${d}9\r\n# skip\r\n3${d}"4"${d}1${d}9\r\n`);
      const all = loadCsvSync(f, { target: 't', dtype: 'float64', comment: '#' });
      assert.deepEqual(all.featureNames, ['x', 'y y', 'z']);
      assert.deepEqual(Array.from(all.X.data), [1, 2, 9, 3, 4, 9]);
      assert.deepEqual(Array.from(all.y), [0, 1]);
      const some = loadCsvSync(f, { target: 't', features: ['z', 'x'], dtype: 'float64', comment: '#' });
      assert.deepEqual(Array.from(some.X.data), [9, 1, 9, 3]);
      const ign = loadCsvSync(f, { target: 't', ignore: ['y y'], dtype: 'float64', comment: '#' });
      assert.deepEqual(ign.featureNames, ['x', 'z']);
    }
  });

  it('naValues with fillValue fill missing features; without fillValue they are errors', () => {
    const f = write('na.csv', 'a,b,y\n1,NA,0\n,2,1\n');
    const d = loadCsvSync(f, { naValues: ['', 'NA'], fillValue: -7, dtype: 'float64' });
    assert.deepEqual(Array.from(d.X.data), [1, -7, -7, 2]);
    assert.throws(() => loadCsvSync(f, { naValues: ['NA'] }), /line 2 \(data row 1\), column "b": missing value "NA" \(give fillValue/);
  });

  it('text labels become class indices in sorted order (Dataset.classes); stringLabels: false refuses them', async () => {
    const f = write('labels.csv', 'a,kind\n1,dog\n2," cat"\n3,"bird"\n4,dog\n5,cat\n');
    const d = await loadCsv(f, { dtype: 'float64' });
    assert.deepEqual(d.classes, ['bird', 'cat', 'dog']);
    assert.deepEqual(Array.from(d.y), [2, 1, 0, 2, 1]);
    assert.throws(() => loadCsvSync(f, { stringLabels: false }), /column "kind": target "dog" is not a number/);
    const num = loadCsvSync(datasetPath('digits'));
    assert.equal(num.classes, undefined);
    // Trained on the indices, a classifier's classes map back to the labels.
    const m = new SoftmaxRegression();
    await m.fit(d.X, d.y, { epochs: 2, seed: 1 });
    assert.equal((m.predict(d.X) as Float64Array).every((c) => Number.isInteger(c) && c >= 0 && c < 3), true);
  });

  it('trainTestSplit keeps the classes; a streaming fit takes the CSV options, shuffle: false, and explains text labels', async () => {
    const f = write('labels2.csv', 'a,kind\n1,dog\n2,cat\n3,bird\n4,dog\n5,cat\n');
    const { train, test } = trainTestSplit(await loadCsv(f), { testFraction: 0.4, seed: 1 });
    assert.deepEqual(train.classes, ['bird', 'cat', 'dog']);
    assert.deepEqual(test.classes, ['bird', 'cat', 'dog']);
    await assert.rejects(new LogisticRegression().fit(f, { epochs: 1 }), /is not a number; a streaming fit reads the target as numbers: encode text labels first/);
    const g = write('opts.csv', '# made by hand\na|b|note|y\n1|NA|x|0\n2|3|y|1\n');
    const opts = { delimiter: '|', comment: '#', ignore: ['note'], naValues: ['NA'], fillValue: 0, dtype: 'float64' as const };
    const d = loadCsvSync(g, opts);
    assert.deepEqual(Array.from(d.X.data), [1, 0, 2, 3]);
    const streamed = new LinearRegression({ dtype: 'float64' });
    const { dtype: _dt, ...streamOpts } = opts;
    void _dt;
    await streamed.fit(g, { ...streamOpts, epochs: 2, batchSize: 1, shuffle: false, seed: 1 });
    const inMemory = new LinearRegression({ dtype: 'float64' });
    await inMemory.fit(d.X, d.y, { epochs: 2, batchSize: 1, shuffle: false, seed: 1 });
    assert.deepEqual(Array.from(streamed.getParameterVector()), Array.from(inMemory.getParameterVector()));
    await assert.rejects(new LinearRegression().fit(g, { ...streamOpts, shuffle: true }), (e: OptionError) => e instanceof OptionError && e.argument === 'shuffle');
    await assert.rejects(new LinearRegression().fit(d.X, d.y, { comment: '#' }), (e: OptionError) => e instanceof OptionError && e.argument === 'comment' && /loadCsv takes it/.test(e.message));
    await assert.rejects(new LinearRegression().fit(g, { delimiter: '||' }), (e: OptionError) => e instanceof OptionError && e.argument === 'delimiter');
  });

  it('from an adversarial pass: wide headers stay linear, invalid UTF-8 labels and NUL options are errors, a gzip bomb meets the memory limit', async () => {
    const cols = 60_000;
    const wide = write('wide.csv', Array.from({ length: cols }, (_, j) => `c${j}`).join(',') + '\n' + Array(cols).fill('1').join(',') + '\n');
    const w = loadCsvSync(wide);
    assert.equal(w.X.cols, cols - 1);
    assert.throws(() => loadCsvSync(wide, { target: 'zz' }), (e: FormatError) => e.message.length < 2000 && /… \(60000 columns\)/.test(e.message));
    const bad = write('bad-label.csv', Buffer.concat([Buffer.from('a,y\n1,x'), Buffer.from([0xff]), Buffer.from('\n2,y\n')]));
    assert.throws(() => loadCsvSync(bad), (e: FormatError) => e instanceof FormatError && /line 2 \(data row 1\), column "y": the label is not valid UTF-8/.test(e.message));
    for (const key of ['comment', 'delimiter']) assert.throws(() => loadCsvSync(bad, { [key]: '\0' }), (e: OptionError) => e instanceof OptionError && e.argument === `options.${key}`);
    const bomb = write('bomb.csv.gz', zlib.gzipSync(Buffer.concat([Buffer.from('a,y\n'), Buffer.alloc(24 << 20, '1,2\n')])));
    setMemoryLimit(8 << 20);
    try {
      assert.throws(() => loadCsvSync(bomb), (e: Error) => e.name === 'MemoryLimitError' && (e as OptionError).argument === 'path');
      await assert.rejects(loadCsv(bomb), (e: Error) => e.name === 'MemoryLimitError');
    } finally {
      setMemoryLimit(null);
    }
  });

  it('gzip files read the same as plain ones (async and sync)', async () => {
    const plain = fs.readFileSync(datasetPath('breast-cancer'));
    const gz = write('bc.csv.gz', zlib.gzipSync(plain));
    const a = loadCsvSync(datasetPath('breast-cancer'));
    for (const b of [await loadCsv(gz), loadCsvSync(gz)]) {
      assert.deepEqual(Buffer.from(b.X.data.buffer, b.X.data.byteOffset, b.X.data.byteLength), Buffer.from(a.X.data.buffer, a.X.data.byteOffset, a.X.data.byteLength));
      assert.deepEqual(Array.from(b.y), Array.from(a.y));
    }
    const broken = write('broken.csv.gz', zlib.gzipSync(plain).subarray(0, 2000));
    await assert.rejects(loadCsv(broken), (e) => e instanceof FormatError && /corrupt or truncated gzip/.test((e as Error).message));
    assert.throws(() => loadCsvSync(broken), (e) => e instanceof FormatError && /corrupt or truncated gzip/.test((e as Error).message));
  });

  it('onProgress reports bytes and rows after each chunk, ending at the file size; an aborted signal stops loadCsv', async () => {
    const saved = csvTuning.chunkBytes;
    csvTuning.chunkBytes = 4096;
    try {
      const file = datasetPath('digits');
      const seen: { bytesRead: number; totalBytes: number; rows: number }[] = [];
      const d = await loadCsv(file, { onProgress: (p) => seen.push(p) });
      assert.ok(seen.length > 10, `${seen.length} progress calls`);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.bytesRead >= seen[i - 1]!.bytesRead && seen[i]!.rows >= seen[i - 1]!.rows);
      assert.equal(seen.at(-1)!.bytesRead, fs.statSync(file).size);
      assert.equal(seen.at(-1)!.rows, d.X.rows);
      const ac = new AbortController();
      await assert.rejects(loadCsv(file, { signal: ac.signal, onProgress: () => ac.abort() }), AbortError);
      // The event loop runs while loadCsv reads: a timer set before it fires before it resolves.
      let ticked = false;
      setTimeout(() => (ticked = true), 0);
      await loadCsv(file);
      assert.equal(ticked, true);
    } finally {
      csvTuning.chunkBytes = saved;
    }
  });
});

describe('66 csv reader: prediction input in blocks', () => {
  it('readCsvFeatures (the CLI predict path) hands the rows over in blocks as the file parses, in the model\'s column order', async () => {
    const saved = csvTuning.chunkBytes;
    csvTuning.chunkBytes = 4096;
    try {
      const whole = loadCsvSync(datasetPath('breast-cancer'), { dtype: 'float64' });
      const order = [...whole.featureNames].reverse();
      const blocks: number[] = [];
      const rows: number[] = [];
      const res = await readCsvFeatures(datasetPath('breast-cancer'), { features: order, dtype: 'float64' }, (X) => {
        blocks.push(X.rows);
        rows.push(...X.data);
      });
      assert.ok(blocks.length > 5, `${blocks.length} blocks`);
      assert.equal(res.rows, whole.X.rows);
      const d = whole.X.cols;
      for (let i = 0; i < whole.X.rows; i++) for (let j = 0; j < d; j++) assert.equal(rows[i * d + j], whole.X.data[i * d + (d - 1 - j)]);
    } finally {
      csvTuning.chunkBytes = saved;
    }
  });
});

describe('66 training from a path, from loadCsv and from memory', () => {
  // 5000 rows × 6 features, labels from a fixed linear rule: several read chunks and several streaming blocks.
  const r = new Rng(7);
  const rows: string[] = ['f0,f1,f2,f3,f4,f5,cls,y'];
  for (let i = 0; i < 5000; i++) {
    const x = Array.from({ length: 6 }, () => (r.uniform() * 4 - 2).toFixed(r.below(7)));
    const s = x.reduce((a, v, j) => a + Number(v) * (j % 2 ? 1 : -0.5), 0);
    rows.push([...x, s > 0.3 ? 2 : s > -0.3 ? 1 : 0, s > 0 ? 1 : 0].join(','));
  }
  const text = rows.join('\n') + '\n';
  const file = write('train.csv', text);
  const gz = write('train.csv.gz', zlib.gzipSync(text));
  const saved = csvTuning.chunkBytes;
  before(() => (csvTuning.chunkBytes = 16384));
  after(() => (csvTuning.chunkBytes = saved));

  for (const backend of BACKENDS) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${backend} ${dtype}: identical weights from fit(path), fit(path.gz), loadCsv and a plain JS array (same seed, no shuffling)`, async () => {
        const make = [
          () => new LogisticRegression({ backend, dtype }), () => new LinearRegression({ backend, dtype }), () => new SoftmaxRegression({ backend, dtype }),
        ];
        const targets = ['y', 'y', 'cls'];
        for (let k = 0; k < make.length; k++) {
          const target = targets[k]!;
          const opts = { epochs: 3, batchSize: 32, optimizer: k === 1 ? sgd({ learningRate: 0.01 }) : adam({ learningRate: 0.01 }), seed: 3 };
          const extra = k === 2 ? { classes: 3 } : {};
          const fromPath = make[k]!();
          await fromPath.fit(file, { ...opts, ...extra, target, features: ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'] });
          const fromGz = make[k]!();
          await fromGz.fit(gz, { ...opts, ...extra, target, features: ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'] });
          const d = await loadCsv(file, { target, ignore: [target === 'y' ? 'cls' : 'y'], dtype });
          const fromLoad = make[k]!();
          await fromLoad.fit(d.X, d.y, { ...opts, shuffle: false });
          const plain = make[k]!();
          const copy = dtype === 'float64' ? Float64Array.from(d.X.data) : Float32Array.from(d.X.data);
          await plain.fit({ data: copy, rows: d.X.rows, cols: d.X.cols }, Array.from(d.y), { ...opts, shuffle: false });
          const nested = make[k]!();
          const arrays = Array.from({ length: d.X.rows }, (_, i) => Array.from(d.X.data.subarray(i * 6, i * 6 + 6)));
          await nested.fit(arrays, d.y, { ...opts, shuffle: false });
          const ref = Buffer.from(fromLoad.getParameterVector().buffer).toString('hex');
          for (const [name, m] of [['path', fromPath], ['path.gz', fromGz], ['typed array', plain], ['nested arrays', nested]] as const)
            assert.equal(Buffer.from(m.getParameterVector().buffer).toString('hex'), ref, `${target}: ${name} vs loadCsv`);
        }
      });
    }
  }
});

describe('66 training in place', () => {
  it('native: fit neither copies a JS Float32Array X nor loadCsv rows (external memory grows by far less than X)', async function () {
    if (!native) {
      console.log('      (skipped: the native backend accounts its memory; DESCENT_BACKEND=js or no addon)');
      this.skip();
    }
    const rows = 200_000, cols = 50; // X: 40 MB
    const X = new Float32Array(rows * cols);
    const y = new Float64Array(rows);
    const r = new Rng(1);
    for (let i = 0; i < X.length; i++) X[i] = r.uniform() - 0.5;
    for (let i = 0; i < rows; i++) y[i] = X[i * cols]! > 0 ? 1 : 0;
    for (const shuffle of [true, false]) {
      const m = new LogisticRegression({ backend: 'native' });
      const before = process.memoryUsage().external;
      let during = 0;
      await m.fit({ data: X, rows, cols }, y, { epochs: 1, batchSize: 256, shuffle, seed: 1, onBatchEnd: () => { during = Math.max(during, process.memoryUsage().external); } });
      const grew = during - before;
      assert.ok(grew < X.byteLength / 2, `external memory grew by ${grew} bytes during fit (X is ${X.byteLength})`);
      m.dispose();
    }
  });

  it('X is checked for NaN/Infinity without a copy, and the error names the cell', async () => {
    for (const backend of BACKENDS) {
      const X = new Float32Array(3000 * 4).fill(1);
      X[2999 * 4 + 2] = NaN;
      await assert.rejects(new LinearRegression({ backend }).fit({ data: X, rows: 3000, cols: 4 }, new Float64Array(3000), { epochs: 1 }), /X\[2999\]\[2\] is NaN/);
    }
  });

  it('native: X detached or shrunk between chunks is a StateError; a SharedArrayBuffer or resizable X trains like a plain one', async function () {
    if (!native) this.skip();
    const rows = 4096, cols = 8;
    const make = (buf: ArrayBufferLike) => {
      const X = new Float32Array(buf, 0, rows * cols);
      for (let i = 0; i < X.length; i++) X[i] = Math.sin(i);
      return X;
    };
    const y = Float64Array.from({ length: rows }, (_, i) => Math.cos(i));
    const opts = { epochs: 2, batchSize: 16, batchesPerChunk: 8, seed: 2, optimizer: sgd({ learningRate: 0.01 }) };
    const ref = new LinearRegression({ backend: 'native' });
    await ref.fit({ data: make(new ArrayBuffer(rows * cols * 4)), rows, cols }, y, opts);
    const shared = new LinearRegression({ backend: 'native' });
    await shared.fit({ data: make(new SharedArrayBuffer(rows * cols * 4)), rows, cols }, y, opts);
    assert.deepEqual(shared.getParameterVector(), ref.getParameterVector());
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void };
    const rbuf = new Resizable(rows * cols * 4, { maxByteLength: rows * cols * 8 });
    const rs = new LinearRegression({ backend: 'native' });
    await rs.fit({ data: make(rbuf), rows, cols }, y, opts);
    assert.deepEqual(rs.getParameterVector(), ref.getParameterVector());
    const detached = make(new ArrayBuffer(rows * cols * 4));
    await assert.rejects(
      new LinearRegression({ backend: 'native' }).fit({ data: detached, rows, cols }, y, { ...opts, onBatchEnd: (b) => { if (b.batch === 20) structuredClone(detached.buffer, { transfer: [detached.buffer as ArrayBuffer] }); } }),
      (e: Error) => e.name === 'StateError' && /detached/.test(e.message),
    );
    const rbuf2 = new Resizable(rows * cols * 4, { maxByteLength: rows * cols * 8 });
    const shrinking = make(rbuf2);
    await assert.rejects(
      new LinearRegression({ backend: 'native' }).fit({ data: shrinking, rows, cols }, y, { ...opts, onBatchEnd: (b) => { if (b.batch === 20) rbuf2.resize(16); } }),
      (e: Error) => e.name === 'StateError' || e.name === 'ShapeError',
    );
  });
});
