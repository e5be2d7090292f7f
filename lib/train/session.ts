/**
 * `TrainingSession`: the one training loop. It runs a {@link TrainingPlan} on any {@link BatchSource} — epochs,
 * chunks of batches per backend call, the learning-rate schedule, callbacks, history, validation and metrics,
 * early stopping, checkpoints, abort, the divergence guard — with one map from the backend's status to errors.
 * `fit(X, y)`, `fit(source)` and `partialFit` are thin wrappers: a session per `fit`, and for `partialFit` a
 * session that stays open for the next call.
 *
 * The boundary to the backend is crossed once per chunk (by default a whole block, i.e. an epoch in memory): TS
 * evaluates the schedule into a `Float64Array` of per-step learning rates, the backend runs every batch on a worker
 * thread and returns per-batch losses and gradient norms. Plateau schedules, validation, early stopping, callbacks
 * and abort act between chunks, never inside the native loop.
 */
import { getBackend } from '../backend';
import { isCsrData, type BackendTrainer, type FloatArray } from '../backend/types';
import { refuseWithCsr, trainerRows, type Rows } from '../data/sparse';
import { KERNEL_FIELD_NAMES, LOSSES, layoutOf, type EngineSpec } from '../engine/spec';
import { AbortError, DivergenceError, OptionError, ShapeError } from '../errors';
import { writeFileAtomic } from '../io/util';
import { requireTrainerMemory } from '../memory';
import { StandardScaler } from '../data/scale';
import { arrayFor } from '../data/matrix';
import type { Head } from '../models/heads';
import { initialParams } from '../models/init';
import { buildSpec, type LayerDef, type Regularization } from '../models/layers';
import { isPlateau, learningRateAt } from '../optim/optimizers';
import { minimizeLbfgs, minimizeOwlqn, type LbfgsSpec } from '../optim/lbfgs';
import { solveLinearQuantile } from '../optim/quantile';
import type { TrainingPlan } from './plan';
import { VerboseReporter } from './progress';
import type { BatchSource, Block, ScalerMode } from './source';
import { type EpochInfo, type History, isThenable, monitored } from './types';

/** What a session needs of the model it trains. */
let swaWarned = false;

/** `swa` (torch.optim.swa_utils): average once per epoch from epoch `start`, learning rate annealed by SWALR. */
export interface SwaOptions {
  readonly start: number;
  readonly learningRate: number;
  readonly annealEpochs: number;
  readonly annealStrategy: 'cos' | 'linear';
}

export interface SessionModel {
  readonly className: string;
  readonly head: Head;
  readonly standardize: boolean;
  readonly regularization: Regularization;
  /** Stochastic weight averaging (the model's `swa` option), or undefined. */
  readonly swa?: SwaOptions;
  /** Every layer, input to output, for `outputs` output units. */
  layerDefs(outputs: number): LayerDef[];
  /** Output units fixed by the architecture (Sequential's last layer), or undefined to size them from the labels. */
  fixedOutputs(): number | undefined;
  /** The option that sizes the parameters, named by a MemoryLimitError when they do not fit. */
  paramsOption(): string;
}

export interface RunHooks {
  /** The bytes of a checkpoint of the model as it is now (written when the plan asks for checkpoints). */
  checkpoint?: () => Uint8Array;
  /** Told when a user callback starts (true) and returns (false): the model may be read only then during a run. */
  calling?: (inside: boolean) => void;
}

/** Bytes of rows per backend call by default (batchesPerChunk). */
const STAGE_BYTES = 4 << 20;

/** Per-batch values of one epoch, grown as blocks arrive (a streaming epoch's batch count is not known ahead). */
class EpochBuffers {
  losses = new Float64Array(64);
  norms = new Float64Array(64);
  lrs = new Float64Array(64);
  reserve(n: number): void {
    if (n <= this.losses.length) return;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(Math.max(n, 2 * a.length));
      b.set(a);
      return b;
    };
    this.losses = grow(this.losses);
    this.norms = grow(this.norms);
    this.lrs = grow(this.lrs);
  }
}

