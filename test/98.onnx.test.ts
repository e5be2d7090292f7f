/**
 * Issue 22: ONNX export. Every model class, standardized or not, float32 and float64, on the bundled real data
 * sets: onnxruntime-node runs the exported file and its outputs equal descent's predict / predictProba /
 * decisionFunction to 1e-5 (relative to max(1, |value|)); labels are equal exactly. The files pass the ONNX
 * checker (`onnx.checker.check_model(full_check=True)` from Debian's python3-onnx) when /usr/bin/python3 has it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  LinearClassifier, LinearRegression, LinearRegressor, LogisticRegression, MLPClassifier, MLPRegressor, Model, OptionError, Sequential,
  SoftmaxRegression, StateError, dense, elu, hashFeatures, leakyRelu, loadCsvSync, loadModel,
} from '../lib';

const DATA = path.join(__dirname, '..', 'datasets');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-onnx-'));
const load = (name: string) => loadCsvSync(path.join(DATA, `${name}.csv`), { dtype: 'float64' });
const cancer = load('breast-cancer');
const diabetes = load('diabetes');
const digits = load('digits');

/** The first n rows of a data set as `{ data, rows, cols }` and its labels. */
function head(ds: ReturnType<typeof load>, n: number) {
  const d = ds.X.cols;
  return { X: { data: (ds.X.data as Float64Array).slice(0, n * d), rows: n, cols: d }, y: Float64Array.from(ds.y.slice(0, n)) };
}

const PYTHON_ONNX = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
const checked: string[] = [];

type AnyModel = Model & { predict(X: unknown): ArrayLike<number | string>; predictProba?(X: unknown, o: { format: 'matrix' }): { data: Float64Array }; decisionFunction?(X: unknown): Float64Array };

/** Runs the exported model on X in onnxruntime and compares every output with descent's. */
async function agree(m: AnyModel, X: { data: Float64Array; rows: number; cols: number }, name: string): Promise<void> {
  const bytes = m.toOnnx();
  const file = path.join(TMP, `${name.replace(/\W+/g, '_')}.onnx`);
  m.exportOnnx(file);
  assert.ok(Buffer.from(bytes).equals(fs.readFileSync(file)), 'exportOnnx writes toOnnx');
  checked.push(file);
  const session = await ort.InferenceSession.create(bytes);
  const f64 = m.getParameterVector() instanceof Float64Array;
  const input = new ort.Tensor(f64 ? 'float64' : 'float32', f64 ? X.data : Float32Array.from(X.data), [X.rows, X.cols]);
  const r = await session.run({ X: input });
  const close = (got: ArrayLike<number | bigint>, want: ArrayLike<number>, what: string) => {
    assert.equal(got.length, want.length, `${what} length`);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(Number(got[i]) - want[i]!) / Math.max(1, Math.abs(want[i]!)));
    assert.ok(worst <= 1e-5, `${name} ${what}: onnxruntime differs from descent by ${worst}`);
  };
  const classifier = m.classes !== undefined;
  if (!classifier) {
    assert.deepEqual(Object.keys(r).sort(), ['variable']);
    close(r.variable!.data as Float32Array, m.predict(X) as Float64Array, 'variable');
    assert.equal(r.variable!.type, f64 ? 'float64' : 'float32');
    return;
  }
  const pred = m.predict(X);
  const label = r.label!.data as ArrayLike<number | bigint | string>;
  assert.equal(label.length, pred.length, `${name} label length`);
  for (let i = 0; i < pred.length; i++) assert.equal(typeof pred[i] === 'string' ? label[i] : Number(label[i]), pred[i], `${name} label[${i}]`);
  let hasProba = true;
  try {
    m.predictProba!(X, { format: 'matrix' });
  } catch (e) {
    if (!(e instanceof OptionError)) throw e;
    hasProba = false;
  }
  assert.equal('probabilities' in r, hasProba, `${name}: probabilities output exactly when predictProba works`);
  if (hasProba) close(r.probabilities!.data as Float32Array, m.predictProba!(X, { format: 'matrix' }).data, 'probabilities');
  if (m instanceof LinearClassifier) close(r.decision!.data as Float32Array, m.decisionFunction(X), 'decision');
}

