/**
 * The epoch loop. The backend runs a chunk of batches per call (by default one whole epoch): TS evaluates the
 * learning-rate schedule into a Float64Array for the chunk, the backend runs every batch on a worker thread, and
 * per-batch losses and gradient norms come back for the history and callbacks. Plateau schedules, validation,
 * early stopping, callbacks and abort signals act between chunks — never inside the native loop.
 */
import type { BackendTrainer, FloatArray } from '../backend/types';
import { AbortError, DivergenceError, ShapeError } from '../errors';
import { LearningRate, isPlateau, learningRateAt } from '../optim/optimizers';

/** What `fit` resolves to: one entry per completed epoch unless noted. */
export interface History {
  /** 1-based epoch numbers. */
  epoch: number[];
  /** Mean mini-batch loss over each epoch (data term only, before regularization), as Keras reports it. */
  loss: number[];
  /** Loss on the validation data after each epoch (when there is validation data). */
  valLoss: number[];
  /** Per-epoch metrics on the training data (those named in `metrics`) and on the validation data. */
  metrics: { train: Record<string, number[]>; validation: Record<string, number[]> };
  /** Learning rate used by each optimizer step, in order. */
  learningRates: number[];
  /** Wall time of the whole fit, seconds. */
  seconds: number;
  /** True when early stopping or a callback ended training before `epochs`. */
  stoppedEarly: boolean;
  /** Epoch whose weights the model holds when `restoreBestWeights` restored them, else the last epoch. */
  bestEpoch: number;
  /** Streaming fits: per epoch, rows trained, rows per second and the fraction of time spent waiting for data. */
  throughput?: { rows: number; rowsPerSecond: number; waitFraction: number }[];
}

export interface EpochInfo {
  /** 1-based epoch. */
  epoch: number;
  /** Mean mini-batch loss of the epoch. */
  loss: number;
  /** Validation loss, when there is validation data. */
  valLoss?: number;
  /** Metrics of this epoch: `train` (requested metrics) and `validation`. */
  metrics: { train: Record<string, number>; validation: Record<string, number> };
  /** Learning rate of the epoch's last step. */
  learningRate: number;
  /** Per-batch losses of the epoch. */
  batchLosses: Float64Array;
  /** Per-batch global gradient L2 norms (before clipping). */
  gradNorms: Float64Array;
}

export interface BatchInfo {
  epoch: number;
  /** 0-based batch within the epoch. */
  batch: number;
  loss: number;
  learningRate: number;
  /** Global L2 norm of the gradient (after L2 regularization, before clipping). */
  gradNorm: number;
}

/** Return `false` (or a Promise of it) to stop training after this epoch. */
export type EpochCallback = (info: EpochInfo) => void | boolean | Promise<void | boolean>;
/** Called for every batch after its chunk returns (never from inside the native loop). */
/** Called after each batch (in bulk after each chunk); a returned promise is awaited and its rejection rejects fit. */
export type BatchCallback = (info: BatchInfo) => void | Promise<void>;

export interface EarlyStopping {
  /** `'valLoss'` (default with validation data), `'loss'`, or a metric name prefixed `val_`/`train_` (e.g. `'val_accuracy'`). */
  monitor: string;
  patience: number;
  minDelta: number;
  mode: 'min' | 'max';
  restoreBestWeights: boolean;
}

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  learningRate: LearningRate;
  /** What a schedule's step counts: optimizer updates (`'batch'`) or epochs (`'epoch'`). */
  stepUnit: 'batch' | 'epoch';
  /** Batches per backend call (default: the whole epoch). */
  batchesPerChunk: number;
  weights: FloatArray | null;
  onEpochEnd?: EpochCallback;
  onBatchEnd?: BatchCallback;
  signal?: AbortSignal;
  earlyStopping?: EarlyStopping;
  /** Evaluates the model after an epoch: loss/metrics on validation data, requested metrics on training data. */
  evaluate?: () => { train: Record<string, number>; validation: Record<string, number> };
  /** First epoch to run (1-based; > 1 when resuming) and optimizer steps already taken. */
  startEpoch?: number;
  startStep?: number;
  /** Called after each completed epoch (after plateau updates), e.g. to write a checkpoint. */
  onEpochDone?: (epoch: number, step: number) => void;
}

function monitored(e: EarlyStopping, info: EpochInfo): number {
  if (e.monitor === 'loss') return info.loss;
  if (e.monitor === 'valLoss') return info.valLoss ?? NaN;
  if (e.monitor.startsWith('val_')) return info.metrics.validation[e.monitor.slice(4)] ?? NaN;
  if (e.monitor.startsWith('train_')) return info.metrics.train[e.monitor.slice(6)] ?? NaN;
  return NaN;
}

