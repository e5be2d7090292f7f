/**
 * `resolvePlan`: the one validator of training options. Every entry point — `fit(X, y)`, `fit(source)`,
 * `partialFit` and the CLI (which calls them) — hands its options here; the result is a frozen
 * {@link TrainingPlan} with every default filled in, and nothing downstream re-validates an option.
 */
import { FormatError, OptionError, StateError } from '../errors';
import { DTYPES, Dtype, LOSSES, LossName } from '../engine/spec';
import { ModelSnapshot, decodeModel } from '../io/model-file';
import { readFileChecked } from '../io/util';
import { OptimizerSpec, learningRateJSON, learningRateOption, normalizeOptimizer, optimizerByName, optimizerFromJSON, sameLearningRate, sgd } from '../optim/optimizers';
import { bool, checkKeys, describe, isPlainObject, num, oneOf } from '../validate';
import { csvReaderOptions } from '../data/csv';
import type { CsvReaderOptions } from '../data/csv-parser';
import { Entry, TRAINING_OPTIONS, TRAINING_OPTION_NAMES, TrainingOption } from './options';
import type { BatchCallback, EarlyStopping, EpochCallback, History, TrainingCallback } from './types';

/** What resolvePlan needs to know about the model being trained. */
export interface PlanTarget {
  readonly className: string;
  /** The model's own dtype and backend (constructor options), the plan's defaults. */
  readonly dtype: Dtype;
  readonly backend: 'native' | 'js' | 'auto' | undefined;
  readonly standardize: boolean;
  readonly isClassifier: boolean;
  /** The model's loss head (what `classes` may be depends on it). */
  readonly loss: LossName;
  /** Metric names of the model's head besides `loss`. */
  readonly metricNames: readonly string[];
}

/** A validated, frozen description of one training run (or of a partialFit session's calls). */
export interface TrainingPlan {
  readonly entry: Entry;
  readonly epochs: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dtype: Dtype;
  readonly backend: 'native' | 'js' | 'auto' | undefined;
  readonly optimizer: OptimizerSpec;
  readonly stepUnit: 'batch' | 'epoch';
  /** Batches per backend call (a whole block when larger). */
  readonly batchesPerChunk: number;
  readonly verbose: 0 | 1 | 2;
  readonly onEpochEnd?: EpochCallback;
  readonly onBatchEnd?: BatchCallback;
  /** Callback objects' onTrainBegin/onTrainEnd (their onEpochEnd/onBatchEnd are folded into the two above). */
  readonly onTrainBegin?: () => unknown;
  readonly onTrainEnd?: (history: History) => unknown;
  readonly signal?: AbortSignal;
  readonly validationSplit?: number;
  readonly validationData?: readonly [unknown, unknown];
  /** Training-data metrics to compute after each epoch (includes a `train_` metric early stopping monitors). */
  readonly metrics: readonly string[];
  readonly earlyStopping?: EarlyStopping;
  readonly sampleWeight?: unknown;
  /** `'balanced'` or label → weight (labels checked against the classes once they are known). */
  readonly classWeight?: 'balanced' | Readonly<Record<string, number>>;
  readonly checkpoint?: { readonly path: string; readonly every: number };
  readonly resume?: { readonly path: string; readonly snapshot: ModelSnapshot };
  readonly shuffleBuffer: number;
  readonly chunkRows: number;
  readonly target?: string;
  readonly features?: readonly string[];
  /** How a CSV file is read (streaming fits): validated as loadCsv validates them. */
  readonly csv: Readonly<Pick<CsvReaderOptions, 'delimiter' | 'comment' | 'ignore' | 'naValues' | 'fillValue'>>;
  readonly classes?: number;
  /** Standardizing scaler during partialFit: updated with each chunk, or kept as fitted. */
  readonly scaler: 'incremental' | 'frozen';
  /** Which call fixed the options a partialFit continues: a fit(), or the first partialFit. */
  readonly fixedBy: 'fit' | 'partialFit';
}

