/**
 * The one engine behind every model: dense layers → activations → a loss head. The named models
 * (LinearRegression, LogisticRegression, SoftmaxRegression, the MLPs, Sequential) are presets of {@link Model}.
 *
 * `Model` is a thin facade: `fit` and `partialFit` resolve their options into a plan (lib/train/plan.ts), wrap the
 * data in a batch source (lib/train/source.ts) and run a training session (lib/train/session.ts); prediction runs
 * the session's backend trainer; persistence goes through lib/io/model-file.ts.
 */
import { getBackend } from '../backend';
import type { BackendTrainer, FloatArray } from '../backend/types';
import { EngineSpec, LOSSES, SPEC_BOUNDS, layoutOf, slotInit, slotNames } from '../engine/spec';
import { FormatError, OptionError, ShapeError, StateError } from '../errors';
import { ModelSnapshot, encodeModel } from '../io/model-file';
import { onnxModel } from '../io/onnx';
import { packageVersion, writeFileAtomic } from '../io/util';
import { requireMemory, requireTrainerMemory } from '../memory';
import { StandardScaler } from '../data/scale';
import { MatrixLike, TargetsLike, arrayFor, toMatrix, toTargets } from '../data/matrix';
import { isCsr, refuseWithCsr, toCsr, trainerRows, type CsrMatrix, type Rows } from '../data/sparse';
import { StreamSource, isStreamSource } from '../data/stream';
import { isPlateau, learningRateJSON } from '../optim/optimizers';
import { isLbfgs, normalizeLbfgs } from '../optim/lbfgs';
import { lrFind, type LrFindModel, type LrFindOptions, type LrFindResult } from '../train/lr-find';
import type { FitOptions, PartialFitOptions } from '../train/options';
import { PlanTarget, TrainingPlan, cannotContinue, requireSaveable, resolvePlan } from '../train/plan';
import { TrainingSession, type RunHooks, type SessionModel, type SwaOptions } from '../train/session';
import { MemorySource, StreamingSource, type BatchSource } from '../train/source';
import type { History } from '../train/types';
import type { Average } from '../train/metrics';
import { bool, checkKeys, describe, isPlainObject, num, oneOf } from '../validate';
import { RegressionHead, targetColumnsOf, type Head } from './heads';
import type { LayerDef } from './layers';
import { classesOf, decodeLabels, encodeLabels, type ClassLabels, type Labels } from './labels';

export type { LayerDef } from './layers';
export type { FitOptions, PartialFitOptions, StreamFitOptions } from '../train/options';

export interface ModelOptions {
  /** Storage and arithmetic type. Default `'float32'`. */
  dtype?: 'float32' | 'float64';
  /** `'native'`, `'js'` or `'auto'` (default: `DESCENT_BACKEND`, else native when the addon loads). */
  backend?: 'native' | 'js' | 'auto';
  /** Fit a {@link StandardScaler} on the training features and apply it in `predict`. Default false. */
  standardize?: boolean;
  /**
   * Penalties on the weights (biases unpenalized unless `penalizeBias`): objective + `l1·Σ|w| + (l2/2)·Σw²`.
   * L2 is added to the gradient; L1 is a proximal soft-threshold after each step, so weights reach exact zeros.
   * Elastic net with scikit-learn's meaning: `{ alpha, l1Ratio }` is `α·(ρ·Σ|w| + (1 − ρ)/2·Σw²)`, i.e.
   * `l1 = α·ρ`, `l2 = α·(1 − ρ)`; `l1Ratio` defaults to 0.15 (SGDClassifier/SGDRegressor's `l1_ratio`). Give
   * either `{ l1, l2 }` or `{ alpha, l1Ratio }`, not both.
   */
  regularization?: { l1?: number; l2?: number; alpha?: number; l1Ratio?: number; penalizeBias?: boolean };
  /** Clip the global gradient L2 norm to this value (`torch.nn.utils.clip_grad_norm_`). Default off. */
  clipNorm?: number;
  /** Clamp every gradient element to `[−clipValue, clipValue]`. Default off. */
  clipValue?: number;
  /**
   * Averaged SGD (Polyak & Juditsky 1992), scikit-learn's `average`: `true` averages the weights after every optimizer
   * step, `{ start }` from step `start` (1-based; scikit-learn's `average=start` counts samples, i.e. steps at
   * `batchSize: 1`). `predict`, `evaluate` and `save` use the running mean; training continues from the raw
   * weights (`partialFit`). Default off.
   */
  average?: boolean | { start?: number };
  /**
   * Exponential moving average of the weights, `avg ← decay·avg + (1 − decay)·w` after every optimizer step from
   * step `start` (default 1), starting from a copy of the weights (`torch.optim.swa_utils.AveragedModel` with an EMA
   * `avg_fn`; Keras' `use_ema`/`ema_momentum`). `predict`, `evaluate` and `save` use the average. Default off.
   */
  ema?: { decay: number; start?: number };
  /**
   * Stochastic weight averaging (Izmailov et al. 2018) with `torch.optim.swa_utils` semantics: from epoch `start`
   * (1-based) the weights at the end of each epoch are averaged (running mean, AveragedModel), and after it the
   * learning rate anneals to `learningRate` over `annealEpochs` epochs (default 10; `annealStrategy` `'cos'`
   * (default) or `'linear'`, SWALR) and stays there. `predict`, `evaluate` and `save` use the average.
   */
  swa?: { start: number; learningRate: number; annealEpochs?: number; annealStrategy?: 'cos' | 'linear' };
}

/** The engine's averaging spec from the `average` and `ema` constructor options (undefined when both are off). */
let lbfgsKinkWarned = false;

/** Rows of targets given as a vector, nested rows or a `{ data, rows, cols }` matrix (undefined for anything else). */
export function targetRows(y: unknown): number | undefined {
  if (Array.isArray(y) || (ArrayBuffer.isView(y) && !(y instanceof DataView))) return (y as ArrayLike<unknown>).length;
  if (typeof y === 'object' && y !== null && typeof (y as { rows?: unknown }).rows === 'number') return (y as { rows: number }).rows;
  return undefined;
}

