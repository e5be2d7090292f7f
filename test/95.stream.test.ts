import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { tableFromArrays } from 'apache-arrow';
import {
  DataSourceError, LinearRegression, LogisticRegression, OptionError, ShapeError, SoftmaxRegression, StandardScaler, adam, loadCsvSync,
} from '../lib';
import { BACKENDS } from './support/backends';

const DATA = path.join(__dirname, '..', 'datasets');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-stream-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function rowsOf(X: { data: ArrayLike<number>; rows: number; cols: number }, from: number, to: number) {
  return { data: Float32Array.from({ length: (to - from) * X.cols }, (_, i) => X.data[from * X.cols + i]!), rows: to - from, cols: X.cols };
}

describe('95 streaming: partialFit', () => {
  const d = loadCsvSync(path.join(DATA, 'digits.csv'));
  for (const backend of BACKENDS) {
    it(`${backend}: partialFit over the chunks in order (no shuffle) equals fit for one epoch without shuffling`, async () => {
      const whole = new SoftmaxRegression({ backend });
      await whole.fit(d.X, d.y, { epochs: 1, batchSize: 32, shuffle: false, optimizer: adam({ learningRate: 1e-3 }), seed: 4 });
      const parts = new SoftmaxRegression({ backend });
      const chunk = 32 * 7;
      for (let s = 0; s < d.X.rows; s += chunk) {
        const e = Math.min(d.X.rows, s + chunk);
        await parts.partialFit(rowsOf(d.X, s, e), d.y.slice(s, e), s === 0 ? { batchSize: 32, optimizer: adam({ learningRate: 1e-3 }), seed: 4, classes: 10 } : {});
      }
      assert.deepEqual(Array.from(parts.getParameterVector()), Array.from(whole.getParameterVector()));
    });
  }

  it('classes declared on the first call; later labels are checked; fixed options cannot change', async () => {
    const m = new SoftmaxRegression();
    await m.partialFit([[0, 1], [1, 0]], [0, 1], { classes: 3 });
    await m.partialFit([[1, 1]], [2]);
    assert.equal(m.predictProba([[1, 1]]).length, 3);
    await assert.rejects(m.partialFit([[1, 1]], [3]), /\[0, 2\]/);
    await assert.rejects(m.partialFit([[1, 1]], [1], { seed: 3 }), OptionError);
  });

  it('the scaler updates incrementally (Welford/Chan) and equals a scaler fitted on all rows', async () => {
    const m = new LinearRegression({ standardize: true, dtype: 'float64' });
    const d2 = loadCsvSync(path.join(DATA, 'diabetes.csv'), { dtype: 'float64' });
    for (let s = 0; s < d2.X.rows; s += 100) {
      const e = Math.min(d2.X.rows, s + 100);
      await m.partialFit({ data: d2.X.data.slice(s * 10, e * 10), rows: e - s, cols: 10 }, d2.y.slice(s, e));
    }
    const full = new StandardScaler().fit(d2.X);
    m.standardScaler!.mean!.forEach((v, j) => assert.ok(Math.abs(v - full.mean![j]!) < 1e-9));
    m.standardScaler!.std!.forEach((v, j) => assert.ok(Math.abs(v - full.std![j]!) < 1e-9));
  });
});