const MAXIMIZED = ['accuracy', 'precision', 'recall', 'f1', 'r2'];
const BACKENDS = ['native', 'js', 'auto'] as const;
const SEED = { integer: true, min: 0, max: 4294967295 } as const;

function optimizerOf(o: Record<string, unknown>, fallback: () => OptimizerSpec): OptimizerSpec {
  if (o.optimizer === undefined) {
    if (o.learningRate === undefined) return fallback();
    return sgd({ learningRate: learningRateOption('learningRate', o.learningRate) });
  }
  if (o.learningRate !== undefined) throw new OptionError('Pass learningRate inside the optimizer (e.g. adam({ learningRate })) when optimizer is given', 'learningRate');
  if (typeof o.optimizer === 'string') return optimizerByName(o.optimizer);
  return normalizeOptimizer(o.optimizer);
}

/** Two optimizer choices are the same when name, normalized options and learning rate agree. */
export function sameOptimizer(a: OptimizerSpec, b: OptimizerSpec): boolean {
  return a.name === b.name && JSON.stringify(a.options) === JSON.stringify(b.options) && sameLearningRate(a.learningRate, b.learningRate);
}

function optimizerText(o: OptimizerSpec): string {
  return `${o.name} ${JSON.stringify({ learningRate: learningRateJSON(o.learningRate) ?? 'a custom schedule', ...o.options })}`;
}

function callback<T>(name: string, v: unknown): T | undefined {
  if (v !== undefined && typeof v !== 'function') throw new OptionError(`Expected a function for ${name} but received ${describe(v)}`, name);
  return v as T | undefined;
}

const CALLBACK_METHODS = ['onTrainBegin', 'onEpochEnd', 'onBatchEnd', 'onTrainEnd'] as const;

/** Awaits a callback's result when it is a promise. */
async function settle(r: unknown): Promise<unknown> {
  return r !== null && typeof (r as { then?: unknown })?.then === 'function' ? await r : r;
}

/**
 * The function callbacks and the callback objects of `callbacks` as one onEpochEnd / onBatchEnd (functions first,
 * then the objects in order; an epoch stops when any returns false) and onTrainBegin / onTrainEnd.
 */
