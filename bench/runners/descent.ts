/** descent itself on the five workloads: `backend: 'native'` (1 or 2 OpenBLAS threads) or `backend: 'js'`. */
import type { FitOptions } from '../../lib/train/options';
import { LinearRegression, LogisticRegression, MLPClassifier, adam, createOptimizer, matrix, setNumThreads, sgd } from '../../lib';
import { timeMs } from '../common';
import type { EpochResult, MlpResult, RunnerResult, StepResult, TinyResult } from '../types';
import { Config, Data, Fashion, adamGrad, prefix } from '../workloads';
import { log, median, now, since } from '../util';

type Backend = 'native' | 'js';

export interface DescentData {
  w1?: Data;
  w2?: Data;
  w3?: Fashion;
  w5?: Data;
}

const mat = (d: Data) => matrix(d.X, d.rows, d.cols);

/**
 * fit() with a timestamp at every epoch end. Epoch 1 is counted from the start of the training loop (fit's end
 * minus History.seconds), so fit's setup before it (input copy and validation, scale check, trainer creation)
 * is reported apart as `setupSeconds`, as the peers' tensor preparation is outside their timings.
 */
async function timedFit(
  model: Pick<LinearRegression, 'fit'>,
  d: Data,
  options: object,
): Promise<{ epochSeconds: number[]; loopSeconds: number; wholeSeconds: number; setupSeconds: number }> {
  const marks: bigint[] = [];
  const t0 = now();
  const h = await model.fit(mat(d), d.y, { ...options, onEpochEnd: () => void marks.push(now()) } as FitOptions);
  const end = now();
  const wholeSeconds = Number(end - t0) / 1e9;
  const loopStart = end - BigInt(Math.round(h.seconds * 1e9));
  const epochSeconds = marks.map((m, i) => Number(m - (i === 0 ? loopStart : marks[i - 1]!)) / 1e9);
  return { epochSeconds, loopSeconds: h.seconds, wholeSeconds, setupSeconds: wholeSeconds - h.seconds };
}

/** A short fit on the first two batches, so first-call costs are not timed (every runner does the same). */
async function warmUp(model: Pick<LinearRegression, 'fit'>, d: Data, batch: number, options: object): Promise<void> {
  const p = prefix(d, 2 * batch);
  await model.fit(mat(p), p.y, { ...options, epochs: 1, batchSize: batch } as FitOptions);
}

async function w1(cfg: Config, d: Data, backend: Backend): Promise<EpochResult> {
  const model = new LinearRegression({ backend });
  const c = cfg.w1;
  const opts = { epochs: c.epochs, batchSize: c.batch, optimizer: sgd({ learningRate: c.lr }), seed: cfg.modelSeed };
  await warmUp(new LinearRegression({ backend }), d, c.batch, opts);
  const t = await timedFit(model, d, opts);
  return { secPerEpoch: median(t.epochSeconds), epochSeconds: t.epochSeconds, epochsRun: c.epochs, quality: model.evaluate(mat(d), d.y).mse, setupSeconds: t.setupSeconds };
}

async function w2(cfg: Config, d: Data, backend: Backend): Promise<EpochResult> {
  const model = new LogisticRegression({ backend });
  const c = cfg.w2;
  const opts = { epochs: c.epochs, batchSize: c.batch, optimizer: adam({ learningRate: c.lr }), seed: cfg.modelSeed };
  await warmUp(new LogisticRegression({ backend }), d, c.batch, opts);
  const t = await timedFit(model, d, opts);
  return { secPerEpoch: median(t.epochSeconds), epochSeconds: t.epochSeconds, epochsRun: c.epochs, quality: model.evaluate(mat(d), d.y).loss, setupSeconds: t.setupSeconds };
}

function mlp(cfg: Config, backend: Backend): MLPClassifier {
  return new MLPClassifier({ backend, hiddenLayers: [...cfg.w3.hidden], activation: 'relu' });
}

