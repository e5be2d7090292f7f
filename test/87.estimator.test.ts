/**
 * 87: the scikit-learn estimator surface on every model: score, getParams/setParams (hyperparameters), clone,
 * classes, summary; the flat parameter vector under its own name. Reference values from scikit-learn 1.2.1
 * (/usr/bin/python3, Debian's python3-sklearn) on the bundled data sets:
 *   LinearRegression().fit(X, y).score(X, y) on diabetes.csv                          = 0.5177484222203499
 *   LogisticRegression(C=1, max_iter=10000).fit(Xs, y).score(Xs, y) on breast-cancer.csv,
 *     Xs = StandardScaler().fit_transform(X)                                          = 0.9876977152899824 (562/569)
 */
import * as assert from 'node:assert/strict';
import { LinearRegression, LogisticRegression, MLPClassifier, MLPRegressor, Sequential, SoftmaxRegression, adam, dense, loadCsv, datasetPath, precisionRecallF1, loadModel, fromBuffer, OptionError, ShapeError, StateError } from '../lib';

describe('87 estimator surface', () => {
  it('score: R² of a trained LinearRegression on diabetes equals scikit-learn\'s least-squares score', async () => {
    const d = await loadCsv(datasetPath('diabetes'), { target: 'progression', dtype: 'float64' });
    const m = new LinearRegression({ standardize: true, dtype: 'float64' });
    await m.fit(d.X, d.y, { epochs: 3000, batchSize: d.X.rows, optimizer: adam({ learningRate: 0.5 }), seed: 1 });
    const s = m.score(d.X, d.y);
    assert.ok(Math.abs(s - 0.5177484222203499) < 1e-9, `R² ${s}`);
    // and it is R² of predict by definition (1 − SSres/SStot)
    const p = m.predict(d.X), y = Float64Array.from(d.y as ArrayLike<number>);
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    let res = 0, tot = 0;
    for (let i = 0; i < y.length; i++) {
      res += (y[i]! - p[i]!) ** 2;
      tot += (y[i]! - mean) ** 2;
    }
    assert.ok(Math.abs(s - (1 - res / tot)) < 1e-12);
  });

  it('score: accuracy of an L2 logistic regression on breast-cancer equals scikit-learn\'s (C = 1 ⇔ l2 = 1/n)', async () => {
    const d = await loadCsv(datasetPath('breast-cancer'), { target: 'benign', dtype: 'float64' });
    const n = d.X.rows;
    const m = new LogisticRegression({ standardize: true, dtype: 'float64', regularization: { l2: 1 / n } });
    await m.fit(d.X, d.y, { epochs: 3000, batchSize: n, optimizer: adam({ learningRate: 0.05 }), seed: 1 });
    assert.equal(m.score(d.X, d.y), 562 / 569);
    assert.equal(m.score(d.X, d.y), 0.9876977152899824);
    assert.deepEqual(m.classes, [0, 1]);
  });

  it('getParams returns the constructor arguments; clone() is unfitted with equal params; setParams validates and applies to the next fit', async () => {
    const m = new MLPClassifier({ hiddenLayers: [8], activation: 'tanh', standardize: true, regularization: { l2: 1e-4 } });
    assert.deepEqual(m.getParams(), { hiddenLayers: [8], activation: 'tanh', standardize: true, regularization: { l2: 1e-4 } });
    const X = { data: Float64Array.from({ length: 40 }, (_, i) => Math.sin(i)), rows: 20, cols: 2 };
    const y = Float64Array.from({ length: 20 }, (_, i) => i % 3);
    await m.fit(X, y, { epochs: 2, batchSize: 5, seed: 3 });
    const c = m.clone();
    assert.ok(c instanceof MLPClassifier && c !== m);
    assert.deepEqual(c.getParams(), m.getParams());
    assert.throws(() => c.predict(X), StateError);
    assert.throws(() => c.classes, (e: unknown) => e instanceof StateError && e.message === 'classes read before fit()');
    assert.throws(() => c.score(X, y), (e: unknown) => e instanceof StateError && e.argument === 'score');
    assert.deepEqual(m.classes, [0, 1, 2]);
    // setParams: merged, validated (model unchanged on error), returns the model
    assert.throws(() => m.setParams({ activation: 'swish' }), OptionError);
    assert.throws(() => m.setParams({ learningRate: 0.1 }), OptionError);
    assert.deepEqual(m.getParams().activation, 'tanh');
    assert.equal(m.setParams({ hiddenLayers: [4, 4] }), m);
    assert.deepEqual(m.getParams().hiddenLayers, [4, 4]);
    assert.equal(m.getParameterVector().length, 2 * 8 + 8 + 8 * 3 + 3, 'the fitted weights stay until the next fit');
    await m.fit(X, y, { epochs: 1, batchSize: 5, seed: 3 });
    assert.equal(m.getParameterVector().length, 2 * 4 + 4 + 4 * 4 + 4 + 4 * 3 + 3, 'the next fit uses the new layers');
    const s = new Sequential([dense(3, { activation: 'relu' }), dense(1)], { loss: 'squaredError' });
    assert.deepEqual(Object.keys(s.getParams()).sort(), ['layers', 'loss']);
    assert.ok(s.clone() instanceof Sequential);
  });

  it('score is R² for regressors and accuracy for classifiers on every preset; summary lists layers and parameters', async () => {
    const X = { data: Float64Array.from({ length: 60 }, (_, i) => Math.cos(i * 0.7)), rows: 30, cols: 2 };
    const yr = Float64Array.from({ length: 30 }, (_, i) => X.data[2 * i]! - 2 * X.data[2 * i + 1]!);
    const yc = Float64Array.from(yr, (v) => (v > 0 ? 1 : 0));
    const yk = Float64Array.from(yr, (v) => (v > 1 ? 2 : v > -1 ? 1 : 0));
    for (const [m, y, isClf] of [
      [new LinearRegression(), yr, false],
      [new MLPRegressor({ hiddenLayers: [4] }), yr, false],
      [new LogisticRegression(), yc, true],
      [new SoftmaxRegression(), yk, true],
      [new MLPClassifier({ hiddenLayers: [4] }), yk, true],
    ] as const) {
      await m.fit(X, y, { epochs: 5, batchSize: 10, seed: 2 });
      const e = m.evaluate(X, y) as unknown as Record<string, number>;
      assert.equal(m.score(X, y), isClf ? e.accuracy : e.r2, m.constructor.name);
      assert.equal(m.classes === undefined, !isClf);
    }
    const mlp = new MLPClassifier({ hiddenLayers: [4] });
    await mlp.fit(X, yk, { epochs: 1, batchSize: 10 });
    const text = mlp.summary({ print: false });
    assert.match(text, /dense_0 \(Dense 2 → 4\)\s+\[null, 4\]\s+relu\s+12/);
    assert.match(text, /dense_1 \(Dense 4 → 3\)\s+\[null, 3\]\s+linear\s+15/);
    assert.match(text, /Total params: 27 \(0\.1 KiB\)/);
    assert.throws(() => new LinearRegression().summary(), StateError);
  });

  it('precision/recall/F1 average as scikit-learn: binary (class 1) by default for binary models, macro for softmax, or as asked', async () => {
    // sklearn.metrics.precision_recall_fscore_support(yt, yp, average=…)[:3], scikit-learn 1.2.1
    const yt = [0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0], yp = [0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1];
    const close = (a: { precision: number; recall: number; f1: number }, b: number[]) =>
      [a.precision, a.recall, a.f1].forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-15, `${v} vs ${b[i]}`));
    close(precisionRecallF1(yt, yp, 2, 'binary'), [0.7142857142857143, 0.7142857142857143, 0.7142857142857143]);
    close(precisionRecallF1(yt, yp, 2, 'macro'), [0.6571428571428571, 0.6571428571428571, 0.6571428571428571]);
    close(precisionRecallF1(yt, yp, 2, 'weighted'), [0.6666666666666666, 0.6666666666666666, 0.6666666666666666]);
    const yt3 = [0, 1, 2, 2, 1, 0, 2, 1, 1, 0, 2, 2], yp3 = [0, 2, 2, 1, 1, 0, 2, 1, 0, 0, 2, 1];
    close(precisionRecallF1(yt3, yp3, 3, 'macro'), [0.6666666666666666, 0.7000000000000001, 0.6746031746031745]);
    close(precisionRecallF1(yt3, yp3, 3, 'weighted'), [0.6666666666666666, 0.6666666666666666, 0.6587301587301586]);
    assert.throws(() => precisionRecallF1(yt3, yp3, 3, 'binary'), OptionError);

    // A binary model's evaluate uses the positive class unless told otherwise.
    const d = await loadCsv(datasetPath('breast-cancer'), { target: 'benign' });
    const m = new LogisticRegression({ standardize: true });
    await m.fit(d.X, d.y, { epochs: 3, batchSize: 64, seed: 4 });
    const pred = m.predict(d.X) as Float64Array, y = Array.from(d.y as ArrayLike<number>);
    const e = m.evaluate(d.X, d.y);
    assert.deepEqual([e.precision, e.recall, e.f1], Object.values(precisionRecallF1(y, pred, 2, 'binary')));
    const macro = m.evaluate(d.X, d.y, { average: 'macro' });
    assert.deepEqual([macro.precision, macro.recall, macro.f1], Object.values(precisionRecallF1(y, pred, 2, 'macro')));
    assert.throws(() => m.evaluate(d.X, d.y, { average: 'micro' as 'macro' }), OptionError);
  });

  describe('labels of any kind', () => {
    const fs = require('node:fs') as typeof import('node:fs');
    const os = require('node:os') as typeof import('node:os');
    const path = require('node:path') as typeof import('node:path');
    // Three blobs in 2-D, labels in the order of the blobs.
    const X: number[][] = [], idx: number[] = [];
    for (let i = 0; i < 90; i++) {
      const c = i % 3;
      X.push([c * 4 + Math.sin(i) * 0.5, (c === 1 ? 3 : 0) + Math.cos(i * 1.3) * 0.5]);
      idx.push(c);
    }
    const names = ['setosa', 'versicolor', 'virginica'];

    it('string labels: fit → predict → save → load → predict round-trips; classes, evaluate and score take the labels', async () => {
      const y = idx.map((c) => names[c]!);
      const m = new SoftmaxRegression({ standardize: true });
      await m.fit(X, y, { epochs: 60, batchSize: 10, optimizer: adam({ learningRate: 0.05 }), seed: 2, validationData: [X.slice(0, 9), y.slice(0, 9)] });
      assert.deepEqual(m.classes, names);
      const p = m.predict(X) as string[];
      assert.ok(Array.isArray(p) && p.every((v) => names.includes(v)));
      const acc = m.score(X, y);
      assert.equal(acc, p.filter((v, i) => v === y[i]).length / y.length);
      assert.ok(acc > 0.95, `accuracy ${acc}`);
      assert.equal(m.evaluate(X, y).accuracy, acc);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'descent-87-')), 'm.safetensors');
      m.save(file);
      const back = loadModel(file) as SoftmaxRegression;
      assert.deepEqual(back.classes, names);
      assert.deepEqual(back.predict(X), p);
      assert.equal(back.score(X, y), acc);
      assert.throws(() => m.evaluate(X.slice(0, 2), ['setosa', 'rose']), (e: unknown) => e instanceof ShapeError && e.argument === 'y[1]');
      fs.rmSync(path.dirname(file), { recursive: true });
    });

    it('non-zero-based numbers (1…3) make 3 classes, not 4; predict returns those numbers, after a reload too', async () => {
      const y = idx.map((c) => c + 1);
      const m = new MLPClassifier({ hiddenLayers: [8], standardize: true });
      await m.fit(X, y, { epochs: 60, batchSize: 10, optimizer: adam({ learningRate: 0.02 }), seed: 3 });
      assert.deepEqual(m.classes, [1, 2, 3]);
      assert.equal(m.getWeights().at(-1)!.units, 3);
      const p = m.predict(X) as Float64Array;
      assert.ok(p instanceof Float64Array && p.every((v) => v === 1 || v === 2 || v === 3));
      const back = fromBuffer(m.toBuffer()) as MLPClassifier;
      assert.deepEqual(back.predict(X), p);
      assert.deepEqual(back.classes, [1, 2, 3]);
    });

    it('binary with −1/+1 or two strings: classes sorted, the second is the positive class; classWeight by label', async () => {
      const Xb = X.filter((_, i) => idx[i] !== 1), yb = idx.filter((c) => c !== 1).map((c) => (c === 0 ? -1 : 1));
      const m = new LogisticRegression({ standardize: true });
      await m.fit(Xb, yb, { epochs: 40, batchSize: 10, seed: 1, classWeight: { '-1': 1, '1': 2 } });
      assert.deepEqual(m.classes, [-1, 1]);
      const p = m.predict(Xb) as Float64Array;
      assert.deepEqual(Array.from(p), yb);
      const proba = m.predictProba(Xb);
      p.forEach((v, i) => assert.equal(v === 1, proba[i]! >= 0.5));
      const s = new LogisticRegression();
      await s.fit(Xb, yb.map((v) => (v > 0 ? 'yes' : 'no')), { epochs: 20, batchSize: 10, seed: 1 });
      assert.deepEqual(s.classes, ['no', 'yes']);
      await assert.rejects(new LogisticRegression().fit(X, idx.map((c) => names[c]!), { epochs: 1 }), (e: unknown) => e instanceof ShapeError && /exactly two classes/.test((e as Error).message));
      await assert.rejects(new LogisticRegression().fit(Xb, yb, { epochs: 1, classWeight: { '0': 1 } }), OptionError);
      await assert.rejects(new SoftmaxRegression().fit([[1], [2]], ['a', 2] as never, { epochs: 1 }), (e: unknown) => e instanceof ShapeError && e.argument === 'y[1]');
      // numbers with one stray string: the string is named, not y[0]
      await assert.rejects(new SoftmaxRegression().fit([[1], [2], [3]], [0, 1, '1'] as never, { epochs: 1 }), (e: unknown) => e instanceof ShapeError && e.argument === 'y[2]' && /y\[2\] is "1"/.test((e as Error).message));
    });

    it('partialFit fixes the classes on its first call and encodes later chunks with them', async () => {
      const y = idx.map((c) => names[c]!);
      const m = new SoftmaxRegression();
      await m.partialFit(X.slice(0, 45), y.slice(0, 45), { seed: 1 });
      await m.partialFit(X.slice(45), y.slice(45));
      assert.deepEqual(m.classes, names);
      await assert.rejects(m.partialFit(X.slice(0, 3), ['setosa', 'x', 'virginica']), (e: unknown) => e instanceof ShapeError && e.argument === 'y[1]');
    });
  });

  it('callbacks as objects (Keras style): onTrainBegin, onEpochEnd (false stops), onBatchEnd, onTrainEnd; class instances too; unknown methods refused', async () => {
    const X = { data: Float64Array.from({ length: 40 }, (_, i) => Math.sin(i)), rows: 20, cols: 2 };
    const y = Float64Array.from({ length: 20 }, (_, i) => X.data[2 * i]! - X.data[2 * i + 1]!);
    const log: string[] = [];
    class Stopper {
      onEpochEnd(info: { epoch: number }) {
        log.push(`stop? ${info.epoch}`);
        return info.epoch < 3;
      }
    }
    const h = await new LinearRegression().fit(X, y, {
      epochs: 10, batchSize: 10,
      onEpochEnd: (e) => void log.push(`fn ${e.epoch}`),
      callbacks: [
        { onTrainBegin: () => void log.push('begin'), onBatchEnd: (b) => void log.push(`batch ${b.epoch}.${b.batch}`), onTrainEnd: (hist) => void log.push(`end ${hist.epoch.length}`) },
        new Stopper(),
        { onEpochEnd: async (e) => { await new Promise((r) => setTimeout(r, 1)); log.push(`async ${e.epoch}`); } },
      ],
    });
    assert.equal(h.epoch.length, 3);
    assert.ok(h.stoppedEarly);
    assert.deepEqual(log, [
      'begin', 'batch 1.0', 'batch 1.1', 'fn 1', 'stop? 1', 'async 1', 'batch 2.0', 'batch 2.1', 'fn 2', 'stop? 2', 'async 2',
      'batch 3.0', 'batch 3.1', 'fn 3', 'stop? 3', 'async 3', 'end 3',
    ]);
    await assert.rejects(new LinearRegression().fit(X, y, { callbacks: [{ onEpochStart() {} }] as never }), (e: unknown) => e instanceof OptionError && e.argument === 'callbacks[0].onEpochStart');
    await assert.rejects(new LinearRegression().fit(X, y, { callbacks: (() => 1) as never }), (e: unknown) => e instanceof OptionError && e.argument === 'callbacks');
    await assert.rejects(new LinearRegression().fit(X, y, { callbacks: [{ onTrainEnd: 3 }] as never }), (e: unknown) => e instanceof OptionError && e.argument === 'callbacks[0].onTrainEnd');
  });

  it('predictProba shapes: flat (default), rows [n][k] and matrix { data, rows, cols }; binary gives [1 − p, p] columns', async () => {
    const X = [[0], [1], [2], [3], [4], [5]];
    const m = new SoftmaxRegression();
    await m.fit(X, ['a', 'b', 'c', 'a', 'b', 'c'], { epochs: 3, batchSize: 2, seed: 1 });
    const flat = m.predictProba(X);
    const rows = m.predictProba(X, { format: 'rows' });
    const mat = m.predictProba(X, { format: 'matrix' });
    assert.equal(flat.length, 18);
    assert.deepEqual(rows, Array.from({ length: 6 }, (_, i) => Array.from(flat.subarray(3 * i, 3 * i + 3))));
    assert.deepEqual({ rows: mat.rows, cols: mat.cols, data: Array.from(mat.data) }, { rows: 6, cols: 3, data: Array.from(flat) });
    const b = new LogisticRegression();
    await b.fit(X, [0, 0, 0, 1, 1, 1], { epochs: 3, batchSize: 2, seed: 1 });
    const p = b.predictProba(X);
    assert.equal(p.length, 6);
    assert.deepEqual(b.predictProba(X, { format: 'rows' }), Array.from(p, (v) => [1 - v, v]));
    assert.equal(b.predictProba(X, { format: 'matrix' }).cols, 2);
    assert.throws(() => b.predictProba(X, { format: 'columns' as 'rows' }), OptionError);
  });

  it('coef / intercept as scikit-learn (one output: [d] and a number; k outputs: k rows and [k]); History.history under Keras names', async () => {
    const X = [[0, 1], [1, 0], [2, 1], [3, 3], [4, 1], [5, 2]];
    const lin = new LinearRegression();
    await lin.fit(X, [1, 2, 3, 4, 5, 6], { epochs: 2, batchSize: 3, seed: 1 });
    const w = lin.getWeights()[0]!;
    assert.deepEqual(Array.from(lin.coef as Float64Array), Array.from(w.weight));
    assert.equal(lin.intercept, w.bias![0]);
    const sm = new SoftmaxRegression();
    const h = await sm.fit(X, ['x', 'y', 'z', 'x', 'y', 'z'], { epochs: 3, batchSize: 3, seed: 1, validationData: [X, ['x', 'y', 'z', 'x', 'y', 'z']], metrics: ['accuracy'] });
    const W = sm.getWeights()[0]!;
    const rows = sm.coef as Float64Array[];
    assert.equal(rows.length, 3);
    rows.forEach((r, j) => assert.deepEqual(Array.from(r), Array.from(W.weight.subarray(2 * j, 2 * j + 2))));
    assert.deepEqual(Array.from(sm.intercept as Float64Array), Array.from(W.bias!));
    assert.deepEqual(Object.keys(h.history).sort(), ['accuracy', 'loss', 'lr', 'val_accuracy', 'val_loss']);
    assert.deepEqual(h.history.loss, h.loss);
    assert.deepEqual(h.history.val_loss, h.valLoss);
    assert.deepEqual(h.history.val_accuracy, h.metrics.validation.accuracy);
    assert.equal(h.history.lr!.length, 3);
    assert.throws(() => new LinearRegression().coef, StateError);
  });
});