function withCallbackObjects(onEpochEnd: EpochCallback | undefined, onBatchEnd: BatchCallback | undefined, list: unknown): {
  onEpochEnd?: EpochCallback; onBatchEnd?: BatchCallback; onTrainBegin?: () => unknown; onTrainEnd?: (h: History) => unknown;
} {
  if (list === undefined) return { onEpochEnd, onBatchEnd };
  if (!Array.isArray(list)) throw new OptionError(`Expected an array of callback objects for callbacks but received ${describe(list)}`, 'callbacks');
  const cbs = list.map((c, i) => {
    if (c === null || typeof c !== 'object') throw new OptionError(`Expected a callback object for callbacks[${i}] but received ${describe(c)}`, `callbacks[${i}]`);
    // Own and inherited methods (class instances): every function-valued name must be one of the four.
    const names = new Set<string>();
    for (let p: object | null = c; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
      for (const k of Object.getOwnPropertyNames(p)) if (k !== 'constructor' && typeof (c as Record<string, unknown>)[k] === 'function') names.add(k);
    for (const k of Object.keys(c)) names.add(k);
    for (const k of names) {
      if (!(CALLBACK_METHODS as readonly string[]).includes(k))
        throw new OptionError(`Unknown callback method "${k}" in callbacks[${i}]; callbacks have ${CALLBACK_METHODS.join(', ')}`, `callbacks[${i}].${k}`);
      if (typeof (c as Record<string, unknown>)[k] !== 'function') throw new OptionError(`Expected a function for callbacks[${i}].${k} but received ${describe((c as Record<string, unknown>)[k])}`, `callbacks[${i}].${k}`);
    }
    return c as TrainingCallback;
  });
  const epochs = cbs.filter((c) => c.onEpochEnd), batches = cbs.filter((c) => c.onBatchEnd);
  const begins = cbs.filter((c) => c.onTrainBegin), ends = cbs.filter((c) => c.onTrainEnd);
  return {
    onEpochEnd: onEpochEnd || epochs.length ? async (info) => {
      let stop = onEpochEnd ? (await settle(onEpochEnd(info))) === false : false;
      for (const c of epochs) if ((await settle(c.onEpochEnd!(info))) === false) stop = true;
      return stop ? false : undefined;
    } : undefined,
    onBatchEnd: onBatchEnd || batches.length ? async (info) => {
      if (onBatchEnd) await settle(onBatchEnd(info));
      for (const c of batches) await settle(c.onBatchEnd!(info));
    } : undefined,
    onTrainBegin: begins.length ? async () => { for (const c of begins) await settle(c.onTrainBegin!()); } : undefined,
    onTrainEnd: ends.length ? async (h) => { for (const c of ends) await settle(c.onTrainEnd!(h)); } : undefined,
  };
}

function earlyStoppingOf(spec: unknown, target: PlanTarget, hasValidation: boolean): EarlyStopping | undefined {
  if (spec === undefined) return undefined;
  const e = checkKeys('earlyStopping', spec, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights']);
  const names = ['loss', 'valLoss', ...target.metricNames.flatMap((m) => [`val_${m}`, `train_${m}`])];
  const monitor = oneOf('earlyStopping.monitor', e.monitor, names, hasValidation ? 'valLoss' : 'loss');
  if ((monitor === 'valLoss' || monitor.startsWith('val_')) && !hasValidation)
    throw new OptionError(`earlyStopping.monitor ${JSON.stringify(monitor)} needs validationSplit or validationData`, 'earlyStopping.monitor');
  const mode = oneOf('earlyStopping.mode', e.mode, ['min', 'max', 'auto'] as const, 'auto');
  return Object.freeze({
    monitor,
    patience: num('earlyStopping.patience', e.patience, { integer: true, min: 0 }, 0),
    minDelta: num('earlyStopping.minDelta', e.minDelta, { min: 0 }, 0),
    mode: mode === 'auto' ? (MAXIMIZED.some((m) => monitor.endsWith(m)) ? 'max' : 'min') : mode,
    restoreBestWeights: bool('earlyStopping.restoreBestWeights', e.restoreBestWeights, false),
  });
}

function classWeightOf(v: unknown, target: PlanTarget, entry: Entry): TrainingPlan['classWeight'] {
  if (v === undefined) return undefined;
  if (!target.isClassifier) throw new OptionError('classWeight applies to classifiers only', 'classWeight');
  if (v === 'balanced') {
    // scikit-learn refuses it in partial_fit too: a chunk's class counts are not the data's.
    if (entry === 'partialFit') throw new OptionError("classWeight 'balanced' needs every label at once; partialFit takes a { label: weight } map", 'classWeight');
    return 'balanced';
  }
  if (!isPlainObject(v)) throw new OptionError(`Expected 'balanced' or a { label: weight } map for classWeight but received ${describe(v)}`, 'classWeight');
  const out: Record<string, number> = {};
  for (const [key, w] of Object.entries(v)) {
    const label = Number(key);
    if (!(Number.isInteger(label) && label >= 0 && String(label) === key)) throw new OptionError(`Expected non-negative integer class labels as classWeight keys but received ${JSON.stringify(key)}`, `classWeight.${key}`);
    out[key] = num(`classWeight.${key}`, w, { min: 0 });
  }
  return Object.freeze(out);
}

function resumeOf(path: unknown, target: PlanTarget): TrainingPlan['resume'] {
  if (path === undefined) return undefined;
  if (typeof path !== 'string' || path === '') throw new OptionError(`Expected a file path for resumeFrom but received ${describe(path)}`, 'resumeFrom');
  let snapshot: ModelSnapshot;
  try {
    snapshot = decodeModel(readFileChecked(path, 'resumeFrom'));
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`resumeFrom ${path}: ${e.message}`, 'resumeFrom', { cause: e });
    throw e;
  }
  if (!snapshot.checkpoint) throw new OptionError(`${path} holds a model without training state; save it with { checkpoint: true } (or fit's checkpoint option) to resume`, 'resumeFrom');
  if (snapshot.className !== target.className) throw new OptionError(`${path} holds a ${snapshot.className}, not a ${target.className}`, 'resumeFrom');
  if (!!snapshot.scaler !== target.standardize)
    throw new OptionError(`${path} was trained ${snapshot.scaler ? 'with' : 'without'} standardize; create the model with { standardize: ${!!snapshot.scaler} } to resume it`, 'resumeFrom');
  return Object.freeze({ path, snapshot });
}

/**
 * Validates `options` for `entry` and fills every default. For partialFit, `previous` is the plan of the session
 * the call continues (a first partialFit, or the fit it follows): options it fixed may be repeated but not changed.
 *
 * @throws OptionError naming the option for an unknown name (with "did you mean"), an option the entry point does
 * not take (saying why), a bad value, or a change to an option a previous partialFit fixed.
 */
export function resolvePlan(target: PlanTarget, entry: Entry, options: unknown, previous?: TrainingPlan): TrainingPlan {
  const o = checkKeys('options', options, TRAINING_OPTION_NAMES);
  for (const key of Object.keys(o) as TrainingOption[]) {
    const fact = TRAINING_OPTIONS[key];
    if (o[key] !== undefined && !(fact.entries as readonly Entry[]).includes(entry)) {
      const where = entry === 'stream' ? 'a streaming fit' : entry === 'partialFit' ? 'partialFit' : 'an in-memory fit';
      throw new OptionError(`${key} is not an option of ${where}${'why' in fact ? ` (${fact.why})` : ''}`, key);
    }
  }
  const prev = entry === 'partialFit' ? previous : undefined;
  const resume = entry === 'fit' ? resumeOf(o.resumeFrom, target) : undefined;
  const optimizer = optimizerOf(o, () => (prev ? prev.optimizer : resume ? optimizerFromJSON(resume.snapshot.checkpoint!.optimizer) : sgd()));
  const hasValidation = o.validationSplit !== undefined || o.validationData !== undefined;
  if (o.validationSplit !== undefined && o.validationData !== undefined) throw new OptionError('Give validationSplit or validationData, not both', 'validationData');
  if (o.validationData !== undefined && (!Array.isArray(o.validationData) || o.validationData.length !== 2))
    throw new OptionError(`Expected [X, y] for validationData but received ${describe(o.validationData)}`, 'validationData');
  if (o.metrics !== undefined && !Array.isArray(o.metrics)) throw new OptionError(`Expected an array of metric names for metrics but received ${describe(o.metrics)}`, 'metrics');
  const metrics = ((o.metrics as unknown[] | undefined) ?? []).map((m, i) => oneOf(`metrics[${i}]`, m, target.metricNames as string[]));
  const earlyStopping = earlyStoppingOf(o.earlyStopping, target, hasValidation);
  // A train_ metric monitored by early stopping is computed even if not listed in metrics.
  if (earlyStopping?.monitor.startsWith('train_') && !metrics.includes(earlyStopping.monitor.slice(6))) metrics.push(earlyStopping.monitor.slice(6));
  if (earlyStopping?.monitor.startsWith('train_') && entry === 'stream')
    throw new OptionError(`earlyStopping.monitor ${JSON.stringify(earlyStopping.monitor)} needs the training rows in memory; monitor "loss" or a validation metric`, 'earlyStopping.monitor');
  let checkpoint: TrainingPlan['checkpoint'];
  if (o.checkpoint !== undefined) {
    const c = checkKeys('checkpoint', o.checkpoint, ['path', 'every']);
    if (typeof c.path !== 'string' || c.path === '') throw new OptionError(`Expected a file path for checkpoint.path but received ${describe(c.path)}`, 'checkpoint.path');
    const every = c.every === undefined || c.every === 'epoch' ? 1 : num('checkpoint.every', c.every, { integer: true, min: 1 });
    requireSaveable(optimizer, 'checkpoint');
    checkpoint = Object.freeze({ path: c.path, every });
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new OptionError(`Expected an AbortSignal for signal but received ${describe(o.signal)}`, 'signal');
  if (o.features !== undefined && !(Array.isArray(o.features) && o.features.every((f) => typeof f === 'string')))
    throw new OptionError(`Expected an array of column names for features but received ${describe(o.features)}`, 'features');
  if (o.target !== undefined && typeof o.target !== 'string') throw new OptionError(`Expected a column name for target but received ${describe(o.target)}`, 'target');
  if (entry === 'stream' && o.shuffle === true) throw new OptionError('shuffle: true is not an option of a streaming fit (a streaming source is read in order; use shuffleBuffer)', 'shuffle');
  // The CSV reading options, checked as loadCsv checks them (the same messages and argument names, without "options.").
  const csv = csvReaderOptions({ delimiter: o.delimiter, comment: o.comment, ignore: o.ignore, naValues: o.naValues, fillValue: o.fillValue }, '', true);
  const plan: TrainingPlan = {
    entry,
    epochs: entry === 'partialFit' ? 1 : num('epochs', o.epochs, { integer: true, min: 0 }, entry === 'stream' ? 1 : 100),
    batchSize: num('batchSize', o.batchSize, { integer: true, min: 1 }, prev?.batchSize ?? 32),
    shuffle: bool('shuffle', o.shuffle, entry === 'fit'),
    seed: num('seed', o.seed, SEED, prev?.seed ?? 0),
    dtype: oneOf('dtype', o.dtype, DTYPES, prev?.dtype ?? target.dtype),
    backend: o.backend === undefined ? prev?.backend ?? target.backend : oneOf('backend', o.backend, BACKENDS),
    optimizer,
    stepUnit: oneOf('stepUnit', o.stepUnit, ['batch', 'epoch'] as const, prev?.stepUnit ?? 'batch'),
    batchesPerChunk: num('batchesPerChunk', o.batchesPerChunk, { integer: true, min: 1 }, Number.MAX_SAFE_INTEGER),
    verbose: num('verbose', o.verbose, { integer: true, min: 0, max: 2 }, 0) as 0 | 1 | 2,
    ...withCallbackObjects(callback<EpochCallback>('onEpochEnd', o.onEpochEnd), callback<BatchCallback>('onBatchEnd', o.onBatchEnd), o.callbacks),
    signal: o.signal as AbortSignal | undefined,
    validationSplit: o.validationSplit === undefined ? undefined : num('validationSplit', o.validationSplit, { gt: 0, lt: 1 }),
    validationData: o.validationData as [unknown, unknown] | undefined,
    metrics: Object.freeze(metrics),
    earlyStopping,
    sampleWeight: o.sampleWeight,
    classWeight: classWeightOf(o.classWeight, target, entry),
    checkpoint,
    resume,
    shuffleBuffer: num('shuffleBuffer', o.shuffleBuffer, { integer: true, min: 0, max: 1 << 26 }, 0),
    chunkRows: num('chunkRows', o.chunkRows, { integer: true, min: 1, max: 1 << 24 }, 8192),
    target: o.target as string | undefined,
    features: o.features === undefined ? undefined : Object.freeze([...(o.features as string[])]),
    csv: Object.freeze({ delimiter: csv.delimiter, comment: csv.comment, ignore: csv.ignore, naValues: csv.naValues, fillValue: csv.fillValue }),
    classes: o.classes === undefined ? prev?.classes : num('classes', o.classes, { integer: true, min: 2, max: 1 << 24 }),
    // After fit() the scaler stays as fitted unless asked; a first partialFit grows it with every chunk.
    scaler: oneOf('scaler', o.scaler, ['incremental', 'frozen'] as const, prev ? (prev.entry === 'partialFit' ? prev.scaler : 'frozen') : 'incremental'),
    fixedBy: prev ? prev.fixedBy : entry === 'partialFit' ? 'partialFit' : 'fit',
  };
  // Options that would be silently ignored by this model are refused instead.
  // Class-index heads (softmax, the one-vs-rest margin heads) take any count; the sigmoid head has 2.
  if (o.classes !== undefined && LOSSES[target.loss].targetColumns !== 1 && !(target.loss === 'sigmoidCrossEntropy' && plan.classes === 2))
    throw new OptionError(`classes applies to softmax and one-vs-rest classifiers (a ${target.className} has ${target.isClassifier ? '2 classes' : 'no classes'}); received ${describe(o.classes)}`, 'classes');
  if (o.scaler !== undefined && !target.standardize) throw new OptionError('scaler applies to models created with { standardize: true }', 'scaler');
  if (prev) requireSameFixed(prev, plan, o);
  return Object.freeze(plan);
}

/** partialFit: the options the session fixed may be repeated (scikit-learn accepts identical parameters), not changed. */
function requireSameFixed(prev: TrainingPlan, next: TrainingPlan, given: Record<string, unknown>): void {
  const by = prev.fixedBy === 'partialFit' ? 'the first partialFit call' : 'the fit() that trained this model';
  const fail = (key: string, was: string, now: string) => {
    throw new OptionError(`${key} is fixed by ${by} (${was}); this call gives ${now}. Call fit() to start over`, key);
  };
  if ((given.optimizer !== undefined || given.learningRate !== undefined) && !sameOptimizer(prev.optimizer, next.optimizer))
    fail(given.optimizer !== undefined ? 'optimizer' : 'learningRate', optimizerText(prev.optimizer), optimizerText(next.optimizer));
  // After fit(), the first partialFit chooses how the scaler continues; later calls may only repeat it.
  // backend: the session compares the backend it resolves to (undefined and 'auto' may both mean native).
  const fixed = prev.entry === 'partialFit' ? (['seed', 'dtype', 'stepUnit', 'scaler'] as const) : (['seed', 'dtype', 'stepUnit'] as const);
  for (const key of fixed) {
    if (given[key] !== undefined && next[key] !== prev[key]) fail(key, String(prev[key]), String(next[key]));
  }
  if (given.classes !== undefined && prev.classes !== undefined && next.classes !== prev.classes) fail('classes', String(prev.classes), String(next.classes));
}

/**
 * Refuses an optimizer whose learning rate cannot be written to a file and read back (a custom schedule without
 * `toJSON`, or one whose JSON no factory rebuilds): checked before training, so a checkpoint never fails midway.
 */
export function requireSaveable(optimizer: OptimizerSpec, argument: string): void {
  const lr = optimizer.learningRate;
  if (typeof lr === 'number') return;
  const json = learningRateJSON(lr);
  if (json === undefined) throw new OptionError(`${argument} needs a schedule that can be saved (a built-in one, or one with toJSON())`, argument);
  try {
    optimizerFromJSON({ name: optimizer.name, options: { ...optimizer.options }, learningRate: json });
  } catch (e) {
    throw new OptionError(`${argument} needs a schedule whose toJSON() a factory rebuilds (scheduleFromJSON): ${(e as Error).message}`, argument, { cause: e });
  }
}

/** A StateError for a partialFit that cannot continue a loaded model. */
export function cannotContinue(): StateError {
  return new StateError('partialFit() on a loaded model would discard its weights: continue a checkpoint with fit(X, y, { resumeFrom }), or call fit() to start over', 'partialFit');
}