export class TrainingSession {
  /** Optimizer steps taken; epochs (partialFit: passes) completed. */
  step = 0;
  /** With weight averaging, the raw weights between runs (the trainer then holds the average). */
  private rawParams: FloatArray | undefined;
  /** Weights set by hand (setParameterVector) are the ones training continues from. */
  forgetRawParams(): void {
    this.rawParams = undefined;
  }
  /** Averaging has begun: the trainer's weights become the average and the raw ones are kept aside. */
  private holdAverage(): void {
    if (this.rawParams) return;
    if (this.spec.average && this.step >= this.spec.average.start) {
      this.rawParams = this.trainer.getParams();
      this.trainer.setParams(this.trainer.getAverage()!);
    } else if (this.swaAvg) {
      this.rawParams = this.trainer.getParams();
      this.trainer.setParams(this.swaAvg.slice());
    }
  }
  /** SWA: the running mean of the end-of-epoch weights from epoch `swa.start`, and the learning rate SWALR anneals from. */
  private swaAvg: FloatArray | undefined;
  private swaCount = 0;
  private swaFrom = 0;

  /**
   * SWALR (torch 1.13): after epoch `start` the rate anneals from the last rate of epoch `start` to `swa.learningRate`
   * over `annealEpochs` epochs, `α = (1 − cos(π·s/annealEpochs))/2` (or linear), `lr = α·swaLr + (1 − α)·lr₀`, s the
   * epochs since `start`; then it stays at `swa.learningRate`. Undefined before the SWA phase (the schedule rules).
   */
  private swaLr(epoch: number): number | undefined {
    const swa = this.model.swa;
    if (!swa || epoch <= swa.start) return undefined;
    const s = epoch - swa.start;
    const t = Math.max(0, Math.min(1, s / Math.max(1, swa.annealEpochs)));
    const a = swa.annealEpochs === 0 ? 1 : swa.annealStrategy === 'cos' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
    return swa.learningRate * a + this.swaFrom * (1 - a);
  }

  /** After epoch `epoch`: AveragedModel.update_parameters (a copy, then `avg + (w − avg)/(n + 1)`). */
  private swaUpdate(epoch: number, lastLr: number): void {
    const swa = this.model.swa;
    if (!swa || epoch < swa.start) return;
    if (epoch === swa.start) this.swaFrom = lastLr;
    const p = this.trainer.getParams();
    if (!this.swaAvg) this.swaAvg = p;
    else {
      const a = this.swaAvg, n = this.swaCount;
      for (let i = 0; i < a.length; i++) a[i] = a[i]! + (p[i]! - a[i]!) / (n + 1);
    }
    this.swaCount++;
  }
  epoch = 0;

  private constructor(
    readonly model: SessionModel,
    /** The session's own head (a fork of the model's), sized by the data; the model adopts it with the session. */
    readonly head: Head,
    public plan: TrainingPlan,
    readonly trainer: BackendTrainer,
    readonly spec: EngineSpec,
    readonly backendName: 'native' | 'js',
    readonly scaler: StandardScaler | undefined,
    readonly featureNames: string[] | undefined,
  ) {}

  get inputs(): number {
    return this.spec.layers[0]!.inputs;
  }
  get outputs(): number {
    return this.spec.layers[this.spec.layers.length - 1]!.units;
  }

