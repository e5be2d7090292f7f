/**
 * Pure-TS reference trainer: the test oracle, the "pure JS" benchmark baseline and the fallback when the addon
 * cannot load. Mirrors native/engine/trainer.cc step for step (same layout, same initialization draws, same
 * shuffles, same loss and gradient formulas); sums are accumulated in double and stored to the trainer's dtype.
 */
import { Rng } from '../../rng';
import { OptionError, StateError, ShapeError } from '../../errors';
import type { BackendTrainer, CsrData, EngineSpec, FloatArray, RunResult, TrainerState } from '../types';
import { isCsrData } from '../types';
import { LOSSES, layoutOf, lossParamDefault, lossParamProblem, numSlots, slotInit, targetColumns } from '../../engine/spec';
import { elementLoss } from './losses';
import { ACT, activate, activationGrad, stableSigmoid } from './activations';
import { GlobalState, prepare, step } from './optimizers';
import { l2Norm } from '../../numerics';


const YIELD_MS = 10;

/**
 * Keeps the event loop breathing (timers, I/O, abort signals): yields a macrotask whenever ~10 ms of batches ran
 * since the last yield, across calls and trainers; results are unaffected.
 */
async function breathe(): Promise<void> {
  if (performance.now() - lastYield > YIELD_MS) {
    await new Promise<void>((res) => setImmediate(res));
    lastYield = performance.now();
  }
}

/** A batch of CSR rows: batch row q is data row rows[q]. */
interface SparseBatch extends CsrData {
  rows: Uint32Array;
}

function clampTo(a: FloatArray, cv: number): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! > cv ? cv : a[i]! < -cv ? -cv : a[i]!;
}
let lastYield = performance.now();

export class JsTrainer implements BackendTrainer {
  private readonly spec: EngineSpec;
  /** Per layer, the activation's switch code. */
  private readonly act: number[];
  /** Class-index targets (softmax, margin heads): labels must lie in [0, classes). */
  private readonly classes: number;
  private readonly lossParam: number;
  /** Averaged weights when the spec averages (spec.average), else null. */
  private readonly avg: FloatArray | null;
  private readonly F: Float32ArrayConstructor | Float64ArrayConstructor;
  private readonly r: (x: number) => number;
  private readonly wOff: number[];
  private readonly bOff: number[];
  private readonly total: number;
  private readonly inputs: number;
  private readonly outputs: number;
  private readonly ycols: number;
  private readonly nslots: number;
  private params: FloatArray;
  private grads: FloatArray;
  private slots: FloatArray[] = [];
  private ost: GlobalState = { step: 0, muProduct: 1 };
  private readonly rng = new Rng(0);
  // Workspace, allocated once.
  private xb: FloatArray;
  private readonly yb: FloatArray;
  private readonly wb: FloatArray;
  private readonly Z: FloatArray[] = [];
  private readonly A: FloatArray[] = [];
  private readonly M: (FloatArray | null)[] = [];
  private readonly D: (FloatArray | null)[] = [];
  private d0: FloatArray;
  private d1: FloatArray;
  private readonly acc: Float64Array;
  private busy = false;
  private disposed = false;
  /** The last forward applied dropout masks (training), so backward must too. */
  private dropped = false;

