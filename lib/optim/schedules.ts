/**
 * Learning-rate schedules that reproduce `torch.optim.lr_scheduler` (PyTorch 1.13) step for step, plus the Keras
 * and scikit-learn decays that PyTorch lacks.
 *
 * Convention: `schedule.at(t)` is the learning rate used by optimizer step `t` (0-based). In PyTorch terms that is
 * the scheduler's `last_epoch == t`, i.e. the value in force after `t` calls of `scheduler.step()`, each made after
 * an optimizer step. Every schedule here is evaluated in closed form, so `at` may be called in any order; PyTorch
 * computes most of them recursively, which agrees to a few ulps (checked against PyTorch to 1e-12).
 *
 * {@link ReduceOnPlateau} is the exception: it depends on the metrics fed to it, so it is a stateful object rather
 * than a {@link Schedule}.
 */
import { OptionError } from '../errors';
import { bool, checkKeys, describe, isPlainObject, num, oneOf, readArgument } from '../validate';

// ---------------------------------------------------------------------------------------------------------------
// Types

/** The kinds of pure (step → learning rate) schedules; each is also the name of its factory. */
export type ScheduleKind =
  | 'constant'
  | 'step'
  | 'multiStep'
  | 'exponential'
  | 'inverseTime'
  | 'polynomial'
  | 'cosine'
  | 'cosineWarmRestarts'
  | 'linearWarmup'
  | 'sequential'
  | 'oneCycle'
  | 'piecewiseConstant';

/** A value that survives `JSON.stringify`/`JSON.parse` unchanged. */
export type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Serialized form of a {@link Schedule}: its kind and its options with every default filled in (so a later change
 * of a default does not change a saved schedule). `sequential` nests the JSON of its parts in `options.schedules`.
 */
export interface ScheduleJSON {
  /** A {@link ScheduleKind} for the built-in schedules. */
  kind: string;
  options: { [key: string]: JsonValue };
}

/**
 * A learning-rate schedule: a pure function of the optimizer step.
 *
 * `at(step)` returns the learning rate used by 0-based optimizer step `step`; it throws `OptionError` (argument
 * `"step"`) if `step` is not an integer >= 0, and `oneCycle` also throws past its `totalSteps`. The factories below
 * build the implementations; {@link sequential} also accepts your own, but {@link scheduleFromJSON} only rebuilds
 * the built-in kinds.
 */
export interface Schedule {
  /** The factory that built it (a {@link ScheduleKind} for the built-in schedules). */
  readonly kind: string;
  at(step: number): number;
  toJSON(): ScheduleJSON;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation helpers (same message shape as ../validate: "Expected <what> for <name> but received <value>")

const POSITIVE = { gt: 0 } as const;
const NON_NEGATIVE = { min: 0 } as const;
const POSITIVE_INT = { integer: true, min: 1 } as const;

/** Like `describe`, but shows short numeric arrays in full, since the fault is usually one element. */
function render(value: unknown): string {
  try {
    if (Array.isArray(value) && value.length <= 12 && value.every((v) => typeof v !== 'object' || v === null)) {
      return `[${value.map((v) => describe(v)).join(', ')}]`;
    }
  } catch {
    // a Proxy or an element getter that throws: describe() says so
  }
  return describe(value);
}

/**
 * The elements of the caller's array `value`, each read once (so a Proxy or a getter that throws becomes an
 * OptionError naming `name`); `undefined` if it is not an array.
 */
function elements(name: string, what: string, value: unknown): unknown[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return readArgument(name, what, value, () => {
    const out: unknown[] = [];
    for (let i = 0, n = value.length; i < n; i++) out.push(value[i]);
    return out;
  });
}

function fail(name: string, expected: string, value: unknown): OptionError {
  return new OptionError(`Expected ${expected} for ${name} but received ${render(value)}`, name);
}

/** Strictly increasing integers >= `min` (an empty list is allowed only when `allowEmpty`). */
function increasingInts(name: string, value: unknown, min: number, allowEmpty: boolean): number[] {
  const what = `a${allowEmpty ? 'n' : ' non-empty'} array of strictly increasing integers >= ${min}`;
  const xs = elements(name, what, value);
  if (!xs || (!allowEmpty && xs.length === 0)) throw fail(name, what, value);
  for (let i = 0; i < xs.length; i++) {
    const v: unknown = xs[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || (i > 0 && v <= (xs[i - 1] as number))) {
      throw fail(name, what, value);
    }
  }
  return xs as number[];
}

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function checkStep(step: number): void {
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw fail('step', 'an integer >= 0', step);
}

// ---------------------------------------------------------------------------------------------------------------
// The schedule object

class BuiltSchedule implements Schedule {
  readonly kind: ScheduleKind;
  readonly #lr: (step: number) => number;
  readonly #options: () => { [key: string]: JsonValue };

  constructor(kind: ScheduleKind, options: () => { [key: string]: JsonValue }, lr: (step: number) => number) {
    this.kind = kind;
    this.#options = options;
    this.#lr = lr;
  }

  at(step: number): number {
    checkStep(step);
    return this.#lr(step);
  }