async function w3(cfg: Config, f: Fashion, backend: Backend, slow: boolean): Promise<MlpResult> {
  const c = cfg.w3;
  const fitOptions = { batchSize: c.batch, optimizer: adam({ learningRate: c.lr }), seed: cfg.modelSeed };
  await warmUp(mlp(cfg, backend), f.train, c.batch, fitOptions);
  if (slow) {
    // One epoch over a prefix of slowBatches batches.
    const p = prefix(f.train, c.slowBatches * c.batch);
    const t = await timedFit(mlp(cfg, backend), p, { ...fitOptions, epochs: 1 });
    return { samplesPerSec: p.rows / t.epochSeconds[0]!, samplesTimed: p.rows, epochsRun: 0, testAccuracy: null, prefixOnly: true, note: `${c.slowBatches} batches timed` };
  }
  const model = mlp(cfg, backend);
  const t = await timedFit(model, f.train, { ...fitOptions, epochs: c.epochs });
  const acc = model.evaluate(mat(f.test), f.test.y) as { accuracy: number };
  return {
    samplesPerSec: f.train.rows / median(t.epochSeconds),
    samplesTimed: f.train.rows,
    epochsRun: c.epochs,
    epochSeconds: t.epochSeconds,
    testAccuracy: acc.accuracy,
    prefixOnly: false,
    setupSeconds: t.setupSeconds,
  };
}

async function w4(cfg: Config, backend: Backend, slow: boolean): Promise<StepResult> {
  const n = cfg.w4.params;
  const p = new Float32Array(n).fill(0.5);
  const g = adamGrad(n);
  const opt = createOptimizer(adam({ learningRate: cfg.w4.lr }), [p], { backend });
  const steps = slow ? cfg.w4.slowSteps : cfg.w4.steps;
  const ms = await timeMs(() => opt.step([g]), steps, 2);
  return { msPerStep: ms, gbPerSec: (28 * n) / (ms * 1e6), steps };
}

async function w5(cfg: Config, d: Data, backend: Backend): Promise<TinyResult> {
  const c = cfg.w5;
  const opts = { epochs: 1, batchSize: c.batch, optimizer: sgd({ learningRate: c.lr }), seed: cfg.modelSeed };
  await warmUp(new LogisticRegression({ backend }), d, c.batch, opts);
  const loop: number[] = [];
  const whole: number[] = [];
  for (let r = 0; r < (cfg.quick ? 1 : 3); r++) {
    const t = await timedFit(new LogisticRegression({ backend }), d, opts);
    loop.push((t.loopSeconds / c.steps) * 1e6);
    whole.push((t.wholeSeconds / c.steps) * 1e6);
  }
  return { usPerStep: median(loop), steps: c.steps, runs: loop, usPerStepWholeFit: median(whole) };
}

/** Runs every workload whose data is given; errors are recorded per workload, not thrown. */
export async function runDescent(cfg: Config, data: DescentData, backend: Backend, threads: number): Promise<RunnerResult> {
  const id = backend === 'native' ? `descent-native-${threads}t` : 'descent-js';
  const r: RunnerResult = { id, label: backend === 'native' ? `descent native, ${threads} thread${threads > 1 ? 's' : ''}` : 'descent pure JS', threads, errors: {} };
  if (backend === 'native') setNumThreads(threads);
  const slow = backend === 'js';
  const jobs: [keyof DescentData | 'w4', () => Promise<unknown>][] = [
    ['w1', async () => data.w1 && (r.w1 = await w1(cfg, data.w1, backend))],
    ['w2', async () => data.w2 && (r.w2 = await w2(cfg, data.w2, backend))],
    ['w3', async () => data.w3 && (r.w3 = await w3(cfg, data.w3, backend, slow))],
    ['w4', async () => (r.w4 = await w4(cfg, backend, slow))],
    ['w5', async () => data.w5 && (r.w5 = await w5(cfg, data.w5, backend))],
  ];
  for (const [w, job] of jobs) {
    const t0 = now();
    try {
      await job();
    } catch (e) {
      r.errors[w] = (e as Error).message;
    }
    log(`${id} ${w} ${r.errors[w] ? `failed: ${r.errors[w]}` : 'done'} in ${since(t0).toFixed(1)} s`);
  }
  return r;
}
