/**
 * Optimizer factories, built from the engine table (lib/engine/spec.ts `OPTIMIZERS`): each validates its options
 * with PyTorch's rules and returns a plain {@link OptimizerSpec}; the update runs in a fused kernel
 * (native/kernels/optimizers_impl.h, mirrored by lib/backend/js/optimizers.ts). Defaults and update rules are
 * `torch.optim`'s (PyTorch 1.13), so recipes port from Python unchanged: ε outside the square root, momentum buffer
 * initialised to the first gradient, Nesterov as PyTorch, `weightDecay` coupled (added to the gradient) except in
 * {@link adamw} or with `decoupledWeightDecay: true` (`p ← p·(1 − lr·λ)` before the update).
 */
import { OptionError } from '../errors';
import { COMMON_OPTIMIZER_OPTIONS, KERNEL_FIELDS, KernelConfig, OPTIMIZERS, OPTIMIZER_NAMES, OptimizerName, defaultKernelConfig } from '../engine/spec';
import type { HyperFact, KernelField, OptimizerFact } from '../engine/spec';
import { bool, checkKeys, describe, invalid, num, suggest } from '../validate';
import { ReduceOnPlateau, scheduleFromJSON } from './schedules';

export type { OptimizerName } from '../engine/spec';

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

/** A validated optimizer choice: what `fit({ optimizer })` and `createOptimizer()` take. */
export interface OptimizerSpec {
  readonly name: OptimizerName;
  readonly learningRate: LearningRate;
  /** The normalized options (every default filled in), for display and serialization. */
  readonly options: Readonly<Record<string, number | boolean>>;
  /** The kernel configuration handed to a backend. */
  readonly config: KernelConfig;
}

/** A step schedule (`at(step)`) or a plateau schedule: anything a learning rate may be besides a number. */
export function isScheduleLike(value: unknown): value is ScheduleLike | PlateauLike {
  return (typeof value === 'object' && value !== null && typeof (value as ScheduleLike).at === 'function') || isPlateau(value);
}

/** Validates a learning rate named `name`: a finite number > 0 or a schedule. */
export function learningRateOption(name: string, value: unknown): LearningRate {
  if (isScheduleLike(value)) return value;
  if (typeof value === 'number') return num(name, value, { gt: 0 });
  throw invalid(name, 'a number > 0 or a schedule (constant(), cosine(), …)', value);
}

function learningRateOf(name: string, value: unknown, fallback: number): LearningRate {
  return value === undefined ? fallback : learningRateOption(`${name}.learningRate`, value);
}

function hyperValue(name: string, key: string, h: HyperFact, value: unknown): number | boolean {
  if (typeof h.default === 'boolean') return bool(`${name}.${key}`, value, h.default);
  if (value === undefined) return h.default;
  if (h.expected !== undefined) {
    // A rule with a reason (Nesterov's): the message gives the reason instead of the bare bounds.
    const ok = typeof value === 'number' && Number.isFinite(value);
    try {
      if (ok) return num(`${name}.${key}`, value, h.rule);
    } catch {
      /* fall through to the reasoned message */
    }
    throw invalid(`${name}.${key}`, h.expected, value);
  }
  const v = num(`${name}.${key}`, value, h.rule);
  // The kernel field's own bounds (the native binding enforces them too): a value one backend accepts, both do.
  const f = KERNEL_FIELDS[key as KernelField] as { max?: number } | undefined;
  return f?.max !== undefined ? num(`${name}.${key}`, v, { ...h.rule, max: Math.min(f.max, h.rule?.max ?? Infinity) }) : v;
}

/**
 * Validates `options` against the table entry of optimizer `name` and builds its spec. Every optimizer takes
 * `learningRate` (number > 0 or a schedule) and `decoupledWeightDecay` (AdamW-style decay for any optimizer,
 * Loshchilov & Hutter 2019; `adamw` is always decoupled) besides its own hyperparameters.
 */
function build(name: OptimizerName, options: unknown): OptimizerSpec {
  const fact: OptimizerFact = OPTIMIZERS[name];
  const o = checkKeys(name, options, [...COMMON_OPTIMIZER_OPTIONS, ...Object.keys(fact.hyper)]);
  const learningRate = learningRateOf(name, o.learningRate, fact.learningRate);
  const values: Record<string, number | boolean> = {};
  for (const [key, h] of Object.entries(fact.hyper)) values[key] = hyperValue(name, key, h, o[key]);
  const config: Record<string, unknown> = { ...defaultKernelConfig(fact.kernel), ...values, ...fact.fixed };
  const decoupled = config.decoupled === true || bool(`${name}.decoupledWeightDecay`, o.decoupledWeightDecay, false);
  config.decoupled = decoupled;
  const normalized = decoupled && fact.fixed?.decoupled !== true ? { ...values, decoupledWeightDecay: true } : values;
  return Object.freeze({ name, learningRate, options: Object.freeze(normalized), config: Object.freeze(config) as KernelConfig });
}