  /**
   * Opens `source`, sizes the model from it, creates and initializes the backend trainer (or restores the plan's
   * checkpoint). Nothing of the model changes here: the caller adopts the session once it exists.
   */
  static async start(model: SessionModel, plan: TrainingPlan, source: BatchSource): Promise<TrainingSession> {
    const resume = plan.resume?.snapshot;
    let scaler: StandardScaler | undefined;
    if (model.standardize) {
      scaler = new StandardScaler();
      if (resume?.scaler) {
        scaler.mean = resume.scaler.mean;
        scaler.std = resume.scaler.std;
      }
    }
    const scalerMode: ScalerMode = plan.entry !== 'fit' ? 'update' : resume ? 'apply' : 'fit';
    const head = model.head.fork();
    const opened = await source.open({ head, fixedOutputs: model.fixedOutputs(), scaler, scalerMode, scaleHint: plan.entry === 'fit' && !scaler });
    const fixed = model.fixedOutputs();
    if (plan.classes !== undefined && fixed !== undefined && plan.classes !== fixed)
      throw new OptionError(`classes ${plan.classes} does not match the ${fixed} units of the model's last layer`, 'classes');
    const defs = model.layerDefs(opened.outputs);
    const batchRows = opened.rows !== undefined ? Math.min(plan.batchSize, opened.rows) : plan.batchSize;
    const spec = buildSpec(defs, opened.cols, model.head.loss, model.head.lossParam, plan.dtype, plan.optimizer, model.regularization, batchRows);
    requireTrainerMemory(spec, model.paramsOption(), model.head.loss === 'softmaxCrossEntropy' && model.fixedOutputs() === undefined ? 'y' : undefined);
    if (resume) {
      const r = resume.spec;
      if (JSON.stringify(r.layers) !== JSON.stringify(spec.layers) || r.loss !== spec.loss || (r.lossParam ?? 0) !== (spec.lossParam ?? 0) || r.dtype !== spec.dtype)
        throw new OptionError(`${plan.resume!.path} was trained with a different architecture, loss (or loss parameter) or dtype than this model and data`, 'resumeFrom');
      if (r.optimizer.kernel !== spec.optimizer.kernel || KERNEL_FIELD_NAMES.some((f) => r.optimizer[f] !== spec.optimizer[f]))
        throw new OptionError(`${plan.resume!.path} was trained with a different optimizer (${resume.checkpoint!.optimizer.name} ${JSON.stringify(resume.checkpoint!.optimizer.options)})`, 'resumeFrom');
    }
    if ((spec.average || model.swa) && (plan.checkpoint || resume || plan.earlyStopping?.restoreBestWeights))
      throw new OptionError('Weight averaging (average / ema / swa) does not combine with checkpoints, resumeFrom or restoreBestWeights yet', plan.checkpoint ? 'checkpoint' : resume ? 'resumeFrom' : 'earlyStopping');
    if (plan.signal?.aborted) throw new AbortError('fit() was aborted before it started; the model keeps its previous parameters', { cause: plan.signal.reason });
    const backend = getBackend(plan.backend);
    const trainer = backend.createTrainer(spec);
    const session = new TrainingSession(model, head, plan, trainer, spec, backend.name, scaler, opened.featureNames);
    try {
      // initialize() resets optimizer state; the weights and the generator position come from lib/models/init.ts.
      trainer.initialize(plan.seed);
      if (resume) {
        const ck = resume.checkpoint!;
        trainer.setParams(resume.params);
        ck.slots.forEach((v, i) => trainer.setSlot(i, v));
        trainer.setState({ step: ck.step, muProduct: ck.muProduct, rng: ck.rng });
        if (ck.plateau !== undefined && isPlateau(plan.optimizer.learningRate)) plan.optimizer.learningRate.setState(ck.plateau as never);
        session.epoch = ck.epoch;
        session.step = ck.step;
      } else {
        const init = initialParams(spec, defs.map((d) => d.kernelInitializer ?? 'torchDefault'), plan.seed);
        trainer.setParams(init.params);
        trainer.setState({ step: 0, muProduct: 1, rng: init.rng });
        // A plateau schedule's state belongs to one training run: a new run starts it afresh (only once nothing
        // can fail before training any more, so a refused fit leaves it as it was).
        if (isPlateau(plan.optimizer.learningRate)) plan.optimizer.learningRate.reset?.();
      }
    } catch (e) {
      trainer.dispose();
      throw e;
    }
    session.source = source;
    return session;
  }

  /** The source the session was started with (already open). */
  private source: BatchSource | undefined;