export async function trainLoop(trainer: BackendTrainer, X: FloatArray, Y: FloatArray, n: number, o: LoopOptions): Promise<History> {
  const t0 = process.hrtime.bigint();
  const bs = Math.min(o.batchSize, n);
  const numBatches = Math.ceil(n / bs);
  const chunk = Math.max(1, Math.min(o.batchesPerChunk, numBatches));
  trainer.setData(X, Y, n, o.weights);
  const lrs = new Float64Array(numBatches);
  const losses = new Float64Array(numBatches);
  const norms = new Float64Array(numBatches);
  // Gradient norms cost a pass over all gradients per batch: computed only when a callback can see them.
  const wantNorms = o.onBatchEnd !== undefined || o.onEpochEnd !== undefined;
  const history: History = {
    epoch: [], loss: [], valLoss: [], metrics: { train: {}, validation: {} }, learningRates: [], seconds: 0, stoppedEarly: false, bestEpoch: 0,
  };
  const es = o.earlyStopping;
  let best = es ? (es.mode === 'min' ? Infinity : -Infinity) : 0;
  let bestParams: FloatArray | undefined;
  let bestEpoch = 0;
  let wait = 0;
  let step = o.startStep ?? 0;
  let lastFinite = NaN;
  const checkAbort = () => {
    if (o.signal?.aborted) throw new AbortError('fit() was aborted; the model keeps the parameters of the last completed chunk', { cause: o.signal.reason });
  };
  try {
    for (let epoch = o.startEpoch ?? 1; epoch <= o.epochs; epoch++) {
      checkAbort();
      // Each epoch shuffles the identity, so an epoch's order depends only on the generator state (resumable).
      if (o.shuffle) trainer.shuffle();
      for (let first = 0; first < numBatches; first += chunk) {
        const count = Math.min(chunk, numBatches - first);
        const lrv = lrs.subarray(first, first + count);
        for (let b = 0; b < count; b++) {
          const lr = learningRateAt(o.learningRate, o.stepUnit === 'epoch' ? epoch - 1 : step + first + b);
          if (!(Number.isFinite(lr) && lr >= 0)) throw new ShapeError(`The learning-rate schedule returned ${lr} at step ${step + first + b}`, 'learningRate');
          lrv[b] = lr;
        }
        const res = await trainer.runBatches(o.shuffle, bs, first, count, lrv, losses.subarray(first, first + count), wantNorms ? norms.subarray(first, first + count) : null);
        if (res.status === 3) throw new AbortError('fit() was cancelled because its environment is shutting down');
        if (res.status === 2) throw new ShapeError(`Invalid training data at epoch ${epoch}, batch ${first + res.batch}: ${res.what}`, 'y');
        if (res.status === 1) {
          for (let b = 0; b < first + res.batch; b++) if (Number.isFinite(losses[b]!)) lastFinite = losses[b]!;
          throw new DivergenceError(epoch, first + res.batch, lastFinite, res.what);
        }
        if (o.onBatchEnd) {
          for (let b = first; b < first + count; b++) {
            // An async callback's rejection must reach fit's caller, not become an unhandled rejection.
            const r: unknown = o.onBatchEnd({ epoch, batch: b, loss: losses[b]!, learningRate: lrs[b]!, gradNorm: norms[b]! });
            if (isThenable(r)) await r;
          }
        }
        if (first + count < numBatches) checkAbort();
      }
      // Epoch loss: batch means weighted by batch size (the last batch may be partial).
      let sum = 0;
      for (let b = 0; b < numBatches; b++) sum += losses[b]! * (b === numBatches - 1 ? n - b * bs : bs);
      const loss = sum / n;
      lastFinite = losses[numBatches - 1]!;
      for (let b = 0; b < numBatches; b++) history.learningRates.push(lrs[b]!);
      step += numBatches;
      const metrics = o.evaluate ? o.evaluate() : { train: {}, validation: {} };
      const valLoss = metrics.validation.loss;
      history.epoch.push(epoch);
      history.loss.push(loss);
      if (valLoss !== undefined) history.valLoss.push(valLoss);
      for (const side of ['train', 'validation'] as const) {
        for (const [k, v] of Object.entries(metrics[side])) (history.metrics[side][k] ??= []).push(v);
      }
      const info: EpochInfo = { epoch, loss, valLoss, metrics, learningRate: lrs[numBatches - 1]!, batchLosses: losses.slice(), gradNorms: norms.slice() };
      // Plateau schedules act between chunks on the validation loss (or the training loss without validation).
      if (isPlateau(o.learningRate)) o.learningRate.report(valLoss ?? loss);
      o.onEpochDone?.(epoch, step);
      let stop = false;
      if (es) {
        const v = monitored(es, info);
        const improved = es.mode === 'min' ? v < best - es.minDelta : v > best + es.minDelta;
        if (improved) {
          best = v;
          wait = 0;
          bestEpoch = epoch;
          if (es.restoreBestWeights) bestParams = trainer.getParams();
        } else if (++wait > es.patience) {
          stop = true;
        }
      }
      if (o.onEpochEnd && (await o.onEpochEnd(info)) === false) stop = true;
      if (stop) {
        history.stoppedEarly = epoch < o.epochs;
        break;
      }
    }
  } finally {
    history.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (!trainer.isBusy()) trainer.clearData(); // the native copy of X is not needed after fit
  }
  // Restore the best epoch's weights whether or not early stopping triggered (as Keras ≥ 2.11 with restore_best_weights).
  if (es?.restoreBestWeights && bestParams) {
    trainer.setParams(bestParams);
    history.bestEpoch = bestEpoch;
  } else {
    history.bestEpoch = history.epoch.at(-1) ?? 0;
  }
  return history;
}

/** True for a promise (or any thenable) returned by a callback. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
