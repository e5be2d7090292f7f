/**
 * The engine's facts, in one table: dtypes, layer kinds, activations, loss heads, the fused optimizer kernels (the
 * configuration fields they read and the state slots they keep), the optimizers users choose (hyperparameters,
 * defaults, rules, the kernel each runs on), the schedule kinds, the flat parameter layout and the bytes a trainer
 * allocates.
 *
 * Everything else derives from here: option validation (lib/optim/optimizers.ts builds the factories from
 * {@link OPTIMIZERS}), both backends (the JS trainer and kernels read names from this table; the native side's
 * X-macro list `native/kernels/spec.def` is generated from it by `npm run gen:spec`, and test/05 checks the addon
 * agrees), model files (names, not codes), memory checks and the CLI's flags. Adding an optimizer touches this
 * table, its kernel (native/kernels/optimizers_impl.h + Prepare, lib/backend/js/optimizers.ts) and its tests.
 */
import type { NumberRule } from '../validate';

// ---------------------------------------------------------------------------------------------------------------
// Scalars

export const DTYPES = ['float32', 'float64'] as const;
/** Storage and arithmetic type of a trainer: `'float32'` (`Float32Array`) or `'float64'` (`Float64Array`). */
export type Dtype = (typeof DTYPES)[number];
/** Bytes per element. */
export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { float32: 4, float64: 8 };

/** Layer kinds a {@link Sequential}-style stack is built from (`dense()` and `dropout()`). */
export const LAYER_KINDS = ['dense', 'dropout'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Activations

export interface ActivationFact {
  /** The parameterized activations' one parameter (`alpha`), its default and rule. */
  readonly param?: { readonly name: 'alpha'; readonly default: number; readonly rule: NumberRule };
  /** The formula and where it comes from (docs/formulas.md repeats these). */
  readonly formula: string;
}

/** Activations by name. The forward/backward kernels live in native/kernels/heads_impl.h and the JS trainer. */
export const ACTIVATIONS = {
  linear: { formula: 'x' },
  relu: { formula: 'max(x, 0)' },
  sigmoid: { formula: '1/(1 + e^−x), never overflowing' },
  tanh: { formula: 'tanh x' },
  leakyRelu: { param: { name: 'alpha', default: 0.01, rule: { min: 0, max: 1e6 } }, formula: 'x > 0 ? x : alpha·x (torch.nn.LeakyReLU)' },
  elu: { param: { name: 'alpha', default: 1, rule: { gt: 0, max: 1e6 } }, formula: 'x > 0 ? x : alpha·(eˣ − 1) (Clevert et al. 2016; torch.nn.ELU)' },
  gelu: { formula: '0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) (torch.nn.GELU(approximate="tanh"))' },
} as const satisfies Record<string, ActivationFact>;
export type ActivationName = keyof typeof ACTIVATIONS;
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];

// ---------------------------------------------------------------------------------------------------------------
// Loss heads

export interface LossFact {
  /** Target columns per row: one class index (softmax and the margin classifiers), else one per output unit. */
  readonly targetColumns: 'outputs' | 1;
  readonly classifier: boolean;
  /**
   * How predictions come from the outputs z: `identity` (ŷ = z), `log` (the log link of the GLMs: ŷ = eᶻ), `margin`
   * (one-vs-rest decision values: one output for two classes, else one per class; the sign or argmax is the class).
   */
  readonly link: 'identity' | 'log' | 'margin' | 'sigmoid' | 'softmax';
  /** The head's one parameter (`spec.lossParam`), its option name, default and bounds. */
  readonly param?: { readonly name: string; readonly default: number; readonly min: number; readonly max: number; readonly exclusive?: boolean };
  readonly formula: string;
}

/**
 * Loss heads on the last layer's (linear) outputs z. The margin classifiers see s = +1 for the row's class and −1
 * otherwise (one output: s = +1 for class 1) and m = s·z. Definitions as scikit-learn 1.2's SGD losses
 * (`sklearn/linear_model/_sgd_fast.pyx`) and its GLM half deviances (`sklearn/_loss/loss.py`); docs/formulas.md.
 */