describe('98 onnx: exported models run in onnxruntime-node and agree with predict', function () {
  after(() => fs.rmSync(TMP, { recursive: true, force: true }));

  for (const dtype of ['float32', 'float64'] as const)
    for (const standardize of [false, true]) {
      const tag = `${dtype}${standardize ? ', standardized' : ''}`;
      const opt = { dtype, standardize } as const;
      const fit = { epochs: 3, seed: 1 };
      it(`LinearRegression and LinearRegressor (every regression loss), MLPRegressor on diabetes (${tag})`, async () => {
        const { X, y } = head(diabetes, 200);
        const Xs = standardize ? X : { ...X, data: X.data.map((v) => v / 100) };
        const ys = Float64Array.from(y, (v) => v / 100);
        const lr = new LinearRegression(opt);
        await lr.fit(Xs, ys, fit);
        await agree(lr as AnyModel, Xs, `LinearRegression ${tag}`);
        for (const loss of ['huber', 'epsilonInsensitive', 'squaredEpsilonInsensitive', 'quantile', 'poisson', 'gamma', 'tweedie'] as const) {
          const m = new LinearRegressor({ ...opt, loss });
          await m.fit(Xs, ys, { ...fit, learningRate: 1e-3 } as never);
          await agree(m as AnyModel, Xs, `LinearRegressor ${loss} ${tag}`);
        }
        const mlp = new MLPRegressor({ ...opt, hiddenLayers: [8, 4], activation: 'tanh' });
        await mlp.fit(Xs, ys, fit);
        await agree(mlp as AnyModel, Xs, `MLPRegressor ${tag}`);
      });
      it(`LogisticRegression (string labels), LinearClassifier (every loss, 2 classes) on breast cancer (${tag})`, async () => {
        const { X, y } = head(cancer, 200);
        const Xs = standardize ? X : { ...X, data: X.data.map((v) => v / 1000) };
        const labels = Array.from(y, (v) => (v === 1 ? 'benign' : 'malignant'));
        const lr = new LogisticRegression(opt);
        await lr.fit(Xs, labels, fit);
        await agree(lr as AnyModel, Xs, `LogisticRegression ${tag}`);
        for (const loss of ['log', 'hinge', 'squaredHinge', 'modifiedHuber', 'perceptron'] as const) {
          const m = new LinearClassifier({ ...opt, loss });
          await m.fit(Xs, y, fit);
          await agree(m as AnyModel, Xs, `LinearClassifier ${loss} binary ${tag}`);
        }
      });
      it(`SoftmaxRegression, MLPClassifier, LinearClassifier (10 classes) on digits (${tag})`, async () => {
        const { X, y } = head(digits, 300);
        const sm = new SoftmaxRegression(opt);
        await sm.fit(X, y, fit);
        await agree(sm as AnyModel, X, `SoftmaxRegression ${tag}`);
        const mlp = new MLPClassifier({ ...opt, hiddenLayers: [16], activation: 'relu' });
        await mlp.fit(X, y, fit);
        await agree(mlp as AnyModel, X, `MLPClassifier ${tag}`);
        for (const loss of ['log', 'modifiedHuber', 'hinge'] as const) {
          const m = new LinearClassifier({ ...opt, loss });
          await m.fit(X, y, fit);
          await agree(m as AnyModel, X, `LinearClassifier ${loss} 10 classes ${tag}`);
        }
      });
    }

  it('every activation (relu, sigmoid, tanh, leakyRelu, elu, gelu, linear), layers without bias, in float32 and float64', async () => {
    const { X, y } = head(diabetes, 150);
    for (const dtype of ['float32', 'float64'] as const) {
      const m = new Sequential(
        [dense(6, { activation: 'relu' }), dense(6, { activation: 'sigmoid', useBias: false }), dense(6, { activation: 'tanh' }), dense(6, { activation: leakyRelu(0.2) }), dense(5, { activation: elu(0.7) }), dense(5, { activation: 'gelu' }), dense(4), dense(1)],
        { loss: 'squaredError', dtype, standardize: true },
      );
      await m.fit(X, Float64Array.from(y, (v) => v / 100), { epochs: 2, seed: 3 });
      await agree(m as AnyModel, X, `Sequential activations ${dtype}`);
    }
  });

  it('multi-output regression [n, 3], multi-label sigmoid [n, 2], non-integer numeric labels, averaged weights', async () => {
    const { X, y } = head(diabetes, 150);
    const Y3 = { data: Float64Array.from({ length: 450 }, (_, i) => y[Math.floor(i / 3)]! / (100 * (1 + (i % 3)))), rows: 150, cols: 3 };
    const mo = new LinearRegression({ standardize: true, dtype: 'float64' });
    await mo.fit(X, Y3, { epochs: 3 });
    await agree(mo as AnyModel, X, 'LinearRegression 3 outputs');
    const Y2 = { data: Float64Array.from({ length: 300 }, (_, i) => (y[Math.floor(i / 2)]! > (i % 2 ? 100 : 150) ? 1 : 0)), rows: 150, cols: 2 };
    const ml = new LogisticRegression({ standardize: true });
    await ml.fit(X, Y2, { epochs: 3 });
    await agree(ml as AnyModel, X, 'LogisticRegression multi-label');
    const c = head(cancer, 200);
    const half = new SoftmaxRegression({ standardize: true, dtype: 'float64', average: true });
    await half.fit(c.X, Array.from(c.y, (v) => v + 0.5), { epochs: 3 });
    assert.deepEqual(half.classes, [0.5, 1.5]);
    await agree(half as AnyModel, c.X, 'SoftmaxRegression labels 0.5/1.5, averaged');
  });

  it('a model fitted on CSR rows (hashed texts) exports with a dense input X; onnxruntime equals predict on the CSR rows', async () => {
    const texts = ['good movie, great plot', 'awful acting', 'great great fun', 'boring and awful', 'fine film', 'terrible, just terrible'];
    const X = hashFeatures(texts, { nFeatures: 64 });
    const m = new LogisticRegression({ dtype: 'float64' });
    await m.fit(X, [1, 0, 1, 0, 1, 0], { epochs: 20, batchSize: 2 });
    const dense = new Float64Array(X.rows * X.cols);
    for (let i = 0; i < X.rows; i++) for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) dense[i * X.cols + X.indices[k]!] += X.values[k]!;
    const session = await ort.InferenceSession.create(m.toOnnx());
    const r = await session.run({ X: new ort.Tensor('float64', dense, [X.rows, X.cols]) });
    const p = m.predictProba(X, { format: 'matrix' }).data;
    const q = r.probabilities!.data as Float64Array;
    for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i]! - q[i]!) < 1e-12, `${i}: ${p[i]} vs ${q[i]}`);
    assert.deepEqual(Array.from(r.label!.data as BigInt64Array, Number), Array.from(m.predict(X) as Float64Array));
  });

  it('a model loaded from a file exports the same bytes; metadata names the class, loss, classes and features', async () => {
    const { X, y } = head(cancer, 100);
    const m = new LogisticRegression({ standardize: true });
    m.featureNames = cancer.featureNames;
    await m.fit(X, y, { epochs: 2 });
    const file = path.join(TMP, 'm.descent');
    m.save(file);
    const again = loadModel(file);
    assert.ok(Buffer.from(again.toOnnx()).equals(m.toOnnx()));
    const session = await ort.InferenceSession.create(m.toOnnx());
    assert.deepEqual(session.inputNames, ['X']);
    assert.deepEqual(session.outputNames, ['label', 'probabilities']);
    const text = Buffer.from(m.toOnnx()).toString('latin1');
    for (const s of ['descent.class', 'LogisticRegression', 'descent.featureNames', 'mean_radius', 'sigmoidCrossEntropy']) assert.ok(text.includes(s), s);
  });

  it('descent export <file> --onnx out.onnx writes the same bytes as toOnnx; a missing file fails with exit code 1', async () => {
    const { X, y } = head(digits, 100);
    const m = new SoftmaxRegression({ standardize: true });
    await m.fit(X, y, { epochs: 1 });
    const file = path.join(TMP, 'cli.descent'), out = path.join(TMP, 'cli.onnx');
    m.save(file);
    const cli = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
    const env = { ...process.env, ...(process.env.DESCENT_ADDON_PATH ? { DESCENT_ADDON_PATH: path.resolve(process.env.DESCENT_ADDON_PATH) } : {}) };
    const r = spawnSync(process.execPath, [cli, 'export', file, '--onnx', out], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*cli\.onnx: SoftmaxRegression/);
    assert.ok(fs.readFileSync(out).equals(Buffer.from(m.toOnnx())));
    checked.push(out);
    const same = spawnSync(process.execPath, [cli, 'export', file, '--onnx', file], { encoding: 'utf8', env });
    assert.equal(same.status, 1, 'exporting over the model file is refused');
    assert.match(same.stderr, /--onnx/);
    assert.ok(loadModel(file) instanceof SoftmaxRegression, 'the model file is intact');
    const bad = spawnSync(process.execPath, [cli, 'export', path.join(TMP, 'missing.descent'), '--onnx', out], { encoding: 'utf8', env });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /missing\.descent/);
  });

  it('errors: toOnnx before fit is a StateError; exportOnnx with a bad path an OptionError', async () => {
    const m = new LinearRegression();
    assert.throws(() => m.toOnnx(), (e: unknown) => e instanceof StateError && e.code === 'ERR_STATE' && /toOnnx\(\) called before fit/.test(e.message));
    const { X, y } = head(diabetes, 20);
    await m.fit(X, y, { epochs: 1 });
    assert.throws(() => m.exportOnnx('' as string), (e: unknown) => e instanceof OptionError && e.argument === 'path');
    assert.throws(() => m.exportOnnx(42 as unknown as string), (e: unknown) => e instanceof OptionError && /42/.test(e.message));
  });

  it('every exported file passes the ONNX checker (python3-onnx, full_check)', function () {
    if (!PYTHON_ONNX) this.skip(); // onnxruntime loaded every file above; the checker needs Debian's python3-onnx
    assert.ok(checked.length >= 40, `${checked.length} files`);
    const r = spawnSync('/usr/bin/python3', ['-c', 'import onnx,sys\nfor f in sys.argv[1:]:\n  onnx.checker.check_model(onnx.load(f), full_check=True)\nprint(len(sys.argv)-1)', ...checked], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), String(checked.length));
  });
});