describe('95 streaming: fit(source)', () => {
  const d = loadCsvSync(path.join(DATA, 'breast-cancer.csv'));

  it('a CSV path streamed in chunks trains exactly like the in-memory data (1 epoch, no shuffling)', async () => {
    const mem = new LogisticRegression();
    await mem.fit(d.X, d.y, { epochs: 1, batchSize: 16, shuffle: false, learningRate: 1e-3, seed: 2 });
    const streamed = new LogisticRegression();
    const h = await streamed.fit(path.join(DATA, 'breast-cancer.csv'), { batchSize: 16, learningRate: 1e-3, seed: 2, chunkRows: 50 });
    assert.deepEqual(Array.from(streamed.getParameterVector()), Array.from(mem.getParameterVector()));
    assert.equal(h.throughput![0]!.rows, d.X.rows);
    assert.ok(h.throughput![0]!.rowsPerSecond > 0 && h.throughput![0]!.waitFraction >= 0 && h.throughput![0]!.waitFraction <= 1);
    assert.deepEqual(streamed.featureNames, d.featureNames);
  });

  it('an Arrow Table with named columns trains the same model as the equivalent CSV', async () => {
    const cols: Record<string, Float64Array> = {};
    d.featureNames.forEach((name, j) => (cols[name] = Float64Array.from({ length: d.X.rows }, (_, i) => d.X.data[i * d.X.cols + j]!)));
    cols.benign = Float64Array.from(d.y);
    const table = tableFromArrays(cols);
    const fromCsv = new LogisticRegression();
    await fromCsv.fit(path.join(DATA, 'breast-cancer.csv'), { batchSize: 16, learningRate: 1e-3, seed: 2, epochs: 2 });
    const fromArrow = new LogisticRegression();
    await fromArrow.fit(() => [{ x: table }], { batchSize: 16, learningRate: 1e-3, seed: 2, epochs: 2, target: 'benign' });
    assert.deepEqual(Array.from(fromArrow.getParameterVector()), Array.from(fromCsv.getParameterVector()));
  });

  it('async iterables, object-mode Readables and seeded shuffle buffers', async () => {
    async function* gen() {
      for (let s = 0; s < d.X.rows; s += 64) yield { x: rowsOf(d.X, s, Math.min(d.X.rows, s + 64)), y: d.y.slice(s, s + 64) };
    }
    const a = new LogisticRegression({ standardize: true });
    await a.fit(gen(), { shuffleBuffer: 200, seed: 7, learningRate: 0.05 });
    const b = new LogisticRegression({ standardize: true });
    await b.fit(Readable.from(gen()), { shuffleBuffer: 200, seed: 7, learningRate: 0.05 });
    assert.deepEqual(Array.from(a.getParameterVector()), Array.from(b.getParameterVector()));
    const c = new LogisticRegression({ standardize: true });
    await c.fit(gen(), { shuffleBuffer: 0, seed: 7, learningRate: 0.05 });
    assert.notDeepEqual(Array.from(c.getParameterVector()), Array.from(a.getParameterVector()));
    assert.ok(a.evaluate(d.X, d.y).accuracy > 0.9);
    await assert.rejects(new LogisticRegression().fit(gen(), { epochs: 2 }), (e: Error) => e instanceof OptionError && /one-shot/.test(e.message));
  });

  it('backpressure: the source is not read faster than training consumes it', async () => {
    let pulled = 0, trained = 0, maxAhead = 0;
    function* gen() {
      for (let s = 0; s + 16 <= 20000; s += 16) {
        pulled += 16;
        maxAhead = Math.max(maxAhead, pulled - trained);
        yield { x: { data: new Float32Array(16 * 4).fill(s % 3), rows: 16, cols: 4 }, y: new Float64Array(16).fill(s % 2) };
      }
    }
    await new LogisticRegression().fit(gen, { batchSize: 8, onBatchEnd: () => (trained += 8) });
    assert.ok(maxAhead <= 8 * 64 + 16, `read ${maxAhead} rows ahead of training`);
  });

  it('a source that throws mid-stream rejects with DataSourceError (cause = the error); the model stays usable', async () => {
    const boom = new Error('disk on fire');
    async function* gen() {
      for (let s = 0; s < 5000; s += 50) {
        if (s === 2000) throw boom;
        yield { x: rowsOf(d.X, s % 500, (s % 500) + 50), y: d.y.slice(s % 500, (s % 500) + 50) };
      }
    }
    const m = new LogisticRegression();
    const err = await m.fit(gen(), { batchSize: 10 }).catch((e: unknown) => e);
    assert.ok(err instanceof DataSourceError);
    assert.equal((err as Error).cause, boom);
    assert.equal(m.predict(d.X).length, d.X.rows);
  });

  it('streaming a softmax classifier needs classes; bad chunks are ShapeErrors', async () => {
    await assert.rejects(new SoftmaxRegression().fit([{ x: [[1]], y: [0] }]), (e: Error) => e instanceof OptionError && /classes/.test(e.message));
    await assert.rejects(new LinearRegression().fit([{ x: [[1]], y: [0] }, { x: [[1, 2]], y: [0] }]), (e: Error) => e instanceof ShapeError && /1 features/.test(e.message));
    await assert.rejects(new LinearRegression().fit(function* () { yield { nope: 1 }; } as never), (e: Error) => e instanceof ShapeError && /\{ x, y \}/.test(e.message));
  });
});