  toJSON(): ScheduleJSON {
    return { kind: this.kind, options: this.#options() };
  }
}

/** Builds a schedule whose options are plain data (copied on every `toJSON`, so callers cannot mutate ours). */
function make(kind: ScheduleKind, options: { [key: string]: JsonValue }, lr: (step: number) => number): Schedule {
  const frozen = JSON.stringify(options);
  return new BuiltSchedule(kind, () => JSON.parse(frozen) as { [key: string]: JsonValue }, lr);
}

// ---------------------------------------------------------------------------------------------------------------
// Factories

/** Options of {@link constant}. */
export interface ConstantOptions {
  learningRate: number;
}

/**
 * `lr(t) = learningRate`. Same as `torch.optim.lr_scheduler.ConstantLR` with `factor=1` (or no scheduler).
 *
 * @throws OptionError if `learningRate` is not a finite number > 0, or on an unknown option.
 */
export function constant(options: ConstantOptions): Schedule {
  const o = checkKeys('constant', options, ['learningRate']);
  const learningRate = num('learningRate', o.learningRate, POSITIVE);
  return make('constant', { learningRate }, () => learningRate);
}

/** Options of {@link step}. */
export interface StepOptions {
  learningRate: number;
  /** Steps between decays; an integer >= 1. */
  stepSize: number;
  /** Factor per decay, > 0. Default 0.1 (as PyTorch). */
  gamma?: number;
}

/**
 * `lr(t) = learningRate · gamma^floor(t / stepSize)` — `torch.optim.lr_scheduler.StepLR` (PyTorch 1.13).
 *
 * @throws OptionError naming `learningRate`, `stepSize` or `gamma` when out of range, or on an unknown option.
 */
export function step(options: StepOptions): Schedule {
  const o = checkKeys('step', options, ['learningRate', 'stepSize', 'gamma']);
  const learningRate = num('learningRate', o.learningRate, POSITIVE);
  const stepSize = num('stepSize', o.stepSize, POSITIVE_INT);
  const gamma = num('gamma', o.gamma, POSITIVE, 0.1);
  return make('step', { learningRate, stepSize, gamma }, (t) => learningRate * gamma ** Math.floor(t / stepSize));
}

/** Options of {@link multiStep}. */
export interface MultiStepOptions {
  learningRate: number;
  /** Steps at which the rate is multiplied by `gamma`: strictly increasing integers >= 1 (may be empty). */
  milestones: readonly number[];
  /** Factor per milestone, > 0. Default 0.1 (as PyTorch). */
  gamma?: number;
}

/**
 * `lr(t) = learningRate · gamma^(number of milestones <= t)` — `torch.optim.lr_scheduler.MultiStepLR`
 * (PyTorch 1.13). PyTorch also accepts repeated milestones (applied twice); here they must strictly increase, since
 * a repeat is almost always a typo.
 *
 * @throws OptionError naming `learningRate`, `milestones` or `gamma`, or on an unknown option.
 */
export function multiStep(options: MultiStepOptions): Schedule {
  const o = checkKeys('multiStep', options, ['learningRate', 'milestones', 'gamma']);
  const learningRate = num('learningRate', o.learningRate, POSITIVE);
  const milestones = increasingInts('milestones', o.milestones, 1, true);
  const gamma = num('gamma', o.gamma, POSITIVE, 0.1);
  return make(
    'multiStep',
    { learningRate, milestones, gamma },
    (t) => learningRate * gamma ** countAtOrBelow(milestones, t),
  );
}

/** `bisect_right`: how many sorted `xs` are <= `t`. */
function countAtOrBelow(xs: readonly number[], t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Options of {@link exponential}. */
export interface ExponentialOptions {
  learningRate: number;
  /** Factor applied per `decaySteps` steps, > 0 (> 1 grows the rate, e.g. for a learning-rate range test). */
  gamma: number;
  /** Steps per factor of `gamma`; an integer >= 1. Default 1. */
  decaySteps?: number;
  /** Decay in whole periods (`floor`) instead of continuously. Default false. */
  staircase?: boolean;
}

/**
 * `lr(t) = learningRate · gamma^(t / decaySteps)`, with `floor(t / decaySteps)` when `staircase` — Keras
 * `ExponentialDecay` (`decay_rate` = `gamma`). With the default `decaySteps = 1` it is
 * `torch.optim.lr_scheduler.ExponentialLR` (PyTorch 1.13). `decaySteps` must be an integer so that `t / decaySteps`
 * is exact at multiples of `decaySteps` (a fractional period such as 0.1 would floor 3 / 0.1 = 29.999… to 29).
 *
 * @throws OptionError naming `learningRate`, `gamma`, `decaySteps` or `staircase`, or on an unknown option.
 */
export function exponential(options: ExponentialOptions): Schedule {
  const o = checkKeys('exponential', options, ['learningRate', 'gamma', 'decaySteps', 'staircase']);
  const learningRate = num('learningRate', o.learningRate, POSITIVE);
  const gamma = num('gamma', o.gamma, POSITIVE);
  const decaySteps = num('decaySteps', o.decaySteps, POSITIVE_INT, 1);
  const staircase = bool('staircase', o.staircase, false);
  return make('exponential', { learningRate, gamma, decaySteps, staircase }, (t) => {
    const p = t / decaySteps;
    return learningRate * gamma ** (staircase ? Math.floor(p) : p);
  });
}

/** Options of {@link inverseTime}. */
export interface InverseTimeOptions {
  learningRate: number;
  /** Exponent, >= 0. Default 0.25 (scikit-learn's `SGDRegressor` default `power_t`). */
  powerT?: number;
}

/**
 * `lr(t) = learningRate / (t + 1)^powerT` — scikit-learn 1.2 `learning_rate='invscaling'`
 * (`eta = eta0 / pow(t, power_t)`). scikit-learn counts `t` from 1; our steps count from 0, hence `t + 1`, so that
 * step 0 uses exactly `learningRate`.
 *
 * @throws OptionError naming `learningRate` or `powerT`, or on an unknown option.
 */
export function inverseTime(options: InverseTimeOptions): Schedule {
  const o = checkKeys('inverseTime', options, ['learningRate', 'powerT']);
  const learningRate = num('learningRate', o.learningRate, POSITIVE);
  const powerT = num('powerT', o.powerT, NON_NEGATIVE, 0.25);
  return make('inverseTime', { learningRate, powerT }, (t) => learningRate / (t + 1) ** powerT);
}

/** Options of {@link polynomial}. */
export interface PolynomialOptions {
  learningRate: number;
  /** Steps to reach `endLearningRate`; an integer >= 1. */
  totalSteps: number;
  /** Exponent, > 0. Default 1 (linear). */
  power?: number;
  /** Rate from step `totalSteps` on, >= 0. Default 0. */
  endLearningRate?: number;
}

/**
 * `lr(t) = (learningRate − endLearningRate) · (1 − min(t, totalSteps) / totalSteps)^power + endLearningRate`.
 * With `endLearningRate = 0` this is `torch.optim.lr_scheduler.PolynomialLR` (PyTorch 1.13, `total_iters` =
 * `totalSteps`); otherwise Keras `PolynomialDecay` (`cycle=False`). Constant at `endLearningRate` after `totalSteps`.
 *
 * @throws OptionError naming `learningRate`, `totalSteps`, `power` or `endLearningRate`, or on an unknown option.
 */
export function polynomial(options: PolynomialOptions): Schedule {
  const o = checkKeys('polynomial', options, ['learningRate', 'totalSteps', 'power', 'endLearningRate']);
  const learningRate = num('learningRate', o.learningRate, POSITIVE);
  const totalSteps = num('totalSteps', o.totalSteps, POSITIVE_INT);
  const power = num('power', o.power, POSITIVE, 1);
  const endLearningRate = num('endLearningRate', o.endLearningRate, NON_NEGATIVE, 0);
  return make('polynomial', { learningRate, totalSteps, power, endLearningRate }, (t) =>
    (learningRate - endLearningRate) * (1 - Math.min(t, totalSteps) / totalSteps) ** power + endLearningRate,
  );
}

/** Options of {@link cosine}. */
export interface CosineOptions {
  learningRate: number;
  /** Half period in steps; an integer >= 1. */
  tMax: number;
  /** Rate reached at `tMax`, >= 0. Default 0. */
  minLearningRate?: number;
}

/**
 * `lr(t) = minLearningRate + (learningRate − minLearningRate) · (1 + cos(π t / tMax)) / 2` —
 * `torch.optim.lr_scheduler.CosineAnnealingLR` (PyTorch 1.13; `T_max` = `tMax`, `eta_min` = `minLearningRate`).
 * Past `tMax` the rate rises again along the same cosine (back to `learningRate` at `2·tMax`), exactly as PyTorch
 * does; it does not stay at the minimum. Use {@link sequential} with {@link constant}, or {@link polynomial}, if you
 * want a floor.
 *
 * @throws OptionError naming `learningRate`, `tMax` or `minLearningRate`, or on an unknown option.
 */
export function cosine(options: CosineOptions): Schedule {
  const o = checkKeys('cosine', options, ['learningRate', 'tMax', 'minLearningRate']);
  const learningRate = num('learningRate', o.learningRate, POSITIVE);
  const tMax = num('tMax', o.tMax, POSITIVE_INT);
  const minLearningRate = num('minLearningRate', o.minLearningRate, NON_NEGATIVE, 0);
  return make('cosine', { learningRate, tMax, minLearningRate }, (t) =>
    minLearningRate + ((learningRate - minLearningRate) * (1 + Math.cos((Math.PI * t) / tMax))) / 2,
  );
}

/** Options of {@link cosineWarmRestarts}. */
export interface CosineWarmRestartsOptions {
  learningRate: number;
  /** Length of the first cycle in steps; an integer >= 1. */
  t0: number;
  /** Growth factor of cycle lengths; an integer >= 1. Default 1. */
  tMult?: number;
  /** Rate approached at the end of each cycle, >= 0. Default 0. */
  minLearningRate?: number;
}

/**
 * SGDR: `lr(t) = minLearningRate + (learningRate − minLearningRate) · (1 + cos(π tCur / tI)) / 2`, where cycle `i`
 * lasts `tI = t0 · tMult^i` steps and `tCur` is the step within it —
 * `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts` (PyTorch 1.13; `T_0`, `T_mult`, `eta_min`). The cycle is
 * found with integer arithmetic rather than PyTorch's `log`, which can land one cycle off at exact restarts.
 *
 * @throws OptionError naming `learningRate`, `t0`, `tMult` or `minLearningRate`, or on an unknown option.
 */
export function cosineWarmRestarts(options: CosineWarmRestartsOptions): Schedule {
  const o = checkKeys('cosineWarmRestarts', options, ['learningRate', 't0', 'tMult', 'minLearningRate']);
  const learningRate = num('learningRate', o.learningRate, POSITIVE);
  const t0 = num('t0', o.t0, POSITIVE_INT);
  const tMult = num('tMult', o.tMult, POSITIVE_INT, 1);
  const minLearningRate = num('minLearningRate', o.minLearningRate, NON_NEGATIVE, 0);
  return make('cosineWarmRestarts', { learningRate, t0, tMult, minLearningRate }, (t) => {
    let tCur = t;
    let tI = t0;
    if (tMult === 1) tCur = t % t0;
    else {
      while (tCur >= tI) {
        tCur -= tI;
        tI *= tMult;
      }
    }
    return minLearningRate + ((learningRate - minLearningRate) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
  });
}

/** Options of {@link linearWarmup}. */
export interface LinearWarmupOptions {
  learningRate: number;
  /** Multiplier at step 0, in (0, 1] (or [0, 1] with `allowZero`). Default 1/3 (as PyTorch). */
  startFactor?: number;
  /** Multiplier from step `steps` on, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Steps of the linear ramp; an integer >= 1. Default 5 (as PyTorch `total_iters`). */
  steps?: number;
  /** Accept `startFactor: 0`. Default false. */
  allowZero?: boolean;
}

/**
 * `lr(t) = learningRate · (startFactor + (endFactor − startFactor) · min(t, steps) / steps)` —
 * `torch.optim.lr_scheduler.LinearLR` (PyTorch 1.13; `start_factor`, `end_factor`, `total_iters` = `steps`).
 *
 * `startFactor: 0` is refused unless `allowZero: true`: it makes step 0 update nothing while stateful optimizers
 * (momentum, Adam) still consume that gradient into their state, which is rarely intended; and PyTorch's recursive
 * LinearLR divides by `startFactor · total_iters` on its second step, so it cannot run from 0 (recent releases
 * reject it at construction). With `allowZero` our closed form gives the intended ramp 0, 1/steps, …
 *
 * @throws OptionError naming `learningRate`, `startFactor`, `endFactor`, `steps` or `allowZero`, or on an unknown
 * option.
 */
export function linearWarmup(options: LinearWarmupOptions): Schedule {
  const o = checkKeys('linearWarmup', options, ['learningRate', 'startFactor', 'endFactor', 'steps', 'allowZero']);
  const learningRate = num('learningRate', o.learningRate, POSITIVE);
  const allowZero = bool('allowZero', o.allowZero, false);
  if (o.startFactor === 0 && !allowZero) {
    throw new OptionError(
      'Expected a finite number > 0 and <= 1 for startFactor but received 0 (step 0 would not update the ' +
        'weights; pass allowZero: true if that is intended)',
      'startFactor',
    );
  }
  const startFactor = num('startFactor', o.startFactor, { [allowZero ? 'min' : 'gt']: 0, max: 1 }, 1 / 3);
  const endFactor = num('endFactor', o.endFactor, { min: 0, max: 1 }, 1);
  const steps = num('steps', o.steps, POSITIVE_INT, 5);
  return make('linearWarmup', { learningRate, startFactor, endFactor, steps, allowZero }, (t) =>
    learningRate * (startFactor + ((endFactor - startFactor) * Math.min(t, steps)) / steps),
  );
}

/** Options of {@link sequential}. */
export interface SequentialOptions {
  /** The schedules in order; at least one. */
  schedules: readonly Schedule[];
  /** Steps at which the next schedule takes over: strictly increasing integers >= 1, one fewer than schedules. */
  milestones: readonly number[];
}

/**
 * `lr(t) = schedules[i].at(t − milestones[i−1])` with `i` the number of milestones <= t (and offset 0 for `i = 0`):
 * each schedule restarts its own step count at its milestone — `torch.optim.lr_scheduler.SequentialLR`
 * (PyTorch 1.13, which calls `scheduler.step(0)` at each milestone). Each part keeps its own `learningRate`.
 *
 * @throws OptionError naming `schedules` or `milestones` (wrong count, not increasing), or on an unknown option.
 */
export function sequential(options: SequentialOptions): Schedule {
  const o = checkKeys('sequential', options, ['schedules', 'milestones']);
  const what = 'a non-empty array of schedules';
  const schedules = elements('schedules', what, o.schedules);
  if (!schedules || schedules.length === 0 || !schedules.every(isSchedule)) {
    throw fail('schedules', what, o.schedules);
  }
  const parts = schedules as Schedule[];
  const milestones = increasingInts('milestones', o.milestones, 1, true);
  if (milestones.length !== parts.length - 1) {
    throw fail('milestones', `${parts.length - 1} milestone(s), one fewer than schedules`, o.milestones);
  }
  return new BuiltSchedule(
    'sequential',
    () => ({ schedules: parts.map((s) => s.toJSON() as unknown as JsonValue), milestones: milestones.slice() }),
    (t) => {
      const i = countAtOrBelow(milestones, t);
      return parts[i]!.at(i === 0 ? t : t - milestones[i - 1]!);
    },
  );
}

/** Whether `v` looks like a schedule; `false` (not an exception) when reading it throws (a Proxy, a getter). */
function isSchedule(v: unknown): v is Schedule {
  try {
    return (
      typeof v === 'object' &&
      v !== null &&
      typeof (v as Schedule).at === 'function' &&
      typeof (v as Schedule).toJSON === 'function' &&
      typeof (v as Schedule).kind === 'string'
    );
  } catch {
    return false;
  }
}

/** Options of {@link oneCycle}. */
export interface OneCycleOptions {
  /** Peak rate, > 0. */
  maxLearningRate: number;
  /** Steps in the cycle; an integer >= 2. */
  totalSteps: number;
  /** Fraction of steps spent rising, in (0, 1) with `pctStart · totalSteps > 1`. Default 0.3. */
  pctStart?: number;
  /** `'cos'` (default) or `'linear'` interpolation within each phase. */
  anneal?: 'cos' | 'linear';
  /** Initial rate = `maxLearningRate / divFactor`; > 0. Default 25. */
  divFactor?: number;
  /** Final rate = initial rate / `finalDivFactor`; > 0. Default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, back down to the initial rate, then to the final rate) as in fast.ai. Default false. */
  threePhase?: boolean;
}

/**
 * The 1cycle policy — `torch.optim.lr_scheduler.OneCycleLR` (PyTorch 1.13; `max_lr`, `total_steps`, `pct_start`,
 * `anneal_strategy`, `div_factor`, `final_div_factor`, `three_phase`). With `initial = maxLearningRate / divFactor`
 * and `min = initial / finalDivFactor`, the phases end at steps `pctStart·totalSteps − 1` (initial → max) and
 * `totalSteps − 1` (max → min); with `threePhase`, at `pctStart·totalSteps − 1` (initial → max),
 * `2·pctStart·totalSteps − 2` (max → initial) and `totalSteps − 1` (initial → min). Within a phase from step `a` to
 * `b`, `pct = (t − a) / (b − a)` and `'cos'` gives `end + (start − end)(1 + cos(π pct)) / 2`, `'linear'` gives
 * `start + (end − start) pct`. Only the learning rate is scheduled (not momentum).
 *
 * `at(t)` throws `OptionError` (argument `"step"`) for `t > totalSteps`, like PyTorch's `ValueError` "Tried to step
 * … times": as in PyTorch, step `totalSteps` itself is still defined (the last phase continued one step).
 *
 * PyTorch accepts settings where a phase has zero or negative length (giving NaN or a non-monotone rate); those are
 * refused here with an `OptionError` naming `pctStart`.
 *
 * @throws OptionError naming `maxLearningRate`, `totalSteps`, `pctStart`, `anneal`, `divFactor`, `finalDivFactor`
 * or `threePhase`, or on an unknown option.
 */
export function oneCycle(options: OneCycleOptions): Schedule {
  const o = checkKeys('oneCycle', options, [
    'maxLearningRate',
    'totalSteps',
    'pctStart',
    'anneal',
    'divFactor',
    'finalDivFactor',
    'threePhase',
  ]);
  const maxLearningRate = num('maxLearningRate', o.maxLearningRate, POSITIVE);
  const totalSteps = num('totalSteps', o.totalSteps, { integer: true, min: 2 });
  const pctStart = num('pctStart', o.pctStart, { gt: 0, lt: 1 }, 0.3);
  const anneal = oneOf('anneal', o.anneal, ['cos', 'linear'] as const, 'cos');
  const divFactor = num('divFactor', o.divFactor, POSITIVE, 25);
  const finalDivFactor = num('finalDivFactor', o.finalDivFactor, POSITIVE, 1e4);
  const threePhase = bool('threePhase', o.threePhase, false);

  const initial = maxLearningRate / divFactor;
  const min = initial / finalDivFactor;
  // Same float expressions as PyTorch so phase boundaries round identically.
  const phases: { end: number; from: number; to: number }[] = threePhase
    ? [
        { end: pctStart * totalSteps - 1, from: initial, to: maxLearningRate },
        { end: 2 * pctStart * totalSteps - 2, from: maxLearningRate, to: initial },
        { end: totalSteps - 1, from: initial, to: min },
      ]
    : [
        { end: pctStart * totalSteps - 1, from: initial, to: maxLearningRate },
        { end: totalSteps - 1, from: maxLearningRate, to: min },
      ];
  let previous = 0;
  for (const phase of phases) {
    if (!(phase.end > previous)) {
      throw new OptionError(
        `Expected a pctStart in (0, 1) that gives every phase at least one step (pctStart × totalSteps > 1` +
          `${threePhase ? ' and 2 × pctStart × totalSteps − 2 < totalSteps − 1' : ''}) for pctStart but received ` +
          `${pctStart} with totalSteps ${totalSteps}`,
        'pctStart',
      );
    }
    previous = phase.end;
  }
  const interpolate =
    anneal === 'cos'
      ? (from: number, to: number, pct: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (from: number, to: number, pct: number) => (to - from) * pct + from;

  return make(
    'oneCycle',
    { maxLearningRate, totalSteps, pctStart, anneal, divFactor, finalDivFactor, threePhase },
    (t) => {
      if (t > totalSteps) {
        throw new OptionError(
          `Expected an integer <= totalSteps (${totalSteps}) for step but received ${t}; oneCycle is defined for ` +
            `totalSteps steps (PyTorch: "Tried to step ${t} times")`,
          'step',
        );
      }
      let start = 0;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i]!;
        if (t <= phase.end || i === phases.length - 1) {
          return interpolate(phase.from, phase.to, (t - start) / (phase.end - start));
        }
        start = phase.end;
      }
      return NaN; // unreachable: the last phase always matches
    },
  );
}

/** Options of {@link piecewiseConstant}. */
export interface PiecewiseConstantOptions {
  /** Strictly increasing integers >= 0; non-empty. */
  boundaries: readonly number[];
  /** Rates, each > 0; exactly one more than `boundaries`. */
  values: readonly number[];
}

/**
 * `lr(t) = values[0]` for `t <= boundaries[0]`, `values[i]` for `boundaries[i−1] < t <= boundaries[i]`, and
 * `values[n]` after the last boundary — Keras `PiecewiseConstantDecay` (note `<=`: the boundary step still uses the
 * earlier value). Takes no `learningRate`; the first value is the starting rate.
 *
 * @throws OptionError naming `boundaries` or `values`, or on an unknown option.
 */
export function piecewiseConstant(options: PiecewiseConstantOptions): Schedule {
  const o = checkKeys('piecewiseConstant', options, ['boundaries', 'values']);
  const boundaries = increasingInts('boundaries', o.boundaries, 0, false);
  const what = `an array of ${boundaries.length + 1} finite numbers > 0 (one more than boundaries)`;
  const values = elements('values', what, o.values);
  if (
    !values ||
    values.length !== boundaries.length + 1 ||
    !values.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)
  ) {
    throw fail('values', what, o.values);
  }
  const vs = values as number[];
  // Keras picks values[i] for the first boundary >= t, i.e. counts boundaries strictly below t.
  return make('piecewiseConstant', { boundaries, values: vs }, (t) => vs[countAtOrBelow(boundaries, t - 1)]!);
}

// ---------------------------------------------------------------------------------------------------------------
// ReduceOnPlateau

/** Options of {@link reduceOnPlateau}. */
export interface ReduceOnPlateauOptions {
  /** Initial rate, > 0. */
  learningRate: number;
  /** `'min'` (default): lower metric is better; `'max'`: higher is better. */
  mode?: 'min' | 'max';
  /** Multiplier per reduction, in (0, 1). Default 0.1. */
  factor?: number;
  /** Reports without improvement tolerated before reducing; an integer >= 0. Default 10. */
  patience?: number;
  /** Minimum improvement that counts, >= 0. Default 1e-4. */
  threshold?: number;
  /** `'rel'` (default): improvement relative to the best; `'abs'`: absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Reports to wait after a reduction before counting bad ones again; an integer >= 0. Default 0. */
  cooldown?: number;
  /** Floor of the rate, >= 0. Default 0. */
  minLearningRate?: number;
  /** A reduction smaller than `eps` is skipped; >= 0. Default 1e-8. */
  eps?: number;
}

/** Mutable state of a {@link ReduceOnPlateau}, as plain JSON. */
export interface ReduceOnPlateauState {
  /** The rate in force. */
  lr: number;
  /** Best metric so far; `null` before any metric improved on the initial ±∞. */
  best: number | null;
  /** Consecutive reports without improvement. */
  numBadEpochs: number;
  /** Reports left in the cooldown. */
  cooldownCounter: number;
  /** Number of metrics reported. */
  lastEpoch: number;
}

/** Serialized form of a {@link ReduceOnPlateau}: options with defaults filled in, and the state. */
export interface ReduceOnPlateauJSON {
  kind: 'reduceOnPlateau';
  options: Required<ReduceOnPlateauOptions>;
  state: ReduceOnPlateauState;
}

/**
 * Reduces the rate when a metric stops improving — `torch.optim.lr_scheduler.ReduceLROnPlateau` (PyTorch 1.13;
 * `min_lr` = `minLearningRate`, `threshold_mode` = `thresholdMode`), rule for rule:
 *
 * - a metric is an improvement if it is `< best·(1 − threshold)` (`min`, `rel`), `< best − threshold` (`min`,
 *   `abs`), `> best·(1 + threshold)` (`max`, `rel`) or `> best + threshold` (`max`, `abs`); otherwise it is a bad
 *   report (NaN is always bad, as in PyTorch);
 * - during cooldown, bad reports are not counted;
 * - when the bad reports exceed `patience`, `lr ← max(lr·factor, minLearningRate)`, unless that lowers it by no
 *   more than `eps`; then the cooldown starts and the count resets.
 *
 * It is not a function of the step: the rate depends on the metrics reported, so it is not a {@link Schedule}. The
 * trainer calls {@link ReduceOnPlateau.report} at the end of each epoch (one report = one PyTorch
 * `scheduler.step(metric)`), and {@link ReduceOnPlateau.current} gives the rate for the next steps.
 */
export class ReduceOnPlateau {
  /** Always `'reduceOnPlateau'`; tags the JSON form. */
  readonly kind = 'reduceOnPlateau' as const;
  readonly #options: Required<ReduceOnPlateauOptions>;
  #lr: number;
  #best: number;
  #numBadEpochs = 0;
  #cooldownCounter = 0;
  #lastEpoch = 0;

