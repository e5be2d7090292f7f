/**
 * 86: descent's own SVG charts (lib/cli/svg.ts, which replaced vega + vega-lite) and the CLI's training output:
 * bundled data sets by name, one line per epoch when stdout is piped, --verbose, --plot training curves.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { barChartSvg, esc, lineChartSvg, logTicks, niceTicks, tickLabel } from '../lib/cli/svg';
import { LinearRegression, OptionError, sgd } from '../lib';

const root = path.resolve(__dirname, '..');

/** The numbers of a path's d attribute, in order. */
function pathNumbers(svg: string, index = 0): number[] {
  const d = [...svg.matchAll(/<path d="([^"]+)"/g)][index]![1]!;
  return d.split(/[MLHV,]/).filter((t) => t !== '').map(Number);
}

describe('86 SVG charts', () => {
  it('niceTicks: steps of 1, 2 or 5 × 10^k covering the range', () => {
    assert.deepEqual(niceTicks(0, 1, 6), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0, 99, 6), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(niceTicks(-3, 7, 6), [-4, -2, 0, 2, 4, 6, 8]);
    assert.deepEqual(niceTicks(0.5, 0.5, 6), [0.45, 0.5, 0.55]); // a flat series gets ±10% around it
    assert.deepEqual(logTicks(0.3, 40), [0.1, 1, 10, 100]);
    assert.equal(tickLabel(0.30000000000000004), '0.3');
    assert.equal(tickLabel(123456), '1.2e5');
    assert.equal(esc('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
  });

  it('a line chart maps data to the plot area exactly (corners, staircase, breaks at non-finite values)', () => {
    // x ticks 0..4 and y ticks 0..1: the plot area is left 72, top 16 (no title), 640 × 320.
    const svg = lineChartSvg([{ name: 'a', values: [0, 0.5, 1, 1, 0.25] }], {});
    assert.deepEqual(pathNumbers(svg), [72, 336, 232, 176, 392, 16, 552, 16, 712, 256]);
    const stepped = lineChartSvg([{ name: 'lr', values: [1, 0.5] }], { step: true });
    // M x0,y(1) H x1 V y(0.5): y ticks 0.5..1 by 0.1, so 1 is the top and 0.5 the bottom
    assert.deepEqual(pathNumbers(stepped), [72, 16, 712, 336]);
    const broken = lineChartSvg([{ name: 'a', values: [1, NaN, 3] }], {});
    assert.deepEqual(pathNumbers(broken), [72, 336, 712, 16], 'the NaN point is left out');
    const two = lineChartSvg([{ name: 'loss', values: [3, 2] }, { name: 'val <loss>', values: [4, 1] }], { title: 't' });
    assert.equal([...two.matchAll(/<path /g)].length, 2);
    assert.match(two, /val &lt;loss&gt;/);
    assert.match(two, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/);
  });

  it('a log-scale bar chart puts each bar end at log10(value) on the shared axis', () => {
    const svg = barChartSvg([{ label: 'W1', bars: [{ name: 'a', value: 1 }, { name: 'b', value: 10 }] }, { label: 'W2', bars: [{ name: 'a', value: 100 }] }], { log: true, rule: 1 });
    // lo = 10^floor(log10(1/1.2)) = 0.1, hi = 10^ceil(log10(120)) = 1000: 4 decades over 560 px from x = 250.
    const widths = [...svg.matchAll(/<rect x="250" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(widths, [140, 280, 420]);
    assert.match(svg, /stroke-dasharray="3,3"/);
  });
});

describe('86 fit({ verbose })', () => {
  /** Runs f with process.stdout.write captured. */
  async function capture(f: () => Promise<unknown>): Promise<string> {
    const write = process.stdout.write;
    let out = '';
    process.stdout.write = ((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      await f();
    } finally {
      process.stdout.write = write;
    }
    return out;
  }
  const X = { data: Float64Array.from({ length: 40 }, (_, i) => Math.sin(i)), rows: 20, cols: 2 };
  const y = Float64Array.from({ length: 20 }, (_, i) => 2 * X.data[2 * i]! - X.data[2 * i + 1]!);

  it('verbose 2 prints one line per epoch with loss, validation loss and learning rate; 0 (the default) prints nothing', async () => {
    const m = new LinearRegression();
    const out = await capture(() => m.fit(X, y, { epochs: 3, batchSize: 5, optimizer: sgd({ learningRate: 0.1 }), validationSplit: 0.25, verbose: 2 }));
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 3);
    lines.forEach((l, i) => assert.match(l, new RegExp(`^epoch ${i + 1}/3 - \\d+ ms - loss ${m.history!.loss[i]!.toPrecision(6)} - val_loss ${m.history!.valLoss[i]!.toPrecision(6)} - lr 0\\.1000$`)));
    assert.equal(await capture(() => new LinearRegression().fit(X, y, { epochs: 2 })), '');
  });

  it('verbose 1 off a terminal prints the epoch lines too (the bar needs a TTY); other values are an OptionError', async () => {
    const out = await capture(() => new LinearRegression().fit(X, y, { epochs: 2, verbose: 1 }));
    assert.equal(out.trim().split('\n').length, 2);
    await assert.rejects(new LinearRegression().fit(X, y, { epochs: 1, verbose: 3 as 2 }), (e: unknown) => e instanceof OptionError && e.argument === 'verbose');
  });
});

describe('86 CLI training output', () => {
  const cli = path.join(root, 'dist', 'cli', 'main.js');
  // The children run in a temporary directory: an addon path given relative to ours (the sanitizer job) must stay valid.
  const env = { ...process.env, ...(process.env.DESCENT_ADDON_PATH ? { DESCENT_ADDON_PATH: path.resolve(process.env.DESCENT_ADDON_PATH) } : {}) };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-86-'));
  before(function () {
    if (!fs.existsSync(cli)) {
      console.log('      (skipped: dist/ not built; run npm run build:ts)');
      this.skip();
    }
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('`train --data digits` (a bundled data set by name) prints one line per epoch when stdout is a pipe', () => {
    const r = spawnSync(process.execPath, [cli, 'train', '--data', 'digits', '--model', 'softmax', '--epochs', '4', '--optimizer', 'adam', '--seed', '1'], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => /^epoch \d+\/4 - /.test(l));
    assert.deepEqual(lines.map((l) => Number(/^epoch (\d+)/.exec(l)![1])), [1, 2, 3, 4]);
    const losses = lines.map((l) => Number(/ - loss ([\d.e+-]+)/.exec(l)![1]));
    assert.ok(losses[3]! < losses[0]!, `the loss went down: ${losses}`);
    assert.match(r.stdout, /softmax on 1797 × 64/);
    assert.equal(r.stderr, '', 'no progress bar off a terminal');
  });

  it('--verbose 0 prints no epoch lines; --validation-split adds val_loss to each line', () => {
    const quiet = spawnSync(process.execPath, [cli, 'train', '--data', 'digits', '--model', 'softmax', '--epochs', '2', '--verbose', '0'], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stdout, /^epoch /m);
    const val = spawnSync(process.execPath, [cli, 'train', '--data', 'digits', '--model', 'softmax', '--epochs', '2', '--validation-split', '0.2', '--metrics', 'accuracy'], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(val.status, 0, val.stderr);
    assert.match(val.stdout, /^epoch 2\/2 - [\d.]+ m?s - loss [\d.e+-]+ - val_loss [\d.e+-]+ - accuracy [\d.]+ - val_accuracy [\d.]+ - lr /m);
  });

  it('--plot writes the training curves as an SVG: loss and validation loss, metrics below', () => {
    const out = path.join(tmp, 'curves.svg');
    const r = spawnSync(process.execPath, [cli, 'train', '--data', 'digits', '--model', 'softmax', '--epochs', '5', '--validation-split', '0.2', '--metrics', 'accuracy', '--plot', out], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(r.status, 0, r.stderr);
    const svg = fs.readFileSync(out, 'utf8');
    assert.match(svg, /^<svg xmlns/);
    assert.equal([...svg.matchAll(/<path /g)].length, 4, 'loss, validation loss, accuracy, validation accuracy');
    assert.match(svg, />validation loss</);
    assert.match(r.stdout, new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('`train --loss` (scikit-learn losses), `--optimizer lbfgs` (full batch) and `--average`; flags that do not apply are named', () => {
    const poisson = path.join(tmp, 'poisson.safetensors');
    const r = spawnSync(process.execPath, [cli, 'train', '--data', 'diabetes', '--model', 'linear', '--loss', 'poisson', '--optimizer', 'lbfgs', '--l2', '0.01', '--save', poisson], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /L-BFGS, \d+ iterations \(\d+ evaluations, stopped: \w+\)/);
    const p = spawnSync(process.execPath, [cli, 'predict', '--model', poisson, '--data', path.join(__dirname, '..', 'datasets', 'diabetes.csv')], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(p.status, 0, p.stderr);
    const preds = p.stdout.trim().split('\n').slice(1).map(Number);
    assert.equal(preds.length, 442);
    assert.ok(preds.every((v) => v > 0), 'the log link predicts positive means');
    const h = spawnSync(process.execPath, [cli, 'train', '--data', 'digits', '--model', 'softmax', '--loss', 'hinge', '--average', '--epochs', '10'], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(h.status, 0, h.stderr);
    assert.match(h.stdout, /accuracy 0\.[89]/);
    for (const [args, flag] of [
      [['--data', 'breast-cancer', '--model', 'logistic', '--optimizer', 'lbfgs', '--epochs', '3'], '--epochs'],
      [['--data', 'breast-cancer', '--model', 'logistic', '--max-iter', '3'], '--max-iter'],
      [['--data', 'diabetes', '--model', 'linear', '--loss', 'hinge'], '--loss'],
      [['--data', 'diabetes', '--model', 'linear', '--loss', 'poisson', '--loss-param', '2'], '--loss-param'],
      [['--data', 'digits', '--model', 'mlp', '--loss', 'hinge'], '--loss'],
    ] as const) {
      const bad = spawnSync(process.execPath, [cli, 'train', ...args], { encoding: 'utf8', cwd: tmp, env });
      assert.equal(bad.status, 1, `${args.join(' ')}: ${bad.stdout}`);
      assert.ok(bad.stderr.includes(`(flag ${flag})`) || bad.stderr.includes(flag), `${args.join(' ')} names ${flag}: ${bad.stderr}`);
    }
  });

  it('`lr-find` prints the sweep and a suggested rate, and --plot draws the smoothed loss against log10(lr)', () => {
    const out = path.join(tmp, 'lr.svg');
    const r = spawnSync(process.execPath, [cli, 'lr-find', '--data', 'breast-cancer', '--model', 'logistic', '--steps', '50', '--plot', out], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(r.status, 0, r.stderr);
    const m = /suggested learning rate ([\d.e+-]+) /.exec(r.stdout);
    assert.ok(m, r.stdout);
    const lr = Number(m[1]);
    assert.ok(lr >= 1e-7 && lr <= 10, `suggestion ${lr} within the sweep`);
    assert.match(r.stdout, /logistic on 569 × 30 .*: 50 batches of 32/);
    const svg = fs.readFileSync(out, 'utf8');
    assert.match(svg, /^<svg xmlns/);
    assert.equal([...svg.matchAll(/<path /g)].length, 2, 'smoothed loss and loss');
    const bad = spawnSync(process.execPath, [cli, 'lr-find', '--data', 'digits', '--model', 'softmax', '--hidden', '8'], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--hidden applies to the mlp models only/);
    const low = spawnSync(process.execPath, [cli, 'lr-find', '--data', 'digits', '--model', 'softmax', '--min-lr', '1', '--max-lr', '0.1'], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(low.status, 1);
    assert.match(low.stderr, /maxLr \(0\.1\) must be greater than minLr/);
  });

  it('a CSV of text labels: train keeps the labels in the model, predict writes them (quoted when they need it)', () => {
    const csv = path.join(tmp, 'labels.csv');
    const rows = ['a,b,kind'];
    for (let i = 0; i < 40; i++) rows.push(i % 2 ? `${5 + Math.sin(i)},${6 + Math.cos(i)},"big, round"` : `${Math.sin(i)},${Math.cos(i)},small`);
    fs.writeFileSync(csv, rows.join('\n') + '\n');
    const model = path.join(tmp, 'labels.safetensors');
    const t = spawnSync(process.execPath, [cli, 'train', '--data', csv, '--model', 'logistic', '--epochs', '40', '--learning-rate', '0.1', '--save', model], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(t.status, 0, t.stderr);
    const p = spawnSync(process.execPath, [cli, 'predict', '--model', model, '--data', csv], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(p.status, 0, p.stderr);
    const lines = p.stdout.trim().split('\n');
    assert.equal(lines[0], 'prediction,probability');
    assert.deepEqual(lines.slice(1).map((l) => l.replace(/,[^,]*$/, '')), rows.slice(1).map((r) => r.replace(/^[^,]*,[^,]*,/, '')));
  });

  it('regularization, early stopping, class weights and threads from flags; inspect --json; exit codes 0/1/2', () => {
    const model = path.join(tmp, 'es.safetensors');
    const r = spawnSync(process.execPath, [cli, 'train', '--data', 'breast-cancer', '--model', 'logistic', '--epochs', '200', '--l2', '0.01', '--validation-split', '0.2',
      '--early-stopping', '3', '--monitor', 'val_accuracy', '--metrics', 'accuracy', '--optimizer', 'adam', '--learning-rate', '0.1', '--class-weight', 'balanced', '--threads', '1', '--save', model], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(r.status, 0, r.stderr);
    const epochs = r.stdout.split('\n').filter((l) => /^epoch /.test(l)).length;
    assert.ok(epochs > 0 && epochs < 200, `early stopping ended the run after ${epochs} epochs`);
    const j = spawnSync(process.execPath, [cli, 'inspect', model, '--json'], { encoding: 'utf8', env });
    assert.equal(j.status, 0, j.stderr);
    const info = JSON.parse(j.stdout);
    assert.equal(info.class, 'LogisticRegression');
    assert.equal(info.spec.l2, 0.01);
    assert.deepEqual(info.args, [{ standardize: true, regularization: { l2: 0.01 } }]);
    const bad = spawnSync(process.execPath, [cli, 'train', '--data', 'digits', '--model', 'softmax', '--l2', '-1'], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /OptionError \[ERR_OPTION\].*l2.*\(flag --l2\)/);
    const usage = spawnSync(process.execPath, [cli, 'train', '--model', 'softmax'], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /required option '--data <path>'/);
    assert.equal(spawnSync(process.execPath, [cli, 'train', '--help'], { encoding: 'utf8', env }).status, 0);
    const cw = spawnSync(process.execPath, [cli, 'train', '--data', 'digits', '--model', 'softmax', '--epochs', '1', '--class-weight', '0=1,99=2'], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(cw.status, 1);
    assert.match(cw.stderr, /classWeight.*\(flag --class-weight\)/);
    const typo = spawnSync(process.execPath, [cli, 'train', '--data', 'digit', '--model', 'softmax'], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(typo.status, 1);
    assert.match(typo.stderr, /IOError \[ERR_IO\].*did you mean "digits"\?/);
    assert.deepEqual(info.classes, [0, 1], 'inspect --json lists a classifier\'s classes even when they are 0 … k−1');
  });

  it('a --plot path in a missing directory fails before training with an IOError naming --plot', () => {
    const r = spawnSync(process.execPath, [cli, 'train', '--data', 'digits', '--model', 'softmax', '--epochs', '1', '--plot', path.join(tmp, 'no-dir', 'c.svg')], { encoding: 'utf8', cwd: tmp, env });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /IOError \[ERR_IO\]: Cannot write .*--plot|IOError \[ERR_IO\]: Cannot write/);
    assert.doesNotMatch(r.stdout, /^epoch /m);
  });
});