  /**
   * partialFit: opens another chunk for this session (same columns and outputs; the scaler updated with it unless
   * the plan keeps it frozen).
   */
  async attach(source: BatchSource, plan: TrainingPlan): Promise<void> {
    // A call refused here leaves the session exactly as it was (scaler statistics included).
    if (plan.signal?.aborted) throw new AbortError('partialFit() was aborted before it started; the model is unchanged', { cause: plan.signal.reason });
    if (plan.backend !== undefined && getBackend(plan.backend).name !== this.backendName)
      throw new OptionError(`backend is fixed by the training this call continues (${this.backendName}); this call gives ${plan.backend}. Call fit() to start over`, 'backend');
    const link = LOSSES[this.head.loss].link;
    const fixedClasses = link === 'softmax' ? this.outputs : link === 'margin' ? (this.outputs === 1 ? 2 : this.outputs) : undefined;
    if (plan.classes !== undefined && fixedClasses !== undefined && plan.classes !== fixedClasses)
      throw new OptionError(`classes is fixed by the model's ${this.outputs} output units (${fixedClasses} classes); this call gives ${plan.classes}. Call fit() to start over`, 'classes');
    const before = this.scaler?.clone();
    try {
      const opened = await source.open({
        head: this.head, outputs: this.outputs, cols: this.inputs, scaler: this.scaler,
        scalerMode: plan.scaler === 'incremental' ? 'update' : 'apply', scaleHint: false,
      });
      const bs = Math.min(plan.batchSize, opened.rows ?? plan.batchSize);
      if (bs > this.spec.maxBatch) throw new OptionError(`batchSize ${bs} exceeds the ${this.spec.maxBatch} rows the trainer's workspace was sized for (by the first fit or partialFit call)`, 'batchSize');
    } catch (e) {
      if (before) this.scaler!.restoreFrom(before);
      throw e;
    }
    this.source = source;
  }