export const LOSSES = {
  squaredError: { targetColumns: 'outputs', classifier: false, link: 'identity', formula: '½(z − y)² per output, mean over rows' },
  sigmoidCrossEntropy: { targetColumns: 'outputs', classifier: true, link: 'sigmoid', formula: 'max(z,0) − z·y + log(1 + e^−|z|), mean over rows' },
  softmaxCrossEntropy: { targetColumns: 1, classifier: true, link: 'softmax', formula: 'log Σⱼ e^(zⱼ) − z_y (log-sum-exp), mean over rows' },
  huber: { targetColumns: 'outputs', classifier: false, link: 'identity', param: { name: 'epsilon', default: 0.1, min: 0, max: 1e30 }, formula: 'r = z − y: ½r² if |r| ≤ ε, else ε|r| − ½ε² (scikit-learn Huber)' },
  epsilonInsensitive: { targetColumns: 'outputs', classifier: false, link: 'identity', param: { name: 'epsilon', default: 0.1, min: 0, max: 1e30 }, formula: 'max(0, |z − y| − ε) (scikit-learn EpsilonInsensitive)' },
  squaredEpsilonInsensitive: { targetColumns: 'outputs', classifier: false, link: 'identity', param: { name: 'epsilon', default: 0.1, min: 0, max: 1e30 }, formula: 'max(0, |z − y| − ε)² (scikit-learn SquaredEpsilonInsensitive)' },
  quantile: { targetColumns: 'outputs', classifier: false, link: 'identity', param: { name: 'quantile', default: 0.5, min: 0, max: 1, exclusive: true }, formula: 'r = y − z: q·r if r ≥ 0, else (q − 1)·r (the pinball loss)' },
  poisson: { targetColumns: 'outputs', classifier: false, link: 'log', formula: 'eᶻ − y·z (half Poisson deviance up to a constant, log link)' },
  gamma: { targetColumns: 'outputs', classifier: false, link: 'log', formula: 'z + y·e^−z (half Gamma deviance up to a constant, log link)' },
  tweedie: { targetColumns: 'outputs', classifier: false, link: 'log', param: { name: 'power', default: 0, min: 0, max: 1e3 }, formula: 'e^((2−p)z)/(2−p) − y·e^((1−p)z)/(1−p); p = 1: Poisson, p = 2: Gamma (half Tweedie deviance up to a constant, log link); p in (0, 1) is invalid' },
  log: { targetColumns: 1, classifier: true, link: 'margin', formula: 'log(1 + e^−m), one-vs-rest (scikit-learn SGDClassifier loss="log_loss")' },
  hinge: { targetColumns: 1, classifier: true, link: 'margin', formula: 'max(0, 1 − m), one-vs-rest (linear SVM)' },
  squaredHinge: { targetColumns: 1, classifier: true, link: 'margin', formula: 'max(0, 1 − m)², one-vs-rest' },
  modifiedHuber: { targetColumns: 1, classifier: true, link: 'margin', formula: '(1 − m)² if m ≥ −1 (0 if m ≥ 1), else −4m; one-vs-rest (Zhang 2004)' },
  perceptron: { targetColumns: 1, classifier: true, link: 'margin', formula: 'max(0, −m), one-vs-rest' },
} as const satisfies Record<string, LossFact>;
export type LossName = keyof typeof LOSSES;
/** The loss parameter's default (0 for heads without one). */
export function lossParamDefault(loss: LossName): number {
  return (LOSSES[loss] as LossFact).param?.default ?? 0;
}
/** Why `value` is not a valid parameter for `loss`, or undefined when it is. */
export function lossParamProblem(loss: LossName, value: number): string | undefined {
  const p = (LOSSES[loss] as LossFact).param;
  if (!p) return value === 0 ? undefined : `${loss} has no parameter (lossParam must be 0)`;
  if (!Number.isFinite(value) || value < p.min || value > p.max || (p.exclusive && (value === p.min || value === p.max)))
    return `${p.name} must be ${p.exclusive ? 'strictly ' : ''}between ${p.min} and ${p.max}`;
  if (loss === 'tweedie' && value > 0 && value < 1) return 'power must be 0 or at least 1 (no Tweedie distribution has 0 < power < 1)';
  return undefined;
}
export const LOSS_NAMES = Object.keys(LOSSES) as LossName[];