  constructor(spec: EngineSpec) {
    this.spec = spec;
    const f64 = spec.dtype === 'float64';
    this.F = f64 ? Float64Array : Float32Array;
    this.r = f64 ? (x) => x : Math.fround;
    const layout = layoutOf(spec.layers);
    const maxWidth = layout.maxWidth;
    this.wOff = [...layout.weight];
    this.bOff = [...layout.bias];
    this.total = layout.total;
    this.act = spec.layers.map((L) => ACT[L.activation]);
    this.inputs = spec.layers[0]!.inputs;
    this.outputs = spec.layers[spec.layers.length - 1]!.units;
    this.classes = LOSSES[spec.loss].targetColumns !== 1 ? 0 : spec.loss !== 'softmaxCrossEntropy' && this.outputs === 1 ? 2 : this.outputs;
    // As the binding: lossParam absent means the head's default; anything present must be a valid number.
    if (spec.lossParam !== undefined && typeof spec.lossParam !== 'number') throw new OptionError(`Expected a number for spec.lossParam but received ${String(spec.lossParam)}`, 'spec.lossParam');
    this.lossParam = spec.lossParam ?? lossParamDefault(spec.loss);
    const av = spec.average as unknown;
    if (av !== undefined && av !== null) {
      const a = av as { kind?: unknown; start?: unknown; decay?: unknown };
      if (typeof av !== 'object') throw new OptionError('spec.average must be an object { kind, start, decay }', 'spec.average');
      if (a.kind !== 'none' && a.kind !== 'mean' && a.kind !== 'ema') throw new OptionError(`Expected one of "none", "mean", "ema" for spec.average.kind but received ${String(a.kind)}`, 'spec.average.kind');
      if (!(typeof a.start === 'number' && Number.isInteger(a.start) && a.start >= 1 && a.start <= 2 ** 53)) throw new OptionError(`Expected an integer from 1 to 2^53 for spec.average.start but received ${String(a.start)}`, 'spec.average.start');
      if (!(typeof a.decay === 'number' && a.decay >= 0 && a.decay <= 1)) throw new OptionError(`Expected a number from 0 to 1 for spec.average.decay but received ${String(a.decay)}`, 'spec.average.decay');
      if (a.kind === 'ema' && !(a.decay < 1)) throw new OptionError('spec.average.decay must be below 1', 'spec.average.decay');
    }
    const why = lossParamProblem(spec.loss, this.lossParam);
    if (why !== undefined) throw new OptionError(`spec.lossParam ${this.lossParam}: ${why}`, 'spec.lossParam');
    this.ycols = targetColumns(spec);
    this.nslots = numSlots(spec.optimizer);
    this.params = new this.F(this.total);
    this.avg = spec.average && spec.average.kind !== 'none' ? new this.F(this.total) : null;
    this.grads = new this.F(this.total);
    for (let s = 0; s < this.nslots; s++) this.slots.push(new this.F(this.total).fill(slotInit(spec.optimizer, s)));
    const B = spec.maxBatch;
    // Shuffled dense rows of a batch, sized at the first dense shuffled chunk (CSR never needs it; see trainer.cc).
    this.xb = new this.F(0);
    this.yb = new this.F(B * this.ycols);
    this.wb = new this.F(B);
    for (const L of spec.layers) {
      this.Z.push(new this.F(B * L.units));
      this.A.push(L.activation === 'linear' ? this.Z[this.Z.length - 1]! : new this.F(B * L.units));
      this.M.push(L.dropout > 0 ? new this.F(B * L.units) : null);
      this.D.push(L.dropout > 0 ? new this.F(B * L.units) : null);
    }
    this.d0 = new this.F(B * maxWidth);
    this.d1 = new this.F(B * maxWidth);
    // Double accumulators for one row of a weight gradient (`inputs` values; was maxWidth², 10^10 for 2 → 100 000 → 2).
    this.acc = new Float64Array(Math.max(maxWidth, this.inputs));
  }

  private idle(method: string): void {
    if (this.disposed) throw new StateError(`Cannot call ${method}: the trainer was disposed`, method);
    if (this.busy) throw new StateError(`Cannot call ${method} while the trainer is busy: await the running call first`, method);
  }

  initialize(seed: number): void {
    this.idle('initialize');
    this.rng.seed(seed);
    const r = this.r;
    this.spec.layers.forEach((L, l) => {
      const bound = 1 / Math.sqrt(L.inputs);
      const W = this.wOff[l]!;
      for (let i = 0; i < L.units * L.inputs; i++) this.params[W + i] = r((2 * this.rng.uniform() - 1) * bound);
      if (L.useBias) {
        const b = this.bOff[l]!;
        for (let i = 0; i < L.units; i++) this.params[b + i] = r((2 * this.rng.uniform() - 1) * bound);
      }
    });
    this.ost = { step: 0, muProduct: 1 };
    this.slots.forEach((s, i) => s.fill(slotInit(this.spec.optimizer, i)));
  }

  private data: { X: FloatArray | CsrData; Y: FloatArray; n: number; weights: FloatArray | null; order: Uint32Array } | undefined;

  /** The binding's CSR checks (native/binding/trainer_wrap.cc RequireCsr), with its messages. */
  private checkCsr(X: CsrData, n: number): void {
    const { indptr, indices, values } = X;
    if (!(indptr instanceof Int32Array)) throw new ShapeError('Expected a Int32Array for X.indptr', 'X.indptr');
    if (!(indices instanceof Int32Array)) throw new ShapeError('Expected a Int32Array for X.indices', 'X.indices');
    if (!(values instanceof this.F)) throw new ShapeError(`Expected a ${this.F.name} for X.values`, 'X.values');
    if (indptr.length !== n + 1) throw new ShapeError(`Expected X.indptr to have length ${n + 1} (rows + 1) but received length ${indptr.length}`, 'X.indptr');
    if (indptr[0] !== 0) throw new ShapeError(`Expected X.indptr[0] to be 0 but received ${indptr[0]}`, 'X.indptr');
    for (let i = 0; i < n; i++)
      if (indptr[i + 1]! < indptr[i]!) throw new ShapeError(`Expected X.indptr to be non-decreasing but X.indptr[${i + 1}] = ${indptr[i + 1]} < X.indptr[${i}] = ${indptr[i]}`, 'X.indptr');
    const nnz = indptr[n]!;
    if (indices.length !== nnz) throw new ShapeError(`Expected X.indices to have length ${nnz} (X.indptr[rows], the number of non-zeros) but received length ${indices.length}`, 'X.indices');
    if (values.length !== nnz) throw new ShapeError(`Expected X.values to have length ${nnz} (X.indptr[rows], the number of non-zeros) but received length ${values.length}`, 'X.values');
    for (let q = 0; q < nnz; q++)
      if (!(indices[q]! >= 0 && indices[q]! < this.inputs)) throw new ShapeError(`Expected column indices in [0, ${this.inputs}) but X.indices[${q}] = ${indices[q]}`, 'X.indices');
  }