  /**
   * Trains: epochs `epoch + 1 … plan.epochs` (partialFit: one pass) over the attached source. Resolves to this run's
   * history; throws `DivergenceError` (the model keeps the parameters of the failed chunk's start), `AbortError`,
   * `ShapeError` (invalid rows the backend found), or whatever a callback or the source threw.
   */
  /**
   * Full-batch L-BFGS on the in-memory data (one block): the objective is the loss head's mean data term plus the
   * L2 penalty, its gradient the backend's `gradients` over every row (the rows are read where they lie, no copy per
   * evaluation). The history has one entry per iteration (`loss`: the objective) and `lbfgs` with the solver's counts.
   */
  async runLbfgs(plan: TrainingPlan, solver: LbfgsSpec): Promise<History> {
    this.plan = plan;
    const t0 = process.hrtime.bigint();
    const { trainer, spec } = this;
    let block: Block | undefined;
    for await (const b of this.source!.epoch(1)) {
      if (block) throw new OptionError('lbfgs needs the whole training set in one block (in-memory data)', 'optimizer');
      block = b;
    }
    if (!block) throw new ShapeError('No training rows', 'X');
    if (block.W) throw new OptionError('lbfgs does not take sampleWeight or classWeight yet; use a first-order optimizer', 'sampleWeight');
    if (isCsrData(block.X)) refuseWithCsr('optimizer', 'lbfgs evaluates dense blocks; use a first-order optimizer (sgd keeps steps O(non-zeros))');
    const { Y, rows } = block;
    const X = block.X;
    const layout = layoutOf(spec.layers);
    const penalized: [number, number][] = spec.layers.flatMap((L, i) => {
      const w: [number, number][] = [[layout.weight[i]!, L.units * L.inputs]];
      if (spec.penalizeBias && L.useBias) w.push([layout.bias[i]!, L.units]);
      return w;
    });
    const P = trainer.getParams();
    const x = Float64Array.from(P);
    const gbuf = P.slice();
    // An evaluation is the rows in blocks of the workspace (spec.maxBatch): the row-weighted mean of the blocks'
    // mean losses and gradients, whose L2 terms (added by every block) sum to one. The rows are read where they
    // lie (subarray views, no copies); between blocks the event loop gets a turn once ~10 ms have passed (timers,
    // I/O, abort signals), as the JS trainer does between batches.
    const B = spec.maxBatch, d = spec.layers[0]!.inputs, yc = Y.length / rows;
    let lastYield = performance.now();
    const pause = async () => {
      if (performance.now() - lastYield > 10) {
        await new Promise<void>((res) => setImmediate(res));
        lastYield = performance.now();
      }
      if (plan.signal?.aborted) throw new AbortError('fit() was aborted; the model keeps its initial parameters (lbfgs has no intermediate state worth keeping)', { cause: plan.signal.reason });
    };
    let evaluations = 0, lastFinite = NaN;
    const diverged = (value: number, what: string) =>
      new DivergenceError(1, 0, lastFinite, what, `L-BFGS diverged: evaluation ${evaluations} gave a non-finite ${what} (${value}); the model keeps its initial parameters. Standardize the features (standardize: true) or rescale the targets`);
    const f = async (xx: Float64Array, g: Float64Array): Promise<number> => {
      evaluations++;
      P.set(xx);
      trainer.setParams(P);
      g.fill(0);
      let loss = 0;
      for (let s = 0; s < rows; s += B) {
        await pause();
        const r = Math.min(B, rows - s);
        const wgt = r / rows;
        loss += wgt * trainer.gradients(X.subarray(s * d, (s + r) * d), Y.subarray(s * yc, (s + r) * yc), r, gbuf);
        for (let i = 0; i < g.length; i++) g[i] = g[i]! + wgt * gbuf[i]!;
      }
      let pen = 0;
      for (const [o, len] of penalized) for (let i = o; i < o + len; i++) pen += xx[i]! * xx[i]!;
      const total = loss + 0.5 * spec.l2 * pen;
      // Non-finite at the start ends the solve; at a trial point it counts as +∞, so the line search backs off
      // (SciPy's L-BFGS-B does the same; torch's would carry the NaN on).
      let finite = Number.isFinite(total);
      for (let i = 0; finite && i < g.length; i++) finite = Number.isFinite(g[i]!);
      if (!finite) {
        if (evaluations === 1) throw diverged(total, Number.isFinite(total) ? 'gradient' : 'loss');
        return Infinity;
      }
      lastFinite = total;
      return total;
    };
    const x0 = P.slice();
    // OWL-QN for l1: the solver handles the L1 term, on the entries the trainers soft-threshold.
    const mask = new Uint8Array(spec.l1 > 0 ? x.length : 0);
    if (spec.l1 > 0)
      spec.layers.forEach((L, i) => {
        mask.fill(1, layout.weight[i]!, layout.weight[i]! + L.units * L.inputs);
        if (spec.penalizeBias && L.useBias) mask.fill(1, layout.bias[i]!, layout.bias[i]! + L.units);
      });
    let r;
    let smoothing: { stages: number; delta: number; polished: boolean } | undefined;
    try {
      if (spec.loss === 'quantile' && spec.layers.length === 1 && spec.l1 === 0) {
        // The pinball loss's kink: smoothing with continuation, then the LP vertex (lib/optim/quantile.ts).
        const s = await solveLinearQuantile(trainer, spec, X, Y, rows, x, solver.options, pause);
        r = { ...s.result, losses: [...s.result.losses, s.objective] };
        smoothing = { stages: s.stages, delta: s.delta, polished: s.polished };
      } else r = spec.l1 > 0 ? await minimizeOwlqn(f, x, spec.l1, mask, solver.options) : await minimizeLbfgs(f, x, solver.options);
    } catch (e) {
      trainer.setParams(x0);
      throw e;
    }
    if (!r.losses.every(Number.isFinite) || !x.every(Number.isFinite)) {
      trainer.setParams(x0);
      throw diverged(NaN, 'parameters');
    }
    P.set(x);
    trainer.setParams(P);
    this.epoch = 1;
    const history: History = {
      epoch: r.losses.map((_, i) => i + 1), loss: r.losses, valLoss: [], metrics: { train: {}, validation: {} }, learningRates: [],
      seconds: Number(process.hrtime.bigint() - t0) / 1e9, stoppedEarly: false, bestEpoch: r.iterations, throughput: [], history: { loss: r.losses },
      lbfgs: { iterations: r.iterations, evaluations: r.evaluations, initialLoss: r.initialLoss, gradMax: r.gradMax, reason: r.reason, ...(smoothing ? { smoothing } : {}) },
    };
    return history;
  }

