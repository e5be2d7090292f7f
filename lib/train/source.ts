/**
 * `BatchSource`: the seam between data and training. A source turns what the user passed — arrays in memory, a CSV
 * path, an (async) iterable of chunks, an Arrow table — into row-major blocks already in the trainer's dtype, with
 * targets checked against the model's head and the standardizing scaler applied, and says whether it can be read
 * again. The {@link TrainingSession} trains on blocks and never looks at where they came from.
 */
import { AbortError, DataSourceError, DescentError, FormatError, OptionError, ShapeError } from '../errors';
import { LOSSES, type Dtype } from '../engine/spec';
import type { FloatArray } from '../backend/types';
import { targetColumnsOf, type Head } from '../models/heads';
import { StandardScaler } from '../data/scale';
import { Matrix, arrayFor, requireRepresentable, takeRows, toMatrix, toTargets, toVector } from '../data/matrix';
import { isCsr, refuseWithCsr, takeRowsCsr, toCsr, trainerRows, type CsrData, type Rows } from '../data/sparse';
import { Chunk, ShuffleBuffer, StreamSource, chunksOf, isReiterable } from '../data/stream';
import { requireMemory } from '../memory';
import { Rng } from '../rng';
import type { TrainingPlan } from './plan';

/** Rows handed to the trainer in one `setData`: X `[rows, cols]`, Y `[rows, targetColumns]`, optional weights `[rows]`. */
export interface Block {
  /** Dense rows `[rows, cols]` row-major, or CSR. */
  readonly X: FloatArray | CsrData;
  readonly Y: FloatArray;
  readonly W: FloatArray | null;
  readonly rows: number;
  /** Train in the trainer's shuffled order (in-memory data) or in block order (a stream, already shuffled or not). */
  readonly shuffle: boolean;
}

/** How the source treats the model's standardizing scaler. */
export type ScalerMode = 'fit' | 'update' | 'apply';

export interface OpenContext {
  readonly head: Head;
  /** Output units fixed by the architecture (Sequential's last layer). */
  readonly fixedOutputs?: number;
  /** A continuing session: outputs and feature count already fixed (targets are checked, not sized). */
  readonly outputs?: number;
  readonly cols?: number;
  readonly scaler?: StandardScaler;
  readonly scalerMode: ScalerMode;
  /** Warn once when unscaled feature scales differ wildly (in-memory fit without standardize). */
  readonly scaleHint: boolean;
}

export interface Opened {
  readonly cols: number;
  readonly outputs: number;
  /** Training rows, when known up front (in memory): the workspace need not exceed them. */
  readonly rows?: number;
  readonly featureNames?: string[];
}

export interface BatchSource {
  /** Every epoch can read the data again (in memory, a file path, a function returning a fresh iterable, an array of chunks). */
  readonly reiterable: boolean;
  /** Reads what sizing the model needs (columns, the labels that fix the outputs). Called once, before the trainer exists. */
  open(ctx: OpenContext): Promise<Opened>;
  /** The blocks of one epoch (1-based). */
  epoch(epoch: number): AsyncIterable<Block>;
  /** Seconds the last epoch spent waiting for the data source. */
  readonly waitSeconds: number;
  /** The training rows (transformed), for training metrics: in-memory sources only. */
  trainingRows(): { X: Rows; y: Float64Array } | undefined;
  /** The validation rows, transformed with the scaler as it is now. */
  validation(): { X: Rows; y: Float64Array } | undefined;
}

let scaleHintShown = false;

/** One warning per process when feature scales differ wildly and no scaler is used (a common cause of divergence). */
function scaleHint(X: Matrix): void {
  if (scaleHintShown || X.rows < 2) return;
  // A hint needs no precision: look at ≤ 500 evenly spaced rows (it runs on every fit until it fires).
  const sample = X.rows <= 500 ? X : takeRows(X, Array.from({ length: 500 }, (_, i) => Math.floor((i * X.rows) / 500)));
  const std = Array.from(new StandardScaler().fit(sample).std!).filter((v) => v > 1e-12).sort((a, b) => a - b);
  if (std.length < 2) return;
  const ratio = std.at(-1)! / std[Math.floor(std.length / 2)]!;
  if (ratio > 100) {
    scaleHintShown = true;
    process.emitWarning(`descent: one feature's standard deviation is ${ratio.toFixed(0)}× the median column's; consider { standardize: true } (gradient descent converges slowly or diverges on unscaled data)`, 'DescentWarning');
  }
}

