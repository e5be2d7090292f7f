/** Decaying schedules: constant, step, multiStep, exponential, inverseTime, polynomial, cosine, cosineWarmRestarts (lib/optim/schedules/core.ts states the convention). */
import { bool, checkKeys, num } from '../../validate';
import { NON_NEGATIVE, POSITIVE, POSITIVE_INT, Schedule, countAtOrBelow, increasingInts, make } from './core';

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