  setData(X: FloatArray | CsrData, Y: FloatArray, n: number, weights: FloatArray | null = null): void {
    this.idle('setData');
    if (isCsrData(X)) {
      if (!(Y instanceof this.F) || Y.length !== n * this.ycols) throw new ShapeError(`Expected y to be a ${this.F.name} of length ${n * this.ycols} (n * targetColumns)`, 'y');
      if (weights && (!(weights instanceof this.F) || weights.length !== n)) throw new ShapeError(`Expected sampleWeight to be a ${this.F.name} of length ${n}`, 'sampleWeight');
      this.checkCsr(X, n);
      // Copied, as the binding does: later changes to the caller's arrays do not reach training.
      this.data = { X: { indptr: X.indptr.slice(), indices: X.indices.slice(), values: X.values.slice() }, Y: Y.slice(), n, weights: weights?.slice() ?? null, order: Uint32Array.from({ length: n }, (_, i) => i) };
      return;
    }
    if (!(X instanceof this.F) || X.length !== n * this.inputs) throw new ShapeError(`Expected X to be a ${this.F.name} of length ${n * this.inputs} (n * inputs)`, 'X');
    if (!(Y instanceof this.F) || Y.length !== n * this.ycols) throw new ShapeError(`Expected y to be a ${this.F.name} of length ${n * this.ycols} (n * targetColumns)`, 'y');
    if (weights && (!(weights instanceof this.F) || weights.length !== n)) throw new ShapeError(`Expected sampleWeight to be a ${this.F.name} of length ${n}`, 'sampleWeight');
    this.data = { X, Y, n, weights, order: Uint32Array.from({ length: n }, (_, i) => i) };
  }

  clearData(): void {
    this.idle('clearData');
    this.data = undefined;
  }

  shuffle(): void {
    this.idle('shuffle');
    if (!this.data) throw new StateError('Call setData before shuffle', 'shuffle');
    const order = this.data.order;
    for (let i = 0; i < order.length; i++) order[i] = i;
    this.rng.shuffle(order);
  }

  /** Copies the parameters, slots, optimizer state and averaged weights; the returned function puts them back (a chunk that fails leaves nothing behind). */
  private snapshot(): () => void {
    const P = this.params.slice(), S = this.slots.map((s) => s.slice()), O = { ...this.ost }, A = this.avg?.slice();
    return () => {
      if (A) this.avg!.set(A);
      this.params.set(P);
      this.slots.forEach((s, i) => s.set(S[i]!));
      this.ost = O;
    };
  }

  async runBatches(
    shuffled: boolean,
    batchSize: number,
    firstBatch: number,
    count: number,
    lrs: Float64Array,
    losses: Float64Array,
    gradNorms: Float64Array | null,
  ): Promise<RunResult> {
    if (!this.data) throw new StateError('Call setData before runBatches', 'runBatches');
    if (isCsrData(this.data.X)) return this.runBatchesCsr(shuffled, batchSize, firstBatch, count, lrs, losses, gradNorms);
    const { Y, n, weights } = this.data;
    const X = this.data.X as FloatArray;
    const order = shuffled ? this.data.order : null;
    this.idle('runBatches');
    if (!(batchSize >= 1 && batchSize <= this.spec.maxBatch)) throw new ShapeError(`Expected batchSize in [1, ${this.spec.maxBatch}] but received ${batchSize}`, 'batchSize');
    this.busy = true;
    try {
      const restore = this.snapshot();
      const F = this.F;
      for (let c = 0; c < count; c++) {
        await breathe();
        const start = (firstBatch + c) * batchSize;
        const rows = Math.min(batchSize, n - start);
        let xb: FloatArray, yb: FloatArray;
        let wb: FloatArray | null = null;
        if (order === null) {
          xb = X.subarray(start * this.inputs, (start + rows) * this.inputs);
          yb = Y.subarray(start * this.ycols, (start + rows) * this.ycols);
          if (weights) wb = weights.subarray(start, start + rows);
        } else {
          if (this.xb.length < batchSize * this.inputs) this.xb = new F(batchSize * this.inputs);
          for (let q = 0; q < rows; q++) {
            const i = order[start + q]!;
            if (i >= n) {
              restore(); // invalid input: as for divergence, the chunk leaves nothing behind
              return { status: 2, batch: c, what: 'row index out of range in order' };
            }
            this.xb.set(X.subarray(i * this.inputs, (i + 1) * this.inputs), q * this.inputs);
            this.yb.set(Y.subarray(i * this.ycols, (i + 1) * this.ycols), q * this.ycols);
            if (weights) this.wb[q] = weights[i]!;
          }
          xb = this.xb;
          yb = this.yb;
          if (weights) wb = this.wb;
        }
        if (this.classes > 0) {
          for (let q = 0; q < rows; q++) {
            const y = yb[q]!;
            if (!(y >= 0 && y < this.classes && y === Math.floor(y))) {
              restore();
              return { status: 2, batch: c, what: 'class label out of range' };
            }
          }
        }
        this.forward(xb, rows, true);
        const loss = this.lossForward(rows, yb, wb, true) / rows;
        losses[c] = loss;
        if (!Number.isFinite(loss)) {
          restore();
          return { status: 1, batch: c, what: 'loss' };
        }
        this.backward(xb, rows);
        this.regularize();
        // As native: the norm only when asked for or needed by clipNorm.
        if (gradNorms || this.spec.clipNorm > 0) {
          const norm = l2Norm([this.grads]);
          if (gradNorms) gradNorms[c] = norm;
          if (!Number.isFinite(norm)) {
            restore();
            return { status: 1, batch: c, what: 'gradient' };
          }
          this.clip(norm);
        } else if (this.spec.clipValue > 0) {
          this.clip(0);
        }
        const lr = lrs[c]!;
        const s = prepare(this.spec.optimizer, this.ost, lr);
        const ok = step(this.spec.optimizer, s, this.params, this.grads, this.slots[0], this.slots[1], this.slots[2]);
        if (this.spec.l1 > 0) this.proximalL1(lr * this.spec.l1);
        if (!ok) {
          restore();
          return { status: 1, batch: c, what: 'parameters or optimizer state' };
        }
        if (this.avg) this.accumulate();
      }
      return { status: 0, batch: 0, what: '' };
    } finally {
      this.busy = false;
    }
  }

