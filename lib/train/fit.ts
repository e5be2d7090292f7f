/**
 * The epoch loop. One native call per epoch (a chunk of batches): TS evaluates the learning-rate schedule into a
 * Float64Array for the chunk, the backend runs every batch, and per-batch losses come back for history and
 * callbacks. The event loop stays free while the native chunk runs on a worker thread.
 */
import type { BackendTrainer, FloatArray } from '../backend/types';
import { DivergenceError, ShapeError } from '../errors';
import { LearningRate, isPlateau, learningRateAt } from '../optim/optimizers';

/** What `fit` resolves to: one entry per completed epoch. */
export interface History {
  /** 1-based epoch numbers. */
  epoch: number[];
  /** Mean mini-batch loss over each epoch (data term only, before regularization), as Keras reports it. */
  loss: number[];
  /** Learning rate used by each optimizer step, in order. */
  learningRates: number[];
  /** Wall time of the whole fit, seconds. */
  seconds: number;
  /** True when a callback stopped training early. */
  stoppedEarly: boolean;
}

export interface EpochInfo {
  /** 1-based epoch. */
  epoch: number;
  /** Mean mini-batch loss of the epoch. */
  loss: number;
  /** Learning rate of the epoch's last step. */
  learningRate: number;
  /** Per-batch losses of the epoch. */
  batchLosses: Float64Array;
  /** Per-batch global gradient L2 norms (before clipping). */
  gradNorms: Float64Array;
}

/** Return `false` (or a Promise of it) to stop training after this epoch. */
export type EpochCallback = (info: EpochInfo) => void | boolean | Promise<void | boolean>;

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  learningRate: LearningRate;
  /** What a schedule's step counts: optimizer updates (`'batch'`) or epochs (`'epoch'`). */
  stepUnit: 'batch' | 'epoch';
  onEpochEnd?: EpochCallback;
}

export async function trainLoop(trainer: BackendTrainer, X: FloatArray, Y: FloatArray, n: number, o: LoopOptions): Promise<History> {
  const t0 = process.hrtime.bigint();
  const bs = Math.min(o.batchSize, n);
  const numBatches = Math.ceil(n / bs);
  const order = o.shuffle ? Uint32Array.from({ length: n }, (_, i) => i) : null;
  const lrs = new Float64Array(numBatches);
  const losses = new Float64Array(numBatches);
  const norms = new Float64Array(numBatches);
  const history: History = { epoch: [], loss: [], learningRates: [], seconds: 0, stoppedEarly: false };
  let step = 0;
  let lastFinite = NaN;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    for (let b = 0; b < numBatches; b++) {
      const lr = learningRateAt(o.learningRate, o.stepUnit === 'epoch' ? epoch - 1 : step + b);
      if (!(Number.isFinite(lr) && lr >= 0))
        throw new ShapeError(`The learning-rate schedule returned ${lr} at step ${step + b}`, 'learningRate');
      lrs[b] = lr;
    }
    if (order) trainer.shuffle(order);
    const res = await trainer.runBatches(X, Y, n, order, bs, 0, numBatches, lrs, losses, norms);
    if (res.status === 2) throw new ShapeError(`Invalid training data at epoch ${epoch}, batch ${res.batch}: ${res.what}`, 'y');
    if (res.status === 1) {
      for (let b = 0; b < res.batch; b++) if (Number.isFinite(losses[b]!)) lastFinite = losses[b]!;
      throw new DivergenceError(epoch, res.batch, lastFinite, res.what);
    }
    // Epoch loss: batch means weighted by batch size (the last batch may be partial).
    let sum = 0;
    for (let b = 0; b < numBatches; b++) sum += losses[b]! * (b === numBatches - 1 ? n - b * bs : bs);
    const loss = sum / n;
    lastFinite = losses[numBatches - 1]!;
    for (let b = 0; b < numBatches; b++) history.learningRates.push(lrs[b]!);
    step += numBatches;
    history.epoch.push(epoch);
    history.loss.push(loss);
    // Plateau schedules act between chunks, on the monitored metric (the epoch's training loss).
    if (isPlateau(o.learningRate)) o.learningRate.report(loss);
    if (o.onEpochEnd) {
      const r = await o.onEpochEnd({ epoch, loss, learningRate: lrs[numBatches - 1]!, batchLosses: losses.slice(), gradNorms: norms.slice() });
      if (r === false) {
        history.stoppedEarly = true;
        break;
      }
    }
  }
  history.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return history;
}