/** Per-class weights: `'balanced'` = `n / (k_present · count(c))` (scikit-learn `compute_class_weight`), or a map. */
function classWeights(y: Float64Array, k: number, spec: 'balanced' | Readonly<Record<string, number>>): Float64Array {
  const w = new Float64Array(Math.max(k, 2)).fill(1);
  if (spec === 'balanced') {
    const counts = new Float64Array(w.length);
    for (const v of y) counts[v]!++;
    const present = counts.filter((c) => c > 0).length;
    counts.forEach((c, i) => (w[i] = c > 0 ? y.length / (present * c) : 1));
  } else {
    for (const [key, v] of Object.entries(spec)) {
      const label = Number(key);
      if (label >= w.length) throw new OptionError(`Expected class labels in [0, ${w.length - 1}] as classWeight keys but received ${JSON.stringify(key)}`, `classWeight.${key}`);
      w[label] = v;
    }
  }
  return w;
}

/** The rows of `validationData`, converted once to the trainer's dtype (labels are checked once the head is sized). */
function validationRows(plan: TrainingPlan, cols: number): { X: Rows; y: Float64Array; cols: number } | undefined {
  if (plan.validationData === undefined) return undefined;
  const v = plan.validationData[0];
  const X = isCsr(v) ? toCsr(v, 'validationData[0]', plan.dtype, cols) : toMatrix(v, 'validationData[0]', plan.dtype, cols);
  const t = toTargets(plan.validationData[1], 'validationData[1]', X.rows);
  return { X, y: t.y, cols: t.cols };
}

/** Applies the current scaler to raw validation rows, caching while the scaler does not change. */
class ValidationRows {
  private cached: { X: Rows; y: Float64Array } | undefined;
  private key: [unknown, unknown, number] = [undefined, undefined, -1];
  constructor(private readonly raw: { X: Rows; y: Float64Array } | undefined, private readonly scaler: StandardScaler | undefined, private readonly dtype: Dtype) {}
  get(): { X: Rows; y: Float64Array } | undefined {
    if (!this.raw) return undefined;
    if (!this.scaler || isCsr(this.raw.X)) return this.raw;
    // The statistics change when fitted again (new arrays) or updated in place by partialFit (more rows seen).
    const s = this.scaler, k = this.key;
    if (!this.cached || k[0] !== s.mean || k[1] !== s.std || k[2] !== s.nSamplesSeen) {
      this.cached = { X: s.transform(this.raw.X, this.dtype), y: this.raw.y };
      this.key = [s.mean, s.std, s.nSamplesSeen];
    }
    return this.cached;
  }
}

/**
 * Arrays in memory (`fit(X, y)`, `partialFit`): converted once to one typed array (or used as given when already
 * in the dtype), split for validation, standardized, and handed to the trainer as one block per epoch.
 */
export class MemorySource implements BatchSource {
  readonly reiterable = true;
  readonly waitSeconds = 0;
  private block: Block | undefined;
  private train: { X: Rows; y: Float64Array } | undefined;
  private val: ValidationRows | undefined;

  constructor(private readonly X: unknown, private readonly y: unknown, private readonly plan: TrainingPlan) {}