  async run(plan: TrainingPlan, hooks: RunHooks = {}): Promise<History> {
    this.plan = plan;
    const source = this.source!;
    const { trainer } = this;
    const t0 = process.hrtime.bigint();
    // Averaging: the model held the average since the last run; training continues from the raw weights.
    if (this.rawParams) {
      trainer.setParams(this.rawParams);
      this.rawParams = undefined;
    }
    const history: History = {
      epoch: [], loss: [], valLoss: [], metrics: { train: {}, validation: {} }, learningRates: [], seconds: 0, stoppedEarly: false, bestEpoch: 0, throughput: [], history: {},
    };
    const es = plan.earlyStopping;
    let best = es ? (es.mode === 'min' ? Infinity : -Infinity) : 0;
    let bestParams: FloatArray | undefined;
    let bestEpoch = 0;
    let wait = 0;
    let lastFinite = NaN;
    // Gradient norms cost a pass over all gradients per batch: computed only when a callback can see them.
    const wantNorms = plan.onBatchEnd !== undefined || plan.onEpochEnd !== undefined;
    const buf = new EpochBuffers();
    const checkAbort = () => {
      if (plan.signal?.aborted) throw new AbortError('fit() was aborted; the model keeps the parameters of the last completed chunk', { cause: plan.signal.reason });
    };
    const lastEpoch = plan.entry === 'partialFit' ? this.epoch + 1 : plan.epochs;
    const report = plan.verbose ? new VerboseReporter(plan.verbose, lastEpoch) : undefined;
    if (plan.onTrainBegin) await this.call(hooks, () => plan.onTrainBegin!());
    let current: Block | undefined;
    try {
      for (let epoch = this.epoch + 1; epoch <= lastEpoch; epoch++) {
        checkAbort();
        const epochStart = process.hrtime.bigint();
        let rows = 0, lossSum = 0, batches = 0;
        for await (const block of source.epoch(epoch)) {
          if (block !== current) {
            // Averaging reads every weight after each step; a CSR step leaves untouched columns to be caught up later.
            if (isCsrData(block.X) && this.spec.average && this.spec.average.kind !== 'none')
              refuseWithCsr(this.spec.average.kind === 'ema' ? 'ema' : 'average', 'averaging reads every weight after every step, which a sparse step does not touch');
            trainer.setData(block.X, block.Y, block.rows, block.W);
            current = block;
          }
          const bs = Math.min(plan.batchSize, block.rows);
          if (bs > this.spec.maxBatch) throw new OptionError(`batchSize ${bs} exceeds the ${this.spec.maxBatch} rows the trainer's workspace was sized for (by the first fit or partialFit call)`, 'batchSize');
          // Each pass shuffles the identity, so its order depends only on the generator state (resumable).
          if (block.shuffle) trainer.shuffle();
          const nb = Math.ceil(block.rows / bs);
          // Default chunk: 4 MiB of rows (see batchesPerChunk), so staging stays small and the event loop breathes.
          const elem = block.Y.BYTES_PER_ELEMENT;
          const xBytes = isCsrData(block.X) ? block.X.values.length * (elem + 4) + 4 * block.rows : block.X.length * elem;
          const rowBytes = (xBytes + (block.Y.length + (block.W ? block.W.length : 0)) * elem) / block.rows;
          let auto = Math.max(1, Math.floor(STAGE_BYTES / (bs * rowBytes)));
          // CSR rows are not staged, and plain SGD brings every input column up to date at a chunk's end
          // (O(inputs)): chunks long enough that this stays under a tenth of the chunk's own work.
          if (isCsrData(block.X)) auto = Math.max(auto, Math.ceil((10 * this.spec.layers[0]!.inputs * block.rows) / (Math.max(1, block.X.values.length) * bs)));
          const chunk = Math.max(1, Math.min(plan.batchesPerChunk === Number.MAX_SAFE_INTEGER ? auto : plan.batchesPerChunk, nb));
          buf.reserve(batches + nb);
          for (let first = 0; first < nb; first += chunk) {
            const count = Math.min(chunk, nb - first);
            const at = batches + first;
            const lrs = buf.lrs.subarray(at, at + count), losses = buf.losses.subarray(at, at + count), norms = buf.norms.subarray(at, at + count);
            for (let b = 0; b < count; b++) {
              const t = plan.stepUnit === 'epoch' ? epoch - 1 : this.step + b;
              const lr = this.swaLr(epoch) ?? learningRateAt(plan.optimizer.learningRate, t);
              if (!(Number.isFinite(lr) && lr >= 0)) throw new OptionError(`The learning-rate schedule returned ${lr} at step ${t}`, 'learningRate');
              lrs[b] = lr;
            }
            const res = await trainer.runBatches(block.shuffle, bs, first, count, lrs, losses, wantNorms ? norms : null);
            if (res.status === 3) throw new AbortError('fit() was cancelled because its environment is shutting down');
            if (res.status === 2) throw new ShapeError(`Invalid training data at epoch ${epoch}, batch ${at + res.batch}: ${res.what}`, 'y');
            if (res.status === 1) {
              for (let b = 0; b < res.batch; b++) if (Number.isFinite(losses[b]!)) lastFinite = losses[b]!;
              throw new DivergenceError(epoch, at + res.batch, lastFinite, res.what);
            }
            for (let b = 0; b < count; b++) {
              const r = first + b === nb - 1 ? block.rows - (first + b) * bs : bs;
              lossSum += losses[b]! * r;
              history.learningRates.push(lrs[b]!);
            }
            lastFinite = losses[count - 1]!;
            this.step += count;
            if (plan.onBatchEnd) {
              for (let b = 0; b < count; b++) {
                // An async callback's rejection must reach fit's caller, not become an unhandled rejection.
                await this.call(hooks, () => plan.onBatchEnd!({ epoch, batch: at + b, loss: losses[b]!, learningRate: lrs[b]!, gradNorm: norms[b]! }));
              }
            }
            report?.chunk(epoch, first + count, block.shuffle ? nb : 0, Math.min(block.rows, (first + count) * bs) - Math.min(block.rows, first * bs), losses[count - 1]!);
            if (first + count < nb) checkAbort();
          }
          batches += nb;
          rows += block.rows;
        }
        const seconds = Number(process.hrtime.bigint() - epochStart) / 1e9;
        const loss = lossSum / rows;
        const metrics = this.evaluate();
        const valLoss = metrics.validation.loss;
        history.epoch.push(epoch);
        history.loss.push(loss);
        if (valLoss !== undefined) history.valLoss.push(valLoss);
        for (const side of ['train', 'validation'] as const) {
          for (const [k, v] of Object.entries(metrics[side])) (history.metrics[side][k] ??= []).push(v);
        }
        history.throughput.push({ rows, rowsPerSecond: rows / seconds, waitFraction: Math.min(1, source.waitSeconds / seconds) });
        // Keras' names (History.history): loss, val_loss, requested metrics and their val_ values, lr.
        const kh = history.history;
        (kh.loss ??= []).push(loss);
        if (valLoss !== undefined) (kh.val_loss ??= []).push(valLoss);
        for (const [k, v] of Object.entries(metrics.train)) {
          (kh[k] ??= []).push(v);
          if (metrics.validation[k] !== undefined) (kh[`val_${k}`] ??= []).push(metrics.validation[k]!);
        }
        (kh.lr ??= []).push(buf.lrs[batches - 1]!);
        const info: EpochInfo = {
          epoch, loss, valLoss, metrics, learningRate: buf.lrs[batches - 1]!, batchLosses: buf.losses.slice(0, batches), gradNorms: buf.norms.slice(0, batches),
        };
        // Plateau schedules act between chunks on the validation loss (or the training loss without validation).
        if (isPlateau(plan.optimizer.learningRate)) plan.optimizer.learningRate.report(valLoss ?? loss);
        this.epoch = epoch;
        this.swaUpdate(epoch, history.learningRates.at(-1)!);
        let stop = false;
        if (es) {
          // Keras EarlyStopping: wait counts epochs without improvement; stop when it reaches patience.
          const v = monitored(es, info);
          wait++;
          if (es.mode === 'min' ? v < best - es.minDelta : v > best + es.minDelta) {
            best = v;
            wait = 0;
            bestEpoch = epoch;
            if (es.restoreBestWeights) bestParams = trainer.getParams();
          } else if (wait >= es.patience) {
            stop = true;
          }
        }
        // A checkpoint every `every` epochs and at the end of the run, however it ends (the last epoch, early
        // stopping, onEpochEnd returning false), so a resume continues from the epoch training stopped at.
        let written = false;
        const checkpoint = () => {
          if (!plan.checkpoint || !hooks.checkpoint || written) return;
          writeFileAtomic(plan.checkpoint.path, hooks.checkpoint());
          written = true;
        };
        if (epoch % (plan.checkpoint?.every ?? 1) === 0 || epoch === lastEpoch || stop) checkpoint();
        report?.epoch(info);
        if (plan.onEpochEnd && (await this.call(hooks, () => plan.onEpochEnd!(info))) === false) stop = true;
        if (stop) checkpoint();
        if (stop) {
          history.stoppedEarly = epoch < lastEpoch;
          break;
        }
      }
    } finally {
      report?.end();
      // Averaging: from here on — whether the run ended, diverged or was aborted — the model predicts with (and
      // saves) the averaged weights once averaging has begun; the raw ones wait for the next run.
      if (!trainer.isBusy()) this.holdAverage();
      history.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (!trainer.isBusy()) trainer.clearData(); // the backend's copy of the rows is not needed between runs
      // Between runs the session keeps only what fixes the training, not the caller's data or callbacks.
      this.source = undefined;
      // The batch size a later partialFit defaults to is one the workspace holds (fit sized it to the data's rows).
      this.plan = Object.freeze({
        ...plan, batchSize: Math.min(plan.batchSize, this.spec.maxBatch),
        validationData: undefined, sampleWeight: undefined, onEpochEnd: undefined, onBatchEnd: undefined, onTrainBegin: undefined, onTrainEnd: undefined, signal: undefined, resume: undefined,
      });
    }
    // Restore the best epoch's weights whether or not early stopping triggered (as Keras ≥ 2.11 with restore_best_weights).
    if (es?.restoreBestWeights && bestParams) {
      trainer.setParams(bestParams);
      history.bestEpoch = bestEpoch;
    } else {
      history.bestEpoch = history.epoch.at(-1) ?? 0;
    }
    if (this.model.swa && plan.entry !== 'partialFit' && plan.epochs < this.model.swa.start && !swaWarned) {
      swaWarned = true;
      process.emitWarning(`descent: swa.start is epoch ${this.model.swa.start} but the fit ran ${plan.epochs} epochs: no weights were averaged`, 'DescentWarning');
    }
    if (plan.onTrainEnd) await this.call(hooks, () => plan.onTrainEnd!(history));
    return history;
  }

