/**
 * The backend contract. Both backends (native addon, pure-TS reference) implement {@link BackendTrainer} over the
 * same {@link EngineSpec} (lib/engine/spec.ts: names, not codes); the facade in lib/ never does arithmetic on data.
 */
import type { Dtype, EngineSpec, KernelConfig } from '../engine/spec';

export type { Dtype, EngineSpec, KernelConfig, LayerSpec, ActivationName, LossName } from '../engine/spec';

/** `Float32Array` (dtype `'float32'`) or `Float64Array` (dtype `'float64'`). */
export type FloatArray = Float32Array | Float64Array;

/** Result of one `runBatches` chunk. */
export interface RunResult {
  /**
   * 0: every batch ran. 1: a non-finite value stopped the chunk (parameters restored to the chunk start).
   * 2: a row index or class label was out of range. 3: cancelled (the environment is shutting down).
   */
  status: number;
  /** Index within the chunk of the batch that stopped it. */
  batch: number;
  /** What became non-finite (`"loss"`, `"gradient"`, `"parameters"`) or what was out of range. */
  what: string;
}

/**
 * Rows in compressed sparse row form (scipy's `csr_matrix`): row i's non-zeros are `values[k]` at columns
 * `indices[k]` for k in `[indptr[i], indptr[i + 1])`; `values` in the trainer's dtype.
 */
export interface CsrData {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: FloatArray;
}

export function isCsrData(X: unknown): X is CsrData {
  return typeof X === 'object' && X !== null && !ArrayBuffer.isView(X) && 'indptr' in X;
}

export interface TrainerState {
  /** Optimizer steps taken. */
  step: number;
  /** NAdam's running product of momentum coefficients (1 for other optimizers). */
  muProduct: number;
  /** xoshiro128** state of the trainer's generator (shuffles, dropout). */
  rng: number[];
}

/**
 * One trainer: parameters `[W0, b0, W1, b1, …]` flat (each `W` is `[units, inputs]` row-major, as PyTorch's
 * `nn.Linear.weight`; see `layoutOf`), gradients, optimizer slots and a workspace of `maxBatch` rows, allocated once.
 */
export interface BackendTrainer {
  /** Seeds the generator and draws `W, b ~ U(±1/√fanIn)` layer by layer (PyTorch's `nn.Linear` default); resets optimizer state. */
  initialize(seed: number): void;
  /**
   * Hands over the training rows: X `[n, inputs]`, Y `[n, targetColumns]`, optional per-row `weights` `[n]`. The
   * native backend copies them, so the worker thread that trains never reads memory JS could detach or free.
   */
  setData(X: FloatArray | CsrData, Y: FloatArray, n: number, weights?: FloatArray | null): void;
  /** Releases the copy made by `setData`. */
  clearData(): void;
  /** The next order over `setData`'s rows: a Fisher–Yates shuffle of the identity permutation with the trainer's generator. */
  shuffle(): void;
  /**
   * Runs batches `firstBatch … firstBatch+count−1` over `setData`'s rows, in the shuffled order or in row order.
   * `lrs[c]` is the learning rate of batch c of the chunk; writes the batch mean loss (`Σ wᵢ·lossᵢ / rows` with
   * weights) and, when `gradNorms` is given, the gradient's global L2 norm before clipping, per batch.
   */
  runBatches(
    shuffled: boolean,
    batchSize: number,
    firstBatch: number,
    count: number,
    lrs: Float64Array,
    losses: Float64Array,
    gradNorms: Float64Array | null,
  ): Promise<RunResult>;
  /** out `[n, outputs]` = the last layer's outputs (logits for classifiers). */
  predict(X: FloatArray | CsrData, n: number, out: FloatArray): void;
  /**
   * The batch-mean loss (data term) of `n ≤ maxBatch` rows at the current parameters, and the gradient of the
   * objective (including L2) written to `out` (flat, like the parameters). Dropout is off; nothing is updated.
   */
  gradients(X: FloatArray, Y: FloatArray, n: number, out: FloatArray): number;
  getParams(): FloatArray;
  /** The averaged weights (`spec.average`: running mean or EMA from step `start`), or null when the spec does not average. */
  getAverage(): FloatArray | null;
  /** @throws StateError when the spec does not average. */
  setAverage(average: FloatArray): void;
  setParams(params: FloatArray): void;
  getSlot(slot: number): FloatArray;
  setSlot(slot: number, values: FloatArray): void;
  getState(): TrainerState;
  setState(state: TrainerState): void;
  dispose(): void;
  isBusy(): boolean;
}

/** Standalone fused optimizer update (same kernels as inside the trainer). */
export interface OptimizerKernel {
  prepare(learningRate: number): void;
  apply(params: FloatArray, grads: FloatArray, ...slots: FloatArray[]): boolean;
  numSlots(): number;
  getState(): { step: number; muProduct: number };
  setState(state: { step: number; muProduct: number }): void;
}

export interface Backend {
  readonly name: 'native' | 'js';
  createTrainer(spec: EngineSpec): BackendTrainer;
  createOptimizerKernel(config: KernelConfig, dtype: Dtype): OptimizerKernel;
}
