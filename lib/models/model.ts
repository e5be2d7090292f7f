/**
 * The one engine behind every model: dense layers → activations → a loss head. The named models
 * (LinearRegression, LogisticRegression, SoftmaxRegression) are presets of {@link Model}.
 */
import { getBackend } from '../backend';
import { memoryLimit, requireMemory, requireTrainerMemory, trainerBytes } from '../memory';
import { Initializer, initialParams } from './init';
import { Head } from './heads';
import { Chunk, ShuffleBuffer, StreamSource, chunksOf, isReiterable, isStreamSource } from '../data/stream';
import { ModelSnapshot, decodeModel, encodeModel, slotNames } from '../io/model-file';
import { writeFileAtomic } from '../io/safetensors';
import { slotInit } from '../backend/js/optimizers';
import { isPlateau as isPlateauSchedule, learningRateAt } from '../optim/optimizers';
import { optimizerFromCheckpoint, packageVersion, readFileChecked } from '../io/util';
import { ACTIVATIONS, ActivationName, BackendTrainer, Dtype, FloatArray, LOSSES, NativeSpec } from '../backend/types';
import { StandardScaler } from '../data/scale';
import { Matrix, arrayFor, requireRepresentable, takeRows, toMatrix, toVector } from '../data/matrix';
import { AbortError, DataSourceError, DescentError, DivergenceError, FormatError, OptionError, ShapeError, StateError } from '../errors';
import { LearningRate, OptimizerSpec, isOptimizerSpec, optimizerByName, sgd } from '../optim/optimizers';
import { BatchCallback, EarlyStopping, EpochCallback, History, isThenable, trainLoop } from '../train/fit';
import type { StreamFitOptions } from './stream-options';
import { STREAM_KEYS } from './stream-options';
import { Rng } from '../rng';
import { checkKeys, num, bool, oneOf, describe, isPlainObject } from '../validate';

export interface ModelOptions {
  /** Storage and arithmetic type. Default `'float32'`. */
  dtype?: Dtype;
  /** `'native'`, `'js'` or `'auto'` (default: `DESCENT_BACKEND`, else native when the addon loads). */
  backend?: 'native' | 'js' | 'auto';
  /** Fit a {@link StandardScaler} on the training features and apply it in `predict`. Default false. */
  standardize?: boolean;
  /**
   * Penalties on the weights (biases unpenalized unless `penalizeBias`): objective + `l1·Σ|w| + (l2/2)·Σw²`.
   * L2 is added to the gradient; L1 is a proximal soft-threshold after each step, so weights reach exact zeros.
   */
  regularization?: { l1?: number; l2?: number; penalizeBias?: boolean };
  /** Clip the global gradient L2 norm to this value (`torch.nn.utils.clip_grad_norm_`). Default off. */
  clipNorm?: number;
  /** Clamp every gradient element to `[−clipValue, clipValue]`. Default off. */
  clipValue?: number;
}

export interface FitOptions {
  /** Passes over the training set. Default 100. */
  epochs?: number;
  /** Rows per mini-batch: `n` is full-batch gradient descent, 1 is SGD. The last partial batch is averaged over its own size. Default 32. */
  batchSize?: number;
  /** Step size or schedule; shorthand for `optimizer: sgd({ learningRate })` unless `optimizer` is given. Default 0.01. */
  learningRate?: LearningRate;
  /** An optimizer from `sgd()`, `adam()`, … or its name. Default `sgd`. */
  optimizer?: OptimizerSpec | string;
  /** Reshuffle rows every epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Seeds initialization, shuffling and the validation split, identically on both backends. Default 0. */
  seed?: number;
  /** Overrides the model's dtype for this fit. */
  dtype?: Dtype;
  /** Overrides the model's backend for this fit. */
  backend?: 'native' | 'js' | 'auto';
  /** Called after each epoch; return `false` to stop. */
  onEpochEnd?: EpochCallback;
  /** Called for each batch (loss, learning rate, gradient norm), delivered after each chunk returns. */
  onBatchEnd?: BatchCallback;
  /** What a learning-rate schedule's step counts: optimizer updates (`'batch'`, default) or epochs (`'epoch'`). */
  stepUnit?: 'batch' | 'epoch';
  /** Fraction in (0, 1) of rows held out for validation: a seeded random subset, not the tail. */
  validationSplit?: number;
  /** Explicit validation data `[X, y]` (instead of `validationSplit`). */
  validationData?: [unknown, unknown];
  /**
   * Metrics computed on the training data after every epoch (validation data always gets all of them).
   * Regression: `mse`, `mae`, `r2`; classifiers: `accuracy`, `logLoss`, `precision`, `recall`, `f1` (macro).
   */
  metrics?: string[];
  /** Stop when the monitored value stops improving (Keras `EarlyStopping` semantics and defaults). */
  earlyStopping?: {
    /** `'valLoss'` (default with validation data, else `'loss'`), `'loss'`, or `'val_<metric>'` / `'train_<metric>'`. */
    monitor?: string;
    /** Epochs without improvement before stopping. Default 0. */
    patience?: number;
    /** Minimum change that counts as an improvement. Default 0. */
    minDelta?: number;
    /** `'min'`, `'max'` or `'auto'` (max for accuracy/precision/recall/f1/r2). Default `'auto'`. */
    mode?: 'min' | 'max' | 'auto';
    /** Put back the best epoch's weights when training ends (also when it ends without triggering). Default false. */
    restoreBestWeights?: boolean;
  };
  /** Per-row weights `[n]` (finite, ≥ 0): the batch loss is `Σ wᵢ·lossᵢ / rows`. */
  sampleWeight?: ArrayLike<number>;
  /** Classifiers: weight per class label, or `'balanced'` = `n / (k · count(c))` as scikit-learn. Multiplies `sampleWeight`. */
  classWeight?: 'balanced' | Record<number, number>;
  /** Stops training between chunks; `fit` then rejects with `AbortError` and the model keeps valid parameters. */
  signal?: AbortSignal;
  /** Mini-batches per backend call (default: a whole epoch). Smaller chunks make `signal` and `onBatchEnd` act sooner. */
  batchesPerChunk?: number;
  /**
   * Write a checkpoint (parameters, optimizer state, schedule state, RNG state, epoch and step) to `path` after
   * every `every` epochs (`'epoch'` = 1), atomically: a temporary file is written, fsynced and renamed.
   */
  checkpoint?: { path: string; every?: 'epoch' | number };
  /**
   * Continue the training saved in this checkpoint file: its parameters, optimizer state, scaler, RNG state, epoch
   * and step are restored and training runs epochs `epoch + 1 … epochs` (so `epochs` is the total, as Keras's
   * `initial_epoch`). The optimizer and schedule default to the checkpoint's; pass the same data and seed.
   */
  resumeFrom?: string;
}

export interface LayerDef {
  units: number;
  activation: ActivationName;
  activationParam?: number;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  dropout?: number;
}

let scaleHintShown = false;

/** A JSON copy of constructor options (what a saved model needs to rebuild itself). */
export function jsonClone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export const MODEL_KEYS = ['dtype', 'backend', 'standardize', 'regularization', 'clipNorm', 'clipValue'] as const;
const FIT_KEYS = [
  'epochs', 'batchSize', 'learningRate', 'optimizer', 'shuffle', 'seed', 'dtype', 'backend', 'onEpochEnd', 'onBatchEnd', 'stepUnit',
  'validationSplit', 'validationData', 'metrics', 'earlyStopping', 'sampleWeight', 'classWeight', 'signal', 'batchesPerChunk',
  'checkpoint', 'resumeFrom',
] as const;
const MAXIMIZED = ['accuracy', 'precision', 'recall', 'f1', 'r2'];