function averagingOf(average: unknown, ema: unknown): EngineSpec['average'] {
  if (average !== undefined && average !== false && ema !== undefined)
    throw new OptionError('Give average or ema, not both', 'ema');
  if (ema !== undefined) {
    const e = checkKeys('options.ema', ema, ['decay', 'start']);
    const decay = num('ema.decay', e.decay, { min: 0, lt: 1 });
    const start = num('ema.start', e.start, { integer: true, min: 1, max: 2 ** 53 }, 1);
    return { kind: 'ema', start, decay };
  }
  if (average === undefined || average === false) return undefined;
  if (average === true) return { kind: 'mean', start: 1, decay: 0 };
  if (!isPlainObject(average))
    throw new OptionError(`Expected true or { start } for average but received ${describe(average)} (scikit-learn's average=N is { start: N })`, 'average');
  const a = checkKeys('options.average', average, ['start']);
  return { kind: 'mean', start: num('average.start', a.start, { integer: true, min: 1, max: 2 ** 53 }, 1), decay: 0 };
}

function swaOf(swa: unknown, average: unknown, ema: unknown): SwaOptions | undefined {
  if (swa === undefined) return undefined;
  if ((average !== undefined && average !== false) || ema !== undefined) throw new OptionError('Give one of average, ema and swa', 'swa');
  const s = checkKeys('options.swa', swa, ['start', 'learningRate', 'annealEpochs', 'annealStrategy']);
  return {
    start: num('swa.start', s.start, { integer: true, min: 1, max: 1e9 }),
    learningRate: num('swa.learningRate', s.learningRate, { gt: 0, max: 1e6 }),
    annealEpochs: num('swa.annealEpochs', s.annealEpochs, { integer: true, min: 0, max: 1e9 }, 10),
    annealStrategy: oneOf('swa.annealStrategy', s.annealStrategy, ['cos', 'linear'] as const, 'cos'),
  };
}

/** A JSON copy of constructor options (what a saved model needs to rebuild itself). */
export function jsonClone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export const MODEL_KEYS = ['dtype', 'backend', 'standardize', 'regularization', 'clipNorm', 'clipValue', 'average', 'ema', 'swa'] as const;

/** Fields that hold a fitted model's state, which setParams keeps (everything else comes from the new arguments). */
const STATE_FIELDS = new Set(['trainer', 'spec', 'scaler', 'session', 'busy', 'inCallback', 'backendName', 'history', 'featureNames', 'labelClasses', 'trainedArgs', 'nextHead']);

/** `predictProba`'s `format`: `'flat'` (default), `'rows'` (`number[][]`) or `'matrix'` (`{ data, rows, cols }`). */
export interface ProbaOptions {
  format?: 'flat' | 'rows' | 'matrix';
}
export type ProbaResult = Float64Array | number[][] | { data: Float64Array; rows: number; cols: number };

export abstract class Model {
  protected readonly options: {
    dtype: 'float32' | 'float64';
    backend: 'native' | 'js' | 'auto' | undefined;
    standardize: boolean;
    l1: number;
    l2: number;
    penalizeBias: boolean;
    clipNorm: number;
    clipValue: number;
    average: EngineSpec['average'];
    swa: SwaOptions | undefined;
  };
  /** The backend trainer holding the parameters: the training session's, or a loaded file's. */
  private trainer: BackendTrainer | undefined;
  private spec: EngineSpec | undefined;
  private scaler: StandardScaler | undefined;
  /** The training the weights come from, kept open for partialFit and checkpoints (undefined for a loaded model). */
  private session: TrainingSession | undefined;
  private busy = false;
  /** Inside a callback of the running fit: the model may be read (predict, getParams, save…) though busy. */
  private inCallback = false;
  /** Name of the backend the model runs on. */
  backendName: 'native' | 'js' | undefined;
  /** History of the last fit (or partialFit). */
  history: History | undefined;
  /** Names of the input columns (set by you, by the CLI from a CSV header, or by a streaming source); saved with the model. */
  featureNames: string[] | undefined;
  /** A classifier's labels when they are not the indices 0 … k−1 (set by fit, saved with the model). */
  private labelClasses: ClassLabels | undefined;
  /** JSON constructor arguments that rebuild this model (set by each public class; used by save/load). */
  protected ctorArgs: unknown[] = [];
  /** The constructor arguments the current weights were trained with (saved with them; setParams may change ctorArgs for the next fit). */
  private trainedArgs: unknown[] | undefined;
  /** The head setParams built for the next fit, while the weights keep theirs. */
  private nextHead: Head | undefined;
  /** The head a new fit or first partialFit trains. */
  private get fitHead(): Head {
    return this.nextHead ?? this.head;
  }

  /** What the last layer means: targets, predictions, loss and metrics (sized by the session the model adopts). */
  protected head: Head;

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
  /** The option that sizes the parameters, named by a MemoryLimitError when they do not fit. */
  protected paramsOption(): string {
    return this.hiddenDefs.length > 0 ? 'hiddenLayers' : 'X';
  }
  /** Output units fixed by the architecture (Sequential's last layer), or undefined to size them from the labels. */
  protected fixedOutputs(): number | undefined {
    return undefined;
  }