// ---------------------------------------------------------------------------------------------------------------
// Optimizer kernels: the configuration every fused update reads, and the state it keeps

export interface FieldFact {
  readonly type: 'number' | 'boolean';
  readonly default: number | boolean;
  /** Bounds the native binding enforces (the optimizers' own rules below are stricter). */
  readonly min?: number;
  readonly max?: number;
}

/** Every field of a kernel configuration (native `OptConfig`); each kernel reads the ones it needs. */
export const KERNEL_FIELDS = {
  momentum: { type: 'number', default: 0, min: 0, max: 1e6 },
  dampening: { type: 'number', default: 0, min: 0, max: 1 },
  nesterov: { type: 'boolean', default: false },
  beta1: { type: 'number', default: 0.9, min: 0, max: 1 },
  beta2: { type: 'number', default: 0.999, min: 0, max: 1 },
  epsilon: { type: 'number', default: 1e-8, min: 0, max: 1e6 },
  amsgrad: { type: 'boolean', default: false },
  weightDecay: { type: 'number', default: 0, min: 0, max: 1e6 },
  /** AdamW-style decay `p ← p·(1 − lr·weightDecay)` before the update instead of `g ← g + weightDecay·p`. */
  decoupled: { type: 'boolean', default: false },
  alpha: { type: 'number', default: 0.99, min: 0, max: 1 },
  centered: { type: 'boolean', default: false },
  lrDecay: { type: 'number', default: 0, min: 0, max: 1e6 },
  initialAccumulatorValue: { type: 'number', default: 0, min: 0, max: 1e30 },
  rho: { type: 'number', default: 0.9, min: 0, max: 1 },
  momentumDecay: { type: 'number', default: 4e-3, min: 0, max: 1e6 },
} as const satisfies Record<string, FieldFact>;
export type KernelField = keyof typeof KERNEL_FIELDS;
export const KERNEL_FIELD_NAMES = Object.keys(KERNEL_FIELDS) as KernelField[];

export interface SlotFact {
  /** PyTorch's state name (`optimizer.state_dict()`), used in checkpoint tensor names. */
  readonly name: string;
  /** The slot exists only when this configuration field is non-zero / true (always the last slots). */
  readonly when?: KernelField;
  /** The field whose value the slot starts at (else 0). */
  readonly init?: KernelField;
}

/** The fused update kernels, each with its state slots (one tensor the size of the parameters per slot). */
export const KERNELS = {
  sgd: { slots: [{ name: 'momentum_buffer', when: 'momentum' }] },
  adam: { slots: [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }, { name: 'max_exp_avg_sq', when: 'amsgrad' }] },
  rmsprop: { slots: [{ name: 'square_avg' }, { name: 'momentum_buffer' }, { name: 'grad_avg', when: 'centered' }] },
  adagrad: { slots: [{ name: 'sum', init: 'initialAccumulatorValue' }] },
  adadelta: { slots: [{ name: 'square_avg' }, { name: 'acc_delta' }] },
  adamax: { slots: [{ name: 'exp_avg' }, { name: 'exp_inf' }] },
  nadam: { slots: [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }] },
} as const satisfies Record<string, { slots: readonly SlotFact[] }>;
export type KernelName = keyof typeof KERNELS;
export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];

/** A complete kernel configuration: the kernel and every field (the native side requires each). */
export type KernelConfig = { readonly kernel: KernelName } & { readonly [K in KernelField]: (typeof KERNEL_FIELDS)[K]['type'] extends 'boolean' ? boolean : number };

/** The kernel configuration with every field at its default. */
export function defaultKernelConfig(kernel: KernelName): KernelConfig {
  const c: Record<string, unknown> = { kernel };
  for (const f of KERNEL_FIELD_NAMES) c[f] = KERNEL_FIELDS[f].default;
  return c as KernelConfig;
}

/** The slots a configuration keeps, in order (their PyTorch names). */
export function slotsOf(c: KernelConfig): readonly SlotFact[] {
  return (KERNELS[c.kernel].slots as readonly SlotFact[]).filter((s) => s.when === undefined || (c[s.when] as number | boolean) !== 0 && c[s.when] !== false);
}

/** PyTorch's state names of the slots a configuration keeps. */
export function slotNames(c: KernelConfig): string[] {
  return slotsOf(c).map((s) => s.name);
}