  async open(ctx: OpenContext): Promise<Opened> {
    const { plan } = this;
    const dtype = plan.dtype;
    let X: Rows = isCsr(this.X) ? toCsr(this.X, 'X', dtype, ctx.cols) : toMatrix(this.X, 'X', dtype, ctx.cols);
    // y [n], or [n, k] for multi-output regression and multi-label classification (flattened row-major).
    const targets = toTargets(this.y, 'y', X.rows);
    let y = targets.y;
    const ycols = targets.cols;
    let w: Float64Array | null = null;
    if (plan.sampleWeight !== undefined) {
      w = toVector(plan.sampleWeight, 'sampleWeight', X.rows);
      w.forEach((v, i) => {
        if (v < 0) throw new ShapeError(`Expected sample weights >= 0 but sampleWeight[${i}] is ${v}`, `sampleWeight[${i}]`);
      });
      if (!w.some((v) => v > 0)) throw new ShapeError('Every sample weight is 0: training would ignore every row', 'sampleWeight');
    }
    // Validation: explicit, or a seeded random holdout (its own generator, so the split does not shift the init stream).
    const vr = validationRows(plan, X.cols);
    if (vr && vr.cols !== ycols) throw new ShapeError(`validationData[1] has ${vr.cols} target column${vr.cols > 1 ? 's' : ''} but y has ${ycols}`, 'validationData[1]');
    let val: { X: Rows; y: Float64Array } | undefined = vr;
    const take = (m: Rows, idx: Uint32Array): Rows => (isCsr(m) ? takeRowsCsr(m, idx) : takeRows(m, idx));
    if (plan.validationSplit !== undefined) {
      const nVal = Math.round(X.rows * plan.validationSplit);
      if (nVal < 1 || nVal >= X.rows) throw new OptionError(`validationSplit ${plan.validationSplit} of ${X.rows} rows leaves an empty training or validation set`, 'validationSplit');
      const perm = Uint32Array.from({ length: X.rows }, (_, i) => i);
      new Rng((plan.seed ^ 0x9e3779b9) >>> 0).shuffle(perm);
      const valIdx = perm.subarray(0, nVal).sort();
      const trainIdx = perm.subarray(nVal).sort();
      const yRows = (idx: Uint32Array) => {
        const out = new Float64Array(idx.length * ycols);
        idx.forEach((r, i) => out.set(y.subarray(r * ycols, (r + 1) * ycols), i * ycols));
        return out;
      };
      val = { X: take(X, valIdx), y: yRows(valIdx) };
      X = take(X, trainIdx);
      if (w) w = Float64Array.from(trainIdx, (i) => w![i]!);
      y = yRows(trainIdx);
    }
    let outputs: number;
    if (ctx.outputs !== undefined) {
      const want = targetColumnsOf(ctx.head, ctx.outputs);
      if (ycols !== want) throw new ShapeError(`The model was trained with ${want} target column${want > 1 ? 's' : ''} per row but y has ${ycols}`, 'y');
      ctx.head.check(y, 'y');
      outputs = ctx.outputs;
    } else {
      outputs = ctx.head.prepare(plan.classes !== undefined ? Float64Array.of(plan.classes - 1) : y, ctx.fixedOutputs, ycols);
      if (plan.classes !== undefined) ctx.head.check(y, 'y');
    }
    if (ycols > 1 && plan.classWeight !== undefined) throw new OptionError('classWeight needs one label per row; with [n, k] targets give sampleWeight', 'classWeight');
    // Validation labels are checked against the classes the training labels fixed (the head is sized by now).
    if (val) ctx.head.check(val.y, plan.validationSplit !== undefined ? 'y' : 'validationData[1]');
    if (plan.classWeight !== undefined) {
      const cw = classWeights(y, outputs, plan.classWeight);
      w ??= new Float64Array(y.length).fill(1);
      for (let i = 0; i < y.length; i++) w[i]! *= cw[y[i]!]!;
    }
    const Y = arrayFor(dtype, y.length);
    Y.set(y);
    requireRepresentable(Y, y, 'y', dtype);
    let W: FloatArray | null = null;
    if (w) {
      const name = plan.sampleWeight !== undefined ? 'sampleWeight' : 'classWeight';
      if (!w.some((v) => v > 0)) throw new ShapeError(`Every row's weight is 0 (sampleWeight × classWeight): training would ignore every row`, name);
      W = arrayFor(dtype, w.length);
      W.set(w);
      requireRepresentable(W, w, name, dtype);
    }
    const s = ctx.scaler;
    if (s && isCsr(X)) refuseWithCsr('standardize', 'centering would make every row dense (scikit-learn\'s StandardScaler refuses sparse input with with_mean=True too); scale the values before')
    if (s && !isCsr(X)) {
      if (ctx.scalerMode === 'fit') X = s.fitTransform(X, dtype);
      else {
        if (ctx.scalerMode === 'update') s.partialFit(X);
        X = s.transform(X, dtype);
      }
    } else if (ctx.scaleHint && !isCsr(X)) {
      scaleHint(X);
    }
    if (val && isCsr(val.X) !== isCsr(X)) throw new ShapeError(`validationData[0] must be ${isCsr(X) ? 'CSR like X' : 'dense like X'}`, 'validationData[0]');
    this.train = { X, y };
    this.val = new ValidationRows(val, s, dtype);
    this.block = { X: trainerRows(X), Y, W, rows: X.rows, shuffle: plan.shuffle };
    return { cols: X.cols, outputs, rows: X.rows };
  }