  protected constructor(head: Head, options: ModelOptions = {}, extraKeys: readonly string[] = []) {
    this.head = head;
    const o = checkKeys('options', options, [...MODEL_KEYS, ...extraKeys]);
    const reg = checkKeys('options.regularization', o.regularization, ['l1', 'l2', 'alpha', 'l1Ratio', 'penalizeBias']);
    let { l1, l2 } = reg as { l1?: unknown; l2?: unknown };
    if (reg.alpha !== undefined || reg.l1Ratio !== undefined) {
      if (reg.alpha === undefined) throw new OptionError('regularization.l1Ratio mixes the penalty regularization.alpha, which is missing (without it the penalty would be 0)', 'regularization.alpha');
      if (l1 !== undefined || l2 !== undefined)
        throw new OptionError('Give regularization as { l1, l2 } or as { alpha, l1Ratio } (elastic net), not both', reg.alpha !== undefined ? 'regularization.alpha' : 'regularization.l1Ratio');
      const alpha = num('regularization.alpha', reg.alpha, { min: 0, max: SPEC_BOUNDS.l2.max }, 0);
      const ratio = num('regularization.l1Ratio', reg.l1Ratio, { min: 0, max: 1 }, 0.15);
      l1 = alpha * ratio;
      l2 = alpha * (1 - ratio);
    }
    this.options = {
      dtype: oneOf('options.dtype', o.dtype, ['float32', 'float64'] as const, 'float32'),
      backend: o.backend === undefined ? undefined : oneOf('options.backend', o.backend, ['native', 'js', 'auto'] as const),
      standardize: bool('options.standardize', o.standardize, false),
      l1: num('regularization.l1', l1, { min: 0, max: SPEC_BOUNDS.l1.max }, 0),
      l2: num('regularization.l2', l2, { min: 0, max: SPEC_BOUNDS.l2.max }, 0),
      penalizeBias: bool('regularization.penalizeBias', reg.penalizeBias, false),
      clipNorm: num('options.clipNorm', o.clipNorm, { gt: 0, max: SPEC_BOUNDS.clipNorm.max }, 0),
      clipValue: num('options.clipValue', o.clipValue, { gt: 0, max: SPEC_BOUNDS.clipValue.max }, 0),
      average: averagingOf(o.average, o.ema),
      swa: swaOf(o.swa, o.average, o.ema),
    };
  }

  private planTarget(): PlanTarget {
    return {
      className: this.constructor.name, dtype: this.options.dtype, backend: this.options.backend, standardize: this.options.standardize,
      isClassifier: this.fitHead.isClassifier, loss: this.fitHead.loss, metricNames: this.fitHead.metricNames,
    };
  }

  /** The view of this model a training session works with (protected hooks bound). */
  private sessionModel(): SessionModel {
    const { l1, l2, penalizeBias, clipNorm, clipValue, standardize, average, swa } = this.options;
    return {
      ...(swa ? { swa } : {}),
      className: this.constructor.name, head: this.nextHead ?? this.head, standardize, regularization: { l1, l2, penalizeBias, clipNorm, clipValue, ...(average ? { average } : {}) },
      layerDefs: (outputs) => this.layerDefs(outputs), fixedOutputs: () => this.fixedOutputs(), paramsOption: () => this.paramsOption(),
    };
  }

  /**
   * Trains from scratch. In memory: `fit(X, y, options)` with `X` `[n, d]` (nested arrays or a row-major Matrix)
   * and targets `y` `[n]` (classifiers: labels of any kind — numbers or strings — encoded as `classes`, sorted). Streaming: `fit(source, options)` (or `fit(source, undefined, options)`) where `source`
   * is a CSV file path, an (async) iterable of `{ x, y }` chunks, an object-mode Readable, Arrow tables, or a
   * function returning a fresh iterable (for `epochs > 1`). Resolves to the {@link History}.
   *
   * @throws ShapeError for bad data, OptionError for bad options (naming the option; "did you mean" for a typo),
   * DivergenceError when the loss, a gradient or a parameter becomes NaN/Inf (naming epoch and batch; the model
   * keeps finite parameters), AbortError on `signal`, StateError if called while a fit on this model is running.
   * A fit that fails before training starts leaves the model as it was.
   */
  fit(X: MatrixLike | CsrMatrix, y: TargetsLike, options?: FitOptions): Promise<History>;
  fit(source: StreamSource, options?: FitOptions): Promise<History>;
  fit(source: StreamSource, y: undefined, options?: FitOptions): Promise<History>;
  async fit(X: unknown, y?: unknown, options?: FitOptions): Promise<History> {
    if (this.busy) throw new StateError('fit() called while a previous fit() on this model is still running; await it first', 'fit');
    const streaming = isStreamSource(X);
    let opts: unknown = options;
    if (streaming && y !== undefined) {
      if (!isPlainObject(y))
        throw new ShapeError(`A ${typeof X === 'string' ? 'string X is read as a CSV file path' : 'streaming source X carries its own targets'}, so the second argument must be the options, but received ${describe(y)}`, 'y');
      if (options !== undefined) throw new OptionError('Pass the options once: fit(source, options) or fit(source, undefined, options)', 'options');
      opts = y;
    }
    if (isCsr(X)) this.checkCsrOptions();
    let classes: ClassLabels | undefined;
    if (!streaming && this.fitHead.isClassifier) ({ y, opts, classes } = this.encodeForFit(y, opts));
    const solver = isPlainObject(opts) && isLbfgs(opts.optimizer) ? normalizeLbfgs(opts.optimizer) : undefined;
    if (solver) opts = this.lbfgsPlanOptions(streaming, y, opts as Record<string, unknown>);
    const plan = resolvePlan(this.planTarget(), streaming ? 'stream' : 'fit', opts);
    const source: BatchSource = streaming ? new StreamingSource(X as StreamSource, plan) : new MemorySource(X, y, plan);
    this.busy = true;
    try {
      const session = await TrainingSession.start(this.sessionModel(), plan, source);
      this.adopt(session);
      this.labelClasses = classes;
      this.history = solver ? await session.runLbfgs(plan, solver) : await session.run(plan, this.runHooks());
      return this.history;
    } finally {
      this.busy = false;
    }
  }

  /** What CSR input does not combine with (yet), refused before any work. */
  private checkCsrOptions(): void {
    if (this.options.standardize) refuseWithCsr('standardize', "centering would make every row dense (scikit-learn's StandardScaler refuses sparse input with with_mean=True too); scale the values beforehand (hashFeatures' norm does)");
    if (this.options.average) refuseWithCsr(this.options.average.kind === 'ema' ? 'ema' : 'average', 'averaging reads every weight after every step, which a sparse step does not touch');
    if (this.options.swa) refuseWithCsr('swa', 'averaging reads every weight, which a sparse step does not touch');
  }