export abstract class Model {
  protected readonly options: Required<Pick<ModelOptions, 'dtype' | 'standardize' | 'clipNorm' | 'clipValue'>> & {
    backend: 'native' | 'js' | 'auto' | undefined;
    l1: number;
    l2: number;
    penalizeBias: boolean;
  };
  protected trainer: BackendTrainer | undefined;
  protected spec: NativeSpec | undefined;
  protected scaler: StandardScaler | undefined;
  protected nFeatures = 0;
  protected busy = false;
  /** Name of the backend the last fit ran on. */
  backendName: 'native' | 'js' | undefined;
  /** History of the last fit. */
  history: History | undefined;
  /** Names of the input columns (set by you or by the CLI from a CSV header); saved with the model. */
  featureNames: string[] | undefined;
  /** JSON constructor arguments that rebuild this model (set by each public class; used by save/load). */
  protected ctorArgs: unknown[] = [];
  /** What the last fit used, for checkpoints. */
  private lastFit: { optimizer: OptimizerSpec; epoch: number; step: number; training: Record<string, unknown> } | undefined;

  /** What the last layer means: targets, predictions, loss and metrics. */
  protected readonly head: Head;

  /** Hidden layers in front of the output layer (none for the linear presets; set by the MLP presets). */
  protected hiddenDefs: LayerDef[] = [];
  protected hidden(): LayerDef[] {
    return this.hiddenDefs;
  }
  /** The output layer (linear: the loss head takes logits), initialized like the hidden layers. */
  protected outputLayer(outputs: number): LayerDef {
    return { units: outputs, activation: 'linear', kernelInitializer: this.hiddenDefs[0]?.kernelInitializer };
  }
  /** Every layer, input to output. */
  protected layerDefs(outputs: number): LayerDef[] {
    return [...this.hidden(), this.outputLayer(outputs)];
  }
  /** Output units fixed by the architecture (Sequential's last layer), or undefined to size it from the labels. */
  /** The option that sizes the parameters, named by a MemoryLimitError when they do not fit. */
  protected paramsOption(): string {
    return this.hiddenDefs.length > 0 ? 'hiddenLayers' : 'X';
  }
  protected fixedOutputs(): number | undefined {
    return undefined;
  }

  protected constructor(head: Head, options: ModelOptions = {}, extraKeys: readonly string[] = []) {
    this.head = head;
    const o = checkKeys('options', options, [...MODEL_KEYS, ...extraKeys]);
    const reg = checkKeys('options.regularization', o.regularization, ['l1', 'l2', 'penalizeBias']);
    this.options = {
      dtype: oneOf('options.dtype', o.dtype, ['float32', 'float64'] as const, 'float32'),
      backend: o.backend === undefined ? undefined : oneOf('options.backend', o.backend, ['native', 'js', 'auto'] as const),
      standardize: bool('options.standardize', o.standardize, false),
      l1: num('regularization.l1', reg.l1, { min: 0 }, 0),
      l2: num('regularization.l2', reg.l2, { min: 0 }, 0),
      penalizeBias: bool('regularization.penalizeBias', reg.penalizeBias, false),
      clipNorm: num('options.clipNorm', o.clipNorm, { gt: 0 }, 0),
      clipValue: num('options.clipValue', o.clipValue, { gt: 0 }, 0),
    };
  }