  /** Runs a user callback (awaiting a returned promise, so its rejection rejects fit), telling the model it may be read meanwhile. */
  private async call(hooks: RunHooks, f: () => unknown): Promise<unknown> {
    hooks.calling?.(true);
    try {
      const r = f();
      return isThenable(r) ? await r : r;
    } finally {
      hooks.calling?.(false);
    }
  }

  /** Validation metrics (every one) and the requested training metrics, from the model's outputs as they are now. */
  private evaluate(): { train: Record<string, number>; validation: Record<string, number> } {
    const val = this.source!.validation();
    const validation = val ? this.metricsOf(val.X, val.y) : {};
    const train: Record<string, number> = {};
    if (this.plan.metrics.length) {
      const rows = this.source!.trainingRows()!;
      const all = this.metricsOf(rows.X, rows.y);
      for (const k of this.plan.metrics) train[k] = all[k]!;
    }
    return { train, validation };
  }

  /** Outputs that overflow the dtype make every metric NaN (visible in history and to early stopping), not an accuracy of NaN logits. */
  private metricsOf(m: Rows, y: Float64Array): Record<string, number> {
    const out = arrayFor(this.spec.dtype, m.rows * this.outputs);
    this.trainer.predict(trainerRows(m), m.rows, out);
    const o = { data: out, rows: m.rows, cols: this.outputs };
    if (out.every(Number.isFinite)) return this.head.metrics(o, y);
    return Object.fromEntries(['loss', ...this.head.metricNames].map((k) => [k, NaN]));
  }
}
