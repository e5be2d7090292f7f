/**
 * One validation helper for every public entry point, so messages share one shape:
 * "Expected <what> for <name> but received <value>".
 */
import { OptionError } from './errors';

/** Renders a received value for an error message: short, with its type. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object of type ${value.constructor?.name ?? 'Object'}`;
  return `${String(value)} of type ${typeof value}`;
}

/** Builds (does not throw) the standard error for a bad argument. */
export function invalid(name: string, expected: string, value: unknown, Cls: typeof OptionError = OptionError): OptionError {
  return new Cls(`Expected ${expected} for ${name} but received ${describe(value)}`, name);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Rejects option names that are not in `allowed` (catches typos such as `learningrate`). */
export function checkKeys(name: string, obj: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (obj === undefined) return {};
  if (!isPlainObject(obj)) throw invalid(name, 'an options object', obj);
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new OptionError(
        `Unknown option ${JSON.stringify(key)} in ${name}; known options: ${allowed.join(', ')}`,
        `${name}.${key}`,
      );
    }
  }
  return obj;
}

export interface NumberRule {
  integer?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  gt?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  lt?: number;
}

function ruleText(rule: NumberRule): string {
  const parts: string[] = [];
  if (rule.gt !== undefined) parts.push(`> ${rule.gt}`);
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.lt !== undefined) parts.push(`< ${rule.lt}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  return `${rule.integer ? 'an integer' : 'a finite number'}${parts.length ? ' ' + parts.join(' and ') : ''}`;
}

/** Validates a number option; returns `fallback` when `value` is undefined and a fallback is given. */
export function num(name: string, value: unknown, rule: NumberRule = {}, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.gt === undefined || value > rule.gt) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.lt === undefined || value < rule.lt);
  if (!ok) throw invalid(name, ruleText(rule), value);
  return value as number;
}

export function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(name, 'a boolean', value);
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, choices: readonly T[], fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw invalid(name, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value);
  }
  return value as T;
}
