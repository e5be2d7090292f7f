/**
 * The options of every way into training — `fit(X, y)`, `fit(source)` (a CSV path, an iterable, an Arrow table),
 * `partialFit(X, y)` and the CLI — in one table: which entry points take each option, why the others refuse it,
 * and its command-line flag. `resolvePlan` (lib/train/plan.ts) validates against this table; the CLI builds its
 * flags from it.
 */
import type { LbfgsSpec } from '../optim/lbfgs';
import type { Dtype } from '../engine/spec';
import type { LearningRate, OptimizerSpec } from '../optim/optimizers';
import type { BatchCallback, EpochCallback, TrainingCallback } from './types';

/** The way into training: in-memory `fit(X, y)`, `fit(source)` on a streaming source, or `partialFit`. */
export type Entry = 'fit' | 'stream' | 'partialFit';

/** Options of `fit` (in memory and streaming) and, where noted, `partialFit`. */
export interface FitOptions {
  /** Passes over the training data. `0` builds the model and returns an empty history (as Keras). Default 100 in memory, 1 for a streaming source. Not for partialFit (one pass per call). */
  epochs?: number;
  /** Rows per mini-batch: `n` is full-batch gradient descent, 1 is SGD. The last partial batch is averaged over its own size. Default 32. */
  batchSize?: number;
  /**
   * Step size (> 0) or schedule; shorthand for `optimizer: sgd({ learningRate })`. With `optimizer` given it is an
   * OptionError: pass it inside the optimizer (`adam({ learningRate })`). Default: the optimizer's (sgd 0.01).
   */
  learningRate?: LearningRate;
  /**
   * An optimizer from `sgd()`, `adam()`, … or its name. Default `sgd`. `lbfgs({ … })` (fit only, in-memory data)
   * trains full batch by L-BFGS instead of epochs of mini-batches; it takes only `seed`, `signal` and `dtype` besides.
   */
  optimizer?: OptimizerSpec | string | LbfgsSpec;
  /** Reshuffle rows every epoch (seeded). Default true for fit, false for partialFit. A streaming source is read in order (see `shuffleBuffer`). */
  shuffle?: boolean;
  /** Seeds initialization, shuffling, dropout and the validation split, identically on both backends. Default 0. */
  seed?: number;
  /** Overrides the model's dtype for this fit. */
  dtype?: Dtype;
  /** Overrides the model's backend for this fit. */
  backend?: 'native' | 'js' | 'auto';
  /**
   * Callbacks as objects (Keras style), called in order after `onEpochEnd`/`onBatchEnd`: each may have
   * `onTrainBegin()`, `onEpochEnd(info)` (returning `false` stops training), `onBatchEnd(info)` and
   * `onTrainEnd(history)` (after the last epoch, also when training stopped early; not when fit throws).
   * Async methods are awaited. Other properties of a callback object are an OptionError.
   */
  callbacks?: TrainingCallback[];
  /** Called after each epoch; return `false` to stop. */
  onEpochEnd?: EpochCallback;
  /** Called for each batch (loss, learning rate, gradient norm; `batch` is 0-based within the epoch), delivered after each chunk returns. */
  onBatchEnd?: BatchCallback;
  /** What a learning-rate schedule's step counts: optimizer updates (`'batch'`, default) or epochs (`'epoch'`). */
  stepUnit?: 'batch' | 'epoch';
  /** Fraction in (0, 1) of rows held out for validation: a seeded random subset, not the tail. In-memory fit only. */
  validationSplit?: number;
  /** Explicit validation data `[X, y]` (instead of `validationSplit`): evaluated after every epoch. */
  validationData?: [unknown, unknown];
  /**
   * Metrics computed on the training data after every epoch (validation data always gets all of them). In-memory
   * fit only. Regression: `mse`, `mae`, `r2`; classifiers: `accuracy`, `logLoss`, `precision`, `recall`, `f1` (of class
   * 1 for binary models, macro-averaged for softmax: scikit-learn's defaults).
   */
  metrics?: string[];
  /**
   * Progress output, as Keras' `verbose`: 0 (default) nothing; 1 a progress bar with the loss, rate and ETA
   * redrawn on stderr when it is a terminal (otherwise as 2); 2 one line per epoch on stdout
   * (`epoch 3/10 - 41 ms - loss … - val_loss … - accuracy … - val_accuracy … - lr …`).
   */
  verbose?: 0 | 1 | 2;
  /** Stop when the monitored value stops improving (Keras `EarlyStopping` semantics and defaults). */
  earlyStopping?: {
    /** `'valLoss'` (default with validation data, else `'loss'`), `'loss'`, or `'val_<metric>'` / `'train_<metric>'`. */
    monitor?: string;
    /** Epochs without improvement before stopping: stops when `wait >= patience` (Keras; 0 acts as 1). Default 0. */
    patience?: number;
    /** Minimum change that counts as an improvement. Default 0. */
    minDelta?: number;
    /** `'min'`, `'max'` or `'auto'` (max for accuracy/precision/recall/f1/r2). Default `'auto'`. */
    mode?: 'min' | 'max' | 'auto';
    /** Put back the best epoch's weights when training ends (also when it ends without triggering). Default false. */
    restoreBestWeights?: boolean;
  };
  /** Per-row weights `[n]` (finite, ≥ 0): the batch loss is `Σ wᵢ·lossᵢ / rows`. In-memory data only. */
  sampleWeight?: ArrayLike<number>;
  /** Classifiers: weight per class label, or `'balanced'` = `n / (k · count(c))` as scikit-learn (fit only). Multiplies `sampleWeight`. */
  classWeight?: 'balanced' | Record<number, number>;
  /** Stops training between chunks; `fit` then rejects with `AbortError` and the model keeps valid parameters. */
  signal?: AbortSignal;
  /**
   * Mini-batches per backend call. Default: as many as fill 4 MiB of rows (X, targets, weights), the native
   * backend's staging unit — rows of a JS array are gathered into a native stage per chunk, the next chunk while the
   * current one trains. Results do not depend on it; smaller chunks make `signal` and `onBatchEnd` act sooner.
   */
  batchesPerChunk?: number;
  /**
   * Write a checkpoint (parameters, optimizer state, schedule state, RNG state, epoch and step) to `path` after
   * every `every` epochs (`'epoch'` = 1) and after the last, atomically: a temporary file is written, fsynced and renamed.
   */
  checkpoint?: { path: string; every?: 'epoch' | number };
  /**
   * Continue the training saved in this checkpoint file: its parameters, optimizer state, scaler, RNG state, epoch
   * and step are restored and training runs epochs `epoch + 1 … epochs` (so `epochs` is the total, as Keras's
   * `initial_epoch`). The optimizer and schedule default to the checkpoint's; pass the same data and seed. In-memory fit only.
   */
  resumeFrom?: string;
  /** Streaming: rows held for seeded shuffling; 0 = rows in source order. Default 0. */
  shuffleBuffer?: number;
  /** Streaming: rows per chunk when reading a CSV file. Default 8192. */
  chunkRows?: number;
  /** Streaming: target column of a CSV file (default: the last) or of Arrow chunks without `y`. */
  target?: string;
  /** Streaming: feature columns (CSV/Arrow/Parquet), in order. Default: all but the target (and `ignore`). */
  features?: string[];
  /** Streaming from a CSV file: columns to skip. */
  ignore?: string[];
  /** Streaming from a CSV file: the field delimiter, one character. Default: sniffed among `,` `;` `\t` `|`. */
  delimiter?: string;
  /** Streaming from a CSV file: lines starting with this character are skipped. */
  comment?: string;
  /** Streaming from a CSV file: cell texts meaning "missing" (an error, unless `fillValue`). */
  naValues?: string[];
  /** Streaming from a CSV file: the value of a missing feature (needs `naValues`). */
  fillValue?: number;
  /** Streaming and partialFit: the number of classes (softmax classifiers whose later chunks may hold new labels). */
  classes?: number;
}

