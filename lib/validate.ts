/**
 * One validation helper for every public entry point, so messages share one shape:
 * "Expected <what> for <name> but received <value>".
 */
import { DescentError, OptionError } from './errors';

/**
 * Renders a received value for an error message: short, with its type. Never throws and never runs the caller's
 * code beyond property reads: BigInt and Symbol values, Proxies whose traps throw and objects with throwing getters
 * are all rendered (the last two as "an object that throws when inspected").
 */
export function describe(value: unknown): string {
  try {
    return describeValue(value);
  } catch {
    return 'an object that throws when inspected (a Proxy or a throwing getter)';
  }
}

function clip(text: string): string {
  return text.length > 40 ? text.slice(0, 40) + '…' : text;
}

function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return String(value); // NaN, Infinity, -Infinity as such
    case 'string':
      return JSON.stringify(clip(value));
    case 'bigint':
      return `${clip(value.toString())}n of type bigint`;
    case 'symbol':
      return `Symbol(${value.description === undefined ? '' : JSON.stringify(clip(value.description))}) of type symbol`;
    case 'function':
      return 'a function';
    case 'boolean':
      return `${value} of type boolean`;
  }
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) {
    // The tag comes from the internal slot, so a subclass or an overwritten `constructor` cannot fake or throw.
    const tag = Buffer.isBuffer(value) ? 'Buffer' : Object.prototype.toString.call(value).slice(8, -1);
    const detached = (value.buffer as { detached?: unknown }).detached === true ? ' (detached)' : '';
    return value instanceof DataView ? `a DataView of ${value.byteLength} bytes${detached}` : `a ${tag} of length ${(value as unknown as ArrayLike<unknown>).length}${detached}`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return 'an object with a null prototype';
  const ctorName: unknown = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  return `an object of type ${typeof ctorName === 'string' && ctorName !== '' ? clip(ctorName) : 'Object'}`;
}

/** Renders something a caller's code threw (it may be any value, or an Error whose getters throw). */
export function errorText(e: unknown): string {
  try {
    if (e instanceof Error) return `${String(e.name)}: ${clip(String(e.message))}`;
  } catch {
    // fall through to describe
  }
  return describe(e);
}

/**
 * Runs `read`, which reads a caller's object (options, rows, tensors), and turns whatever a getter or a Proxy trap
 * throws into the standard error for `name` (`cause`: the original). descent's own errors pass through.
 */
export function readArgument<T>(name: string, expected: string, value: unknown, read: () => T, Cls: typeof OptionError = OptionError): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DescentError) throw e;
    throw new Cls(`Expected ${expected} for ${name} but received ${describe(value)} (reading it threw ${errorText(e)})`, name, { cause: e });
  }
}

/** Builds (does not throw) the standard error for a bad argument. */
export function invalid(name: string, expected: string, value: unknown, Cls: typeof OptionError = OptionError): OptionError {
  return new Cls(`Expected ${expected} for ${name} but received ${describe(value)}`, name);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), case-insensitive. */
function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * ` (did you mean "x"?)` for the known name closest to `value` (within a third of its length, at least 2 edits,
 * or differing only in case/underscores), else `''`: appended to unknown-name messages.
 */
export function suggest(value: unknown, known: readonly string[]): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return '';
  const squash = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  let best = '', bestD = Infinity;
  for (const k of known) {
    const d = squash(k) === squash(value) ? 0 : editDistance(value, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return bestD <= Math.max(2, Math.floor(value.length / 3)) ? ` (did you mean ${JSON.stringify(best)}?)` : '';
}

/**
 * Rejects option names that are not in `allowed` (catches typos such as `learningrate`: "did you mean …"). Returns
 * a snapshot: a plain object holding the value of every allowed key the options have (own or inherited), each read
 * once, so a getter or a Proxy trap that throws becomes an OptionError naming `name` here, not a raw error later.
 */
export function checkKeys(name: string, obj: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (obj === undefined) return {};
  if (!isPlainObject(obj)) throw invalid(name, 'an options object', obj);
  return readArgument(name, 'an options object whose properties can be read', obj, () => {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        throw new OptionError(
          `Unknown option ${JSON.stringify(key)} in ${name}${suggest(key, allowed)}; known options: ${allowed.join(', ')}`,
          `${name}.${key}`,
        );
      }
    }
    const snapshot: Record<string, unknown> = {};
    for (const key of allowed) {
      const v = obj[key];
      if (v !== undefined || Object.prototype.hasOwnProperty.call(obj, key)) {
        Object.defineProperty(snapshot, key, { value: v, enumerable: true, writable: true, configurable: true });
      }
    }
    return snapshot;
  });
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
    const e = invalid(name, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value);
    throw new OptionError(e.message + suggest(value, choices), name);
  }
  return value as T;
}