/** Number of state slots. */
export function numSlots(c: KernelConfig): number {
  return slotsOf(c).length;
}

/** The value slot `i` starts at. */
export function slotInit(c: KernelConfig, i: number): number {
  const s = slotsOf(c)[i];
  return s?.init !== undefined ? (c[s.init] as number) : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Optimizers: what users choose (factories in lib/optim/optimizers.ts are built from this table)

export interface HyperFact {
  readonly default: number | boolean;
  /** For numbers: the rule checked with the value named `<optimizer>.<hyperparameter>`. */
  readonly rule?: NumberRule;
  /** Overrides the rule's text in the error message (for rules with a reason, such as Nesterov's). */
  readonly expected?: string;
  readonly doc: string;
}

export interface OptimizerFact {
  readonly kernel: KernelName;
  /** PyTorch's default learning rate (SGD has none in PyTorch; 0.01 here). */
  readonly learningRate: number;
  /** Hyperparameters, in the order `options` lists them; each is the kernel field of the same name. */
  readonly hyper: Readonly<Record<string, HyperFact>>;
  /** Kernel fields fixed by the choice of optimizer. */
  readonly fixed?: Partial<Record<KernelField, number | boolean>>;
  /** The update rule and the reference implementation it follows. */
  readonly source: string;
}

const H = {
  weightDecay: (d = 0): HyperFact => ({ default: d, rule: { min: 0 }, doc: 'L2 coupled to the gradient, g ← g + λp (decoupled with decoupledWeightDecay, and always for adamw)' }),
  beta1: { default: 0.9, rule: { min: 0, lt: 1 }, doc: 'β₁ ∈ [0, 1): first-moment decay' } as HyperFact,
  beta2: { default: 0.999, rule: { min: 0, lt: 1 }, doc: 'β₂ ∈ [0, 1): second-moment decay' } as HyperFact,
  epsilon: (d: number): HyperFact => ({ default: d, rule: { gt: 0 }, doc: 'ε > 0, added outside the square root' }),
};

/** Every optimizer: `torch.optim` (PyTorch 1.13) update rules and defaults. */
export const OPTIMIZERS = {
  sgd: {
    kernel: 'sgd', learningRate: 0.01, hyper: { weightDecay: H.weightDecay() },
    source: 'p ← p − lr·(g + λp); torch.optim.SGD(momentum=0)',
  },
  momentum: {
    kernel: 'sgd', learningRate: 0.01,
    hyper: {
      momentum: { default: 0.9, rule: { min: 0 }, doc: 'momentum factor μ ≥ 0' },
      dampening: { default: 0, rule: { min: 0, max: 1 }, doc: 'dampening d ∈ [0, 1]: b ← μb + (1−d)g (the first step sets b ← g)' },
      weightDecay: H.weightDecay(),
    },
    source: 'b ← μb + (1−d)g, p ← p − lr·b; torch.optim.SGD(momentum, dampening)',
  },
  nesterov: {
    kernel: 'sgd', learningRate: 0.01, fixed: { nesterov: true },
    hyper: {
      momentum: { default: 0.9, rule: { gt: 0 }, expected: 'a number > 0 (Nesterov momentum requires a momentum)', doc: 'momentum factor μ > 0' },
      dampening: { default: 0, rule: { min: 0, max: 0 }, expected: '0 (Nesterov momentum requires zero dampening)', doc: 'must be 0' },
      weightDecay: H.weightDecay(),
    },
    source: 'b ← μb + g, p ← p − lr·(g + μb) (Sutskever et al. 2013); torch.optim.SGD(nesterov=True)',
  },
  adam: {
    kernel: 'adam', learningRate: 1e-3,
    hyper: { beta1: H.beta1, beta2: H.beta2, epsilon: H.epsilon(1e-8), weightDecay: H.weightDecay(), amsgrad: { default: false, doc: 'AMSGrad (Reddi et al. 2018): the running maximum of v' } },
    source: 'm ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε) (Kingma & Ba 2015); torch.optim.Adam',
  },
  adamw: {
    kernel: 'adam', learningRate: 1e-3, fixed: { decoupled: true },
    hyper: { beta1: H.beta1, beta2: H.beta2, epsilon: H.epsilon(1e-8), weightDecay: H.weightDecay(0.01), amsgrad: { default: false, doc: 'AMSGrad' } },
    source: 'p ← p·(1 − lr·λ), then the Adam step (Loshchilov & Hutter 2019); torch.optim.AdamW',
  },
  rmsprop: {
    kernel: 'rmsprop', learningRate: 1e-2,
    hyper: {
      alpha: { default: 0.99, rule: { min: 0, max: 1 }, doc: 'smoothing constant α ∈ [0, 1]' },
      epsilon: H.epsilon(1e-8),
      weightDecay: H.weightDecay(),
      momentum: { default: 0, rule: { min: 0 }, doc: 'momentum factor ≥ 0' },
      centered: { default: false, doc: 'normalize by the estimated variance E[g²] − E[g]²' },
    },
    source: 's ← αs + (1−α)g², p ← p − lr·g/(√s + ε) (Hinton, lecture 6e); torch.optim.RMSprop',
  },
  adagrad: {
    kernel: 'adagrad', learningRate: 1e-2,
    hyper: {
      lrDecay: { default: 0, rule: { min: 0 }, doc: 'lr_t = lr / (1 + (t−1)·lrDecay)' },
      weightDecay: H.weightDecay(),
      initialAccumulatorValue: { default: 0, rule: { min: 0 }, doc: 'starting value of the squared-gradient sum' },
      epsilon: H.epsilon(1e-10),
    },
    source: 's ← s + g², p ← p − lr_t·g/(√s + ε) (Duchi et al. 2011); torch.optim.Adagrad',
  },
  adadelta: {
    kernel: 'adadelta', learningRate: 1.0,
    hyper: { rho: { default: 0.9, rule: { min: 0, max: 1 }, doc: 'ρ ∈ [0, 1]' }, epsilon: H.epsilon(1e-6), weightDecay: H.weightDecay() },
    source: 'Δ = √(u + ε)/√(s + ε)·g, p ← p − lr·Δ (Zeiler 2012); torch.optim.Adadelta',
  },
  adamax: {
    kernel: 'adamax', learningRate: 2e-3,
    hyper: { beta1: H.beta1, beta2: H.beta2, epsilon: H.epsilon(1e-8), weightDecay: H.weightDecay() },
    source: 'u ← max(β₂u, |g| + ε), p ← p − lr/(1−β₁ᵗ)·m/u (Kingma & Ba 2015, §7.1); torch.optim.Adamax',
  },
  nadam: {
    kernel: 'nadam', learningRate: 2e-3,
    hyper: {
      beta1: H.beta1, beta2: H.beta2, epsilon: H.epsilon(1e-8), weightDecay: H.weightDecay(),
      momentumDecay: { default: 4e-3, rule: { min: 0 }, doc: 'ψ in μ_t = β₁(1 − ½·0.96^(tψ))' },
    },
    source: 'NAdam (Dozat 2016) as torch.optim.NAdam in PyTorch 1.13, including its μ-product term',
  },
} as const satisfies Record<string, OptimizerFact>;
export type OptimizerName = keyof typeof OPTIMIZERS;
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];