  async *epoch(): AsyncIterable<Block> {
    yield this.block!;
  }

  trainingRows(): { X: Rows; y: Float64Array } | undefined {
    return this.train;
  }

  validation(): { X: Rows; y: Float64Array } | undefined {
    return this.val?.get();
  }
}

/**
 * A streaming source (`fit(source)`): a CSV path read as a stream, an (async) iterable of `{ x, y }` chunks, an
 * object-mode Readable, Arrow tables, or a function returning a fresh iterable. Memory stays bounded: rows go through
 * an optional seeded shuffle buffer into a staging area of 64 batches, which is one block; the source is read only
 * as fast as training consumes it. With `standardize`, the scaler's statistics grow with the first epoch's chunks.
 */
export class StreamingSource implements BatchSource {
  readonly reiterable: boolean;
  waitSeconds = 0;
  private pending: { it: AsyncIterator<Chunk>; first: IteratorResult<Chunk> } | undefined;
  private ctx: OpenContext | undefined;
  private cols = 0;
  private stageX: FloatArray | undefined;
  private stageY: FloatArray | undefined;
  /** The first chunk was CSR: every chunk must be, and blocks are CSR (staged by SparseStage). */
  private sparse = false;
  private val: ValidationRows | undefined;
  private readonly rng: Rng;

  constructor(private readonly source: StreamSource, private readonly plan: TrainingPlan) {
    this.reiterable = isReiterable(source);
    if (plan.epochs > 1 && !this.reiterable)
      throw new OptionError('A one-shot stream can be read once: use epochs: 1, or pass a file path or a function returning a fresh iterable', 'epochs');
    this.rng = new Rng((plan.seed ^ 0x5bd1e995) >>> 0);
  }

  private iterate(): AsyncIterator<Chunk> {
    const { plan } = this;
    return chunksOf(this.source, { target: plan.target, features: plan.features as string[] | undefined, dtype: plan.dtype, chunkRows: plan.chunkRows, csv: plan.csv })[Symbol.asyncIterator]();
  }

