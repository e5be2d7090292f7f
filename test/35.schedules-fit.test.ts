import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  SoftmaxRegression, LinearRegression, adam, cosine, linearWarmup, loadCsvSync, preview, reduceOnPlateau, sequential, sgd,
  trainTestSplit, step,
} from '../lib';
import { BACKENDS } from './support/backends';
import { reference } from './support/reference';

const DATA = path.join(__dirname, '..', 'datasets');
const root = path.resolve(__dirname, '..');

describe('35 schedules inside fit', () => {
  const d = loadCsvSync(path.join(DATA, 'digits.csv'));
  const { train, test } = trainTestSplit(d, { seed: 42 });

  for (const backend of BACKENDS) {
    it(`${backend}: the learning rates recorded per batch equal preview(schedule, totalSteps)`, async () => {
      const schedule = sequential({ schedules: [linearWarmup({ learningRate: 0.05, startFactor: 0.1, steps: 20 }), cosine({ learningRate: 0.05, tMax: 70 })], milestones: [20] });
      const m = new SoftmaxRegression({ standardize: true, backend });
      const h = await m.fit(train.X, train.y, { epochs: 2, batchSize: 32, optimizer: sgd({ learningRate: schedule }), seed: 3 });
      const batches = Math.ceil(train.X.rows / 32);
      assert.equal(h.learningRates.length, 2 * batches);
      assert.deepEqual(h.learningRates, Array.from(preview(schedule, 2 * batches)));
    });
  }

  it("stepUnit: 'epoch' keeps the rate constant within an epoch and steps it per epoch", async () => {
    const schedule = step({ learningRate: 0.1, stepSize: 1, gamma: 0.5 });
    const m = new SoftmaxRegression({ standardize: true });
    const h = await m.fit(train.X, train.y, { epochs: 3, batchSize: 100, learningRate: schedule, stepUnit: 'epoch' });
    const batches = Math.ceil(train.X.rows / 100);
    for (let e = 0; e < 3; e++) {
      const lrs = h.learningRates.slice(e * batches, (e + 1) * batches);
      assert.ok(lrs.every((lr) => lr === 0.1 * 0.5 ** e), `epoch ${e + 1}: ${lrs}`);
    }
  });

  it('reduceOnPlateau is driven by the epoch loss between chunks', async () => {
    // The first report sets the best; threshold 0.99 (relative) makes no later epoch an improvement, so with
    // patience 0 every epoch after the first halves the rate.
    const plateau = reduceOnPlateau({ learningRate: 0.01, factor: 0.5, patience: 0, threshold: 0.99, cooldown: 0 });
    const m = new LinearRegression({ standardize: true });
    const h = await m.fit([[1], [2], [3], [4]], [1, 2, 3, 4], { epochs: 4, batchSize: 4, learningRate: plateau });
    assert.deepEqual(h.learningRates, [0.01, 0.01, 0.005, 0.0025]);
  });

  it('digits softmax regression with adam + linearWarmup → cosine reaches test accuracy ≥ 0.95', async () => {
    const epochs = 30;
    const steps = epochs * Math.ceil(train.X.rows / 32);
    const warm = 50;
    const lr = sequential({
      schedules: [linearWarmup({ learningRate: 0.01, startFactor: 0.05, steps: warm }), cosine({ learningRate: 0.01, tMax: steps - warm })],
      milestones: [warm],
    });
    const m = new SoftmaxRegression({ standardize: true });
    await m.fit(train.X, train.y, { epochs, batchSize: 32, optimizer: adam({ learningRate: lr }), seed: 5 });
    const acc = m.evaluate(test.X, test.y).accuracy;
    assert.ok(acc >= 0.95, `accuracy ${acc}`);
  });
});

describe('35 schedule CLI', () => {
  const cli = path.join(root, 'dist', 'cli', 'main.js');
  before(function () {
    if (!fs.existsSync(cli)) {
      console.log('      (skipped: dist/ not built; run npm run build:ts)');
      this.skip();
    }
  });
  it('`descent schedule SPEC --steps N --values` prints preview() of the parsed spec', () => {
    const r = spawnSync(process.execPath, [cli, 'schedule', 'warmup:steps=5,startFactor=0.01+cosine:tMax=35', '--steps', '40', '--values'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = r.stdout.trim().split('\n').map(Number);
    const ref = reference<{ schedule: string; lrs: number[] }[]>('schedules.json').find((c) => c.schedule === 'sequential_warmup_cosine')!;
    got.forEach((lr, t) => assert.ok(Math.abs(lr - ref.lrs[t]) < 1e-12, `step ${t}: ${lr} vs ${ref.lrs[t]}`));
  });
  it('an unknown spec key exits 1 with an OptionError naming the key', () => {
    const r = spawnSync(process.execPath, [cli, 'schedule', 'cosine:tmax=100', '--steps', '10'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /OptionError \[ERR_OPTION\]: Unknown option "tmax"/);
  });
  it('--plot writes an SVG chart', () => {
    const out = path.join(require('node:os').tmpdir(), `descent-lr-${process.pid}.svg`);
    const r = spawnSync(process.execPath, [cli, 'schedule', 'oneCycle:maxLearningRate=1,totalSteps=100', '--steps', '100', '--plot', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(fs.readFileSync(out, 'utf8'), /^<svg[^>]*>.*<path/s);
    fs.rmSync(out);
  });
});
