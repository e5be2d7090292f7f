/** Schedules built from phases: linearWarmup, sequential, oneCycle, piecewiseConstant (lib/optim/schedules/core.ts states the convention). */
import { OptionError } from '../../errors';
import { bool, checkKeys, num, oneOf } from '../../validate';
import { BuiltSchedule, JsonValue, POSITIVE, POSITIVE_INT, Schedule, countAtOrBelow, elements, fail, increasingInts, isSchedule, make } from './core';

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