  /** The training plan's options for a full-batch L-BFGS fit, refusing what does not apply to it. */
  private lbfgsPlanOptions(streaming: boolean, y: unknown, o: Record<string, unknown>): Record<string, unknown> {
    if (streaming) throw new OptionError('lbfgs needs the whole training set in memory: fit(X, y, { optimizer: lbfgs() })', 'optimizer');
    for (const k of Object.keys(o))
      if (o[k] !== undefined && !['optimizer', 'seed', 'signal', 'dtype'].includes(k))
        throw new OptionError(`${k} does not apply to lbfgs (a full-batch solver takes only seed, signal and dtype besides lbfgs({ maxIter, tol, toleranceChange, historySize, lineSearch, learningRate, maxEval }); it has no epochs, batches, callbacks or metrics)`, k);
    if (this.options.average) throw new OptionError('lbfgs does not average weights; remove average / ema', this.options.average.kind === 'ema' ? 'ema' : 'average');
    if (this.options.swa) throw new OptionError('lbfgs does not average weights; remove swa', 'swa');
    if (this.options.clipNorm > 0 || this.options.clipValue > 0) throw new OptionError('lbfgs does not clip gradients; remove clipNorm/clipValue', this.options.clipNorm > 0 ? 'clipNorm' : 'clipValue');
    const rows = targetRows(y);
    if (rows === undefined || rows < 1) throw new ShapeError('Expected targets y ([n] or [n, k]) for an lbfgs fit', 'y');
    // (The quantile loss of a linear model has its own smoothing path: lib/optim/quantile.ts.)
    const smoothedQuantile = this.fitHead.loss === 'quantile' && this.hidden().length === 0 && this.options.l1 === 0;
    if (['hinge', 'perceptron', 'epsilonInsensitive', 'quantile'].includes(this.fitHead.loss) && !smoothedQuantile && !lbfgsKinkWarned) {
      lbfgsKinkWarned = true;
      process.emitWarning(`descent: lbfgs on the non-smooth ${this.fitHead.loss} loss: its curvature pairs break at the kinks, so it may stop early ('flat' or 'change') short of the optimum; a first-order optimizer suits this loss better`, 'DescentWarning');
    }
    // The workspace holds blocks of up to 8192 rows; an evaluation walks the rows block by block (runLbfgs).
    return { seed: o.seed, signal: o.signal, batchSize: Math.min(rows, 8192), epochs: 1, shuffle: false };
  }

