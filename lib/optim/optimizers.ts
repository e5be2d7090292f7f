/**
 * Optimizer factories. Each validates its options with PyTorch's rules and returns a plain
 * {@link OptimizerSpec}; the update itself runs in a fused kernel (native/kernels/optimizers_impl.h, mirrored by
 * lib/backend/js/optimizers.ts). Defaults and update rules are `torch.optim`'s (PyTorch 1.13), so recipes port
 * from Python unchanged: ε outside the square root, momentum buffer initialised to the first gradient, Nesterov
 * as PyTorch, `weightDecay` coupled (added to the gradient) except in {@link adamw} (decoupled, `p ← p − lr·λ·p`).
 */
import { OptionError } from '../errors';
import type { OptimizerConfig } from '../backend/types';
import { checkKeys, num, bool, invalid } from '../validate';

/** A learning-rate schedule: the learning rate of 0-based optimizer step `step` (see lib/optim/schedules.ts). */
export interface ScheduleLike {
  at(step: number): number;
  toJSON(): unknown;
}

/** A metric-driven schedule (`reduceOnPlateau`): `current()` is the rate in force, `report(metric)` feeds one epoch's metric. */
export interface PlateauLike {
  current(): number;
  report(metric: number): number;
  toJSON(): unknown;
  getState(): unknown;
  setState(state: never): void;
  /** Back to the initial state (fit() calls it when a new training run starts). */
  reset?(): void;
}

/** A constant number, a step schedule, or a plateau schedule. */
export type LearningRate = number | ScheduleLike | PlateauLike;

export function isPlateau(lr: unknown): lr is PlateauLike {
  return typeof lr === 'object' && lr !== null && typeof (lr as PlateauLike).report === 'function' && typeof (lr as PlateauLike).current === 'function';
}

export type OptimizerName =
  | 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax' | 'nadam';

/** A validated optimizer choice: what `fit({ optimizer })` and `createOptimizer()` take. */
export interface OptimizerSpec {
  readonly name: OptimizerName;
  readonly learningRate: LearningRate;
  /** The normalized options (every default filled in), for display and serialization. */
  readonly options: Readonly<Record<string, number | boolean>>;
  /** The kernel configuration handed to a backend. */
  readonly config: OptimizerConfig;
}

const BASE: OptimizerConfig = {
  kind: 0, momentum: 0, dampening: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, amsgrad: false,
  weightDecay: 0, decoupled: false, alpha: 0.99, centered: false, lrDecay: 0, initialAccumulatorValue: 0, rho: 0.9,
  momentumDecay: 4e-3,
};

function learningRate(name: string, value: unknown, fallback?: number): LearningRate {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'object' && value !== null && typeof (value as ScheduleLike).at === 'function') return value as ScheduleLike;
  if (isPlateau(value)) return value;
  return num(`${name}.learningRate`, value, { gt: 0 });
}

function betas(name: string, o: Record<string, unknown>): { beta1: number; beta2: number } {
  return {
    beta1: num(`${name}.beta1`, o.beta1, { min: 0, lt: 1 }, 0.9),
    beta2: num(`${name}.beta2`, o.beta2, { min: 0, lt: 1 }, 0.999),
  };
}

/**
 * `decoupledWeightDecay: true` (any optimizer) applies `weightDecay` as `p ← p·(1 − lr·λ)` before the update, as
 * AdamW does (Loshchilov & Hutter 2019), instead of adding `λ·p` to the gradient; `adamw` is always decoupled.
 */
function make(name: OptimizerName, lr: LearningRate, options: Record<string, number | boolean>, config: Partial<OptimizerConfig>, raw?: Record<string, unknown>): OptimizerSpec {
  const decoupled = config.decoupled === true || bool(`${name}.decoupledWeightDecay`, raw?.decoupledWeightDecay, false);
  const opts = decoupled && name !== 'adamw' ? { ...options, decoupledWeightDecay: true } : options;
  return Object.freeze({ name, learningRate: lr, options: Object.freeze(opts), config: { ...BASE, ...config, decoupled } });
}

export interface SgdOptions {
  /** Step size (number or schedule), > 0. Required by PyTorch; default here 0.01. */
  learningRate?: LearningRate;
  /** Coupled L2 added to the gradient: `g ← g + weightDecay·p`. Default 0. */
  weightDecay?: number;
  /** Apply `weightDecay` decoupled, `p ← p·(1 − lr·λ)` before the update (AdamW-style). Default false. */
  decoupledWeightDecay?: boolean;
}