/** Options of `fit(source, options)` on a streaming source: the same {@link FitOptions}. */
export type StreamFitOptions = FitOptions;

/** Options of `partialFit`: one pass over the chunk (scikit-learn's `partial_fit`). */
export interface PartialFitOptions extends Pick<FitOptions,
  'batchSize' | 'learningRate' | 'optimizer' | 'shuffle' | 'seed' | 'dtype' | 'backend' | 'onEpochEnd' | 'onBatchEnd' | 'callbacks' | 'stepUnit' |
  'sampleWeight' | 'classWeight' | 'signal' | 'batchesPerChunk' | 'classes'> {
  /**
   * With `standardize`: update the scaler with each chunk (`'incremental'`, default for a first partialFit) or
   * fit it on the first chunk and then keep it (`'frozen'`, default after `fit`).
   */
  scaler?: 'incremental' | 'frozen';
}

/** A command-line flag derived from an option (lib/cli builds the `train` command from these). */
export interface CliFlag {
  /** Commander flag, e.g. `--batch-size <n>`. */
  readonly flag: string;
  readonly type: 'int' | 'number' | 'string' | 'boolean' | 'list';
  readonly doc: string;
}

export interface OptionFact {
  /** Entry points that take the option. */
  readonly entries: readonly Entry[];
  /** Why the other entry points refuse it (the message reads "<option> is not an option of <entry point> (<why>)"). */
  readonly why?: string;
  /** Options that cannot change between partialFit calls (the session they continue fixed them). */
  readonly fixed?: boolean;
  readonly cli?: CliFlag;
}

const ALL: readonly Entry[] = ['fit', 'stream', 'partialFit'];
const FIT: readonly Entry[] = ['fit', 'stream'];
const CSV_ONLY = 'it configures reading a CSV file; in memory, X is already parsed (loadCsv takes it)';

