/** Previews, JSON round trips and the CLI's compact schedule specs. */
import { constant, cosine, cosineWarmRestarts, exponential, inverseTime, multiStep, polynomial, step } from './decay';
import { linearWarmup, oneCycle, piecewiseConstant, sequential, type SequentialOptions } from './compose';
import { OptionError } from '../../errors';
import { checkKeys, isPlainObject, num } from '../../validate';
import { POSITIVE, Schedule, ScheduleKind, elements, fail, hasOwn, isSchedule } from './core';

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
