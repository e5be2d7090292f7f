/**
 * 45 one training path: fit(X, y), fit(path | iterable) and partialFit resolve their options through one plan and
 * train in one session, so a behaviour cannot differ by entry point. Each case below failed before the change on at
 * least one entry point (issue "One training path").
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DescentError, DivergenceError, LinearRegression, LogisticRegression, OptionError, SoftmaxRegression, adam, datasetPath, loadCsvSync, sgd,
} from '../lib';
import type { BatchInfo } from '../lib';
import { BACKENDS } from './support/backends';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-path-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const bcPath = datasetPath('breast-cancer');
const bc = loadCsvSync(bcPath);
/** The breast-cancer rows as a one-shot-per-call iterable factory of 100-row chunks. */
const chunks = () => function* () {
  for (let s = 0; s < bc.X.rows; s += 100) {
    const e = Math.min(bc.X.rows, s + 100);
    yield { x: { data: bc.X.data.slice(s * bc.X.cols, e * bc.X.cols), rows: e - s, cols: bc.X.cols }, y: bc.y.slice(s, e) };
  }
};

/** Every entry point, training a LogisticRegression on breast-cancer with `options`. */
function entries(backend: 'native' | 'js', standardize = true): [string, (o: Record<string, unknown>) => Promise<unknown>][] {
  const m = () => new LogisticRegression({ backend, standardize });
  return [
    ['fit(X, y, options)', (o) => m().fit(bc.X, bc.y, o)],
    ['fit(path, options)', (o) => m().fit(bcPath, o)],
    ['fit(path, undefined, options)', (o) => m().fit(bcPath, undefined, o)],
    ['fit(iterable factory, options)', (o) => m().fit(chunks(), o)],
    ['partialFit(X, y, options)', (o) => m().partialFit(bc.X, bc.y, o)],
  ];
}