  /** Prefer {@link reduceOnPlateau}. @throws OptionError naming the bad option. */
  constructor(options: ReduceOnPlateauOptions) {
    const o = checkKeys('reduceOnPlateau', options, [
      'learningRate',
      'mode',
      'factor',
      'patience',
      'threshold',
      'thresholdMode',
      'cooldown',
      'minLearningRate',
      'eps',
    ]);
    this.#options = {
      learningRate: num('learningRate', o.learningRate, POSITIVE),
      mode: oneOf('mode', o.mode, ['min', 'max'] as const, 'min'),
      factor: num('factor', o.factor, { gt: 0, lt: 1 }, 0.1),
      patience: num('patience', o.patience, { integer: true, min: 0 }, 10),
      threshold: num('threshold', o.threshold, NON_NEGATIVE, 1e-4),
      thresholdMode: oneOf('thresholdMode', o.thresholdMode, ['rel', 'abs'] as const, 'rel'),
      cooldown: num('cooldown', o.cooldown, { integer: true, min: 0 }, 0),
      minLearningRate: num('minLearningRate', o.minLearningRate, NON_NEGATIVE, 0),
      eps: num('eps', o.eps, NON_NEGATIVE, 1e-8),
    };
    this.#lr = this.#options.learningRate;
    this.#best = this.#worst();
  }

