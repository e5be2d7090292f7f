/**
 * The schedule object and the validation helpers every schedule factory shares. Learning-rate schedules that reproduce `torch.optim.lr_scheduler` (PyTorch 1.13) step for step, plus the Keras
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
import { OptionError } from '../../errors';
import { describe, readArgument } from '../../validate';

// ---------------------------------------------------------------------------------------------------------------
// Types

/** The kinds of pure (step → learning rate) schedules (the engine table's list); each is also the name of its factory. */
export type { ScheduleKind } from '../../engine/spec';
import type { ScheduleKind } from '../../engine/spec';

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

export const POSITIVE = { gt: 0 } as const;
export const NON_NEGATIVE = { min: 0 } as const;
export const POSITIVE_INT = { integer: true, min: 1 } as const;

/** Like `describe`, but shows short numeric arrays in full, since the fault is usually one element. */
export function render(value: unknown): string {
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
export function elements(name: string, what: string, value: unknown): unknown[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return readArgument(name, what, value, () => {
    const out: unknown[] = [];
    for (let i = 0, n = value.length; i < n; i++) out.push(value[i]);
    return out;
  });
}

export function fail(name: string, expected: string, value: unknown): OptionError {
  return new OptionError(`Expected ${expected} for ${name} but received ${render(value)}`, name);
}

/** Strictly increasing integers >= `min` (an empty list is allowed only when `allowEmpty`). */
export function increasingInts(name: string, value: unknown, min: number, allowEmpty: boolean): number[] {
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

export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export function checkStep(step: number): void {
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw fail('step', 'an integer >= 0', step);
}

// ---------------------------------------------------------------------------------------------------------------
// The schedule object

export class BuiltSchedule implements Schedule {
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
export function make(kind: ScheduleKind, options: { [key: string]: JsonValue }, lr: (step: number) => number): Schedule {
  const frozen = JSON.stringify(options);
  return new BuiltSchedule(kind, () => JSON.parse(frozen) as { [key: string]: JsonValue }, lr);
}


/** Whether `v` looks like a schedule; `false` (not an exception) when reading it throws (a Proxy, a getter). */
export function isSchedule(v: unknown): v is Schedule {
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

/** `bisect_right`: how many sorted `xs` are <= `t`. */
export function countAtOrBelow(xs: readonly number[], t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