  /**
   * One pass of mini-batch updates over `X` `[n, d]` / `y` `[n]`, continuing the optimizer state, schedule step
   * and scaler statistics of earlier calls (scikit-learn's `partial_fit`). The first call fixes the architecture
   * and the options it gives or defaults (`optimizer`/`learningRate`, `seed`, `dtype`, `backend`, `stepUnit`,
   * `classes` — the number of classes for classifiers whose later chunks may hold new labels — and `scaler`); later
   * calls may repeat them but not change them, and may change `batchSize` (up to the first call's workspace),
   * `shuffle`, weights and callbacks. Rows are used in order unless `shuffle: true`. After `fit()`, partialFit
   * continues that training (the fit's options are the fixed ones; the scaler is kept as fitted unless
   * `scaler: 'incremental'`). `fit()` starts over.
   *
   * @throws StateError on a loaded model (continue a checkpoint with `fit(X, y, { resumeFrom })` instead), and the
   * errors of {@link fit}.
   */
  async partialFit(X: MatrixLike | CsrMatrix, y: TargetsLike, options: PartialFitOptions = {}): Promise<History> {
    if (this.busy) throw new StateError('partialFit() called while a fit on this model is still running; await it first', 'partialFit');
    if (isCsr(X)) this.checkCsrOptions();
    if (!this.session && this.trainer) throw cannotContinue();
    if (isPlainObject(options) && isLbfgs(options.optimizer))
      throw new OptionError('partialFit runs mini-batch passes; lbfgs is a full-batch solver: use fit(X, y, { optimizer: lbfgs() })', 'optimizer');
    let classes = this.labelClasses;
    if (this.fitHead.isClassifier) {
      // The first call fixes the classes (from its labels when they are not 0 … k−1); later calls encode with them.
      if (!this.session) {
        // `classes: k` declares labels 0 … k−1 (later chunks may bring the ones this chunk lacks).
        const k = isPlainObject(options) && typeof options.classes === 'number' ? options.classes : undefined;
        classes = classesOf(y, 'y', this.fitHead.loss === 'sigmoidCrossEntropy', this.fixedOutputs() ?? k);
      }
      if (classes) {
        if (!this.session) this.checkClassCount(classes);
        y = encodeLabels(y, classes, 'y');
      }
    }
    const plan = resolvePlan(this.planTarget(), 'partialFit', options, this.session?.plan);
    const source = new MemorySource(X, y, plan);
    this.busy = true;
    try {
      if (this.session) await this.session.attach(source, plan);
      else {
        this.adopt(await TrainingSession.start(this.sessionModel(), plan, source));
        this.labelClasses = classes;
      }
      this.history = await this.session!.run(plan, this.runHooks());
      return this.history;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Probabilities in the shape asked for: `'flat'` as the head gives them (`[n]` P(y = classes[1]) for one logit,
   * `[n, k]` row-major for softmax), `'rows'` as `number[][]` `[n][k]`, `'matrix'` as `{ data, rows, cols }`;
   * 'rows' and 'matrix' give a binary model two columns, `[1 − p, p]`, as scikit-learn's `predict_proba`.
   */
  protected probaAs(X: unknown, options: ProbaOptions | undefined): ProbaResult {
    if (!this.head.proba)
      throw new OptionError(this.head.isClassifier ? `predictProba() needs loss 'log' or 'modifiedHuber' among the one-vs-rest losses; the ${this.head.loss} loss has no probabilities (use decisionFunction)` : 'predictProba() needs a classification loss head', 'loss');
    const o = checkKeys('options', options ?? {}, ['format']);
    const format = oneOf('options.format', o.format, ['flat', 'rows', 'matrix'] as const, 'flat');
    const out = this.outputsFor(X, 'predictProba');
    const p = this.head.proba(out);
    if (format === 'flat') return p;
    const n = out.rows, binary = out.cols === 1, k = binary ? 2 : out.cols;
    const data = binary ? new Float64Array(2 * n) : p;
    if (binary) for (let i = 0; i < n; i++) (data[2 * i] = 1 - p[i]!), (data[2 * i + 1] = p[i]!);
    if (format === 'matrix') return { data, rows: n, cols: k };
    return Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * k, (i + 1) * k)));
  }

  /**
   * scikit-learn's `coef_`: the last layer's weights, in the space the model was trained in (standardized features
   * when `standardize`). One output (regressors, binary classifiers): `[d]`; k outputs (softmax): `k` rows of `[d]`,
   * row j for `classes[j]`. For an MLP, the output layer's weights over the last hidden layer.
   * @throws StateError before fit.
   */
  get coef(): Float64Array | Float64Array[] {
    const L = this.getWeights().at(-1)!;
    const w = Float64Array.from(L.weight);
    return L.units === 1 ? w : Array.from({ length: L.units }, (_, j) => w.slice(j * L.inputs, (j + 1) * L.inputs));
  }

  /** scikit-learn's `intercept_`: the last layer's bias — a number for one output, `[k]` for k (0 without a bias). @throws StateError before fit. */
  get intercept(): number | Float64Array {
    const L = this.getWeights().at(-1)!;
    const b = L.bias ? Float64Array.from(L.bias) : new Float64Array(L.units);
    return L.units === 1 ? b[0]! : b;
  }

  /** A classifier's labels decoded from the head's class indices. */
  protected decode(indices: Float64Array): Labels {
    return decodeLabels(indices, this.labelClasses);
  }

  /** Too few or too many classes for this model's head. */
  private checkClassCount(classes: ClassLabels): void {
    const binary = this.fitHead.loss === 'sigmoidCrossEntropy';
    const fixed = this.fixedOutputs();
    const shown = classes.length <= 10 ? ` (${classes.map((c) => JSON.stringify(c)).join(', ')})` : '';
    if (binary && classes.length !== 2)
      throw new ShapeError(`A binary classifier needs labels of exactly two classes but y has ${classes.length}${shown}; use SoftmaxRegression or MLPClassifier for more`, 'y');
    if (!binary && classes.length < 2) throw new ShapeError(`A classifier needs labels of at least two classes but y has ${classes.length}${shown}`, 'y');
    const fixedClasses = fixed !== undefined && fixed === 1 && LOSSES[this.fitHead.loss].link === 'margin' ? 2 : fixed;
    if (!binary && fixedClasses !== undefined && classes.length !== fixedClasses)
      throw new ShapeError(`The last layer has ${fixed} units but y has ${classes.length} classes${shown}`, 'y');
  }

  /**
   * Training labels of any kind as class indices (with the validation labels and classWeight keys), and the
   * classes when they are not already 0 … k−1.
   */
  private encodeForFit(y: unknown, opts: unknown): { y: unknown; opts: unknown; classes: ClassLabels | undefined } {
    const classes = classesOf(y, 'y', this.fitHead.loss === 'sigmoidCrossEntropy', this.fixedOutputs());
    if (!classes) return { y, opts, classes };
    this.checkClassCount(classes);
    const ey = encodeLabels(y, classes, 'y');
    if (!isPlainObject(opts)) return { y: ey, opts, classes };
    const o: Record<string, unknown> = { ...opts };
    const vd = o.validationData;
    if (Array.isArray(vd) && vd.length === 2) o.validationData = [vd[0], encodeLabels(vd[1], classes, 'validationData[1]')];
    if (isPlainObject(o.classWeight)) {
      // Keys name labels (a number's key is its decimal text): re-key them by class index.
      const cw: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o.classWeight)) {
        const i = (classes as unknown[]).findIndex((c) => String(c) === k);
        if (i < 0) throw new OptionError(`classWeight names the label ${JSON.stringify(k)}, which is not in y`, `classWeight.${k}`);
        cw[String(i)] = v;
      }
      o.classWeight = cw;
    }
    return { y: ey, opts: o, classes };
  }

  private runHooks(): RunHooks {
    return {
      checkpoint: () => {
        const was = this.inCallback;
        this.inCallback = true;
        try {
          return this.encode({ checkpoint: true }, 'checkpoint');
        } finally {
          this.inCallback = was;
        }
      },
      calling: (inside) => void (this.inCallback = inside),
    };
  }

  /** Installs a session's trainer as the model's (the previous one is released). */
  private adopt(session: TrainingSession): void {
    if (this.trainer && this.trainer !== session.trainer) this.trainer.dispose();
    this.trainedArgs = jsonClone(this.ctorArgs);
    this.nextHead = undefined;
    this.trainer = session.trainer;
    this.spec = session.spec;
    this.scaler = session.scaler;
    this.backendName = session.backendName;
    this.session = session;
    this.head = session.head;
    // Names from the source (CSV header, Arrow schema); names that no longer describe the inputs are dropped.
    if (session.featureNames) this.featureNames = session.featureNames;
    else if (this.featureNames !== undefined && this.featureNames.length !== session.inputs) this.featureNames = undefined;
  }

  /**
   * The model as a safetensors file (see lib/io/model-file.ts for the layout). With `checkpoint: true` the
   * optimizer state, step, epoch, schedule and RNG state of the last fit are included so `fit({ resumeFrom })`
   * continues exactly; `optimizerState: false` leaves the optimizer slots out of a checkpoint. After a fit whose
   * early stopping restored the best weights, such a checkpoint pairs those weights with the last epoch's optimizer
   * state: to resume the run itself, use the file fit's `checkpoint` option wrote at the epoch it stopped.
   * @throws StateError before any fit (or for a checkpoint of a loaded model), OptionError for a checkpoint whose
   * learning-rate schedule cannot be saved, or featureNames that do not match the inputs.
   */
  toBuffer(options: { checkpoint?: boolean; optimizerState?: boolean } = {}): Buffer {
    return this.encode(options, 'toBuffer');
  }

  /** Writes {@link toBuffer} to `path` atomically (temporary file, fsync, rename). */
  save(path: string, options: { checkpoint?: boolean; optimizerState?: boolean } = {}): void {
    if (typeof path !== 'string' || path === '') throw new OptionError(`Expected a file path for path but received ${describe(path)}`, 'path');
    writeFileAtomic(path, this.encode(options, 'save'));
  }

  private encode(options: { checkpoint?: boolean; optimizerState?: boolean }, method: string): Buffer {
    const o = checkKeys('options', options, ['checkpoint', 'optimizerState']);
    const checkpoint = bool('checkpoint', o.checkpoint, false);
    const keepSlots = bool('optimizerState', o.optimizerState, true);
    const { trainer, spec } = this.requireFitted(method);
    const fn = this.featureNames as unknown;
    if (fn !== undefined && !(Array.isArray(fn) && fn.length === spec.layers[0]!.inputs && fn.every((v) => typeof v === 'string')))
      throw new OptionError(`Expected featureNames to be ${spec.layers[0]!.inputs} strings (one per input) but received ${describe(fn)}`, 'featureNames');
    const session = this.session;
    if (checkpoint && (this.options.average || this.options.swa))
      throw new OptionError('A checkpoint of a model with weight averaging (average / ema / swa) is not supported yet: save without { checkpoint: true } (the averaged weights)', 'checkpoint');
    const snapshot: ModelSnapshot = {
      className: this.constructor.name, ctorArgs: this.trainedArgs ?? this.ctorArgs, spec, params: trainer.getParams(), featureNames: this.featureNames, classes: this.labelClasses,
      training: session ? trainingRecord(session.plan) : undefined,
    };
    if (this.scaler?.mean && this.scaler.std) snapshot.scaler = { mean: Float64Array.from(this.scaler.mean), std: Float64Array.from(this.scaler.std) };
    if (checkpoint) {
      if (!session) throw new StateError('A checkpoint needs a model trained by fit() in this process', 'checkpoint');
      requireSaveable(session.plan.optimizer, 'checkpoint');
      const st = trainer.getState();
      const slots = slotNames(spec.optimizer).map((_, i) => (keepSlots ? trainer.getSlot(i) : arrayFor(spec.dtype, layoutOf(spec.layers).total).fill(slotInit(spec.optimizer, i))));
      const opt = session.plan.optimizer, lr = opt.learningRate;
      snapshot.checkpoint = {
        optimizer: { name: opt.name, options: { ...opt.options }, learningRate: learningRateJSON(lr) },
        slots, step: keepSlots ? st.step : 0, muProduct: keepSlots ? st.muProduct : 1, rng: st.rng, epoch: session.epoch,
        plateau: isPlateau(lr) ? lr.getState() : undefined,
      };
    }
    return encodeModel(snapshot, packageVersion());
  }

  /**
   * The fitted model as an ONNX model (opset 13, IR version 7; lib/io/onnx.ts), for onnxruntime and other ONNX
   * runtimes. Input `X` `[N, d]` of raw features in the model's dtype (float32 → `tensor(float)`, float64 →
   * `tensor(double)`); the fitted scaler is part of the graph. Outputs as skl2onnx names them: `variable` `[N, k]`
   * for regressors (`Exp` of the linear output for the log-link losses); for classifiers `label` `[N]` (decoded
   * classes: int64, double or string; `[N, k]` of 0/1 for multi-label), `probabilities` `[N, c]` where
   * `predictProba` exists (two columns `[1 − p, p]` for one sigmoid output) and, for `LinearClassifier`,
   * `decision` `[N, k]`. The weights are those `predict` uses (the average, with weight averaging). Metadata:
   * `descent.class`, `descent.loss`, `descent.classes`, `descent.featureNames`.
   * @throws StateError before fit.
   */
  toOnnx(): Uint8Array {
    const { trainer, spec } = this.requireFitted('toOnnx');
    return onnxModel({
      className: this.constructor.name, spec, params: trainer.getParams(), classes: this.labelClasses, featureNames: this.featureNames, version: packageVersion(),
      scaler: this.scaler?.mean && this.scaler.std ? { mean: this.scaler.mean, std: this.scaler.std } : undefined,
    });
  }

  /** Writes {@link toOnnx} to `path` atomically (temporary file, fsync, rename). */
  exportOnnx(path: string): void {
    if (typeof path !== 'string' || path === '') throw new OptionError(`Expected a file path for path but received ${describe(path)}`, 'path');
    writeFileAtomic(path, this.toOnnx());
  }

  /** Internal (used by loadModel): installs a decoded snapshot so the model predicts. */
  restoreSnapshot(s: ModelSnapshot, backend?: 'native' | 'js' | 'auto'): void {
    if (s.spec.loss !== this.head.loss)
      throw new FormatError(`a ${this.constructor.name} has the ${this.head.loss} head, but the file's network has the ${s.spec.loss} head`, 'file');
    if (s.spec.lossParam !== this.head.lossParam)
      throw new FormatError(`the file's ${s.spec.loss} head has parameter ${s.spec.lossParam}, but its constructor arguments give ${this.head.lossParam}`, 'file');
    const spec: EngineSpec = { ...s.spec, maxBatch: Math.max(1, Math.min(256, s.spec.maxBatch)) };
    this.head.restore?.(spec.layers[spec.layers.length - 1]!.units);
    const b = getBackend(backend ?? this.options.backend);
    requireTrainerMemory(spec, 'model');
    const trainer = b.createTrainer(spec);
    trainer.setParams(s.params);
    this.trainer?.dispose();
    this.trainer = trainer;
    this.spec = spec;
    this.session = undefined;
    this.backendName = b.name;
    this.featureNames = s.featureNames;
    this.labelClasses = s.classes;
    this.scaler = undefined;
    if (s.scaler) {
      this.scaler = new StandardScaler();
      this.scaler.mean = s.scaler.mean;
      this.scaler.std = s.scaler.std;
    }
  }

  /** Loss and metrics on `(X, y)` (raw features; the fitted scaler is applied). */
  protected evaluateAll(X: unknown, y: unknown, options: { average?: Average } = {}, method = 'evaluate'): Record<string, number> {
    const o = checkKeys('options', options, ['average']);
    const average = o.average === undefined ? undefined : oneOf('options.average', o.average, ['binary', 'macro', 'weighted'] as const);
    const out = this.outputsFor(X, method);
    const yy = this.labelClasses ? encodeLabels(y, this.labelClasses, 'y') : y;
    const t = toTargets(yy, 'y', out.rows);
    const want = targetColumnsOf(this.head, out.cols);
    if (t.cols !== want) throw new ShapeError(`This model takes ${want} target column${want > 1 ? 's' : ''} per row but y has ${t.cols}`, 'y');
    this.head.check(t.y, 'y'); // the targets' domain (labels, poisson y ≥ 0, gamma y > 0 …), as fit checks it
    const m = this.head.metrics(out, t.y, average);
    // [n, k] regression targets: each output's mse, mae and r2 besides their uniform average.
    if (out.cols > 1 && this.head instanceof RegressionHead) return { ...m, perOutput: this.head.perOutput(out, t.y) } as unknown as Record<string, number>;
    return m;
  }

  /**
   * Class labels of a fitted classifier, as scikit-learn's `classes_`: `[0, 1]` for the binary heads,
   * `[0, 1, …, k − 1]` for softmax; undefined for regressors.
   * @throws StateError when a classifier is not fitted.
   */
  get classes(): number[] | string[] | undefined {
    if (!this.head.isClassifier) return undefined;
    const k = this.requireFitted('classes').spec.layers.at(-1)!.units;
    return this.labelClasses ? (this.labelClasses.slice() as number[] | string[]) : Array.from({ length: k === 1 ? 2 : k }, (_, i) => i);
  }

  /**
   * scikit-learn's `score`: the coefficient of determination R² of `predict(X)` against `y` for regressors
   * (`r2_score`), the mean accuracy for classifiers (`accuracy_score`). `X` `[n, d]`, `y` `[n]`.
   * @throws StateError before fit; ShapeError for mismatched shapes or labels outside the fitted classes.
   */
  score(X: unknown, y: unknown): number {
    const m = this.evaluateAll(X, y, {}, 'score');
    return this.head.isClassifier ? m.accuracy! : m.r2!;
  }

  /**
   * The hyperparameters: a copy of the constructor arguments as given (scikit-learn's `get_params`; defaults
   * are not filled in — a difference from scikit-learn, whose estimators list every parameter). For `Sequential`,
   * `{ layers, ...options }`. The trained parameters are {@link getParameterVector} and {@link getWeights}.
   */
  getParams(): Record<string, unknown> {
    const args = jsonClone(this.ctorArgs);
    if (args.length === 2) return { layers: args[0], ...(args[1] as object) };
    return { ...((args[0] as object | undefined) ?? {}) };
  }

  /**
   * Sets hyperparameters (scikit-learn's `set_params`): merged into the current ones and validated as the
   * constructor does; they apply from the next `fit`. A fitted model keeps its weights until then.
   * @returns this model.
   * @throws OptionError naming a bad or unknown parameter (the model is unchanged); StateError while fit runs.
   */
  setParams(params: Record<string, unknown>): this {
    if (this.busy) throw new StateError('setParams() called while fit() is running', 'setParams');
    if (!isPlainObject(params)) throw new OptionError(`Expected an object of hyperparameters for params but received ${describe(params)}`, 'params');
    const merged = { ...this.getParams(), ...jsonClone(params) };
    const { layers, ...options } = merged as { layers?: unknown };
    const args = this.ctorArgs.length === 2 ? [layers, options] : [merged];
    const fresh = new (this.constructor as new (...a: unknown[]) => Model)(...args);
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(fresh)) {
      if (STATE_FIELDS.has(k)) continue;
      // The weights keep the head they were trained with (predict, save); the new one applies from the next fit.
      if (k === 'head' && this.trainer) {
        this.nextHead = v as Head;
        continue;
      }
      self[k] = v;
    }
    return this;
  }

  /** An unfitted model with the same hyperparameters (scikit-learn's `clone`): no weights, history or feature names. */
  /**
   * The learning-rate range test (Smith 2017; fastai's `lr_find`) on a fresh copy of this model — this model is
   * not touched: `steps` mini-batches with the rate growing exponentially from `minLr` (1e-7) to `maxLr` (10), the
   * loss smoothed by an EMA (0.98, bias-corrected), stopped when it exceeds 4× its minimum. Resolves to
   * `{ lrs, losses, smoothed, suggestion, minLossLr, stoppedEarly }`; `suggestion` is where the smoothed loss falls
   * fastest against log10(lr). `X` `[n, d]`, `y` `[n]` (or `[n, k]`) in memory.
   * @throws OptionError for bad options or a sweep that diverges within 3 batches.
   */
  async lrFind(X: MatrixLike, y: TargetsLike, options: LrFindOptions = {}): Promise<LrFindResult> {
    if (isPlainObject(options) && isLbfgs(options.optimizer))
      throw new OptionError('lrFind sweeps the learning rate of a first-order optimizer (sgd, adam, …); lbfgs has none to sweep', 'optimizer');
    // The sweep runs on a copy without weight averaging: SWA's own rate schedule would override the swept rates.
    const probe = {
      clone: () => {
        const args = jsonClone(this.ctorArgs);
        const o = args[args.length - 1];
        if (isPlainObject(o)) for (const k of ['average', 'ema', 'swa']) delete o[k];
        return new (this.constructor as new (...a: unknown[]) => Model)(...args);
      },
    };
    return lrFind(probe as unknown as LrFindModel, X, y, options);
  }

  clone(): this {
    return new (this.constructor as new (...a: unknown[]) => this)(...jsonClone(this.ctorArgs));
  }

  /**
   * A Keras-style summary: one row per layer (type, output shape `[null, units]`, parameters) and the totals.
   * Printed with `console.log` unless `{ print: false }`; returned either way.
   * @throws StateError before fit (the input width is known from the data).
   */
  summary(options: { print?: boolean } = {}): string {
    const { spec } = this.requireFitted('summary');
    const rows: string[][] = [['layer', 'output shape', 'activation', 'params']];
    let total = 0;
    spec.layers.forEach((L, i) => {
      const n = L.units * L.inputs + (L.useBias ? L.units : 0);
      total += n;
      rows.push([`dense_${i} (Dense ${L.inputs} → ${L.units})`, `[null, ${L.units}]`, L.activation, n.toLocaleString('en-US')]);
      if (L.dropout > 0) rows.push([`dropout_${i} (Dropout ${L.dropout})`, `[null, ${L.units}]`, '', '0']);
    });
    const w = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
    const line = (r: string[]) => r.map((c, j) => c.padEnd(w[j]!)).join('  ').trimEnd();
    const rule = '─'.repeat(w.reduce((a, b) => a + b + 2, -2));
    const bytes = total * (spec.dtype === 'float64' ? 8 : 4);
    const out = [
      `Model: ${this.constructor.name} (${spec.loss}, ${spec.dtype})`,
      rule,
      line(rows[0]!),
      rule,
      ...rows.slice(1).map(line),
      rule,
      `Total params: ${total.toLocaleString('en-US')} (${bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1048576).toFixed(2)} MiB`}), all trainable`,
    ].join('\n');
    if (options.print !== false) console.log(out);
    return out;
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

  protected requireFitted(method: string): { trainer: BackendTrainer; spec: EngineSpec } {
    // While fit runs, the model may be read only from its callbacks (between chunks, where the trainer is idle).
    const what = method === 'classes' ? 'classes read' : `${method}() called`; // a property, not a method
    if (this.busy && !this.inCallback) throw new StateError(`${what} while fit() is running; await it, or call it from onEpochEnd/onBatchEnd`, method);
    if (!this.trainer || !this.spec) throw new StateError(`${what} before fit()`, method);
    if (this.trainer.isBusy()) throw new StateError(`${method}() called while the trainer is running a chunk of fit(); await it or call from a callback`, method);
    return { trainer: this.trainer, spec: this.spec };
  }

  /** Raw outputs `[n, outputs]` of the last layer (logits for classifiers), row-major, in the model's dtype. */
  outputs(X: unknown): { data: FloatArray; rows: number; cols: number } {
    return this.outputsFor(X, 'predict');
  }

  private outputsFor(X: unknown, method: string): { data: FloatArray; rows: number; cols: number } {
    const { trainer, spec } = this.requireFitted(method);
    const dtype = spec.dtype;
    let Xm: Rows;
    if (isCsr(X)) {
      if (this.scaler) throw new OptionError('This model standardizes its inputs (standardize: true), which would make every sparse (CSR) row dense: pass X as dense rows', 'X');
      Xm = toCsr(X, 'X', dtype, spec.layers[0]!.inputs);
    } else {
      Xm = toMatrix(X, 'X', dtype, spec.layers[0]!.inputs);
      if (this.scaler) Xm = this.scaler.transform(Xm, dtype);
    }
    const k = spec.layers[spec.layers.length - 1]!.units;
    requireMemory(Xm.rows * k * (dtype === 'float64' ? 8 : 4), 'X', `The outputs for ${Xm.rows} rows × ${k} units`);
    const out = arrayFor(dtype, Xm.rows * k);
    trainer.predict(trainerRows(Xm), Xm.rows, out);
    // A non-finite output (inputs too large for the weights in this dtype) would otherwise become a silent wrong
    // class: argmax over NaN logits picks class 0.
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i]!)) {
        const params = trainer.getParams();
        const bad = params.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new StateError(`The model's parameters hold ${params[bad]} at index ${bad} (set by setParams?); predictions would be NaN`, 'params');
        const r = Math.floor(i / k);
        let maxAbs = 0;
        if (isCsr(Xm)) for (let q = Xm.indptr[r]!; q < Xm.indptr[r + 1]!; q++) maxAbs = Math.max(maxAbs, Math.abs(Xm.values[q]!));
        else for (let j = 0; j < Xm.cols; j++) maxAbs = Math.max(maxAbs, Math.abs(Xm.data[r * Xm.cols + j]!));
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
    const layout = layoutOf(spec.layers);
    return spec.layers.map((L, l) => {
      const w = layout.weight[l]!, b = layout.bias[l]!;
      return { weight: p.slice(w, w + L.units * L.inputs), bias: b >= 0 ? p.slice(b, b + L.units) : null, units: L.units, inputs: L.inputs };
    });
  }

  /**
   * Replaces all trained parameters: flat `[W0, b0, W1, b1, …]` (each `W` `[units, inputs]` row-major) in the
   * model's dtype (Float32Array or Float64Array). scikit-learn's `set_params` is {@link setParams}.
   * @throws StateError before fit; ShapeError (argument `"params"`) for a wrong type or length.
   */
  setParameterVector(params: FloatArray): void {
    this.requireFitted('setParameterVector').trainer.setParams(params);
    // With weight averaging the session kept the raw weights aside; weights set by hand replace both.
    this.session?.forgetRawParams();
  }

  /** A copy of all trained parameters, flat `[W0, b0, W1, b1, …]` in the model's dtype. @throws StateError before fit. */
  getParameterVector(): FloatArray {
    return this.requireFitted('getParameterVector').trainer.getParams();
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
    this.session = undefined;
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

/** What a model file records of the training that produced it (for the record; not needed to predict). */
function trainingRecord(plan: TrainingPlan): Record<string, unknown> {
  const r: Record<string, unknown> = {
    entry: plan.entry, epochs: plan.epochs, batchSize: plan.batchSize, shuffle: plan.shuffle, seed: plan.seed, stepUnit: plan.stepUnit, dtype: plan.dtype,
    optimizer: { name: plan.optimizer.name, options: plan.optimizer.options, learningRate: learningRateJSON(plan.optimizer.learningRate) },
  };
  if (plan.entry === 'stream') r.shuffleBuffer = plan.shuffleBuffer;
  return r;
}