  // ---- CSR rows (mirrors native/engine/trainer.cc: Touch, CatchUp, AfterSparseStep, SparseStep) --------------
  private touched: number[] = [];
  private mark: Float64Array | undefined;
  private last: Float64Array | undefined;
  private stamp = 0;
  private exact = false;
  private P: number[] = [];
  private Q: number[] = [];

  /** Plain SGD gets the untouched columns' decay and L1 just in time (exact); other optimizers are lazy. */
  private exactLazy(): boolean {
    const o = this.spec.optimizer;
    return o.kernel === 'sgd' && o.momentum === 0 && (this.spec.l2 > 0 || this.spec.l1 > 0 || o.weightDecay > 0);
  }

  private catchUp(j: number, t: number): void {
    const L = this.last![j]!;
    if (L >= t) return;
    const C = this.P[t]! / this.P[L]!, A = Math.abs(this.P[L]!) * (this.Q[t]! - this.Q[L]!);
    const { units } = this.spec.layers[0]!;
    const p = this.params, W = this.wOff[0]!, r = this.r;
    for (let u = 0; u < units; u++) {
      const at = W + u * this.inputs + j;
      const x = p[at]!, a = Math.abs(x) - A;
      p[at] = r(A === 0 ? x * C : a > 0 ? Math.sign(x) * a * C : 0);
    }
    this.last![j] = t;
  }

  private afterSparseStep(lr: number, wd: number, decay: number, t: number): void {
    if (!this.exact) return;
    for (const j of this.touched) this.last![j] = t + 1;
    const c = decay - lr * (this.spec.l2 + wd * decay), a = lr * this.spec.l1;
    this.P[t + 1] = this.P[t]! * c;
    this.Q[t + 1] = this.Q[t]! + (this.P[t + 1] !== 0 ? a / Math.abs(this.P[t + 1]!) : 0);
    if (Math.abs(this.P[t + 1]!) > 1e-150) return;
    const { units } = this.spec.layers[0]!;
    const p = this.params, W = this.wOff[0]!, r = this.r;
    for (let j = 0; j < this.inputs; j++) {
      if (this.last![j] === t + 1) continue;
      this.catchUp(j, t);
      for (let u = 0; u < units; u++) {
        const at = W + u * this.inputs + j;
        const x = c * p[at]!, m = Math.abs(x) - a;
        p[at] = r(m > 0 ? Math.sign(x) * m : 0);
      }
    }
    this.P[t + 1] = 1;
    this.Q[t + 1] = 0;
    this.last!.fill(t + 1);
  }

  private endSparseChunk(count: number): void {
    if (this.exact) for (let j = 0; j < this.inputs; j++) this.catchUp(j, count);
  }