/** Plain (mini-batch/stochastic) gradient descent: `p ← p − lr·(g + λp)`. `torch.optim.SGD` with momentum 0. */
export function sgd(options: SgdOptions = {}): OptimizerSpec {
  const o = checkKeys('sgd', options, ['learningRate', 'weightDecay', 'decoupledWeightDecay']);
  const lr = learningRate('sgd', o.learningRate, 0.01);
  const weightDecay = num('sgd.weightDecay', o.weightDecay, { min: 0 }, 0);
  return make('sgd', lr, { weightDecay }, { kind: 0, weightDecay }, o);
}

export interface MomentumOptions extends SgdOptions {
  /** Momentum factor μ ≥ 0. Default 0.9. */
  momentum?: number;
  /** Dampening d ∈ [0, 1]: `b ← μb + (1−d)g` (the first step sets `b ← g`). Default 0. */
  dampening?: number;
}

/** Heavy-ball momentum, `torch.optim.SGD(momentum, dampening)`: `b ← μb + (1−d)g`, `p ← p − lr·b`. */
export function momentum(options: MomentumOptions = {}): OptimizerSpec {
  const o = checkKeys('momentum', options, ['learningRate', 'weightDecay', 'momentum', 'dampening', 'decoupledWeightDecay']);
  const lr = learningRate('momentum', o.learningRate, 0.01);
  const m = num('momentum.momentum', o.momentum, { min: 0 }, 0.9);
  const dampening = num('momentum.dampening', o.dampening, { min: 0, max: 1 }, 0);
  const weightDecay = num('momentum.weightDecay', o.weightDecay, { min: 0 }, 0);
  return make('momentum', lr, { momentum: m, dampening, weightDecay }, { kind: 0, momentum: m, dampening, weightDecay }, o);
}

export interface NesterovOptions extends SgdOptions {
  /** Momentum factor μ > 0. Default 0.9. */
  momentum?: number;
  /** Must be 0 (PyTorch: "Nesterov momentum requires a momentum and zero dampening"). */
  dampening?: number;
}

/** Nesterov momentum as `torch.optim.SGD(nesterov=True)` (Sutskever et al. 2013): `b ← μb + g`, `p ← p − lr·(g + μb)`. */
export function nesterov(options: NesterovOptions = {}): OptimizerSpec {
  const o = checkKeys('nesterov', options, ['learningRate', 'weightDecay', 'momentum', 'dampening', 'decoupledWeightDecay']);
  const lr = learningRate('nesterov', o.learningRate, 0.01);
  const m = num('nesterov.momentum', o.momentum, { min: 0 }, 0.9);
  if (!(m > 0)) throw invalid('nesterov.momentum', 'a number > 0 (Nesterov momentum requires a momentum)', o.momentum);
  const dampening = num('nesterov.dampening', o.dampening, {}, 0);
  if (dampening !== 0) throw invalid('nesterov.dampening', '0 (Nesterov momentum requires zero dampening)', o.dampening);
  const weightDecay = num('nesterov.weightDecay', o.weightDecay, { min: 0 }, 0);
  return make('nesterov', lr, { momentum: m, dampening: 0, weightDecay }, { kind: 0, momentum: m, nesterov: true, weightDecay }, o);
}

export interface AdamOptions {
  /** Default 1e-3. */
  learningRate?: LearningRate;
  /** β₁ ∈ [0, 1). Default 0.9. */
  beta1?: number;
  /** β₂ ∈ [0, 1). Default 0.999. */
  beta2?: number;
  /** ε > 0, added outside the square root. Default 1e-8. */
  epsilon?: number;
  /** Coupled L2 (`adam`) or decoupled decay (`adamw`). Default 0 (`adam`), 0.01 (`adamw`). */
  weightDecay?: number;
  /** AMSGrad (Reddi et al. 2018): use the running maximum of v. Default false. */
  amsgrad?: boolean;
  /** Apply `weightDecay` decoupled, `p ← p·(1 − lr·λ)` before the update (AdamW-style). Default false. */
  decoupledWeightDecay?: boolean;
}

/**
 * Adam (Kingma & Ba 2015) as `torch.optim.Adam`: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
 * `p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)`.
 */
export function adam(options: AdamOptions = {}): OptimizerSpec {
  return adamLike('adam', options, 0, false);
}

/** AdamW (Loshchilov & Hutter 2019) as `torch.optim.AdamW`: `p ← p·(1 − lr·λ)` then the Adam step. */
export function adamw(options: AdamOptions = {}): OptimizerSpec {
  return adamLike('adamw', options, 0.01, true);
}