/** Options every optimizer takes: the learning rate (number or schedule) and decoupled weight decay. */
export interface CommonOptimizerOptions {
  /** Step size (number > 0 or a schedule). Defaults: PyTorch's per optimizer (sgd: 0.01). */
  learningRate?: LearningRate;
  /** Coupled L2 added to the gradient, `g ← g + λp` (decoupled, `p ← p·(1 − lr·λ)`, for adamw). Default 0 (adamw: 0.01). */
  weightDecay?: number;
  /** Apply `weightDecay` decoupled, `p ← p·(1 − lr·λ)` before the update (AdamW-style). Default false. */
  decoupledWeightDecay?: boolean;
}

export type SgdOptions = CommonOptimizerOptions;
export interface MomentumOptions extends CommonOptimizerOptions {
  /** Momentum factor μ ≥ 0 (nesterov: > 0). Default 0.9. */
  momentum?: number;
  /** Dampening d ∈ [0, 1]: `b ← μb + (1−d)g` (the first step sets `b ← g`). Must be 0 for nesterov. Default 0. */
  dampening?: number;
}
export type NesterovOptions = MomentumOptions;
export interface AdamOptions extends CommonOptimizerOptions {
  /** β₁ ∈ [0, 1). Default 0.9. */
  beta1?: number;
  /** β₂ ∈ [0, 1). Default 0.999. */
  beta2?: number;
  /** ε > 0, added outside the square root. Default 1e-8. */
  epsilon?: number;
  /** AMSGrad (Reddi et al. 2018): use the running maximum of v. Default false. */
  amsgrad?: boolean;
}
export interface RmspropOptions extends CommonOptimizerOptions {
  /** Smoothing constant α ∈ [0, 1]. Default 0.99. */
  alpha?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /** Default 0. */
  momentum?: number;
  /** Normalize by the estimated variance `E[g²] − E[g]²`. Default false. */
  centered?: boolean;
}
export interface AdagradOptions extends CommonOptimizerOptions {
  /** lr_t = lr / (1 + (t−1)·lrDecay). Default 0. */
  lrDecay?: number;
  /** Starting value of the squared-gradient sum. Default 0. */
  initialAccumulatorValue?: number;
  /** Default 1e-10. */
  epsilon?: number;
}
export interface AdadeltaOptions extends CommonOptimizerOptions {
  /** ρ ∈ [0, 1]. Default 0.9. */
  rho?: number;
  /** Default 1e-6. */
  epsilon?: number;
}
export type AdamaxOptions = Omit<AdamOptions, 'amsgrad'>;
export interface NadamOptions extends AdamaxOptions {
  /** ψ in μ_t = β₁(1 − ½·0.96^(tψ)). Default 4e-3. */
  momentumDecay?: number;
}

/** Plain (mini-batch/stochastic) gradient descent: `p ← p − lr·(g + λp)`. `torch.optim.SGD` with momentum 0. Default lr 0.01. */
export const sgd = (options: SgdOptions = {}): OptimizerSpec => build('sgd', options);
/** Heavy-ball momentum, `torch.optim.SGD(momentum, dampening)`: `b ← μb + (1−d)g`, `p ← p − lr·b`. Default lr 0.01. */
export const momentum = (options: MomentumOptions = {}): OptimizerSpec => build('momentum', options);
/** Nesterov momentum as `torch.optim.SGD(nesterov=True)` (Sutskever et al. 2013): `b ← μb + g`, `p ← p − lr·(g + μb)`. */
export const nesterov = (options: NesterovOptions = {}): OptimizerSpec => build('nesterov', options);
/**
 * Adam (Kingma & Ba 2015) as `torch.optim.Adam`: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
 * `p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)`. Default lr 1e-3.
 */
export const adam = (options: AdamOptions = {}): OptimizerSpec => build('adam', options);
/** AdamW (Loshchilov & Hutter 2019) as `torch.optim.AdamW`: `p ← p·(1 − lr·λ)` then the Adam step. Default λ 0.01. */
export const adamw = (options: AdamOptions = {}): OptimizerSpec => build('adamw', options);
/** RMSprop (Hinton, lecture 6e) as `torch.optim.RMSprop`: `s ← αs + (1−α)g²`, `p ← p − lr·g/(√s + ε)`. Default lr 1e-2. */
export const rmsprop = (options: RmspropOptions = {}): OptimizerSpec => build('rmsprop', options);
/** Adagrad (Duchi et al. 2011) as `torch.optim.Adagrad`: `s ← s + g²`, `p ← p − lr_t·g/(√s + ε)`. Default lr 1e-2. */
export const adagrad = (options: AdagradOptions = {}): OptimizerSpec => build('adagrad', options);
/** Adadelta (Zeiler 2012) as `torch.optim.Adadelta`: `Δ = √(u + ε)/√(s + ε)·g`, `p ← p − lr·Δ`. Default lr 1.0. */
export const adadelta = (options: AdadeltaOptions = {}): OptimizerSpec => build('adadelta', options);
/** Adamax (Kingma & Ba 2015, §7.1) as `torch.optim.Adamax`: `u ← max(β₂u, |g| + ε)`, `p ← p − lr/(1−β₁ᵗ)·m/u`. Default lr 2e-3. */
export const adamax = (options: AdamaxOptions = {}): OptimizerSpec => build('adamax', options);
/**
 * NAdam (Dozat 2016) as `torch.optim.NAdam` in PyTorch 1.13, including its second bias term
 * `lr·μₜ₊₁/(1 − μ-product·μₜ·μₜ₊₁)` (1.13 multiplies μₜ in twice; we match it so trajectories agree). Default lr 2e-3.
 */