/** Every optimizer also takes `learningRate` (number or schedule) and `decoupledWeightDecay` (boolean, default false). */
export const COMMON_OPTIMIZER_OPTIONS = ['learningRate', 'decoupledWeightDecay'] as const;

/**
 * Bounds of the engine spec's other numeric fields, enforced alike by the facade's validation and the native
 * binding's argument guards (spec.def `DESCENT_SPEC_BOUND`), so no value trains on one backend and fails on the other.
 */
export const SPEC_BOUNDS = {
  activationParam: { min: -1e6, max: 1e6 },
  dropout: { min: 0, max: 0.999999 },
  l1: { min: 0, max: 1e30 },
  l2: { min: 0, max: 1e30 },
  clipNorm: { min: 0, max: 1e300 },
  clipValue: { min: 0, max: 1e300 },
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Schedules (pure TS: lib/optim/schedules.ts implements each kind)

/** Step schedules (`step → learningRate`), each also the name of its factory; `reduceOnPlateau` is metric-driven. */
export const SCHEDULE_KINDS = [
  'constant', 'step', 'multiStep', 'exponential', 'inverseTime', 'polynomial', 'cosine', 'cosineWarmRestarts',
  'linearWarmup', 'sequential', 'oneCycle', 'piecewiseConstant',
] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

// ---------------------------------------------------------------------------------------------------------------
// The engine specification: the plain object that crosses to a backend once, and is saved in model files

export interface LayerSpec {
  readonly inputs: number;
  readonly units: number;
  readonly activation: ActivationName;
  /** leakyRelu slope or elu alpha (0 otherwise). */
  readonly activationParam: number;
  readonly useBias: boolean;
  /** Inverted-dropout rate on this layer's output while training, in [0, 1); 0 on the last layer. */
  readonly dropout: number;
}

export interface EngineSpec {
  readonly dtype: Dtype;
  readonly layers: readonly LayerSpec[];
  readonly loss: LossName;
  /**
   * The loss head's parameter (huber/epsilon-insensitive ε, quantile q, Tweedie power); 0 for heads without one.
   * Optional: absent means the head's default (specs written before heads had parameters).
   */
  readonly lossParam?: number;
  readonly optimizer: KernelConfig;
  readonly l1: number;
  readonly l2: number;
  readonly penalizeBias: boolean;
  /** 0 = off; global L2 norm as `torch.nn.utils.clip_grad_norm_`. */
  readonly clipNorm: number;
  /** 0 = off; element-wise clamp to `[−clipValue, clipValue]`. */
  readonly clipValue: number;
  /** Rows of the workspace: the largest batch `runBatches` takes and the block size `predict` uses. */
  readonly maxBatch: number;
  /**
   * Weight averaging after each optimizer step from step `start` (1-based): `mean` is the running mean (ASGD,
   * scikit-learn's `average`), `ema` the exponential moving average `d·avg + (1 − d)·p`; both start from a copy of
   * the weights. Absent: no averaging.
   */
  readonly average?: { readonly kind: 'none' | 'mean' | 'ema'; readonly start: number; readonly decay: number };
}

/** Where each tensor lives in the flat parameter vector `[W0, b0, W1, b1, …]`; `W` is `[units, inputs]` (PyTorch's layout). */
export interface Layout {
  readonly weight: readonly number[];
  /** Offset of each layer's bias, or −1 without one. */
  readonly bias: readonly number[];
  readonly total: number;
  /** Widest layer input or output. */
  readonly maxWidth: number;
}

export function layoutOf(layers: readonly Pick<LayerSpec, 'inputs' | 'units' | 'useBias'>[]): Layout {
  const weight: number[] = [], bias: number[] = [];
  let off = 0, maxWidth = 0;
  for (const L of layers) {
    weight.push(off);
    off += L.units * L.inputs;
    bias.push(L.useBias ? off : -1);
    if (L.useBias) off += L.units;
    // The widest activation gradient: a layer's units (the first layer's inputs never get one; see network.h).
    maxWidth = Math.max(maxWidth, L.units);
  }
  return { weight, bias, total: off, maxWidth };
}

/** Target columns per row for the spec's loss head. */
export function targetColumns(spec: Pick<EngineSpec, 'loss' | 'layers'>): number {
  const t = LOSSES[spec.loss].targetColumns;
  return t === 1 ? 1 : spec.layers[spec.layers.length - 1]!.units;
}

/**
 * Bytes a trainer for `spec` allocates (parameters, gradients, optimizer slots and their snapshots, the workspace);
 * the native `TrainerBytes()` computes the same (test/05 checks it), and the JS trainer allocates the same arrays.
 */
export function trainerBytes(spec: EngineSpec): number {
  const B = spec.maxBatch;
  const { total: P, maxWidth } = layoutOf(spec.layers);
  let ws = 0;
  for (const L of spec.layers) ws += B * L.units * (1 + (L.activation !== 'linear' ? 1 : 0) + (L.dropout > 0 ? 2 : 0));
  const elems = P * (3 + 2 * numSlots(spec.optimizer) + (spec.average && spec.average.kind !== 'none' ? 2 : 0)) + B * spec.layers[0]!.inputs + B * targetColumns(spec) + B + ws + 2 * B * maxWidth;
  return elems * DTYPE_BYTES[spec.dtype] + maxWidth * 8;
}
