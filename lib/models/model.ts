/**
 * The one engine behind every model: dense layers → activations → a loss head. The named models
 * (LinearRegression, LogisticRegression, SoftmaxRegression) are presets of {@link Model}.
 */
import { getBackend } from '../backend';
import { ACTIVATIONS, ActivationName, BackendTrainer, Dtype, FloatArray, LOSSES, LossName, NativeSpec } from '../backend/types';
import { StandardScaler } from '../data/scale';
import { Matrix, arrayFor, toMatrix, toVector } from '../data/matrix';
import { OptionError, StateError } from '../errors';
import { LearningRate, OptimizerSpec, isOptimizerSpec, optimizerByName, sgd } from '../optim/optimizers';
import { EpochCallback, History, trainLoop } from '../train/fit';
import { checkKeys, num, bool, oneOf, describe } from '../validate';

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
  /** Seeds initialization and shuffling, identically on both backends. Default 0. */
  seed?: number;
  /** Overrides the model's dtype for this fit. */
  dtype?: Dtype;
  /** Overrides the model's backend for this fit. */
  backend?: 'native' | 'js' | 'auto';
  /** Called after each epoch; return `false` to stop. */
  onEpochEnd?: EpochCallback;
  /** What a learning-rate schedule's step counts: optimizer updates (`'batch'`, default) or epochs (`'epoch'`). */
  stepUnit?: 'batch' | 'epoch';
}

export interface LayerDef {
  units: number;
  activation: ActivationName;
  activationParam?: number;
  useBias?: boolean;
}

const MODEL_KEYS = ['dtype', 'backend', 'standardize', 'regularization', 'clipNorm', 'clipValue'] as const;
const FIT_KEYS = ['epochs', 'batchSize', 'learningRate', 'optimizer', 'shuffle', 'seed', 'dtype', 'backend', 'onEpochEnd', 'stepUnit'] as const;

/** Targets prepared for the loss head. */
interface Targets {
  Y: FloatArray;
  outputs: number;
}

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

  protected abstract readonly loss: LossName;
  /** Hidden layers in front of the output layer (none for the linear presets). */
  protected hidden(): LayerDef[] {
    return [];
  }
  protected abstract prepareTargets(y: Float64Array): Targets;

  constructor(options: ModelOptions = {}) {
    const o = checkKeys('options', options, MODEL_KEYS);
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
  async fit(X: unknown, y: unknown, options: FitOptions = {}): Promise<History> {
    if (this.busy) throw new StateError('fit() called while a previous fit() on this model is still running; await it first', 'fit');
    const o = checkKeys('options', options, FIT_KEYS);
    const epochs = num('epochs', o.epochs, { integer: true, min: 1 }, 100);
    const batchSize = num('batchSize', o.batchSize, { integer: true, min: 1 }, 32);
    const shuffle = bool('shuffle', o.shuffle, true);
    const stepUnit = oneOf('stepUnit', o.stepUnit, ['batch', 'epoch'] as const, 'batch');
    const seed = num('seed', o.seed, { integer: true, min: 0, max: 4294967295 }, 0);
    const dtype = oneOf('dtype', o.dtype, ['float32', 'float64'] as const, this.options.dtype);
    const backendName = o.backend === undefined ? this.options.backend : oneOf('backend', o.backend, ['native', 'js', 'auto'] as const);
    if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== 'function') throw new OptionError(`Expected a function for onEpochEnd but received ${describe(o.onEpochEnd)}`, 'onEpochEnd');
    let optimizer: OptimizerSpec;
    if (o.optimizer === undefined) {
      const lr = o.learningRate === undefined ? 0.01 : typeof o.learningRate === 'number' ? num('learningRate', o.learningRate, { gt: 0 }) : o.learningRate;
      optimizer = sgd({ learningRate: lr as LearningRate });
    } else {
      if (o.learningRate !== undefined) throw new OptionError('Pass learningRate inside the optimizer (e.g. adam({ learningRate })) when optimizer is given', 'learningRate');
      const chosen: unknown = typeof o.optimizer === 'string' ? optimizerByName(o.optimizer) : o.optimizer;
      if (!isOptimizerSpec(chosen)) throw new OptionError(`Expected an optimizer from sgd(), adam(), … or a name for optimizer but received ${describe(o.optimizer)}`, 'optimizer');
      optimizer = chosen;
    }

    let Xm = toMatrix(X, 'X', dtype);
    const yv = toVector(y, 'y', Xm.rows);
    const targets = this.prepareTargets(yv);
    const Y = arrayFor(dtype, targets.Y.length);
    Y.set(targets.Y);
    if (this.options.standardize) {
      this.scaler = new StandardScaler();
      Xm = this.scaler.fitTransform(Xm, dtype);
    } else {
      this.scaler = undefined;
    }
    const n = Xm.rows;
    const spec = this.buildSpec(Xm.cols, targets.outputs, dtype, optimizer, Math.min(batchSize, n));
    const backend = getBackend(backendName);
    this.trainer?.dispose();
    this.trainer = backend.createTrainer(spec);
    this.spec = spec;
    this.nFeatures = Xm.cols;
    this.backendName = backend.name;
    this.trainer.initialize(seed);
    this.busy = true;
    try {
      this.history = await trainLoop(this.trainer, Xm.data, Y, n, {
        epochs, batchSize, shuffle, stepUnit, learningRate: optimizer.learningRate, onEpochEnd: o.onEpochEnd as EpochCallback | undefined,
      });
      return this.history;
    } finally {
      this.busy = false;
    }
  }

  private buildSpec(inputs: number, outputs: number, dtype: Dtype, optimizer: OptimizerSpec, maxBatch: number): NativeSpec {
    const defs: LayerDef[] = [...this.hidden(), { units: outputs, activation: 'linear' }];
    let fanIn = inputs;
    const layers = defs.map((d) => {
      const l = { inputs: fanIn, units: d.units, activation: ACTIVATIONS.indexOf(d.activation), activationParam: d.activationParam ?? 0, useBias: d.useBias ?? true };
      fanIn = d.units;
      return l;
    });
    return {
      float64: dtype === 'float64',
      layers,
      loss: LOSSES.indexOf(this.loss),
      optimizer: optimizer.config,
      l1: this.options.l1,
      l2: this.options.l2,
      penalizeBias: this.options.penalizeBias,
      clipNorm: this.options.clipNorm,
      clipValue: this.options.clipValue,
      // Predict reuses the workspace in blocks; keep it at least moderately sized.
      maxBatch: Math.max(maxBatch, Math.min(256, 1 << 20)),
    };
  }

  protected requireFitted(method: string): { trainer: BackendTrainer; spec: NativeSpec } {
    if (!this.trainer || !this.spec) throw new StateError(`${method}() called before fit()`, method);
    if (this.busy) throw new StateError(`${method}() called while fit() is running; await it first`, method);
    return { trainer: this.trainer, spec: this.spec };
  }

  /** Raw outputs `[n, outputs]` of the last layer (logits for classifiers), row-major, in the model's dtype. */
  outputs(X: unknown): { data: FloatArray; rows: number; cols: number } {
    const { trainer, spec } = this.requireFitted('predict');
    const dtype: Dtype = spec.float64 ? 'float64' : 'float32';
    let Xm: Matrix = toMatrix(X, 'X', dtype, this.nFeatures);
    if (this.scaler) Xm = this.scaler.transform(Xm, dtype);
    const k = spec.layers[spec.layers.length - 1]!.units;
    const out = arrayFor(dtype, Xm.rows * k);
    trainer.predict(Xm.data, Xm.rows, out);
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