function adamLike(name: 'adam' | 'adamw', options: AdamOptions, wdDefault: number, decoupled: boolean): OptimizerSpec {
  const o = checkKeys(name, options, ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'amsgrad', 'decoupledWeightDecay']);
  const lr = learningRate(name, o.learningRate, 1e-3);
  const { beta1, beta2 } = betas(name, o);
  const epsilon = num(`${name}.epsilon`, o.epsilon, { gt: 0 }, 1e-8);
  const weightDecay = num(`${name}.weightDecay`, o.weightDecay, { min: 0 }, wdDefault);
  const amsgrad = bool(`${name}.amsgrad`, o.amsgrad, false);
  return make(name, lr, { beta1, beta2, epsilon, weightDecay, amsgrad }, { kind: 1, beta1, beta2, epsilon, weightDecay, amsgrad, decoupled }, o);
}

export interface RmspropOptions {
  /** Default 1e-2. */
  learningRate?: LearningRate;
  /** Smoothing constant α ∈ [0, 1]. Default 0.99. */
  alpha?: number;
  /** Default 1e-8. */
  epsilon?: number;
  weightDecay?: number;
  /** Default 0. */
  momentum?: number;
  /** Normalize by the estimated variance `E[g²] − E[g]²`. Default false. */
  centered?: boolean;
  /** Apply `weightDecay` decoupled, `p ← p·(1 − lr·λ)` before the update (AdamW-style). Default false. */
  decoupledWeightDecay?: boolean;
}

/** RMSprop (Hinton, lecture 6e) as `torch.optim.RMSprop`: `s ← αs + (1−α)g²`, `p ← p − lr·g/(√s + ε)`. */
export function rmsprop(options: RmspropOptions = {}): OptimizerSpec {
  const o = checkKeys('rmsprop', options, ['learningRate', 'alpha', 'epsilon', 'weightDecay', 'momentum', 'centered', 'decoupledWeightDecay']);
  const lr = learningRate('rmsprop', o.learningRate, 1e-2);
  const alpha = num('rmsprop.alpha', o.alpha, { min: 0, max: 1 }, 0.99);
  const epsilon = num('rmsprop.epsilon', o.epsilon, { gt: 0 }, 1e-8);
  const weightDecay = num('rmsprop.weightDecay', o.weightDecay, { min: 0 }, 0);
  const m = num('rmsprop.momentum', o.momentum, { min: 0 }, 0);
  const centered = bool('rmsprop.centered', o.centered, false);
  return make('rmsprop', lr, { alpha, epsilon, weightDecay, momentum: m, centered }, { kind: 2, alpha, epsilon, weightDecay, momentum: m, centered }, o);
}

export interface AdagradOptions {
  /** Default 1e-2. */
  learningRate?: LearningRate;
  /** lr_t = lr / (1 + (t−1)·lrDecay). Default 0. */
  lrDecay?: number;
  weightDecay?: number;
  /** Starting value of the squared-gradient sum. Default 0. */
  initialAccumulatorValue?: number;
  /** Default 1e-10. */
  epsilon?: number;
  /** Apply `weightDecay` decoupled, `p ← p·(1 − lr·λ)` before the update (AdamW-style). Default false. */
  decoupledWeightDecay?: boolean;
}

/** Adagrad (Duchi et al. 2011) as `torch.optim.Adagrad`: `s ← s + g²`, `p ← p − lr_t·g/(√s + ε)`. */
export function adagrad(options: AdagradOptions = {}): OptimizerSpec {
  const o = checkKeys('adagrad', options, ['learningRate', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'epsilon', 'decoupledWeightDecay']);
  const lr = learningRate('adagrad', o.learningRate, 1e-2);
  const lrDecay = num('adagrad.lrDecay', o.lrDecay, { min: 0 }, 0);
  const weightDecay = num('adagrad.weightDecay', o.weightDecay, { min: 0 }, 0);
  const initialAccumulatorValue = num('adagrad.initialAccumulatorValue', o.initialAccumulatorValue, { min: 0 }, 0);
  const epsilon = num('adagrad.epsilon', o.epsilon, { gt: 0 }, 1e-10);
  return make('adagrad', lr, { lrDecay, weightDecay, initialAccumulatorValue, epsilon }, { kind: 3, lrDecay, weightDecay, initialAccumulatorValue, epsilon }, o);
}

export interface AdadeltaOptions {
  /** Default 1.0. */
  learningRate?: LearningRate;
  /** ρ ∈ [0, 1]. Default 0.9. */
  rho?: number;
  /** Default 1e-6. */
  epsilon?: number;
  weightDecay?: number;
  /** Apply `weightDecay` decoupled, `p ← p·(1 − lr·λ)` before the update (AdamW-style). Default false. */
  decoupledWeightDecay?: boolean;
}