export const nadam = (options: NadamOptions = {}): OptimizerSpec => build('nadam', options);

/** Every optimizer factory by name (the keys of the engine table). */
export const OPTIMIZER_FACTORIES: Readonly<Record<OptimizerName, (options?: Record<string, unknown>) => OptimizerSpec>> = Object.freeze(
  Object.fromEntries(OPTIMIZER_NAMES.map((n) => [n, (o: Record<string, unknown> = {}) => build(n, o)])) as Record<OptimizerName, (options?: Record<string, unknown>) => OptimizerSpec>,
);

export function isOptimizerSpec(x: unknown): x is OptimizerSpec {
  return typeof x === 'object' && x !== null && 'config' in x && 'name' in x && Object.prototype.hasOwnProperty.call(OPTIMIZERS, (x as OptimizerSpec).name as string);
}

/** Resolves an optimizer by name with options (CLI, `fit({ optimizer: 'adam' })`). */
export function optimizerByName(name: string, options: Record<string, unknown> = {}): OptimizerSpec {
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(OPTIMIZERS, name))
    throw new OptionError(`Expected one of ${OPTIMIZER_NAMES.join(', ')} for optimizer but received ${describe(name)}${suggest(name, OPTIMIZER_NAMES)}`, 'optimizer');
  return build(name as OptimizerName, options);
}

/** The kernel field each hyperparameter sets (the same name); exported for the CLI's flags. */
export function hyperparameters(name: OptimizerName): { key: KernelField; fact: HyperFact }[] {
  return Object.entries(OPTIMIZERS[name].hyper).map(([key, fact]) => ({ key: key as KernelField, fact }));
}

/** The learning rate of 0-based step `step`. */
export function learningRateAt(lr: LearningRate, step: number): number {
  if (typeof lr === 'number') return lr;
  return isPlateau(lr) ? lr.current() : lr.at(step);
}

/**
 * The learning rate as plain JSON: a number, or the schedule's `toJSON()`; `undefined` for a custom schedule without
 * `toJSON` (it trains, but cannot be saved or compared by value). A `toJSON` that throws is an OptionError.
 */
export function learningRateJSON(lr: LearningRate): unknown {
  if (typeof lr === 'number') return lr;
  if (typeof (lr as { toJSON?: unknown }).toJSON !== 'function') return undefined;
  try {
    return JSON.parse(JSON.stringify(lr.toJSON()));
  } catch (e) {
    throw new OptionError(`The learning-rate schedule's toJSON() failed: ${(e as Error)?.message ?? e}`, 'learningRate', { cause: e });
  }
}

/**
 * Whether two learning rates are the same choice: equal numbers, the same schedule object, or schedules whose JSON
 * options agree (a reduceOnPlateau's running state does not count: a fresh equal one is the same choice).
 */
export function sameLearningRate(a: LearningRate, b: LearningRate): boolean {
  if (a === b) return true;
  const ja = learningRateJSON(a) as { kind?: unknown; options?: unknown } | number | undefined;
  const jb = learningRateJSON(b) as { kind?: unknown; options?: unknown } | number | undefined;
  if (ja === undefined || jb === undefined) return false;
  const key = (j: typeof ja) => JSON.stringify(typeof j === 'object' && j !== null && j.kind === 'reduceOnPlateau' ? { kind: j.kind, options: j.options } : j);
  return key(ja) === key(jb);
}

/**
 * An optimizer choice rebuilt from its name, options and learning rate: a spec made by the factories comes back
 * equal, and a hand-made or JSON-copied object is validated like any options (its `config` is never trusted).
 */
export function normalizeOptimizer(spec: unknown, argument = 'optimizer'): OptimizerSpec {
  if (!isOptimizerSpec(spec)) throw new OptionError(`Expected an optimizer from sgd(), adam(), … or a name for ${argument} but received ${describe(spec)}`, argument);
  const options = (spec as { options?: unknown }).options;
  if (typeof options !== 'object' || options === null) throw new OptionError(`Expected an optimizer from sgd(), adam(), … for ${argument} but its options are ${describe(options)}`, argument);
  return build(spec.name, { ...(options as Record<string, unknown>), learningRate: spec.learningRate });
}

/** Rebuilds an optimizer choice from its saved form (`{ name, options, learningRate }`, as checkpoints store it). */
export function optimizerFromJSON(o: { name: string; options: Record<string, unknown>; learningRate: unknown }): OptimizerSpec {
  const lr = o.learningRate;
  const learningRate = typeof lr === 'number' ? lr
    : typeof lr === 'object' && lr !== null && (lr as { kind?: string }).kind === 'reduceOnPlateau' ? ReduceOnPlateau.fromJSON(lr)
    : scheduleFromJSON(lr);
  return optimizerByName(o.name, { ...o.options, learningRate });
}