  /** The next chunk, racing the abort signal (a stalled source must not make the signal useless). */
  private async next(it: AsyncIterator<Chunk>, epoch: number, rowsSoFar: number): Promise<IteratorResult<Chunk>> {
    const signal = this.plan.signal;
    const t0 = process.hrtime.bigint();
    try {
      if (!signal) return await it.next();
      const aborted = () => new AbortError('fit() was aborted while waiting for the data source; the model keeps the parameters of the last completed chunk', { cause: signal.reason });
      if (signal.aborted) throw aborted();
      return await new Promise<IteratorResult<Chunk>>((resolve, reject) => {
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
    } catch (e) {
      if (e instanceof DescentError) throw e;
      throw new DataSourceError(`The data source failed at epoch ${epoch} after ${rowsSoFar} rows: ${(e as Error)?.message ?? e}`, { cause: e });
    } finally {
      this.waitSeconds += Number(process.hrtime.bigint() - t0) / 1e9;
    }
  }

  async open(ctx: OpenContext): Promise<Opened> {
    this.ctx = ctx;
    this.waitSeconds = 0;
    const it = this.iterate();
    const first = await this.next(it, 1, 0);
    // As loadCsv: a CSV file without data rows is malformed; any other source that yields nothing has failed.
    if (first.done) {
      if (typeof this.source === 'string') throw new FormatError(`Cannot read ${JSON.stringify(this.source)}: no data rows`, 'path');
      throw new DataSourceError('The data source yielded no rows');
    }
    const chunk = first.value;
    const cols = chunk.X.cols;
    if (cols === 0) throw new ShapeError('The data source has no feature columns (features is empty, or the target is the only column)', 'features');
    const { head } = ctx;
    const outputs = ctx.outputs ?? head.prepare(this.plan.classes !== undefined ? Float64Array.of(this.plan.classes - 1) : chunk.y, ctx.fixedOutputs);
    if (LOSSES[head.loss].targetColumns === 1 && this.plan.classes === undefined && ctx.fixedOutputs === undefined && ctx.outputs === undefined)
      throw new OptionError('Streaming a softmax or one-vs-rest classifier needs options.classes (the number of classes), since later chunks may hold new labels', 'classes');
    const stageRows = this.plan.batchSize * 64;
    this.sparse = isCsr(chunk.X);
    if (this.sparse) {
      if (ctx.scaler) refuseWithCsr('standardize', "centering would make every row dense (scikit-learn's StandardScaler refuses sparse input with with_mean=True too); scale the values beforehand");
      if (this.plan.shuffleBuffer > 0) refuseWithCsr('shuffleBuffer', 'a sparse stream trains in the order it arrives (shuffle the source, or fit in memory)');
      this.stageX = undefined;
    } else {
      requireMemory(stageRows * (cols + 1) * (this.plan.dtype === 'float64' ? 8 : 4), 'batchSize', `The streaming staging area (64 batches of ${this.plan.batchSize} rows × ${cols} columns)`);
      this.stageX = arrayFor(this.plan.dtype, stageRows * cols);
    }
    this.stageY = arrayFor(this.plan.dtype, stageRows);
    this.cols = cols;
    const val = validationRows(this.plan, cols);
    if (val) head.check(val.y, 'validationData[1]');
    this.val = new ValidationRows(val, ctx.scaler, this.plan.dtype);
    this.pending = { it, first };
    return { cols, outputs, featureNames: chunk.featureNames };
  }

  async *epoch(epoch: number): AsyncIterable<Block> {
    if (this.sparse) {
      yield* this.sparseEpoch(epoch);
      return;
    }
    const { plan, ctx, cols } = this;
    const stageX = this.stageX!, stageY = this.stageY!;
    const stageRows = stageY.length;
    let it: AsyncIterator<Chunk>;
    let next: IteratorResult<Chunk>;
    if (this.pending) {
      ({ it, first: next } = this.pending);
      this.pending = undefined;
    } else {
      this.waitSeconds = 0;
      it = this.iterate();
      next = await this.next(it, epoch, 0);
    }
    let staged = 0, rows = 0;
    const block = (n: number): Block => ({ X: stageX.subarray(0, n * cols), Y: stageY.subarray(0, n), W: null, rows: n, shuffle: false });
    const put = (x: FloatArray, y: number) => {
      stageX.set(x, staged * cols);
      stageY[staged] = y;
      if (!Number.isFinite(stageY[staged]!)) throw new ShapeError(`A target y = ${y} at row ${rows + staged} of the stream overflows float32; use dtype 'float64'`, 'y');
      staged++;
    };
    const buffer = plan.shuffleBuffer > 0 ? new ShuffleBuffer(plan.shuffleBuffer, cols, plan.dtype, this.rng) : undefined;
    try {
      while (!next.done) {
        const chunk = next.value;
        if (chunk.X.cols !== cols) throw new ShapeError(`Expected ${cols} features in every chunk but a chunk has ${chunk.X.cols}`, 'source');
        ctx!.head.check(chunk.y, 'y');
        if (isCsr(chunk.X)) throw new ShapeError('Expected dense rows in every chunk (the first chunk was dense) but a chunk is CSR', 'source');
        let X = chunk.X;
        if (ctx!.scaler) {
          if (epoch === 1 && ctx!.scalerMode === 'update') ctx!.scaler.partialFit(X);
          X = ctx!.scaler.transform(X, plan.dtype);
        }
        // Backpressure: a full staging area is trained before another row is read from the source.
        if (buffer) {
          for (let i = 0; i < X.rows; i++) {
            buffer.push(X.data, chunk.y, i, put);
            if (staged === stageRows) {
              yield block(staged);
              rows += staged;
              staged = 0;
            }
          }
        } else {
          for (let i = 0; i < X.rows; ) {
            const take = Math.min(stageRows - staged, X.rows - i);
            stageX.set(X.data.subarray(i * cols, (i + take) * cols), staged * cols);
            for (let k = 0; k < take; k++) {
              stageY[staged + k] = chunk.y[i + k]!;
              if (!Number.isFinite(stageY[staged + k]!)) throw new ShapeError(`A target y = ${chunk.y[i + k]} at row ${rows + staged + k} of the stream overflows float32; use dtype 'float64'`, 'y');
            }
            staged += take;
            i += take;
            if (staged === stageRows) {
              yield block(staged);
              rows += staged;
              staged = 0;
            }
          }
        }
        next = await this.next(it, epoch, rows + staged);
      }
      while (buffer?.drainOne(put)) {
        if (staged === stageRows) {
          yield block(staged);
          rows += staged;
          staged = 0;
        }
      }
      if (staged > 0) {
        yield block(staged);
        rows += staged;
      }
    } finally {
      if (!next.done) void Promise.resolve(it.return?.(undefined)).catch(() => {});
    }
    if (rows === 0) throw new DataSourceError(`The data source yielded no rows in epoch ${epoch} (it did in epoch 1)`);
  }

  /** A CSR stream: chunks' rows are appended to a CSR stage of 64 batches, which is one block (copied out). */
  private async *sparseEpoch(epoch: number): AsyncIterable<Block> {
    const { plan, ctx, cols } = this;
    const stageY = this.stageY!;
    const stageRows = stageY.length;
    let it: AsyncIterator<Chunk>;
    let next: IteratorResult<Chunk>;
    if (this.pending) {
      ({ it, first: next } = this.pending);
      this.pending = undefined;
    } else {
      this.waitSeconds = 0;
      it = this.iterate();
      next = await this.next(it, epoch, 0);
    }
    const F = plan.dtype === 'float64' ? Float64Array : Float32Array;
    const indptr = new Int32Array(stageRows + 1);
    let indices = new Int32Array(1024), values: FloatArray = new F(1024);
    let staged = 0, rows = 0;
    const block = (): Block => {
      const nnz = indptr[staged]!;
      const X: CsrData = { indptr: indptr.slice(0, staged + 1), indices: indices.slice(0, nnz), values: values.slice(0, nnz) };
      return { X, Y: stageY.slice(0, staged), W: null, rows: staged, shuffle: false };
    };
    try {
      while (!next.done) {
        const chunk = next.value;
        const X = chunk.X;
        if (!isCsr(X)) throw new ShapeError('Expected CSR rows in every chunk (the first chunk was CSR) but a chunk is dense', 'source');
        if (X.cols !== cols) throw new ShapeError(`Expected ${cols} features in every chunk but a chunk has ${X.cols}`, 'source');
        ctx!.head.check(chunk.y, 'y');
        for (let i = 0; i < X.rows; i++) {
          const a = X.indptr[i]!, b = X.indptr[i + 1]!, at = indptr[staged]!;
          if (indices.length < at + (b - a)) {
            const grow = Math.max(2 * indices.length, at + (b - a));
            const i2 = new Int32Array(grow), v2 = new F(grow);
            i2.set(indices.subarray(0, at));
            v2.set(values.subarray(0, at));
            indices = i2;
            values = v2;
          }
          indices.set(X.indices.subarray(a, b), at);
          values.set(X.values.subarray(a, b), at);
          indptr[staged + 1] = at + (b - a);
          stageY[staged] = chunk.y[i]!;
          if (!Number.isFinite(stageY[staged]!)) throw new ShapeError(`A target y = ${chunk.y[i]} at row ${rows + staged} of the stream overflows float32; use dtype 'float64'`, 'y');
          staged++;
          if (staged === stageRows) {
            yield block();
            rows += staged;
            staged = 0;
          }
        }
        next = await this.next(it, epoch, rows + staged);
      }
      if (staged > 0) {
        yield block();
        rows += staged;
      }
    } finally {
      if (!next.done) void Promise.resolve(it.return?.(undefined)).catch(() => {});
    }
    if (rows === 0) throw new DataSourceError(`The data source yielded no rows in epoch ${epoch} (it did in epoch 1)`);
  }

  trainingRows(): undefined {
    return undefined;
  }

  validation(): { X: Rows; y: Float64Array } | undefined {
    return this.val?.get();
  }
}
