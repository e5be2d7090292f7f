/**
 * `descent demo`: the main job. Trains the three presets on the three bundled real data sets (80/20 split,
 * standardized features, fixed seed) and prints a table: size, model, epochs, wall time, train objective, test
 * metric, and the backend in use. For diabetes it also reports the closed-form least-squares R² on the same split.
 */
import { Table } from './table';
import { getBackend } from '../backend';
import { loadCsv } from '../data/csv';
import { datasetPath } from '../data/bundled';
import { StandardScaler } from '../data/scale';
import { trainTestSplit } from '../data/split';
import { info } from '../info';
import { LinearRegression, LogisticRegression, SoftmaxRegression } from '../models/linear';
import { nesterov, sgd } from '../optim/optimizers';
import { leastSquares } from '../train/closed-form';
import { r2 } from '../train/metrics';
import { progressBar } from '../train/progress';

export interface DemoRow {
  dataset: string;
  rows: number;
  features: number;
  model: string;
  optimizer: string;
  epochs: number;
  seconds: number;
  trainObjective: number;
  metric: string;
  value: number;
  reference?: number;
}

export async function runDemo(options: { backend?: 'native' | 'js' | 'auto'; seed?: number; print?: boolean } = {}): Promise<DemoRow[]> {
  const seed = options.seed ?? 42;
  const backend = options.backend;
  const print = options.print ?? true;
  const rows: DemoRow[] = [];
  const t0 = process.hrtime.bigint();

  // Diabetes: full-batch Nesterov gradient descent on the least-squares objective.
  {
    const data = await loadCsv(datasetPath('diabetes'), { dtype: 'float64' });
    const { train, test } = trainTestSplit(data, { testFraction: 0.2, seed });
    const model = new LinearRegression({ standardize: true, backend });
    const epochs = 300;
    const bar = progressBar('diabetes', epochs);
    const h = await model.fit(train.X, train.y, {
      epochs, batchSize: train.X.rows, optimizer: nesterov({ learningRate: 0.2, momentum: 0.95 }), seed,
      onEpochEnd: (e) => bar.update(e.epoch, e.loss),
    });
    bar.stop();
    const sc = new StandardScaler().fit(train.X);
    const ls = leastSquares(sc.transform(train.X), train.y);
    const Xt = sc.transform(test.X);
    const pred = new Float64Array(Xt.rows);
    for (let i = 0; i < Xt.rows; i++) {
      let s = ls.bias;
      for (let j = 0; j < Xt.cols; j++) s += Xt.data[i * Xt.cols + j]! * ls.weights[j]!;
      pred[i] = s;
    }
    rows.push({
      dataset: 'diabetes', rows: data.X.rows, features: data.X.cols, model: 'LinearRegression', optimizer: 'nesterov, full batch',
      epochs: h.epoch.length, seconds: h.seconds, trainObjective: model.evaluate(train.X, train.y).loss,
      metric: 'R²', value: model.evaluate(test.X, test.y).r2, reference: r2(test.y, pred),
    });
  }
  // Breast cancer: mini-batch SGD on the logistic loss.
  {
    const data = await loadCsv(datasetPath('breast-cancer'));
    const { train, test } = trainTestSplit(data, { testFraction: 0.2, seed });
    const model = new LogisticRegression({ standardize: true, backend });
    const epochs = 100;
    const bar = progressBar('breast-cancer', epochs);
    const h = await model.fit(train.X, train.y, { epochs, batchSize: 32, optimizer: sgd({ learningRate: 0.1 }), seed, onEpochEnd: (e) => bar.update(e.epoch, e.loss) });
    bar.stop();
    rows.push({
      dataset: 'breast-cancer', rows: data.X.rows, features: data.X.cols, model: 'LogisticRegression', optimizer: 'sgd, batch 32',
      epochs: h.epoch.length, seconds: h.seconds, trainObjective: model.evaluate(train.X, train.y).loss,
      metric: 'accuracy', value: model.evaluate(test.X, test.y).accuracy,
    });
  }
  // Digits: mini-batch SGD on softmax cross-entropy, 10 classes.
  {
    const data = await loadCsv(datasetPath('digits'));
    const { train, test } = trainTestSplit(data, { testFraction: 0.2, seed });
    const model = new SoftmaxRegression({ standardize: true, backend });
    const epochs = 100;
    const bar = progressBar('digits', epochs);
    const h = await model.fit(train.X, train.y, { epochs, batchSize: 32, optimizer: sgd({ learningRate: 0.1 }), seed, onEpochEnd: (e) => bar.update(e.epoch, e.loss) });
    bar.stop();
    rows.push({
      dataset: 'digits', rows: data.X.rows, features: data.X.cols, model: 'SoftmaxRegression', optimizer: 'sgd, batch 32',
      epochs: h.epoch.length, seconds: h.seconds, trainObjective: model.evaluate(train.X, train.y).loss,
      metric: 'accuracy', value: model.evaluate(test.X, test.y).accuracy,
    });
  }
  const total = Number(process.hrtime.bigint() - t0) / 1e9;

  if (print) {
    const i = info();
    const used = getBackend(backend).name;
    const table = new Table({ style: process.stdout.isTTY ? {} : { head: [], border: [] }, head: ['data set', 'rows × features', 'model', 'optimizer', 'epochs', 'wall time', 'train objective', 'test metric'] });
    for (const r of rows) {
      const ref = r.reference !== undefined ? ` (closed form ${r.reference.toFixed(4)})` : '';
      table.push([r.dataset, `${r.rows} × ${r.features}`, r.model, r.optimizer, r.epochs, `${(r.seconds * 1000).toFixed(0)} ms`, r.trainObjective.toPrecision(6), `${r.metric} ${r.value.toFixed(4)}${ref}`]);
    }
    console.log('descent demo: three presets on three bundled real data sets (80/20 split, seed ' + seed + ', standardized)');
    console.log(table.toString());
    console.log(`backend: ${used}${used === 'native' ? ` | BLAS: ${i.blas} | threads: ${i.threads} | SIMD: ${i.simd}` : ''}`);
    console.log(`total time: ${total.toFixed(2)} s`);
  }
  return rows;
}