  /**
   * Trains from scratch on `X` `[n, d]` (nested arrays or a Matrix) and targets `y` `[n]`. Resolves to the
   * {@link History}. Throws `ShapeError` for bad data, `OptionError` for bad options, `DivergenceError` when the
   * loss, a gradient or a parameter becomes NaN/Inf (naming epoch and batch; the model keeps finite parameters),
   * `StateError` if called while a fit on this model is running.
   */
  async fit(X: unknown, y?: unknown, options: FitOptions = {}): Promise<History> {
    if (this.busy) throw new StateError('fit() called while a previous fit() on this model is still running; await it first', 'fit');
    if (isStreamSource(X)) {
      if (y !== undefined && !isPlainObject(y))
        throw new ShapeError(`A ${typeof X === 'string' ? 'string X is read as a CSV file path' : 'streaming source X carries its own targets'}, so the second argument must be the options, but received ${describe(y)}`, 'y');
      return this.fitStream(X, (y ?? {}) as StreamFitOptions);
    }
    this.pf = undefined;
    const o = checkKeys('options', options, FIT_KEYS);
    const epochs = num('epochs', o.epochs, { integer: true, min: 1 }, 100);
    const batchSize = num('batchSize', o.batchSize, { integer: true, min: 1 }, 32);
    const shuffle = bool('shuffle', o.shuffle, true);
    const stepUnit = oneOf('stepUnit', o.stepUnit, ['batch', 'epoch'] as const, 'batch');
    const seed = num('seed', o.seed, { integer: true, min: 0, max: 4294967295 }, 0);
    const dtype = oneOf('dtype', o.dtype, ['float32', 'float64'] as const, this.options.dtype);
    const backendName = o.backend === undefined ? this.options.backend : oneOf('backend', o.backend, ['native', 'js', 'auto'] as const);
    for (const cb of ['onEpochEnd', 'onBatchEnd'] as const) {
      if (o[cb] !== undefined && typeof o[cb] !== 'function') throw new OptionError(`Expected a function for ${cb} but received ${describe(o[cb])}`, cb);
    }
    const batchesPerChunk = num('batchesPerChunk', o.batchesPerChunk, { integer: true, min: 1 }, Number.MAX_SAFE_INTEGER);
    const signal = o.signal as AbortSignal | undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new OptionError(`Expected an AbortSignal for signal but received ${describe(signal)}`, 'signal');
    let resume: ModelSnapshot | undefined;
    if (o.resumeFrom !== undefined) {
      if (typeof o.resumeFrom !== 'string') throw new OptionError(`Expected a file path for resumeFrom but received ${describe(o.resumeFrom)}`, 'resumeFrom');
      try {
        resume = decodeModel(readFileChecked(o.resumeFrom, 'resumeFrom'));
      } catch (e) {
        if (e instanceof FormatError) throw new FormatError(`resumeFrom ${o.resumeFrom}: ${e.message}`, 'resumeFrom', { cause: e });
        throw e;
      }
      if (!resume.checkpoint) throw new OptionError(`${o.resumeFrom} holds a model without training state; save it with { checkpoint: true } (or fit's checkpoint option) to resume`, 'resumeFrom');
      if (resume.className !== this.constructor.name) throw new OptionError(`${o.resumeFrom} holds a ${resume.className}, not a ${this.constructor.name}`, 'resumeFrom');
    }
    let optimizer: OptimizerSpec;
    if (o.optimizer === undefined && o.learningRate === undefined && resume) {
      optimizer = optimizerFromCheckpoint(resume.checkpoint!.optimizer);
    } else if (o.optimizer === undefined) {
      const lr = o.learningRate === undefined ? 0.01 : typeof o.learningRate === 'number' ? num('learningRate', o.learningRate, { gt: 0 }) : o.learningRate;
      optimizer = sgd({ learningRate: lr as LearningRate });
    } else {
      if (o.learningRate !== undefined) throw new OptionError('Pass learningRate inside the optimizer (e.g. adam({ learningRate })) when optimizer is given', 'learningRate');
      const chosen: unknown = typeof o.optimizer === 'string' ? optimizerByName(o.optimizer) : o.optimizer;
      if (!isOptimizerSpec(chosen)) throw new OptionError(`Expected an optimizer from sgd(), adam(), … or a name for optimizer but received ${describe(o.optimizer)}`, 'optimizer');
      optimizer = chosen;
    }
    const metricNames = o.metrics === undefined ? [] : (o.metrics as unknown[]).map((m, i) => oneOf(`metrics[${i}]`, m, this.head.metricNames as string[]));
    if (o.metrics !== undefined && !Array.isArray(o.metrics)) throw new OptionError(`Expected an array of metric names for metrics but received ${describe(o.metrics)}`, 'metrics');

    let Xall = toMatrix(X, 'X', dtype);
    let yAll = toVector(y, 'y', Xall.rows);
    let wAll: Float64Array | null = null;
    if (o.sampleWeight !== undefined) {
      wAll = toVector(o.sampleWeight, 'sampleWeight', Xall.rows);
      wAll.forEach((w, i) => {
        if (w < 0) throw new ShapeError(`Expected sample weights >= 0 but sampleWeight[${i}] is ${w}`, `sampleWeight[${i}]`);
      });
      if (!wAll.some((w) => w > 0)) throw new ShapeError('Every sample weight is 0: training would ignore every row', 'sampleWeight');
    }
    // Validation data: explicit, or a seeded random holdout (its own generator, so the split does not shift the init stream).
    let Xval: Matrix | undefined, yVal: Float64Array | undefined;
    if (o.validationData !== undefined) {
      if (o.validationSplit !== undefined) throw new OptionError('Give validationSplit or validationData, not both', 'validationData');
      if (!Array.isArray(o.validationData) || o.validationData.length !== 2) throw new OptionError(`Expected [X, y] for validationData but received ${describe(o.validationData)}`, 'validationData');
      Xval = toMatrix(o.validationData[0], 'validationData[0]', dtype, Xall.cols);
      yVal = toVector(o.validationData[1], 'validationData[1]', Xval.rows);
    } else if (o.validationSplit !== undefined) {
      const frac = num('validationSplit', o.validationSplit, { gt: 0, lt: 1 });
      const nVal = Math.round(Xall.rows * frac);
      if (nVal < 1 || nVal >= Xall.rows) throw new OptionError(`validationSplit ${frac} of ${Xall.rows} rows leaves an empty training or validation set`, 'validationSplit');
      const perm = Uint32Array.from({ length: Xall.rows }, (_, i) => i);
      new Rng((seed ^ 0x9e3779b9) >>> 0).shuffle(perm);
      const valIdx = perm.subarray(0, nVal).sort();
      const trainIdx = perm.subarray(nVal).sort();
      Xval = takeRows(Xall, valIdx);
      yVal = Float64Array.from(valIdx, (i) => yAll[i]!);
      Xall = takeRows(Xall, trainIdx);
      if (wAll) wAll = Float64Array.from(trainIdx, (i) => wAll![i]!);
      yAll = Float64Array.from(trainIdx, (i) => yAll[i]!);
    }
    const outputs = this.head.prepare(yAll, this.fixedOutputs());
    const targets = { Y: yAll, outputs };
    if (yVal) this.head.check(yVal, 'validationData[1]');
    if (o.classWeight !== undefined) {
      if (!this.head.isClassifier) throw new OptionError('classWeight applies to classifiers only', 'classWeight');
      const cw = this.classWeights(yAll, targets.outputs, o.classWeight);
      wAll ??= new Float64Array(yAll.length).fill(1);
      for (let i = 0; i < yAll.length; i++) wAll[i]! *= cw[yAll[i]!]!;
    }
    const Y = arrayFor(dtype, targets.Y.length);
    Y.set(targets.Y);
    requireRepresentable(Y, targets.Y, 'y', dtype);
    let W: FloatArray | null = null;
    if (wAll) {
      W = arrayFor(dtype, wAll.length);
      W.set(wAll);
    }
    let Xm = Xall;
    if (resume && !!resume.scaler !== this.options.standardize)
      throw new OptionError(`${o.resumeFrom} was trained ${resume.scaler ? 'with' : 'without'} standardize; create the model with { standardize: ${!!resume.scaler} } to resume it`, 'resumeFrom');
    // Nothing of the model changes until its new trainer exists: a fit that fails during setup leaves the
    // previous fit's weights and scaler in place.
    let scaler: StandardScaler | undefined;
    if (this.options.standardize) {
      scaler = new StandardScaler();
      if (resume?.scaler) {
        scaler.mean = resume.scaler.mean;
        scaler.std = resume.scaler.std;
        Xm = scaler.transform(Xall, dtype);
      } else {
        Xm = scaler.fitTransform(Xall, dtype);
      }
      if (Xval) Xval = scaler.transform(Xval, dtype);
    } else {
      this.scaleHint(Xm);
    }
    const es = this.earlyStopping(o.earlyStopping, Xval !== undefined);
    // A train_ metric monitored by early stopping is computed even if not listed in metrics.
    if (es?.monitor.startsWith('train_') && !metricNames.includes(es.monitor.slice(6))) metricNames.push(es.monitor.slice(6));
    let checkpointPath: string | undefined, checkpointEvery = 1;
    if (o.checkpoint !== undefined) {
      const c = checkKeys('checkpoint', o.checkpoint, ['path', 'every']);
      if (typeof c.path !== 'string' || c.path === '') throw new OptionError(`Expected a file path for checkpoint.path but received ${describe(c.path)}`, 'checkpoint.path');
      checkpointPath = c.path;
      checkpointEvery = c.every === undefined || c.every === 'epoch' ? 1 : num('checkpoint.every', c.every, { integer: true, min: 1 });
    }
    const n = Xm.rows;
    const spec = this.buildSpec(Xm.cols, targets.outputs, dtype, optimizer, Math.min(batchSize, n));
    const backend = getBackend(backendName);
    requireTrainerMemory(spec, this.paramsOption(), this.head.loss === 'softmaxCrossEntropy' && this.fixedOutputs() === undefined ? 'y' : undefined);
    if (resume) {
      const same = JSON.stringify(resume.spec.layers) === JSON.stringify(spec.layers) && resume.spec.loss === spec.loss && resume.spec.float64 === spec.float64;
      if (!same) throw new OptionError(`${o.resumeFrom} was trained with a different architecture, loss or dtype than this model and data`, 'resumeFrom');
      if (JSON.stringify(resume.spec.optimizer) !== JSON.stringify(spec.optimizer)) throw new OptionError(`${o.resumeFrom} was trained with a different optimizer (${resume.checkpoint!.optimizer.name} ${JSON.stringify(resume.checkpoint!.optimizer.options)})`, 'resumeFrom');
    }
    const lrSpec = optimizer.learningRate as unknown;
    if (checkpointPath !== undefined && typeof lrSpec === 'object' && lrSpec !== null && typeof (lrSpec as { toJSON?: unknown }).toJSON !== 'function')
      throw new OptionError('checkpoint needs a schedule that can be saved (a built-in one, or one with toJSON())', 'checkpoint');
    if (signal?.aborted) throw new AbortError('fit() was aborted before it started; the model keeps its previous parameters', { cause: signal.reason });
    if (isPlateauSchedule(optimizer.learningRate) && !resume) optimizer.learningRate.reset?.();
    this.trainer?.dispose();
    this.trainer = backend.createTrainer(spec);
    this.scaler = scaler;
    this.spec = spec;
    this.nFeatures = Xm.cols;
    this.backendName = backend.name;
    // initialize() resets optimizer state; the weights and the generator position come from lib/models/init.ts.
    this.trainer.initialize(seed);
    let startEpoch = 1, startStep = 0;
    if (resume) {
      const ck = resume.checkpoint!;
      this.trainer.setParams(resume.params);
      ck.slots.forEach((v, i) => this.trainer!.setSlot(i, v));
      this.trainer.setState({ step: ck.step, muProduct: ck.muProduct, rng: ck.rng });
      if (ck.plateau !== undefined && isPlateauSchedule(optimizer.learningRate)) optimizer.learningRate.setState(ck.plateau as never);
      startEpoch = ck.epoch + 1;
      startStep = ck.step;
    } else {
      const init = initialParams(spec, this.layerDefs(targets.outputs).map((d) => d.kernelInitializer ?? 'torchDefault'), seed);
      this.trainer.setParams(init.params);
      this.trainer.setState({ step: 0, muProduct: 1, rng: init.rng });
    }
    this.lastFit = { optimizer, epoch: startEpoch - 1, step: startStep, training: { epochs, batchSize, shuffle, seed, stepUnit, dtype, optimizer: { name: optimizer.name, options: optimizer.options } } };
    const trainer = this.trainer;
    const outputsOf = (m: Matrix) => {
      const out = arrayFor(dtype, m.rows * targets.outputs);
      trainer.predict(m.data, m.rows, out);
      return { data: out, rows: m.rows, cols: targets.outputs };
    };
    // Outputs that overflow the dtype make every metric NaN (visible in history and to early stopping) instead of
    // an accuracy computed from NaN logits.
    const metricsOf = (m: Matrix, y: Float64Array): Record<string, number> => {
      const out = outputsOf(m);
      if (out.data.every(Number.isFinite)) return this.head.metrics(out, y);
      return Object.fromEntries(['loss', ...this.head.metricNames].map((k) => [k, NaN]));
    };
    const evaluate = Xval || metricNames.length
      ? () => {
          const validation = Xval ? metricsOf(Xval, yVal!) : {};
          const train: Record<string, number> = {};
          if (metricNames.length) {
            const all = metricsOf(Xm, yAll);
            for (const k of metricNames) train[k] = all[k]!;
          }
          return { train, validation };
        }
      : undefined;
    this.busy = true;
    try {
      this.history = await trainLoop(trainer, Xm.data, Y, n, {
        epochs, batchSize, shuffle, stepUnit, batchesPerChunk, weights: W, signal, earlyStopping: es, evaluate,
        learningRate: optimizer.learningRate, startEpoch, startStep,
        onEpochDone: (epoch, step) => {
          this.lastFit!.epoch = epoch;
          this.lastFit!.step = step;
          if (checkpointPath && (epoch % checkpointEvery === 0 || epoch === epochs)) writeFileAtomic(checkpointPath, this.toBuffer({ checkpoint: true }));
        },
        onEpochEnd: o.onEpochEnd as EpochCallback | undefined,
        onBatchEnd: o.onBatchEnd as BatchCallback | undefined,
      });
      return this.history;
    } finally {
      this.busy = false;
    }
  }

