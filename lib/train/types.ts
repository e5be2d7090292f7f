/** What training reports: the history `fit` resolves to, and what epoch and batch callbacks receive (every entry point alike). */

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
  /**
   * The per-epoch series under Keras' names, as `History.history`: `loss`, `val_loss`, each requested metric and
   * its `val_` counterpart, and `lr` (the learning rate of each epoch's last step). The same numbers as above.
   */
  history: Record<string, number[]>;
  /** Per epoch: rows trained, rows per second and the fraction of the epoch spent waiting for the data source. */
  throughput: { rows: number; rowsPerSecond: number; waitFraction: number }[];
  /**
   * Fits with `lbfgs()`: iterations and objective evaluations run, the objective (data term + L2) before the first
   * iteration, max |gradient| after each iteration, and why it stopped ('gradient', 'change', 'maxIter', 'maxEval',
   * 'flat': converged, the directional derivative is ≥ −toleranceChange); `loss` then holds the objective after each iteration.
   */
  lbfgs?: {
    iterations: number; evaluations: number; initialLoss: number; gradMax: number[]; reason: string;
    /** The quantile loss of a linear model: smoothing stages, the last δ, and whether the LP-vertex polish applied (its last `loss` is the exact pinball objective). */
    smoothing?: { stages: number; delta: number; polished: boolean };
  };
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

/** Return `false` (or a Promise of it) to stop training after this epoch. A rejection rejects `fit`. */
export type EpochCallback = (info: EpochInfo) => void | boolean | Promise<void | boolean>;
/** Called after each batch (in bulk after each chunk, never from inside the native loop); a returned promise is awaited and its rejection rejects fit; other return values are ignored. */
export type BatchCallback = (info: BatchInfo) => unknown;

/** A callback object (Keras style): any of these methods, called by every entry point at the named moments. */
export interface TrainingCallback {
  onTrainBegin?(): unknown;
  /** Returning `false` (or a promise of it) stops training after this epoch. */
  onEpochEnd?(info: EpochInfo): void | boolean | Promise<void | boolean>;
  onBatchEnd?(info: BatchInfo): unknown;
  onTrainEnd?(history: History): unknown;
}

/** Early stopping as resolved by the plan (Keras `EarlyStopping` semantics). */
export interface EarlyStopping {
  /** `'valLoss'` (default with validation data), `'loss'`, or a metric name prefixed `val_`/`train_` (e.g. `'val_accuracy'`). */
  readonly monitor: string;
  /** Epochs without improvement after which training stops (Keras: stop when `wait >= patience`, so 0 acts as 1). */
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';
  readonly restoreBestWeights: boolean;
}

/** The value early stopping watches in an epoch's report (NaN when missing). */
export function monitored(e: EarlyStopping, info: EpochInfo): number {
  if (e.monitor === 'loss') return info.loss;
  if (e.monitor === 'valLoss') return info.valLoss ?? NaN;
  if (e.monitor.startsWith('val_')) return info.metrics.validation[e.monitor.slice(4)] ?? NaN;
  if (e.monitor.startsWith('train_')) return info.metrics.train[e.monitor.slice(6)] ?? NaN;
  return NaN;
}

/** True for a promise (or any thenable) returned by a callback. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
