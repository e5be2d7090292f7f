/**
 * The backend contract. Both backends (native addon, pure-TS reference) implement {@link BackendTrainer} over
 * the same {@link NativeSpec}; the facade in lib/ never does arithmetic on data itself.
 */

/** `Float32Array` (dtype `'float32'`) or `Float64Array` (dtype `'float64'`). */
export type FloatArray = Float32Array | Float64Array;
export type Dtype = 'float32' | 'float64';

/** Activation codes shared with native/kernels/activations.h. */
export const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'gelu'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** Loss-head codes shared with native/kernels/losses.h. */
export const LOSSES = ['squaredError', 'sigmoidCrossEntropy', 'softmaxCrossEntropy'] as const;
export type LossName = (typeof LOSSES)[number];

/** Optimizer codes shared with native/kernels/optimizers.h. */
export const OPTIMIZER_KINDS = ['sgd', 'adam', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam'] as const;

/** Every optimizer hyperparameter, all present (the native side requires each field). */
export interface OptimizerConfig {
  kind: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  amsgrad: boolean;
  weightDecay: number;
  /** AdamW-style decay `p ← p·(1 − lr·weightDecay)` instead of adding `weightDecay·p` to the gradient. */
  decoupled: boolean;
  alpha: number;
  centered: boolean;
  lrDecay: number;
  initialAccumulatorValue: number;
  rho: number;
  momentumDecay: number;
}

export interface LayerConfig {
  inputs: number;
  units: number;
  activation: number;
  /** leakyRelu slope or elu alpha. */
  activationParam: number;
  useBias: boolean;
  /** Inverted-dropout rate on this layer's output while training, in [0, 1); 0 on the last layer. */
  dropout: number;
}

/** The plain object that crosses to native once, when a trainer is created. */
export interface NativeSpec {
  float64: boolean;
  layers: LayerConfig[];
  loss: number;
  optimizer: OptimizerConfig;
  l1: number;
  l2: number;
  penalizeBias: boolean;
  clipNorm: number;
  clipValue: number;
  /** Rows of the workspace: the largest batch `runBatches` and the block size `predict` use. */
  maxBatch: number;
}

/** Result of one `runBatches` chunk. */
export interface RunResult {
  /** 0: every batch ran. 1: a non-finite value stopped the chunk (parameters restored to the chunk start). */
  status: number;
  /** Index within the chunk of the batch that stopped it. */
  batch: number;
  /** What became non-finite: `"loss"`, `"gradient"` or `"parameters"`. */
  what: string;
}

export interface TrainerState {
  /** Optimizer steps taken. */
  step: number;
  /** NAdam's running product of momentum coefficients (1 for other optimizers). */
  muProduct: number;
  /** xoshiro128** state of the trainer's generator (shuffles). */
  rng: number[];
}

/**
 * One trainer: parameters `[W0, b0, W1, b1, …]` flat (each `W` is `[units, inputs]` row-major, as PyTorch's
 * `nn.Linear.weight`), gradients, optimizer slots and a workspace of `maxBatch` rows, allocated once.
 */
export interface BackendTrainer {
  /** Seeds the generator and draws `W, b ~ U(±1/√fanIn)` layer by layer (PyTorch's `nn.Linear` default); resets optimizer state. */
  initialize(seed: number): void;
  /**
   * Hands over the training rows: X `[n, inputs]`, Y `[n, targetColumns]`, optional per-row `weights` `[n]`. The
   * native backend copies them, so the worker thread that trains never reads memory JS could detach or free.
   */
  setData(X: FloatArray, Y: FloatArray, n: number, weights?: FloatArray | null): void;
  /** Releases the copy made by `setData`. */
  clearData(): void;
  /** This epoch's order: a Fisher–Yates shuffle of the identity permutation with the trainer's generator. */
  shuffle(): void;
  /**
   * Runs batches `firstBatch … firstBatch+count−1` of an epoch over `setData`'s rows, in the shuffled order or in
   * row order. `lrs[c]` is the learning rate of batch c of the chunk; writes the batch mean loss (`Σ wᵢ·lossᵢ /
   * rows` with weights) and, when `gradNorms` is given, the gradient's global L2 norm before clipping, per batch.
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
  predict(X: FloatArray, n: number, out: FloatArray): void;
  /**
   * The batch-mean loss (data term) of `n ≤ maxBatch` rows at the current parameters, and the gradient of the
   * objective (including L2) written to `out` (flat, like the parameters). Dropout is off; nothing is updated.
   */
  gradients(X: FloatArray, Y: FloatArray, n: number, out: FloatArray): number;
  getParams(): FloatArray;
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
  createTrainer(spec: NativeSpec): BackendTrainer;
  createOptimizerKernel(config: OptimizerConfig, float64: boolean): OptimizerKernel;
}