function isOptionError(argument: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof OptionError, `expected OptionError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.equal(e.code, 'ERR_OPTION');
    assert.equal(e.argument, argument);
    if (message) assert.match(e.message, message);
    return true;
  };
}

describe('45 one training path: every entry point honours the same options', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: fit on a CSV path or an iterable trains exactly \`epochs\` epochs, whichever argument holds the options`, async () => {
      for (const [name, run] of entries(backend).filter(([n]) => n.startsWith('fit'))) {
        // target names a CSV column; the in-memory and chunk entry points carry y themselves.
        const h = (await run({ epochs: 3, batchSize: 64, target: name.startsWith('fit(path') ? 'benign' : undefined })) as { epoch: number[]; loss: number[] };
        assert.deepEqual(h.epoch, [1, 2, 3], name);
        assert.equal(h.loss.length, 3, name);
      }
    });

    it(`${backend}: a NaN learning rate is the same OptionError on every entry point`, async () => {
      for (const [name, run] of entries(backend)) {
        await assert.rejects(run({ learningRate: NaN }), isOptionError('learningRate', /received NaN/), name);
        await assert.rejects(run({ optimizer: adam({ learningRate: 0.1 }), learningRate: 0.1 }), isOptionError('learningRate'), name);
      }
    });

    it(`${backend}: onBatchEnd fires for every batch on every entry point, batch 0-based within the epoch`, async () => {
      const seen: Record<string, string> = {};
      // Without standardize: a streaming scaler grows chunk by chunk, so only raw features compare exactly.
      for (const [name, run] of entries(backend, false)) {
        const calls: BatchInfo[] = [];
        const epochs = name.startsWith('partialFit') ? undefined : 2;
        await run({ epochs, batchSize: 128, shuffle: name.includes('X, y') ? false : undefined, onBatchEnd: (b: BatchInfo) => void calls.push(b) });
        const perEpoch = Math.ceil(bc.X.rows / 128);
        const want = (epochs ?? 1) * perEpoch;
        assert.equal(calls.length, want, `${name}: ${calls.length} calls`);
        calls.forEach((b, i) => {
          assert.equal(b.epoch, 1 + Math.floor(i / perEpoch), name);
          assert.equal(b.batch, i % perEpoch, name);
          assert.ok(Number.isFinite(b.loss) && b.learningRate === 0.01 && b.gradNorm > 0, name);
        });
        seen[name] = calls.slice(0, perEpoch).map((b) => b.loss.toPrecision(6)).join();
      }
      // Same rows, same order (no shuffle), same seed: the first epoch's batch losses agree across entry points.
      assert.equal(seen['fit(path, options)'], seen['fit(X, y, options)']);
      assert.equal(seen['fit(iterable factory, options)'], seen['fit(X, y, options)']);
      assert.equal(seen['partialFit(X, y, options)'], seen['fit(X, y, options)']);
    });

    it(`${backend}: epochs: 0 builds the model and returns an empty history (Keras), in memory and streaming`, async () => {
      for (const [name, run] of entries(backend).filter(([n]) => n.startsWith('fit'))) {
        const h = (await run({ epochs: 0 })) as { epoch: number[]; loss: number[]; learningRates: number[] };
        assert.deepEqual([h.epoch, h.loss, h.learningRates], [[], [], []], name);
      }
      const m = new LogisticRegression({ backend });
      await m.fit(bc.X, bc.y, { epochs: 0, seed: 5 });
      const m2 = new LogisticRegression({ backend });
      await m2.fit(bc.X, bc.y, { epochs: 1, batchSize: bc.X.rows, learningRate: 1e-300, seed: 5 });
      assert.deepEqual(Array.from(m.getParameterVector()), Array.from(m2.getParameterVector()), 'the initial weights of seed 5');
      assert.equal(m.predict(bc.X).length, bc.X.rows);
    });

    it(`${backend}: early stopping stops exactly \`patience\` epochs after the best (Keras), in memory and streaming`, async () => {
      // Train on y = 2x, validate on y = x: validation loss falls while w < 1, then rises.
      const X = [[0.5], [1], [1.5], [2]];
      const file = path.join(tmp, 'line.csv');
      fs.writeFileSync(file, 'x,y\n0.5,1\n1,2\n1.5,3\n2,4\n');
      for (const patience of [0, 1, 2, 5]) {
        const o = { epochs: 200, batchSize: 4, learningRate: 0.05, seed: 1, validationData: [X, [0.5, 1, 1.5, 2]] as [unknown, unknown], earlyStopping: { patience } };
        const hm = await new LinearRegression({ dtype: 'float64', backend }).fit(X, [1, 2, 3, 4], { ...o, shuffle: false });
        const hs = await new LinearRegression({ dtype: 'float64', backend }).fit(file, o);
        for (const h of [hm, hs]) {
          const best = h.valLoss.indexOf(Math.min(...h.valLoss));
          // Keras counts wait before comparing, so patience 0 behaves as 1.
          assert.equal(h.epoch.length, best + 1 + Math.max(patience, 1), `patience ${patience}`);
          assert.ok(h.stoppedEarly);
        }
        assert.deepEqual(hs.valLoss, hm.valLoss, 'the streaming fit sees the same epochs');
      }
    });

    it(`${backend}: clipNorm clips a float64 gradient whose squared norm overflows instead of calling it divergence`, async () => {
      // x ≈ 1e80 makes the gradient ≈ 1e160 per element: finite, but Σg² = Inf.
      const X = [[1e80, -1e80], [2e80, 1e80], [-1e80, 3e80]];
      const norms: number[] = [];
      const m = new LinearRegression({ dtype: 'float64', backend, clipNorm: 1 });
      await m.fit(X, [1, 2, 3], { epochs: 2, batchSize: 3, learningRate: 1e-3, seed: 2, onBatchEnd: (b) => void norms.push(b.gradNorm) });
      assert.ok(norms.every((v) => Number.isFinite(v) && v > 1e159), `norms ${norms}`);
      assert.ok(Array.from(m.getParameterVector()).every(Number.isFinite));
      // Without clipping the update itself overflows: a DivergenceError, as before.
      await assert.rejects(new LinearRegression({ dtype: 'float64', backend }).fit(X, [1, 2, 3], { epochs: 2, batchSize: 3, learningRate: 1e-3, seed: 2 }), DivergenceError);
    });
  }

  it('partialFit accepts repeated identical options and rejects only a change, naming it', async () => {
    const d = loadCsvSync(datasetPath('digits'));
    const rows = (s: number, e: number) => ({ data: d.X.data.slice(s * d.X.cols, e * d.X.cols), rows: e - s, cols: d.X.cols });
    const m = new SoftmaxRegression();
    const opts = { optimizer: adam({ learningRate: 0.01 }), seed: 3, classes: 10, batchSize: 16, dtype: 'float32' as const };
    await m.partialFit(rows(0, 100), d.y.slice(0, 100), opts);
    await m.partialFit(rows(100, 200), d.y.slice(100, 200), opts); // scikit-learn accepts repeated identical parameters
    await m.partialFit(rows(200, 300), d.y.slice(200, 300), { ...opts, optimizer: adam({ learningRate: 0.01 }) }); // an equal, new object
    await m.partialFit(rows(300, 400), d.y.slice(300, 400), { batchSize: 32, shuffle: true }); // may change per call
    await assert.rejects(m.partialFit(rows(0, 10), d.y.slice(0, 10), { ...opts, optimizer: adam({ learningRate: 0.02 }) }), isOptionError('optimizer', /fixed by the first partialFit call/));
    await assert.rejects(m.partialFit(rows(0, 10), d.y.slice(0, 10), { seed: 4 }), isOptionError('seed', /3.*4/));
    await assert.rejects(m.partialFit(rows(0, 10), d.y.slice(0, 10), { classes: 11 }), isOptionError('classes'));
    await assert.rejects(m.partialFit(rows(0, 10), d.y.slice(0, 10), { dtype: 'float64' }), isOptionError('dtype'));
    await assert.rejects(m.partialFit(rows(0, 10), d.y.slice(0, 10), { learningRate: 0.01 }), isOptionError('learningRate'), 'sgd(0.01) is not adam(0.01)');
    // After fit(), partialFit continues it: the fit's own options may be repeated.
    const f = new SoftmaxRegression();
    await f.fit(rows(0, 300), d.y.slice(0, 300), { epochs: 2, optimizer: 'adam', seed: 9 });
    await f.partialFit(rows(300, 400), d.y.slice(300, 400), { optimizer: adam(), seed: 9 });
    await assert.rejects(f.partialFit(rows(300, 400), d.y.slice(300, 400), { optimizer: sgd() }), isOptionError('optimizer', /fixed by the fit\(\)/));
  });

  it('options an entry point does not take are refused, saying why; typos get "did you mean"; codes agree', async () => {
    const m = new LogisticRegression();
    await assert.rejects(m.fit(bcPath, { validationSplit: 0.2 }), isOptionError('validationSplit', /streaming fit.*validationData/));
    await assert.rejects(m.fit(bcPath, { metrics: ['accuracy'] }), isOptionError('metrics', /training rows in memory/));
    await assert.rejects(m.partialFit(bc.X, bc.y, { epochs: 2 } as never), isOptionError('epochs', /one pass/));
    await assert.rejects(m.fit(bc.X, bc.y, { shuffleBuffer: 100 }), isOptionError('shuffleBuffer', /streaming sources/));
    for (const [name, run] of entries('js')) {
      await assert.rejects(run({ learningrate: 0.1 }), isOptionError('options.learningrate', /did you mean "learningRate"/), name);
      await assert.rejects(run({ batchSize: 0 }), isOptionError('batchSize', /an integer >= 1/), name);
    }
  });

  it('metrics that is not an array, and other mistyped options, are OptionErrors (never a raw TypeError)', async () => {
    const m = new LinearRegression();
    await assert.rejects(m.fit([[1], [2]], [1, 2], { metrics: 'mse' as never }), isOptionError('metrics', /an array of metric names/));
    for (const bad of [{ metrics: 10n }, { earlyStopping: 'yes' }, { checkpoint: 5 }, { classWeight: [1] }, { onEpochEnd: 3 }, { signal: {} }, { validationData: {} }, { optimizer: Symbol('x') }]) {
      await assert.rejects(m.fit([[1], [2]], [1, 2], bad as never), (e: unknown) => e instanceof DescentError && e.code === 'ERR_OPTION', JSON.stringify(Object.keys(bad)));
    }
  });
});
