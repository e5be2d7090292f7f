// Parquet input (lib/data/parquet.ts, through the optional peer hyparquet): loadParquet reads the values a writer
// stored, text labels become sorted classes, fit('x.parquet') streams row groups and trains exactly as fit on
// loadParquet's arrays (no shuffling), and faults (nulls, unknown columns, not Parquet) are errors naming them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BACKENDS } from './support/backends';
import { FormatError, IOError, LogisticRegression, adam, loadParquet } from '../lib';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-67-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Column = { name: string; data: unknown[] | ArrayLike<number>; type: string };
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<{ parquetWriteBuffer(o: { columnData: Column[]; rowGroupSize?: number }): ArrayBuffer }>;

async function writeParquet(name: string, columnData: Column[], rowGroupSize = 1000): Promise<string> {
  const w = await importModule(pathToFileURL(require.resolve('hyparquet-writer')).href);
  const file = path.join(tmp, name);
  fs.writeFileSync(file, Buffer.from(w.parquetWriteBuffer({ columnData, rowGroupSize })));
  return file;
}

describe('67 Parquet', () => {
  const n = 2500;
  const a = Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
  const b = Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
  const c = Array.from({ length: n }, (_, i) => i % 7);
  const y = Array.from({ length: n }, (_, i) => (a[i]! + b[i]! > 0 ? 1 : 0));
  let file = '';
  before(async () => {
    file = await writeParquet('train.parquet', [
      { name: 'a', data: a, type: 'DOUBLE' }, { name: 'b', data: b, type: 'DOUBLE' }, { name: 'c', data: c, type: 'INT32' },
      { name: 'kind', data: y.map((v) => (v ? 'pos' : 'neg')), type: 'STRING' }, { name: 'y', data: y, type: 'INT32' },
    ], 700);
  });

  it('loadParquet reads the stored values (float64 exactly), selects columns, and encodes text labels', async () => {
    const d = await loadParquet(file, { dtype: 'float64', features: ['a', 'b', 'c'] });
    assert.deepEqual(d.featureNames, ['a', 'b', 'c']);
    assert.equal(d.targetName, 'y');
    assert.equal(d.X.rows, n);
    for (let i = 0; i < n; i++) {
      assert.equal(d.X.data[i * 3], a[i]);
      assert.equal(d.X.data[i * 3 + 1], b[i]);
      assert.equal(d.X.data[i * 3 + 2], c[i]);
      assert.equal(d.y[i], y[i]);
    }
    const k = await loadParquet(file, { target: 'kind', features: ['a', 'b'] });
    assert.deepEqual(k.classes, ['neg', 'pos']);
    assert.deepEqual(Array.from(k.y), y);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: fit('x.parquet') streams row groups and gives the weights of fit on loadParquet's arrays`, async () => {
      const opts = { epochs: 2, batchSize: 32, optimizer: adam({ learningRate: 0.05 }), seed: 5 };
      const streamed = new LogisticRegression({ backend });
      const h = await streamed.fit(file, { ...opts, target: 'y', features: ['a', 'b', 'c'] });
      assert.equal(h.throughput[0]!.rows, n);
      const d = await loadParquet(file, { features: ['a', 'b', 'c'] });
      const inMemory = new LogisticRegression({ backend });
      await inMemory.fit(d.X, d.y, { ...opts, shuffle: false });
      assert.deepEqual(Array.from(streamed.getParameterVector()), Array.from(inMemory.getParameterVector()));
    });
  }

  it('a null, an unknown column, a non-Parquet file and a directory are errors naming them', async () => {
    const withNull = await writeParquet('null.parquet', [
      { name: 'a', data: [1, 2, null, 4], type: 'DOUBLE' }, { name: 'y', data: [0, 1, 0, 1], type: 'INT32' },
    ]);
    await assert.rejects(loadParquet(withNull), (e: FormatError) => e instanceof FormatError && /row 2, column "a": missing value \(null\)/.test(e.message) && e.argument === 'a');
    await assert.rejects(new LogisticRegression().fit(withNull, { epochs: 1 }), (e: FormatError) => e instanceof FormatError && /row 2, column "a"/.test(e.message));
    await assert.rejects(loadParquet(file, { features: ['zz'] }), (e: FormatError) => e instanceof FormatError && /"zz" not found.*columns are: a, b, c, kind, y/.test(e.message));
    const notParquet = path.join(tmp, 'x.parquet');
    fs.writeFileSync(notParquet, 'a,y\n1,2\n');
    await assert.rejects(loadParquet(notParquet), FormatError);
    await assert.rejects(loadParquet(tmp), IOError);
    await assert.rejects(loadParquet(path.join(tmp, 'missing.parquet')), IOError);
  });
});