/** Adadelta (Zeiler 2012) as `torch.optim.Adadelta`: `Δ = √(u + ε)/√(s + ε)·g`, `p ← p − lr·Δ`. */
export function adadelta(options: AdadeltaOptions = {}): OptimizerSpec {
  const o = checkKeys('adadelta', options, ['learningRate', 'rho', 'epsilon', 'weightDecay', 'decoupledWeightDecay']);
  const lr = learningRate('adadelta', o.learningRate, 1.0);
  const rho = num('adadelta.rho', o.rho, { min: 0, max: 1 }, 0.9);
  const epsilon = num('adadelta.epsilon', o.epsilon, { gt: 0 }, 1e-6);
  const weightDecay = num('adadelta.weightDecay', o.weightDecay, { min: 0 }, 0);
  return make('adadelta', lr, { rho, epsilon, weightDecay }, { kind: 4, rho, epsilon, weightDecay }, o);
}

/** Adamax (Kingma & Ba 2015, §7.1) as `torch.optim.Adamax`: `u ← max(β₂u, |g| + ε)`, `p ← p − lr/(1−β₁ᵗ)·m/u`. Default lr 2e-3. */
export function adamax(options: Omit<AdamOptions, 'amsgrad'> = {}): OptimizerSpec {
  const o = checkKeys('adamax', options, ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'decoupledWeightDecay']);
  const lr = learningRate('adamax', o.learningRate, 2e-3);
  const { beta1, beta2 } = betas('adamax', o);
  const epsilon = num('adamax.epsilon', o.epsilon, { gt: 0 }, 1e-8);
  const weightDecay = num('adamax.weightDecay', o.weightDecay, { min: 0 }, 0);
  return make('adamax', lr, { beta1, beta2, epsilon, weightDecay }, { kind: 5, beta1, beta2, epsilon, weightDecay }, o);
}

export interface NadamOptions extends Omit<AdamOptions, 'amsgrad'> {
  /** ψ in μ_t = β₁(1 − ½·0.96^(tψ)). Default 4e-3. */
  momentumDecay?: number;
}

/**
 * NAdam (Dozat 2016) as `torch.optim.NAdam` in PyTorch 1.13, including its second bias term
 * `lr·μₜ₊₁/(1 − μ-product·μₜ·μₜ₊₁)` (1.13 multiplies μₜ in twice; we match it so trajectories agree). Default lr 2e-3.
 */
export function nadam(options: NadamOptions = {}): OptimizerSpec {
  const o = checkKeys('nadam', options, ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'momentumDecay', 'decoupledWeightDecay']);
  const lr = learningRate('nadam', o.learningRate, 2e-3);
  const { beta1, beta2 } = betas('nadam', o);
  const epsilon = num('nadam.epsilon', o.epsilon, { gt: 0 }, 1e-8);
  const weightDecay = num('nadam.weightDecay', o.weightDecay, { min: 0 }, 0);
  const momentumDecay = num('nadam.momentumDecay', o.momentumDecay, { min: 0 }, 4e-3);
  return make('nadam', lr, { beta1, beta2, epsilon, weightDecay, momentumDecay }, { kind: 6, beta1, beta2, epsilon, weightDecay, momentumDecay }, o);
}

export const OPTIMIZERS = { sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam } as const;

export function isOptimizerSpec(x: unknown): x is OptimizerSpec {
  return typeof x === 'object' && x !== null && 'config' in x && 'name' in x && (x as OptimizerSpec).name in OPTIMIZERS;
}

/** Resolves an optimizer by name with options (CLI, `fit({ optimizer: 'adam' })`). */
export function optimizerByName(name: string, options: Record<string, unknown> = {}): OptimizerSpec {
  const f = Object.prototype.hasOwnProperty.call(OPTIMIZERS, name) ? (OPTIMIZERS as Record<string, (o: Record<string, unknown>) => OptimizerSpec>)[name] : undefined;
  if (!f) throw new OptionError(`Expected one of ${Object.keys(OPTIMIZERS).join(', ')} for optimizer but received ${JSON.stringify(name)}`, 'optimizer');
  return f(options);
}

/** The learning rate of 0-based step `step`. */
export function learningRateAt(lr: LearningRate, step: number): number {
  if (typeof lr === 'number') return lr;
  return isPlateau(lr) ? lr.current() : lr.at(step);
}