/** Every training option. Keys are the option names; `resolvePlan` rejects others with "did you mean". */
export const TRAINING_OPTIONS = {
  epochs: { entries: FIT, why: 'each partialFit call makes one pass over its chunk', cli: { flag: '--epochs <n>', type: 'int', doc: 'passes over the training data (default 100; 1 with --stream)' } },
  batchSize: { entries: ALL, cli: { flag: '--batch-size <n>', type: 'int', doc: 'rows per mini-batch (default 32)' } },
  learningRate: { entries: ALL, fixed: true },
  optimizer: { entries: ALL, fixed: true },
  shuffle: { entries: ALL },
  seed: { entries: ALL, fixed: true, cli: { flag: '--seed <n>', type: 'int', doc: 'seed for the split, initialization and shuffling (default 0)' } },
  dtype: { entries: ALL, fixed: true, cli: { flag: '--dtype <dtype>', type: 'string', doc: 'float32 | float64 (default float32)' } },
  backend: { entries: ALL, fixed: true, cli: { flag: '--backend <name>', type: 'string', doc: 'native | js | auto (default auto)' } },
  verbose: { entries: ALL, cli: { flag: '--verbose <level>', type: 'int', doc: 'progress output: 0 none, 1 a progress bar (stderr, on a terminal), 2 one line per epoch (stdout); default 1 on a terminal, 2 when stdout is piped' } },
  onEpochEnd: { entries: ALL },
  callbacks: { entries: ALL },
  onBatchEnd: { entries: ALL },
  stepUnit: { entries: ALL, fixed: true, cli: { flag: '--step-unit <unit>', type: 'string', doc: 'what schedule steps count: batch | epoch (default batch)' } },
  validationSplit: { entries: ['fit'], why: 'a held-out split needs the rows in memory; pass validationData instead', cli: { flag: '--validation-split <f>', type: 'number', doc: 'fraction of the training rows held out for validation' } },
  validationData: { entries: FIT, why: 'call evaluate() between partialFit calls instead' },
  metrics: { entries: ['fit'], why: 'training metrics are computed on the training rows in memory; validation metrics come with validationData', cli: { flag: '--metrics <names>', type: 'list', doc: 'metrics on the training rows after every epoch (mse, mae, r2 | accuracy, logLoss, precision, recall, f1)' } },
  earlyStopping: { entries: FIT, why: 'each partialFit call makes one pass' },
  sampleWeight: { entries: ['fit', 'partialFit'], why: 'weights need the rows in memory' },
  classWeight: { entries: ['fit', 'partialFit'], why: 'weights need the rows in memory' },
  signal: { entries: ALL },
  batchesPerChunk: { entries: ALL },
  checkpoint: { entries: FIT, why: 'call save(path, { checkpoint: true }) between partialFit calls instead', cli: { flag: '--checkpoint <file>', type: 'string', doc: 'write a resumable checkpoint after every epoch (atomic)' } },
  resumeFrom: { entries: ['fit'], why: 'resuming continues in-memory training; a streaming fit starts its source over', cli: { flag: '--resume <file>', type: 'string', doc: 'continue the training saved in this checkpoint (--epochs is the total)' } },
  shuffleBuffer: { entries: ['stream'], why: 'it applies to streaming sources; in-memory data is shuffled whole (shuffle)', cli: { flag: '--shuffle-buffer <rows>', type: 'int', doc: 'with --stream: rows held for seeded shuffling (default 0)' } },
  chunkRows: { entries: ['stream'], why: 'it applies to streaming sources' },
  target: { entries: ['stream'], why: 'it names a column of a streaming source; in memory, y holds the targets', cli: { flag: '--target <column>', type: 'string', doc: 'CSV target column (default: the last column)' } },
  features: { entries: ['stream'], why: 'it names columns of a streaming source; in memory, X holds the features', cli: { flag: '--features <columns>', type: 'list', doc: 'CSV feature columns, comma-separated (default: all but the target)' } },
  ignore: { entries: ['stream'], why: CSV_ONLY, cli: { flag: '--ignore <columns>', type: 'list', doc: 'CSV columns to skip, comma-separated' } },
  delimiter: { entries: ['stream'], why: CSV_ONLY, cli: { flag: '--delimiter <char>', type: 'string', doc: 'CSV field delimiter (default: sniffed among , ; tab |)' } },
  comment: { entries: ['stream'], why: CSV_ONLY, cli: { flag: '--comment <char>', type: 'string', doc: 'skip CSV lines starting with this character' } },
  naValues: { entries: ['stream'], why: CSV_ONLY, cli: { flag: '--na-values <texts>', type: 'list', doc: 'CSV cell texts meaning "missing", comma-separated (an empty item: empty cells)' } },
  fillValue: { entries: ['stream'], why: CSV_ONLY, cli: { flag: '--fill-value <x>', type: 'number', doc: 'value of missing CSV features (with --na-values)' } },
  classes: { entries: ['stream', 'partialFit'], fixed: true, why: 'fit() reads the number of classes from the labels in memory', cli: { flag: '--classes <k>', type: 'int', doc: 'with --stream and softmax/mlp: number of classes' } },
  scaler: { entries: ['partialFit'], fixed: true, why: 'fit() standardizes on the whole training set' },
} as const satisfies Record<string, OptionFact>;

export type TrainingOption = keyof typeof TRAINING_OPTIONS;
export const TRAINING_OPTION_NAMES = Object.keys(TRAINING_OPTIONS) as TrainingOption[];