  /** Back to the state of a new instance (fit() calls this when it starts a training run, as Keras does). */
  reset(): void {
    this.#lr = this.#options.learningRate;
    this.#best = this.#worst();
    this.#numBadEpochs = 0;
    this.#cooldownCounter = 0;
    this.#lastEpoch = 0;
  }

  #worst(): number {
    return this.#options.mode === 'min' ? Infinity : -Infinity;
  }

  #isBetter(a: number, best: number): boolean {
    const { mode, thresholdMode, threshold } = this.#options;
    if (mode === 'min') return thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** The learning rate in force. */
  current(): number {
    return this.#lr;
  }

  /**
   * Feeds one metric (e.g. the validation loss at an epoch end) and returns the rate in force afterwards.
   *
   * @throws OptionError (argument `"metric"`) if `metric` is not a number, or is the infinitely good value (−∞ in
   * `min` mode, +∞ in `max` mode), which PyTorch would keep as an unbeatable best and which JSON cannot store.
   */
  report(metric: number): number {
    const { mode, patience, factor, minLearningRate, eps, cooldown } = this.#options;
    if (typeof metric !== 'number' || metric === (mode === 'min' ? -Infinity : Infinity)) {
      throw fail('metric', `a number${mode === 'min' ? ' > -Infinity' : ' < Infinity'}`, metric);
    }
    this.#lastEpoch += 1;
    if (this.#isBetter(metric, this.#best)) {
      this.#best = metric;
      this.#numBadEpochs = 0;
    } else {
      this.#numBadEpochs += 1;
    }
    if (this.#cooldownCounter > 0) {
      this.#cooldownCounter -= 1;
      this.#numBadEpochs = 0;
    }
    if (this.#numBadEpochs > patience) {
      const newLr = Math.max(this.#lr * factor, minLearningRate);
      if (this.#lr - newLr > eps) this.#lr = newLr;
      this.#cooldownCounter = cooldown;
      this.#numBadEpochs = 0;
    }
    return this.#lr;
  }

  /** A copy of the mutable state, as plain JSON. */
  getState(): ReduceOnPlateauState {
    return {
      lr: this.#lr,
      best: Number.isFinite(this.#best) ? this.#best : null,
      numBadEpochs: this.#numBadEpochs,
      cooldownCounter: this.#cooldownCounter,
      lastEpoch: this.#lastEpoch,
    };
  }

  /**
   * Restores a state from {@link ReduceOnPlateau.getState} (e.g. when resuming training).
   *
   * @throws OptionError naming the bad field (`state.lr`, `state.best`, …) or an unknown one.
   */
  setState(state: ReduceOnPlateauState): void {
    const s = checkKeys('state', state, ['lr', 'best', 'numBadEpochs', 'cooldownCounter', 'lastEpoch']);
    const lr = num('state.lr', s.lr, NON_NEGATIVE);
    const best = s.best === null ? this.#worst() : num('state.best', s.best);
    const count = { integer: true, min: 0 } as const;
    const numBadEpochs = num('state.numBadEpochs', s.numBadEpochs, count);
    const cooldownCounter = num('state.cooldownCounter', s.cooldownCounter, count);
    const lastEpoch = num('state.lastEpoch', s.lastEpoch, count);
    this.#lr = lr;
    this.#best = best;
    this.#numBadEpochs = numBadEpochs;
    this.#cooldownCounter = cooldownCounter;
    this.#lastEpoch = lastEpoch;
  }

  /** Options (defaults filled in) and state, as plain JSON. */
  toJSON(): ReduceOnPlateauJSON {
    return { kind: 'reduceOnPlateau', options: { ...this.#options }, state: this.getState() };
  }

  /**
   * Rebuilds from {@link ReduceOnPlateau.toJSON} output.
   *
   * @throws OptionError on a wrong `kind`, bad options or bad state.
   */
  static fromJSON(json: unknown): ReduceOnPlateau {
    const j = checkKeys('json', json, ['kind', 'options', 'state']);
    if (j.kind !== 'reduceOnPlateau') throw fail('json.kind', '"reduceOnPlateau"', j.kind);
    const r = new ReduceOnPlateau(j.options as ReduceOnPlateauOptions);
    if (j.state !== undefined) r.setState(j.state as ReduceOnPlateauState);
    return r;
  }
}

/**
 * Creates a {@link ReduceOnPlateau} (`torch.optim.lr_scheduler.ReduceLROnPlateau`, PyTorch 1.13). Defaults as
 * PyTorch: `mode='min'`, `factor=0.1`, `patience=10`, `threshold=1e-4`, `thresholdMode='rel'`, `cooldown=0`,
 * `minLearningRate=0`, `eps=1e-8`.
 *
 * @throws OptionError naming the bad option (`factor` must be in (0, 1), `patience`/`cooldown` integers >= 0, …).
 */
export function reduceOnPlateau(options: ReduceOnPlateauOptions): ReduceOnPlateau {
  return new ReduceOnPlateau(options);
}

// ---------------------------------------------------------------------------------------------------------------
// Utilities

/**
 * The rates of steps `0 … steps − 1` (e.g. to plot or log a schedule).
 *
 * @throws OptionError if `steps` is not an integer >= 0, or whatever `schedule.at` throws (oneCycle past
 * `totalSteps`).
 */
export function preview(schedule: Schedule, steps: number): Float64Array {
  if (!isSchedule(schedule)) throw fail('schedule', 'a schedule', schedule);
  const n = num('steps', steps, { integer: true, min: 0, max: 2 ** 27 }); // 1 GiB of float64 at most
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = schedule.at(t);
  return out;
}

type Factory = (options: never) => Schedule;

const FACTORIES: Record<Exclude<ScheduleKind, 'sequential'>, Factory> = {
  constant,
  step,
  multiStep,
  exponential,
  inverseTime,
  polynomial,
  cosine,
  cosineWarmRestarts,
  linearWarmup,
  oneCycle,
  piecewiseConstant,
};

/**
 * Rebuilds a schedule from {@link Schedule.toJSON} output (also after a `JSON.stringify`/`JSON.parse` round trip),
 * validating it as the factory would.
 *
 * @throws OptionError on an unknown `kind` (argument `"kind"`), on unknown or bad options, or for
 * `reduceOnPlateau` JSON (use {@link ReduceOnPlateau.fromJSON}).
 */
export function scheduleFromJSON(json: unknown): Schedule {
  const j = checkKeys('schedule JSON', json, ['kind', 'options']);
  const kind = j.kind;
  if (kind === 'reduceOnPlateau') {
    throw new OptionError(
      'Expected a step schedule for kind but received "reduceOnPlateau"; use ReduceOnPlateau.fromJSON',
      'kind',
    );
  }
  if (!isPlainObject(j.options)) throw fail('options', 'an options object', j.options);
  if (kind === 'sequential') {
    const o = checkKeys('sequential', j.options, ['schedules', 'milestones']);
    const parts = elements('schedules', 'an array of schedule JSON', o.schedules);
    if (!parts) throw fail('schedules', 'an array of schedule JSON', o.schedules);
    return sequential({ ...o, schedules: parts.map((s) => scheduleFromJSON(s)) } as unknown as SequentialOptions);
  }
  if (typeof kind !== 'string' || !hasOwn(FACTORIES, kind)) {
    const known = ['sequential', ...Object.keys(FACTORIES)].map((k) => JSON.stringify(k)).join(', ');
    throw fail('kind', `one of ${known}`, kind);
  }
  return FACTORIES[kind as keyof typeof FACTORIES](j.options as never);
}

// ---------------------------------------------------------------------------------------------------------------
// Compact specs for the CLI

type ValueType = 'number' | 'list' | 'boolean' | 'string';

/** Keys a spec may give, per kind, and how to parse each value. */
const SPEC_KEYS: Record<Exclude<ScheduleKind, 'sequential'>, Record<string, ValueType>> = {
  constant: { learningRate: 'number' },
  step: { learningRate: 'number', stepSize: 'number', gamma: 'number' },
  multiStep: { learningRate: 'number', milestones: 'list', gamma: 'number' },
  exponential: { learningRate: 'number', gamma: 'number', decaySteps: 'number', staircase: 'boolean' },
  inverseTime: { learningRate: 'number', powerT: 'number' },
  polynomial: { learningRate: 'number', totalSteps: 'number', power: 'number', endLearningRate: 'number' },
  cosine: { learningRate: 'number', tMax: 'number', minLearningRate: 'number' },
  cosineWarmRestarts: { learningRate: 'number', t0: 'number', tMult: 'number', minLearningRate: 'number' },
  linearWarmup: {
    learningRate: 'number',
    startFactor: 'number',
    endFactor: 'number',
    steps: 'number',
    allowZero: 'boolean',
  },
  oneCycle: {
    maxLearningRate: 'number',
    totalSteps: 'number',
    pctStart: 'number',
    anneal: 'string',
    divFactor: 'number',
    finalDivFactor: 'number',
    threePhase: 'boolean',
  },
  piecewiseConstant: { boundaries: 'list', values: 'list' },
};

const SPEC_ALIASES: Record<string, keyof typeof SPEC_KEYS> = { warmup: 'linearWarmup' };

/** The option giving a part's length, which places the next part's milestone. */
const LENGTH_KEY: Partial<Record<ScheduleKind, string>> = {
  linearWarmup: 'steps',
  cosine: 'tMax',
  polynomial: 'totalSteps',
  oneCycle: 'totalSteps',
};

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseNumber(key: string, text: string): number {
  if (!NUMBER.test(text)) throw fail(key, 'a decimal number', text);
  return Number(text);
}

/**
 * Parses a compact schedule spec, as given on the command line, into a schedule.
 *
 * Grammar (no spaces needed; spaces around tokens are ignored):
 * ```text
 * spec  = part *( "+" part )
 * part  = kind [ ":" pair *( "," pair ) ]
 * pair  = key "=" value
 * value = number | number 1*( ";" number ) | "true" | "false" | word
 * ```
 * - `kind` is a factory name (`constant`, `step`, `multiStep`, `exponential`, `inverseTime`, `polynomial`,
 *   `cosine`, `cosineWarmRestarts`, `linearWarmup` or its alias `warmup`, `oneCycle`, `piecewiseConstant`) and
 *   `key` one of that factory's option names (case-sensitive). Lists (`milestones`, `boundaries`, `values`) are
 *   `;`-separated, even with one element. `learningRate` (for `oneCycle`: `maxLearningRate`) defaults to the
 *   `learningRate` argument; `piecewiseConstant` ignores that argument.
 * - `a+b+…` joins parts with {@link sequential}; each part except the last needs a length — `steps`
 *   (`linearWarmup`), `tMax` (`cosine`) or `totalSteps` (`polynomial`, `oneCycle`) — and the milestones are the
 *   cumulative lengths. A `+` followed by a digit belongs to an exponent (`1e+4`).
 *
 * Examples: `cosine:tMax=100`, `step:stepSize=10,gamma=0.5`, `multiStep:milestones=5;12;30,gamma=0.3`,
 * `warmup:steps=50+cosine:tMax=950` (milestone 50).
 *
 * @throws OptionError on an unknown kind (argument `"spec"`), an unknown or repeated key (argument = the key), a
 * malformed value (argument = the key), a part without a length before `+` (argument `"spec"`), or any error of
 * the factories.
 */
export function parseScheduleSpec(spec: string, learningRate: number): Schedule {
  if (typeof spec !== 'string' || spec.trim() === '') throw fail('spec', 'a non-empty schedule spec string', spec);
  const lr = num('learningRate', learningRate, POSITIVE);
  const texts = spec.split(/\+(?=\s*[A-Za-z])/);
  const schedules: Schedule[] = [];
  const milestones: number[] = [];
  let offset = 0;
  texts.forEach((text, index) => {
    const colon = text.indexOf(':');
    const name = (colon < 0 ? text : text.slice(0, colon)).trim();
    const kind: keyof typeof SPEC_KEYS | undefined =
      (hasOwn(SPEC_ALIASES, name) ? SPEC_ALIASES[name] : undefined) ?? (hasOwn(SPEC_KEYS, name) ? (name as keyof typeof SPEC_KEYS) : undefined);
    if (kind === undefined) {
      const known = [...Object.keys(SPEC_KEYS), ...Object.keys(SPEC_ALIASES)].join(', ');
      throw new OptionError(
        `Unknown schedule kind ${JSON.stringify(name)} in spec ${JSON.stringify(spec)}; known kinds: ${known}`,
        'spec',
      );
    }
    const keys = SPEC_KEYS[kind];
    const options: Record<string, unknown> = {};
    if (colon >= 0) {
      for (const pair of text.slice(colon + 1).split(',')) {
        const eq = pair.indexOf('=');
        if (eq < 0) throw fail('spec', 'key=value pairs separated by ","', pair.trim());
        const key = pair.slice(0, eq).trim();
        const raw = pair.slice(eq + 1).trim();
        const type = hasOwn(keys, key) ? keys[key] : undefined;
        if (type === undefined) {
          throw new OptionError(
            `Unknown option ${JSON.stringify(key)} for ${name} in spec ${JSON.stringify(spec)}; ` +
              `known options: ${Object.keys(keys).join(', ')}`,
            key,
          );
        }
        if (key in options) {
          const where = JSON.stringify(text.trim());
          throw new OptionError(`Option ${JSON.stringify(key)} given twice in spec part ${where}`, key);
        }
        if (type === 'number') options[key] = parseNumber(key, raw);
        else if (type === 'list') options[key] = raw.split(';').map((x) => parseNumber(key, x.trim()));
        else if (type === 'boolean') {
          if (raw !== 'true' && raw !== 'false') throw fail(key, '"true" or "false"', raw);
          options[key] = raw === 'true';
        } else options[key] = raw;
      }
    }
    if (kind === 'oneCycle') options.maxLearningRate ??= lr;
    else if (kind !== 'piecewiseConstant') options.learningRate ??= lr;
    const schedule = FACTORIES[kind](options as never);
    schedules.push(schedule);
    if (index < texts.length - 1) {
      const lengthKey = LENGTH_KEY[kind];
      if (lengthKey === undefined) {
        throw fail(
          'spec',
          'a part with a length (linearWarmup steps, cosine tMax, polynomial or oneCycle totalSteps) before "+"',
          text.trim(),
        );
      }
      offset += schedule.toJSON().options[lengthKey] as number;
      milestones.push(offset);
    }
  });
  return schedules.length === 1 ? schedules[0]! : sequential({ schedules, milestones });
}