  private async runBatchesCsr(
    shuffled: boolean, batchSize: number, firstBatch: number, count: number, lrs: Float64Array, losses: Float64Array, gradNorms: Float64Array | null,
  ): Promise<RunResult> {
    const { Y, n, weights } = this.data!;
    const X = this.data!.X as CsrData;
    const order = shuffled ? this.data!.order : null;
    this.idle('runBatches');
    if (!(batchSize >= 1 && batchSize <= this.spec.maxBatch)) throw new ShapeError(`Expected batchSize in [1, ${this.spec.maxBatch}] but received ${batchSize}`, 'batchSize');
    if (!this.mark || this.mark.length !== this.inputs) {
      this.mark = new Float64Array(this.inputs);
      this.last = new Float64Array(this.inputs);
    }
    this.busy = true;
    try {
      const restore = this.snapshot();
      const fail = (status: number, c: number, what: string): RunResult => {
        restore();
        return { status, batch: c, what };
      };
      this.exact = this.exactLazy();
      if (this.exact) {
        this.P = [1];
        this.Q = [0];
        this.last!.fill(0);
      }
      const rowsIdx = new Uint32Array(this.spec.maxBatch);
      const sp: SparseBatch = { ...X, rows: rowsIdx };
      const units = this.spec.layers[0]!.units, W0 = this.wOff[0]!, rest = W0 + units * this.inputs;
      const r = this.r;
      for (let c = 0; c < count; c++) {
        await breathe();
        const start = (firstBatch + c) * batchSize;
        const rows = Math.min(batchSize, n - start);
        for (let q = 0; q < rows; q++) {
          const i = order === null ? start + q : order[start + q]!;
          if (i >= n) return fail(2, c, 'row index out of range in order');
          rowsIdx[q] = i;
          this.yb.set(Y.subarray(i * this.ycols, (i + 1) * this.ycols), q * this.ycols);
          if (weights) this.wb[q] = weights[i]!;
        }
        const yb = this.yb, wb = weights ? this.wb : null;
        // The batch's distinct columns, first seen first; bring them up to date.
        this.touched.length = 0;
        this.stamp++;
        for (let q = 0; q < rows; q++) {
          const i = rowsIdx[q]!;
          for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) {
            const j = X.indices[k]!;
            if (this.mark[j] !== this.stamp) {
              this.mark[j] = this.stamp;
              this.touched.push(j);
            }
          }
        }
        if (this.exact) for (const j of this.touched) this.catchUp(j, c);
        if (this.classes > 0) {
          for (let q = 0; q < rows; q++) {
            const y = yb[q]!;
            if (!(y >= 0 && y < this.classes && y === Math.floor(y))) return fail(2, c, 'class label out of range');
          }
        }
        this.forward(this.xb, rows, true, sp);
        const loss = this.lossForward(rows, yb, wb, true) / rows;
        losses[c] = loss;
        if (!Number.isFinite(loss)) return fail(1, c, 'loss');
        this.backward(this.xb, rows, sp);
        // Gather W0's touched entries, then step them and the dense rest [rest, total) alike.
        const m = this.touched.length * units;
        const gp = new this.F(m), gg = new this.F(m), gs = this.slots.map(() => new this.F(m));
        let e = 0;
        for (const j of this.touched)
          for (let u = 0; u < units; u++, e++) {
            const at = W0 + u * this.inputs + j;
            gp[e] = this.params[at]!;
            gg[e] = this.grads[at]!;
            this.slots.forEach((s, k) => (gs[k]![e] = s[at]!));
          }
        const P = this.params.subarray(rest), G = this.grads.subarray(rest), S = this.slots.map((s) => s.subarray(rest));
        if (this.spec.l2 > 0) {
          const l2 = r(this.spec.l2);
          for (let k = 0; k < m; k++) gg[k] = r(gg[k]! + r(l2 * gp[k]!));
          this.forPenalizedRest((off, len) => {
            for (let i = off; i < off + len; i++) this.grads[i] = r(this.grads[i]! + r(l2 * this.params[i]!));
          });
        }
        const clipAll = (f: (a: FloatArray) => void) => (f(gg), f(G));
        if (gradNorms || this.spec.clipNorm > 0) {
          const norm = l2Norm([gg, G]);
          if (gradNorms) gradNorms[c] = norm;
          if (!Number.isFinite(norm)) return fail(1, c, 'gradient');
          if (this.spec.clipValue > 0) clipAll((a) => clampTo(a, r(this.spec.clipValue)));
          if (this.spec.clipNorm > 0) {
            const coef = this.spec.clipNorm / (norm + 1e-6);
            if (coef < 1) clipAll((a) => { const k = r(coef); for (let i = 0; i < a.length; i++) a[i] = r(a[i]! * k); });
          }
        } else if (this.spec.clipValue > 0) clipAll((a) => clampTo(a, r(this.spec.clipValue)));
        const lr = lrs[c]!;
        const s = prepare(this.spec.optimizer, this.ost, lr);
        let ok = step(this.spec.optimizer, s, gp, gg, gs[0], gs[1], gs[2]);
        ok = step(this.spec.optimizer, s, P, G, S[0], S[1], S[2]) && ok;
        if (this.spec.l1 > 0) {
          const t = r(lr * this.spec.l1);
          const soft = (a: FloatArray, from: number, to: number) => {
            for (let i = from; i < to; i++) { const w = a[i]!; a[i] = w > t ? r(w - t) : w < -t ? r(w + t) : 0; }
          };
          soft(gp, 0, m);
          this.forPenalizedRest((off, len) => soft(this.params, off, off + len));
        }
        e = 0;
        for (const j of this.touched)
          for (let u = 0; u < units; u++, e++) {
            const at = W0 + u * this.inputs + j;
            this.params[at] = gp[e]!;
            this.slots.forEach((sl, k) => (sl[at] = gs[k]![e]!));
          }
        this.afterSparseStep(lr, s.wd, s.decay, c);
        if (!ok) return fail(1, c, 'parameters or optimizer state');
        if (this.avg) this.accumulate();
      }
      this.endSparseChunk(count);
      return { status: 0, batch: 0, what: '' };
    } finally {
      this.busy = false;
    }
  }

  /** The penalized ranges other than W0: layer 0's bias with penalizeBias, and every later layer. */
  private forPenalizedRest(f: (off: number, len: number) => void): void {
    this.spec.layers.forEach((L, l) => {
      if (l > 0) f(this.wOff[l]!, L.units * L.inputs);
      if (this.spec.penalizeBias && L.useBias) f(this.bOff[l]!, L.units);
    });
  }

  predict(X: FloatArray | CsrData, n: number, out: FloatArray): void {
    this.idle('predict');
    const B = this.spec.maxBatch;
    if (isCsrData(X)) {
      this.checkCsr(X, n);
      if (out.length !== n * this.outputs) throw new ShapeError(`Expected out to have length ${n * this.outputs} but received length ${out.length}`, 'out');
      const rowsIdx = new Uint32Array(B);
      for (let start = 0; start < n; start += B) {
        const rows = Math.min(B, n - start);
        for (let q = 0; q < rows; q++) rowsIdx[q] = start + q;
        this.forward(this.xb, rows, false, { ...X, rows: rowsIdx });
        out.set(this.Z[this.Z.length - 1]!.subarray(0, rows * this.outputs), start * this.outputs);
      }
      return;
    }
    if (X.length !== n * this.inputs) throw new ShapeError(`Expected X to have length ${n * this.inputs} (n * inputs) but received length ${X.length}`, 'X');
    if (out.length !== n * this.outputs) throw new ShapeError(`Expected out to have length ${n * this.outputs} but received length ${out.length}`, 'out');
    for (let start = 0; start < n; start += B) {
      const rows = Math.min(B, n - start);
      this.forward(X.subarray(start * this.inputs, (start + rows) * this.inputs), rows, false);
      out.set(this.Z[this.Z.length - 1]!.subarray(0, rows * this.outputs), start * this.outputs);
    }
  }

  /** What layer l feeds the next one while training: the dropped-out copy when it has dropout. */
  private fed(l: number): FloatArray {
    return this.D[l] ?? this.A[l]!;
  }

  gradients(X: FloatArray, Y: FloatArray, n: number, out: FloatArray): number {
    this.idle('gradients');
    if (!(n >= 1 && n <= this.spec.maxBatch)) throw new ShapeError(`Expected n in [1, ${this.spec.maxBatch}] but received ${n}`, 'n');
    if (X.length !== n * this.inputs || Y.length !== n * this.ycols || out.length !== this.total) throw new ShapeError('X, y or out has the wrong length', 'X');
    if (this.classes > 0) {
      for (let q = 0; q < n; q++) {
        const y = Y[q]!;
        if (!(y >= 0 && y < this.classes && y === Math.floor(y))) throw new ShapeError(`Expected class labels in [0, ${this.classes}) for y but y[${q}] = ${y}`, 'y');
      }
    }
    this.forward(X, n, false);
    const loss = this.lossForward(n, Y, null, true) / n;
    this.backward(X, n);
    this.regularize();
    out.set(this.grads);
    return loss;
  }

  private forward(X: FloatArray, rows: number, training: boolean, sp?: SparseBatch): void {
    this.dropped = training;
    const r = this.r;
    const p = this.params;
    let input: FloatArray = X;
    const acc = this.acc;
    this.spec.layers.forEach((L, l) => {
      const Z = this.Z[l]!;
      const act = this.act[l]!;
      const A = this.A[l]!;
      const W = this.wOff[l]!;
      const b = this.bOff[l]!;
      const { units, inputs } = L;
      // Z = input · Wᵀ, then bias (rounded after the product, as sgemm then the bias pass), then activation.
      for (let q = 0; q < rows; q++) {
        const xo = q * inputs;
        if (l === 0 && sp) {
          // CSR row: Σ over its non-zeros v at column j of v · W[u, j].
          acc.fill(0, 0, units);
          const i = sp.rows[q]!;
          for (let k = sp.indptr[i]!; k < sp.indptr[i + 1]!; k++) {
            const j = sp.indices[k]!, v = sp.values[k]!;
            for (let u = 0; u < units; u++) acc[u] += v * p[W + u * inputs + j]!;
          }
        }
        for (let u = 0; u < units; u++) {
          const wo = W + u * inputs;
          let s = 0;
          if (l === 0 && sp) s = acc[u]!;
          else for (let i = 0; i < inputs; i++) s += input[xo + i]! * p[wo + i]!;
          let z = r(s);
          if (L.useBias) z = r(z + p[b + u]!);
          Z[q * units + u] = z;
          if (act !== ACT.linear) A[q * units + u] = r(activate(act, L.activationParam, z));
        }
      }
      input = A;
      if (training && L.dropout > 0) {
        // Inverted dropout, one uniform draw per element in row-major order (as native/engine/trainer.cc).
        const keep = r(1 / (1 - L.dropout));
        const M = this.M[l]!, D = this.D[l]!;
        for (let i = 0; i < rows * units; i++) {
          M[i] = this.rng.uniform() >= L.dropout ? keep : 0;
          D[i] = r(A[i]! * M[i]!);
        }
        input = D;
      }
    });
  }

  /** Returns the summed loss; writes dLoss/dZ (batch mean) into d0. */
  private lossForward(rows: number, Y: FloatArray, w: FloatArray | null, grad: boolean): number {
    const r = this.r;
    const k = this.outputs;
    const Z = this.Z[this.Z.length - 1]!;
    const d = this.d0;
    const inv = r(1 / rows);
    let sum = 0;
    if (this.spec.loss === 'squaredError') {
      for (let i = 0; i < rows * k; i++) {
        const e = r(Z[i]! - Y[i]!);
        const wi = w ? w[Math.floor(i / k)]! : 1;
        sum += 0.5 * wi * e * e;
        if (grad) d[i] = w ? r(r(e * wi) * inv) : r(e * inv);
      }
    } else if (this.spec.loss === 'sigmoidCrossEntropy') {
      for (let i = 0; i < rows * k; i++) {
        const z = Z[i]!, y = Y[i]!;
        const wi = w ? w[Math.floor(i / k)]! : 1;
        sum += wi * r(r(r(Math.max(z, 0)) - r(z * y)) + r(Math.log1p(r(Math.exp(-Math.abs(z))))));
        const e = r(r(stableSigmoid(z)) - y);
        if (grad) d[i] = w ? r(r(e * wi) * inv) : r(e * inv);
      }
    } else if (this.spec.loss !== 'softmaxCrossEntropy') {
      // The scikit-learn heads, element by element (./losses.ts); margin heads see s = ±1 from the class index.
      const f = elementLoss(this.spec.loss, this.lossParam, r);
      const margin = this.classes > 0;
      const g = [0];
      for (let i = 0; i < rows * k; i++) {
        const q = Math.floor(i / k);
        const y = margin ? ((k === 1 ? Y[q] === 1 : Y[q] === i - q * k) ? 1 : -1) : Y[i]!;
        const wi = w ? w[q]! : 1;
        sum += wi * f(Z[i]!, y, g);
        if (grad) d[i] = w ? r(r(g[0]! * wi) * inv) : r(g[0]! * inv);
      }
    } else {
      for (let q = 0; q < rows; q++) {
        const o = q * k;
        const y = Y[q]!;
        const scale = w ? r(w[q]! * inv) : inv;
        let m = Z[o]!;
        for (let j = 1; j < k; j++) if (Z[o + j]! > m) m = Z[o + j]!;
        let s = 0;
        for (let j = 0; j < k; j++) s += Math.exp(r(Z[o + j]! - m));
        const l = Math.log(s) - r(Z[o + y]! - m);
        sum += w ? w[q]! * l : l;
        if (grad) {
          const is = 1 / s;
          for (let j = 0; j < k; j++) d[o + j] = r(r(Math.exp(r(Z[o + j]! - m)) * is) * scale);
          d[o + y] = r(d[o + y]! - scale);
        }
      }
    }
    return sum;
  }

  private backward(X: FloatArray, rows: number, sp?: SparseBatch): void {
    const r = this.r;
    const p = this.params;
    const g = this.grads;
    const acc = this.acc;
    let delta = this.d0;
    let next = this.d1;
    for (let li = this.spec.layers.length - 1; li >= 0; li--) {
      const L = this.spec.layers[li]!;
      const { units, inputs } = L;
      const Ain = li === 0 ? X : this.fed(li - 1);
      const W = this.wOff[li]!;
      // gW[u, i] = Σ_q delta[q, u] · Ain[q, i], accumulated in double.
      if (li === 0 && sp) {
        // CSR rows: only the touched columns (the sparse outer products), in the order native accumulates them.
        for (const j of this.touched) for (let u = 0; u < units; u++) g[W + u * inputs + j] = 0;
        for (let q = 0; q < rows; q++) {
          const i = sp.rows[q]!;
          for (let k = sp.indptr[i]!; k < sp.indptr[i + 1]!; k++) {
            const j = sp.indices[k]!, v = sp.values[k]!;
            for (let u = 0; u < units; u++) g[W + u * inputs + j] = r(g[W + u * inputs + j]! + r(delta[q * units + u]! * v));
          }
        }
      } else for (let u = 0; u < units; u++) {
        acc.fill(0, 0, inputs);
        for (let q = 0; q < rows; q++) {
          const dq = delta[q * units + u]!;
          if (dq === 0) continue;
          const ao = q * inputs;
          for (let i = 0; i < inputs; i++) acc[i] += dq * Ain[ao + i]!;
        }
        const go = W + u * inputs;
        for (let i = 0; i < inputs; i++) g[go + i] = r(acc[i]!);
      }
      if (L.useBias) {
        const b = this.bOff[li]!;
        for (let u = 0; u < units; u++) {
          let s = 0;
          for (let q = 0; q < rows; q++) s += delta[q * units + u]!;
          g[b + u] = r(s);
        }
      }
      if (li > 0) {
        const P = this.spec.layers[li - 1]!;
        const pact = this.act[li - 1]!;
        const Zp = this.Z[li - 1]!;
        const Ap = this.A[li - 1]!;
        const Mp = this.dropped ? this.M[li - 1] : null;
        for (let q = 0; q < rows; q++) {
          acc.fill(0, 0, inputs);
          for (let u = 0; u < units; u++) {
            const dq = delta[q * units + u]!;
            if (dq === 0) continue;
            const wo = W + u * inputs;
            for (let i = 0; i < inputs; i++) acc[i] += dq * p[wo + i]!;
          }
          const o = q * inputs;
          for (let i = 0; i < inputs; i++) {
            const d = Mp ? r(r(acc[i]!) * Mp[o + i]!) : r(acc[i]!);
            next[o + i] = r(d * activationGrad(pact, P.activationParam, Zp[o + i]!, Ap[o + i]!));
          }
        }
        const t = delta;
        delta = next;
        next = t;
      }
    }
  }

  private forPenalized(f: (off: number, len: number) => void): void {
    this.spec.layers.forEach((L, l) => {
      f(this.wOff[l]!, L.units * L.inputs);
      if (this.spec.penalizeBias && L.useBias) f(this.bOff[l]!, L.units);
    });
  }

  private regularize(): void {
    if (this.spec.l2 <= 0) return;
    const r = this.r;
    const l2 = r(this.spec.l2);
    this.forPenalized((off, len) => {
      for (let i = off; i < off + len; i++) this.grads[i] = r(this.grads[i]! + r(l2 * this.params[i]!));
    });
  }

  private clip(norm: number): void {
    const r = this.r;
    const g = this.grads;
    if (this.spec.clipValue > 0) {
      const cv = r(this.spec.clipValue);
      for (let i = 0; i < g.length; i++) g[i] = g[i]! > cv ? cv : g[i]! < -cv ? -cv : g[i]!;
    }
    if (this.spec.clipNorm > 0) {
      const coef = this.spec.clipNorm / (norm + 1e-6); // torch.nn.utils.clip_grad_norm_
      if (coef < 1) {
        const c = r(coef);
        for (let i = 0; i < g.length; i++) g[i] = r(g[i]! * c);
      }
    }
  }

  private proximalL1(thr: number): void {
    const r = this.r;
    const t = r(thr);
    this.forPenalized((off, len) => {
      const p = this.params;
      for (let i = off; i < off + len; i++) {
        const w = p[i]!;
        p[i] = w > t ? r(w - t) : w < -t ? r(w + t) : 0;
      }
    });
  }

  getParams(): FloatArray {
    this.idle('getParams');
    return this.params.slice();
  }
  /** As the native Trainer::Accumulate: running mean or EMA of the weights from step `average.start`. */
  private accumulate(): void {
    const av = this.spec.average!, a = this.avg!, p = this.params, r = this.r;
    const t = this.ost.step;
    if (t < av.start) return;
    const c = t - av.start + 1;
    if (c === 1) a.set(p);
    else if (av.kind === 'mean') for (let i = 0; i < a.length; i++) a[i] = r(a[i]! + r(r(p[i]! - a[i]!) / c));
    else {
      const d = r(av.decay), e = r(1 - av.decay);
      for (let i = 0; i < a.length; i++) a[i] = r(r(d * a[i]!) + r(e * p[i]!));
    }
  }
  getAverage(): FloatArray | null {
    this.idle('getAverage');
    return this.avg ? this.avg.slice() : null;
  }
  setAverage(average: FloatArray): void {
    this.idle('setAverage');
    if (!this.avg) throw new StateError("this trainer's spec does not average weights", 'average');
    if (!(average instanceof this.F) || average.length !== this.total) throw new ShapeError(`Expected a ${this.F.name} of length ${this.total} for average`, 'average');
    this.avg.set(average);
  }
  setParams(params: FloatArray): void {
    this.idle('setParams');
    if (!(params instanceof this.F) || params.length !== this.total)
      throw new ShapeError(`Expected a ${this.F.name} of length ${this.total} for params`, 'params');
    this.params.set(params);
  }
  getSlot(slot: number): FloatArray {
    this.idle('getSlot');
    const s = this.slots[slot];
    if (!s) throw new ShapeError(`Expected a slot index in [0, ${this.nslots - 1}] but received ${slot}`, 'slot');
    return s.slice();
  }
  setSlot(slot: number, values: FloatArray): void {
    this.idle('setSlot');
    const s = this.slots[slot];
    if (!s) throw new ShapeError(`Expected a slot index in [0, ${this.nslots - 1}] but received ${slot}`, 'slot');
    if (!(values instanceof this.F) || values.length !== this.total)
      throw new ShapeError(`Expected a ${this.F.name} of length ${this.total} for values`, 'values');
    s.set(values);
  }
  getState(): TrainerState {
    this.idle('getState');
    return { step: this.ost.step, muProduct: this.ost.muProduct, rng: this.rng.getState() };
  }
  setState(state: TrainerState): void {
    this.idle('setState');
    this.ost = { step: state.step, muProduct: state.muProduct };
    this.rng.setState(state.rng);
  }
  dispose(): void {
    if (this.busy) throw new StateError('Cannot dispose the trainer while it is busy', 'dispose');
    this.disposed = true;
  }
  isBusy(): boolean {
    return this.busy;
  }
}