  private classWeights(y: Float64Array, k: number, spec: unknown): Float64Array {
    const w = new Float64Array(Math.max(k, 2)).fill(1);
    if (spec === 'balanced') {
      // scikit-learn compute_class_weight('balanced'): n_samples / (n_classes · bincount(y)), over classes present.
      const counts = new Float64Array(w.length);
      for (const v of y) counts[v]!++;
      const present = counts.filter((c) => c > 0).length;
      counts.forEach((c, i) => (w[i] = c > 0 ? y.length / (present * c) : 1));
    } else if (isPlainObject(spec)) {
      for (const [key, v] of Object.entries(spec)) {
        const label = Number(key);
        if (!(Number.isInteger(label) && label >= 0 && label < w.length)) throw new OptionError(`Expected class labels in [0, ${w.length - 1}] as classWeight keys but received ${JSON.stringify(key)}`, `classWeight.${key}`);
        w[label] = num(`classWeight.${key}`, v, { min: 0 });
      }
    } else {
      throw new OptionError(`Expected 'balanced' or a { label: weight } map for classWeight but received ${describe(spec)}`, 'classWeight');
    }
    return w;
  }

  private earlyStopping(spec: unknown, hasValidation: boolean): EarlyStopping | undefined {
    if (spec === undefined) return undefined;
    const e = checkKeys('earlyStopping', spec, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights']);
    const names = ['loss', 'valLoss', ...this.head.metricNames.flatMap((m) => [`val_${m}`, `train_${m}`])];
    const monitor = oneOf('earlyStopping.monitor', e.monitor, names, hasValidation ? 'valLoss' : 'loss');
    if ((monitor === 'valLoss' || monitor.startsWith('val_')) && !hasValidation)
      throw new OptionError(`earlyStopping.monitor ${JSON.stringify(monitor)} needs validationSplit or validationData`, 'earlyStopping.monitor');
    const mode = oneOf('earlyStopping.mode', e.mode, ['min', 'max', 'auto'] as const, 'auto');
    return {
      monitor,
      patience: num('earlyStopping.patience', e.patience, { integer: true, min: 0 }, 0),
      minDelta: num('earlyStopping.minDelta', e.minDelta, { min: 0 }, 0),
      mode: mode === 'auto' ? (MAXIMIZED.some((m) => monitor.endsWith(m)) ? 'max' : 'min') : mode,
      restoreBestWeights: bool('earlyStopping.restoreBestWeights', e.restoreBestWeights, false),
    };
  }

  /** One warning per process when feature scales differ wildly and no scaler is used (a common cause of divergence). */
  private scaleHint(X: Matrix): void {
    if (scaleHintShown || X.rows < 2) return;
    // A hint needs no precision: look at ≤ 10 000 evenly spaced rows.
    const sample = X.rows <= 10000 ? X : takeRows(X, Array.from({ length: 10000 }, (_, i) => Math.floor((i * X.rows) / 10000)));
    const std = Array.from(new StandardScaler().fit(sample).std!).filter((v) => v > 1e-12).sort((a, b) => a - b);
    if (std.length < 2) return;
    const ratio = std.at(-1)! / std[Math.floor(std.length / 2)]!;
    if (ratio > 100) {
      scaleHintShown = true;
      process.emitWarning(`descent: one feature's standard deviation is ${ratio.toFixed(0)}× the median column's; consider { standardize: true } (gradient descent converges slowly or diverges on unscaled data)`, 'DescentWarning');
    }
  }

  /** State kept between partialFit calls (and by streaming fits). */
  private pf: { optimizer: OptimizerSpec; step: number; batchSize: number; dtype: Dtype; scaler: 'incremental' | 'frozen' } | undefined;

  /** Creates and initializes a trainer for `inputs → outputs` (shared by partialFit and streaming fits). */
  private setupTrainer(inputs: number, outputs: number, dtype: Dtype, optimizer: OptimizerSpec, batchSize: number, seed: number, backend: 'native' | 'js' | 'auto' | undefined): BackendTrainer {
    const spec = this.buildSpec(inputs, outputs, dtype, optimizer, batchSize);
    const b = getBackend(backend);
    requireTrainerMemory(spec, this.paramsOption(), this.head.loss === 'softmaxCrossEntropy' && this.fixedOutputs() === undefined ? 'y' : undefined);
    this.trainer?.dispose();
    this.trainer = b.createTrainer(spec);
    this.spec = spec;
    this.nFeatures = inputs;
    this.backendName = b.name;
    this.trainer.initialize(seed);
    const init = initialParams(spec, this.layerDefs(outputs).map((d) => d.kernelInitializer ?? 'torchDefault'), seed);
    this.trainer.setParams(init.params);
    this.trainer.setState({ step: 0, muProduct: 1, rng: init.rng });
    return this.trainer;
  }

  private optimizerOf(o: { optimizer?: unknown; learningRate?: unknown }): OptimizerSpec {
    if (o.optimizer === undefined) {
      const lr = o.learningRate === undefined ? 0.01 : typeof o.learningRate === 'number' ? num('learningRate', o.learningRate, { gt: 0 }) : o.learningRate;
      return sgd({ learningRate: lr as LearningRate });
    }
    if (o.learningRate !== undefined) throw new OptionError('Pass learningRate inside the optimizer (e.g. adam({ learningRate })) when optimizer is given', 'learningRate');
    const chosen: unknown = typeof o.optimizer === 'string' ? optimizerByName(o.optimizer) : o.optimizer;
    if (!isOptimizerSpec(chosen)) throw new OptionError(`Expected an optimizer from sgd(), adam(), … or a name for optimizer but received ${describe(o.optimizer)}`, 'optimizer');
    return chosen;
  }

  /**
   * One pass of mini-batch updates over `X` `[n, d]` / `y` `[n]`, continuing the optimizer state, schedule step
   * and scaler statistics of earlier calls (scikit-learn's `partial_fit`). The first call fixes the architecture:
   * it may declare `classes` (number of classes) for classifiers, and takes `optimizer`/`learningRate`, `seed`,
   * `batchSize` and `dtype`; later calls may change only `shuffle` and `batchSize`. With `standardize`, the scaler
   * is updated with each chunk (`scaler: 'incremental'`, default) or fitted on the first chunk and then kept
   * (`'frozen'`). Rows are used in order unless `shuffle: true`. `fit()` starts over. After `fit()`, partialFit
   * continues that training (weights, optimizer state, schedule step; scaler frozen unless `scaler: 'incremental'`)
   * and refuses a different column count; on a loaded model it throws `StateError` (use `fit`'s `resumeFrom`).
   */
  async partialFit(X: unknown, y: unknown, options: { batchSize?: number; optimizer?: OptimizerSpec | string; learningRate?: LearningRate; seed?: number; classes?: number; shuffle?: boolean; dtype?: Dtype; backend?: 'native' | 'js' | 'auto'; scaler?: 'incremental' | 'frozen' } = {}): Promise<History> {
    if (this.busy) throw new StateError('partialFit() called while a fit on this model is still running; await it first', 'partialFit');
    const o = checkKeys('options', options, ['batchSize', 'optimizer', 'learningRate', 'seed', 'classes', 'shuffle', 'dtype', 'backend', 'scaler']);
    // After fit() (or a streaming fit), partialFit continues from the fitted weights, optimizer state and step,
    // as scikit-learn's partial_fit does after fit; the scaler is kept as fitted unless scaler: 'incremental'.
    const continuing = this.pf === undefined && this.trainer !== undefined;
    if (continuing) {
      if (!this.lastFit) throw new StateError('partialFit() on a loaded model would discard its weights: continue a checkpoint with fit(X, y, { resumeFrom }), or call fit() to start over', 'partialFit');
      for (const k of ['optimizer', 'learningRate', 'seed', 'classes', 'dtype'] as const) {
        if (o[k] !== undefined) throw new OptionError(`${k} is fixed by the fit() that trained this model; partialFit continues it (call fit() to start over)`, k);
      }
      const trained = this.lastFit.training.batchSize;
      this.pf = {
        optimizer: this.lastFit.optimizer, step: this.lastFit.step, batchSize: typeof trained === 'number' ? trained : 32,
        dtype: this.spec!.float64 ? 'float64' : 'float32', scaler: oneOf('scaler', o.scaler, ['incremental', 'frozen'] as const, 'frozen'),
      };
    }
    const first = this.pf === undefined;
    if (!first && (o.optimizer !== undefined || o.learningRate !== undefined || o.seed !== undefined || o.classes !== undefined || o.dtype !== undefined))
      throw new OptionError('optimizer, learningRate, seed, classes and dtype are fixed by the first partialFit call', 'options');
    const dtype = first ? oneOf('dtype', o.dtype, ['float32', 'float64'] as const, this.options.dtype) : this.pf!.dtype;
    const batchSize = num('batchSize', o.batchSize, { integer: true, min: 1 }, first ? 32 : this.pf!.batchSize);
    const shuffle = bool('shuffle', o.shuffle, false);
    let Xm = toMatrix(X, 'X', dtype, first ? undefined : this.nFeatures);
    const yv = toVector(y, 'y', Xm.rows);
    if (first) {
      const classes = o.classes === undefined ? undefined : num('classes', o.classes, { integer: true, min: 2, max: 1 << 24 });
      const optimizer = this.optimizerOf(o);
      const outputs = this.head.prepare(classes !== undefined ? Float64Array.of(classes - 1) : yv, this.fixedOutputs());
      this.head.check(yv, 'y');
      const scaler = oneOf('scaler', o.scaler, ['incremental', 'frozen'] as const, 'incremental');
      this.scaler = this.options.standardize ? new StandardScaler() : undefined;
      this.setupTrainer(Xm.cols, outputs, dtype, optimizer, Math.max(batchSize, 256), num('seed', o.seed, { integer: true, min: 0, max: 4294967295 }, 0), o.backend === undefined ? this.options.backend : oneOf('backend', o.backend, ['native', 'js', 'auto'] as const));
      this.pf = { optimizer, step: 0, batchSize, dtype, scaler };
      this.lastFit = { optimizer, epoch: 0, step: 0, training: { partialFit: true, batchSize, dtype, optimizer: { name: optimizer.name, options: optimizer.options } } };
    } else {
      this.head.check(yv, 'y');
      if (o.scaler !== undefined && !continuing) throw new OptionError('scaler is fixed by the first partialFit call', 'scaler');
    }
    const pf = this.pf!;
    if (batchSize > this.spec!.maxBatch) throw new OptionError(`batchSize ${batchSize} exceeds the ${this.spec!.maxBatch} rows the first partialFit call sized the workspace for`, 'batchSize');
    if (this.scaler) {
      if (first || pf.scaler === 'incremental') this.scaler.partialFit(Xm);
      Xm = this.scaler.transform(Xm, dtype);
    }
    const Y = arrayFor(dtype, yv.length);
    Y.set(yv);
    requireRepresentable(Y, yv, 'y', dtype);
    this.busy = true;
    try {
      const h = await trainLoop(this.trainer!, Xm.data, Y, Xm.rows, {
        epochs: 1, batchSize, shuffle, stepUnit: 'batch', batchesPerChunk: Number.MAX_SAFE_INTEGER, weights: null,
        learningRate: pf.optimizer.learningRate, startStep: pf.step,
      });
      pf.step += h.learningRates.length;
      this.lastFit!.step = pf.step;
      this.lastFit!.epoch += 1;
      this.history = h;
      return h;
    } finally {
      this.busy = false;
    }
  }

  /** fit() on a streaming source (see {@link StreamFitOptions}). */
  private async fitStream(source: StreamSource, options: StreamFitOptions): Promise<History> {
    checkKeys('options', options, STREAM_KEYS);
    const o = options;
    const epochs = num('epochs', o.epochs, { integer: true, min: 1 }, 1);
    if (epochs > 1 && !isReiterable(source)) throw new OptionError('A one-shot stream can be read once: use epochs: 1, or pass a file path or a function returning a fresh iterable', 'epochs');
    const batchSize = num('batchSize', o.batchSize, { integer: true, min: 1 }, 32);
    const seed = num('seed', o.seed, { integer: true, min: 0, max: 4294967295 }, 0);
    const dtype = oneOf('dtype', o.dtype, ['float32', 'float64'] as const, this.options.dtype);
    const shuffleBuffer = num('shuffleBuffer', o.shuffleBuffer, { integer: true, min: 0, max: 1 << 26 }, 0);
    const chunkRows = num('chunkRows', o.chunkRows, { integer: true, min: 1, max: 1 << 24 }, 8192);
    const classes = o.classes === undefined ? undefined : num('classes', o.classes, { integer: true, min: 2, max: 1 << 24 });
    if (o.features !== undefined && !(Array.isArray(o.features) && o.features.every((f) => typeof f === 'string'))) throw new OptionError(`Expected an array of column names for features but received ${describe(o.features)}`, 'features');
    if (o.target !== undefined && typeof o.target !== 'string') throw new OptionError(`Expected a column name for target but received ${describe(o.target)}`, 'target');
    const optimizer = this.optimizerOf(o);
    if (isPlateauSchedule(optimizer.learningRate)) optimizer.learningRate.reset?.();
    const signal = o.signal as AbortSignal | undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new OptionError(`Expected an AbortSignal for signal but received ${describe(signal)}`, 'signal');
    const backendName = o.backend === undefined ? this.options.backend : oneOf('backend', o.backend, ['native', 'js', 'auto'] as const);
    this.pf = undefined;
    this.scaler = this.options.standardize ? new StandardScaler() : undefined;
    const stageRows = batchSize * 64;
    for (const cb of ['onEpochEnd', 'onBatchEnd'] as const) {
      if (o[cb] !== undefined && typeof o[cb] !== 'function') throw new OptionError(`Expected a function for ${cb} but received ${describe(o[cb])}`, cb);
    }
    const t0 = process.hrtime.bigint();
    const history: History = { epoch: [], loss: [], valLoss: [], metrics: { train: {}, validation: {} }, learningRates: [], seconds: 0, stoppedEarly: false, bestEpoch: 0, throughput: [] };
    let trainer: BackendTrainer | undefined, stageX: FloatArray | undefined, stageY: FloatArray | undefined, cols = 0;
    let step = 0;
    const rng = new Rng((seed ^ 0x5bd1e995) >>> 0);
    this.busy = true;
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        let staged = 0, lossSum = 0, rowsSeen = 0, waitNs = 0n;
        const epochStart = process.hrtime.bigint();
        let buffer: ShuffleBuffer | undefined;
        const flush = async (rows: number) => {
          if (rows === 0) return;
          const nb = Math.ceil(rows / batchSize);
          const lrs = new Float64Array(nb), losses = new Float64Array(nb), norms = new Float64Array(nb);
          for (let b = 0; b < nb; b++) lrs[b] = learningRateAt(optimizer.learningRate, step + b);
          trainer!.setData(stageX!.subarray(0, rows * cols), stageY!.subarray(0, rows), rows);
          const res = await trainer!.runBatches(false, batchSize, 0, nb, lrs, losses, o.onBatchEnd ? norms : null);
          if (res.status === 1) throw new DivergenceError(epoch, res.batch, losses[Math.max(0, res.batch - 1)]!, res.what);
          if (res.status === 2) throw new ShapeError(`Invalid training data at epoch ${epoch}: ${res.what}`, 'y');
          if (res.status === 3) throw new AbortError('fit() was cancelled because its environment is shutting down');
          for (let b = 0; b < nb; b++) {
            const r = b === nb - 1 ? rows - b * batchSize : batchSize;
            lossSum += losses[b]! * r;
            history.learningRates.push(lrs[b]!);
            const ret: unknown = o.onBatchEnd?.({ epoch, batch: step + b, loss: losses[b]!, learningRate: lrs[b]!, gradNorm: norms[b]! });
            if (isThenable(ret)) await ret;
          }
          step += nb;
          rowsSeen += rows;
          if (signal?.aborted) throw new AbortError('fit() was aborted; the model keeps the parameters of the last completed chunk', { cause: signal.reason });
        };
        const add = (x: FloatArray, yv: number) => {
          stageX!.set(x, staged * cols);
          stageY![staged] = yv;
          if (!Number.isFinite(stageY![staged]!)) throw new ShapeError(`A target y = ${yv} at row ${rowsSeen + staged} of the stream overflows float32; use dtype 'float64'`, 'y');
          staged++;
        };
        // Backpressure: a full staging area is trained before another row is read from the source.
        const flushIfFull = async () => {
          if (staged === stageRows) {
            await flush(staged);
            staged = 0;
          }
        };
        const it = chunksOf(source, { target: o.target, features: o.features, dtype, chunkRows })[Symbol.asyncIterator]();
        // A source that stalls must not make the signal useless: the wait for the next chunk races the abort.
        const aborted = () => new AbortError('fit() was aborted while waiting for the data source; the model keeps the parameters of the last completed chunk', { cause: signal!.reason });
        const nextChunk = (): Promise<IteratorResult<Chunk>> => {
          if (!signal) return it.next();
          if (signal.aborted) return Promise.reject(aborted());
          return new Promise((resolve, reject) => {
            const onAbort = () => {
              reject(aborted());
              void Promise.resolve(it.return?.(undefined)).catch(() => {});
            };
            signal.addEventListener('abort', onAbort, { once: true });
            it.next().then(
              (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
              (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
            );
          });
        };
        for (;;) {
          const w0 = process.hrtime.bigint();
          let next: IteratorResult<Chunk>;
          try {
            next = await nextChunk();
          } catch (e) {
            if (e instanceof DescentError) throw e;
            throw new DataSourceError(`The data source failed at epoch ${epoch} after ${rowsSeen + staged} rows: ${(e as Error)?.message ?? e}`, { cause: e });
          }
          waitNs += process.hrtime.bigint() - w0;
          if (next.done) break;
          const chunk = next.value;
          if (!trainer) {
            cols = chunk.X.cols;
            const outputs = this.head.prepare(classes !== undefined ? Float64Array.of(classes - 1) : chunk.y, this.fixedOutputs());
            if (this.head.isClassifier && classes === undefined && this.head.loss === 'softmaxCrossEntropy' && this.fixedOutputs() === undefined)
              throw new OptionError('Streaming a softmax classifier needs options.classes (the number of classes), since later chunks may hold new labels', 'classes');
            trainer = this.setupTrainer(cols, outputs, dtype, optimizer, Math.max(batchSize, 256), seed, backendName);
            if (chunk.featureNames) this.featureNames = chunk.featureNames;
            requireMemory(stageRows * (cols + 1) * (dtype === 'float64' ? 8 : 4), 'batchSize', `The streaming staging area (64 batches of ${batchSize} rows × ${cols} columns)`);
            stageX = arrayFor(dtype, stageRows * cols);
            stageY = arrayFor(dtype, stageRows);
            this.lastFit = { optimizer, epoch: 0, step: 0, training: { stream: true, epochs, batchSize, seed, shuffleBuffer, dtype, optimizer: { name: optimizer.name, options: optimizer.options } } };
          } else if (chunk.X.cols !== cols) {
            throw new ShapeError(`Expected ${cols} features in every chunk but a chunk has ${chunk.X.cols}`, 'source');
          }
          this.head.check(chunk.y, 'y');
          let X = chunk.X;
          if (this.scaler) {
            if (epoch === 1) this.scaler.partialFit(X);
            X = this.scaler.transform(X, dtype);
          }
          if (shuffleBuffer > 0) {
            buffer ??= new ShuffleBuffer(shuffleBuffer, cols, dtype, rng);
            for (let i = 0; i < X.rows; i++) {
              buffer.push(X.data, chunk.y, i, add);
              if (staged === stageRows) await flushIfFull();
            }
          } else {
            // In source order: copy runs of rows into the staging area in bulk.
            for (let i = 0; i < X.rows; ) {
              const take = Math.min(stageRows - staged, X.rows - i);
              stageX!.set(X.data.subarray(i * cols, (i + take) * cols), staged * cols);
              for (let k = 0; k < take; k++) {
                stageY![staged + k] = chunk.y[i + k]!;
                if (!Number.isFinite(stageY![staged + k]!)) throw new ShapeError(`A target y = ${chunk.y[i + k]} at row ${rowsSeen + staged + k} of the stream overflows float32; use dtype 'float64'`, 'y');
              }
              staged += take;
              i += take;
              if (staged === stageRows) await flushIfFull();
            }
          }
        }
        while (buffer?.drainOne(add)) if (staged === stageRows) await flushIfFull();
        await flush(staged);
        staged = 0;
        if (!trainer) throw new ShapeError('The data source yielded no rows', 'source');
        if (rowsSeen === 0) throw new DataSourceError(`The data source yielded no rows in epoch ${epoch} (it did in epoch 1)`);
        const seconds = Number(process.hrtime.bigint() - epochStart) / 1e9;
        const loss = lossSum / rowsSeen;
        // As in-memory fit without validation data: a plateau schedule sees the epoch's training loss.
        if (isPlateauSchedule(optimizer.learningRate)) optimizer.learningRate.report(loss);
        history.epoch.push(epoch);
        history.loss.push(loss);
        history.throughput!.push({ rows: rowsSeen, rowsPerSecond: rowsSeen / seconds, waitFraction: Number(waitNs) / 1e9 / seconds });
        this.lastFit!.epoch = epoch;
        this.lastFit!.step = step;
        if (o.onEpochEnd && (await o.onEpochEnd({ epoch, loss, metrics: { train: {}, validation: {} }, learningRate: history.learningRates.at(-1)!, batchLosses: new Float64Array(0), gradNorms: new Float64Array(0) })) === false) {
          history.stoppedEarly = epoch < epochs;
          break;
        }
      }
    } finally {
      this.busy = false;
      history.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      history.bestEpoch = history.epoch.at(-1) ?? 0;
      this.history = history;
    }
    return history;
  }

  /**
   * The model as a safetensors file (see lib/io/model-file.ts for the layout). With `checkpoint: true` the
   * optimizer state, step, epoch, schedule and RNG state of the last fit are included so `fit({ resumeFrom })`
   * continues exactly; `optimizerState: false` leaves the optimizer slots out of a checkpoint.
   */
  toBuffer(options: { checkpoint?: boolean; optimizerState?: boolean } = {}): Buffer {
    return this.encode(options, 'toBuffer');
  }

  private encode(options: { checkpoint?: boolean; optimizerState?: boolean }, method: string): Buffer {
    const o = checkKeys('options', options, ['checkpoint', 'optimizerState']);
    const { trainer, spec } = this.requireFitted(method);
    const fn = this.featureNames as unknown;
    if (fn !== undefined && !(Array.isArray(fn) && fn.length === spec.layers[0]!.inputs && fn.every((v) => typeof v === 'string')))
      throw new OptionError(`Expected featureNames to be ${spec.layers[0]!.inputs} strings (one per input) but received ${describe(fn)}`, 'featureNames');
    const snapshot: ModelSnapshot = {
      className: this.constructor.name, ctorArgs: this.ctorArgs, spec, params: trainer.getParams(),
      featureNames: this.featureNames, training: this.lastFit?.training,
    };
    if (this.scaler?.mean && this.scaler.std) snapshot.scaler = { mean: Float64Array.from(this.scaler.mean), std: Float64Array.from(this.scaler.std) };
    if (bool('checkpoint', o.checkpoint, false)) {
      if (!this.lastFit) throw new StateError('A checkpoint needs a model trained by fit() in this process', 'checkpoint');
      const st = trainer.getState();
      const keepSlots = bool('optimizerState', o.optimizerState, true);
      const slots = slotNames(spec).map((_, i) => (keepSlots ? trainer.getSlot(i) : arrayFor(spec.float64 ? 'float64' : 'float32', trainer.getParams().length).fill(slotInit(spec.optimizer, i))));
      const lr = this.lastFit.optimizer.learningRate;
      snapshot.checkpoint = {
        optimizer: { name: this.lastFit.optimizer.name, options: { ...this.lastFit.optimizer.options }, learningRate: typeof lr === 'number' ? lr : lr.toJSON() },
        slots, step: keepSlots ? st.step : 0, muProduct: keepSlots ? st.muProduct : 1, rng: st.rng, epoch: this.lastFit.epoch,
        plateau: isPlateauSchedule(lr) ? lr.getState() : undefined,
      };
    }
    return encodeModel(snapshot, packageVersion());
  }

  /** Writes {@link toBuffer} to `path` atomically (temporary file, fsync, rename). */
  save(path: string, options: { checkpoint?: boolean; optimizerState?: boolean } = {}): void {
    if (typeof path !== 'string' || path === '') throw new OptionError(`Expected a file path for path but received ${describe(path)}`, 'path');
    writeFileAtomic(path, this.encode(options, 'save'));
  }

  /** Internal (used by loadModel): installs a decoded snapshot so the model predicts. */
  restoreSnapshot(s: ModelSnapshot, backend?: 'native' | 'js' | 'auto'): void {
    if (s.spec.loss !== LOSSES.indexOf(this.head.loss))
      throw new FormatError(`a ${this.constructor.name} has the ${this.head.loss} head, but the file's network has the ${LOSSES[s.spec.loss] ?? s.spec.loss} head`, 'file');
    const spec = { ...s.spec, maxBatch: Math.max(1, Math.min(256, s.spec.maxBatch)) };
    const outputs = spec.layers.at(-1)!.units;
    this.head.restore?.(outputs);
    const b = getBackend(backend ?? this.options.backend);
    requireTrainerMemory(spec, 'model');
    this.trainer?.dispose();
    this.trainer = b.createTrainer(spec);
    this.trainer.setParams(s.params);
    this.spec = spec;
    this.nFeatures = spec.layers[0]!.inputs;
    this.backendName = b.name;
    this.featureNames = s.featureNames;
    if (s.scaler) {
      this.scaler = new StandardScaler();
      this.scaler.mean = s.scaler.mean;
      this.scaler.std = s.scaler.std;
    } else {
      this.scaler = undefined;
    }
  }

  /** Loss and metrics on `(X, y)` (raw features; the fitted scaler is applied). */
  protected evaluateAll(X: unknown, y: unknown): Record<string, number> {
    const out = this.outputsFor(X, 'evaluate');
    return this.head.metrics(out, toVector(y, 'y', out.rows));
  }

  /** Fraction of kernel weights that are exactly zero (L1 produces true zeros). */
  sparsity(): number {
    let zeros = 0, total = 0;
    for (const L of this.getWeights()) {
      for (const w of L.weight) if (w === 0) zeros++;
      total += L.weight.length;
    }
    return zeros / total;
  }

  private buildSpec(inputs: number, outputs: number, dtype: Dtype, optimizer: OptimizerSpec, maxBatch: number): NativeSpec {
    const defs = this.layerDefs(outputs);
    let fanIn = inputs;
    const layers = defs.map((d) => {
      const l = { inputs: fanIn, units: d.units, activation: ACTIVATIONS.indexOf(d.activation), activationParam: d.activationParam ?? 0, useBias: d.useBias ?? true, dropout: d.dropout ?? 0 };
      fanIn = d.units;
      return l;
    });
    const spec: NativeSpec = {
      float64: dtype === 'float64',
      layers,
      loss: LOSSES.indexOf(this.head.loss),
      optimizer: optimizer.config,
      l1: this.options.l1,
      l2: this.options.l2,
      penalizeBias: this.options.penalizeBias,
      clipNorm: this.options.clipNorm,
      clipValue: this.options.clipValue,
      // Predict reuses the workspace in blocks; keep it at least moderately sized, unless that alone would break
      // the memory limit (wide layers): then exactly the batch size, and predict works in smaller blocks.
      maxBatch: Math.max(maxBatch, 256),
    };
    if (spec.maxBatch > maxBatch && trainerBytes(spec) > memoryLimit()) spec.maxBatch = maxBatch;
    return spec;
  }

  protected requireFitted(method: string): { trainer: BackendTrainer; spec: NativeSpec } {
    if (!this.trainer || !this.spec) throw new StateError(`${method}() called before fit()`, method);
    // Between chunks (e.g. inside onEpochEnd) the trainer is idle and may be read; during a chunk it may not.
    if (this.trainer.isBusy()) throw new StateError(`${method}() called while the trainer is running a chunk of fit(); await it or call from a callback`, method);
    return { trainer: this.trainer, spec: this.spec };
  }

  /** Raw outputs `[n, outputs]` of the last layer (logits for classifiers), row-major, in the model's dtype. */
  outputs(X: unknown): { data: FloatArray; rows: number; cols: number } {
    return this.outputsFor(X, 'predict');
  }

  private outputsFor(X: unknown, method: string): { data: FloatArray; rows: number; cols: number } {
    const { trainer, spec } = this.requireFitted(method);
    const dtype: Dtype = spec.float64 ? 'float64' : 'float32';
    let Xm: Matrix = toMatrix(X, 'X', dtype, this.nFeatures);
    if (this.scaler) Xm = this.scaler.transform(Xm, dtype);
    const k = spec.layers[spec.layers.length - 1]!.units;
    requireMemory(Xm.rows * k * (dtype === 'float64' ? 8 : 4), 'X', `The outputs for ${Xm.rows} rows × ${k} units`);
    const out = arrayFor(dtype, Xm.rows * k);
    trainer.predict(Xm.data, Xm.rows, out);
    // A non-finite output (inputs too large for the weights in this dtype) would otherwise become a silent wrong
    // class: argmax over NaN logits picks class 0.
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i]!)) {
        const params = trainer.getParams();
        const bad = params.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new StateError(`The model's parameters hold ${params[bad]} at index ${bad} (set by setParams?); predictions would be NaN`, 'params');
        const r = Math.floor(i / k);
        let maxAbs = 0;
        for (let j = 0; j < Xm.cols; j++) maxAbs = Math.max(maxAbs, Math.abs(Xm.data[r * Xm.cols + j]!));
        throw new ShapeError(
          `The model's output for row ${r} of X is ${out[i]}: the ${this.scaler ? 'standardized ' : ''}inputs (max |x| = ${maxAbs}) ` +
            `overflow ${dtype} with these weights. Standardize the features, use dtype 'float64', or retrain ` +
            `(a DivergenceError during fit leaves weights that can overflow on the same data)`,
          'X',
        );
      }
    }
    return { data: out, rows: Xm.rows, cols: k };
  }

  /** Parameters per layer: `weight` `[units, inputs]` row-major (as PyTorch's `nn.Linear.weight`) and `bias` `[units]`. */
  getWeights(): { weight: FloatArray; bias: FloatArray | null; units: number; inputs: number }[] {
    const { trainer, spec } = this.requireFitted('getWeights');
    const p = trainer.getParams();
    let off = 0;
    return spec.layers.map((L) => {
      const weight = p.slice(off, off + L.units * L.inputs);
      off += L.units * L.inputs;
      const bias = L.useBias ? p.slice(off, off + L.units) : null;
      if (L.useBias) off += L.units;
      return { weight, bias, units: L.units, inputs: L.inputs };
    });
  }

  /** Replaces all parameters (flat `[W0, b0, W1, b1, …]` in the model's dtype). */
  setParams(params: FloatArray): void {
    this.requireFitted('setParams').trainer.setParams(params);
  }

  /** Flat copy of all parameters `[W0, b0, W1, b1, …]`. */
  getParams(): FloatArray {
    return this.requireFitted('getParams').trainer.getParams();
  }

  /** The fitted scaler, if `standardize` was on. */
  get standardScaler(): StandardScaler | undefined {
    return this.scaler;
  }

  /** Releases the trainer's memory now (otherwise the GC does it). */
  dispose(): void {
    if (this.busy) throw new StateError('dispose() called while fit() is running', 'dispose');
    this.trainer?.dispose();
    this.trainer = undefined;
    this.spec = undefined;
  }

  /** Penalty `l1·Σ|w| + (l2/2)·Σw²` of the current weights (the regularization part of the objective). */
  penalty(): number {
    const { l1, l2, penalizeBias } = this.options;
    if (l1 === 0 && l2 === 0) return 0;
    let s1 = 0, s2 = 0;
    for (const L of this.getWeights()) {
      const add = (a: FloatArray) => a.forEach((w) => { s1 += Math.abs(w); s2 += w * w; });
      add(L.weight);
      if (penalizeBias && L.bias) add(L.bias);
    }
    return l1 * s1 + 0.5 * l2 * s2;
  }
}
