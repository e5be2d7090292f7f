/**
 * The memory limit: the most bytes one trainer (parameters, gradients, optimizer state, workspace) or one copy of
 * a data set may take. Sizes are checked against it before allocating, on both backends and in the native
 * binding itself, so an impossible request fails with a `MemoryLimitError` instead of an OOM kill.
 */
import * as os from 'node:os';
import { MemoryLimitError, OptionError } from './errors';
import { describe } from './validate';
import { EngineSpec, DTYPE_BYTES, layoutOf, numSlots, trainerBytes } from './engine/spec';

let limit: number | undefined;
const listeners: ((bytes: number) => void)[] = [];

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Parses `DESCENT_MEMORY_LIMIT`: bytes (`1073741824`, `1e9`), or a number with a K/M/G/T suffix (binary units, optional `B`/`iB`). */
export function parseMemorySize(text: string, name = 'DESCENT_MEMORY_LIMIT'): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!(bytes >= 1 && bytes <= Number.MAX_SAFE_INTEGER)) {
    throw new OptionError(`Expected a size such as 8G, 512M or 1073741824 for ${name} but received ${JSON.stringify(text)}`, name);
  }
  return bytes;
}

/** 3/4 of the physical memory, or of the cgroup limit when one is set (containers). */
export function defaultMemoryLimit(): number {
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const avail = constrained > 0 && constrained < total ? constrained : total;
  return Math.floor((avail / 4) * 3);
}

/** The memory limit in bytes: `setMemoryLimit`'s value, else `DESCENT_MEMORY_LIMIT`, else `defaultMemoryLimit()`. */
export function memoryLimit(): number {
  if (limit === undefined) {
    const env = process.env.DESCENT_MEMORY_LIMIT;
    limit = env !== undefined && env !== '' ? parseMemorySize(env) : defaultMemoryLimit();
  }
  return limit;
}

/**
 * Sets the memory limit (bytes, an integer ≥ 1), or restores the default with `null`. Process-wide on the native
 * side (shared by worker threads).
 * @throws OptionError for anything but a positive safe integer or null.
 */
export function setMemoryLimit(bytes: number | null): void {
  if (bytes === null) {
    limit = undefined;
  } else {
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 1) {
      throw new OptionError(`Expected a positive integer number of bytes or null for bytes but received ${describe(bytes)}`, 'bytes');
    }
    limit = bytes;
  }
  const now = memoryLimit();
  for (const f of listeners) f(now);
}

/**
 * The native loader registers here so the binding's own checks use the same limit. A malformed
 * `DESCENT_MEMORY_LIMIT` is not reported here (it would look like a failed addon load): the binding keeps its
 * default and the next facade check throws the OptionError naming the variable.
 */
export function onMemoryLimit(f: (bytes: number) => void): void {
  listeners.push(f);
  let now: number;
  try {
    now = memoryLimit();
  } catch {
    return;
  }
  f(now);
}

function fmt(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Throws `MemoryLimitError` naming `argument` when `bytes` exceed the limit.
 * @param what what needs the memory, starting with a capital ("The training data copy").
 */
export function requireMemory(bytes: number, argument: string, what: string): void {
  const lim = memoryLimit();
  if (bytes <= lim) return;
  throw new MemoryLimitError(
    `${what} needs ${fmt(bytes)} (${bytes} bytes), more than the memory limit of ${fmt(lim)} ` +
      `(setMemoryLimit() or DESCENT_MEMORY_LIMIT raise it)`,
    argument,
    bytes,
    lim,
  );
}

/**
 * Throws `MemoryLimitError` when a trainer for `spec` would exceed the limit, naming `paramsArgument` (the option
 * that sized the network, e.g. `hidden`) when the parameters alone do not fit, else `batchSize` (the workspace).
 */
export function requireTrainerMemory(spec: EngineSpec, paramsArgument: string, outputsArgument?: string): void {
  const total = trainerBytes(spec);
  if (total <= memoryLimit()) return;
  const P = layoutOf(spec.layers).total;
  const copies = 3 + 2 * numSlots(spec.optimizer);
  const paramBytes = P * copies * DTYPE_BYTES[spec.dtype];
  if (paramBytes > memoryLimit()) {
    const last = spec.layers[spec.layers.length - 1]!;
    if (outputsArgument !== undefined && 2 * last.units * (last.inputs + 1) > P) {
      // Most parameters sit in the output layer, whose width the labels set (one unit per class).
      requireMemory(total, outputsArgument, `The model's ${P} parameters (${last.units} output units, one per class label up to the largest in ${outputsArgument})`);
    }
    requireMemory(total, paramsArgument, `The model's ${P} parameters (${copies} copies: weights, gradients, optimizer state, snapshots)`);
  }
  // The dense gather buffer (maxBatch rows × the inputs) is what a very wide X (2^30 hashed features) breaks: name X.
  const inputs = spec.layers[0]!.inputs;
  const gather = spec.maxBatch * inputs * DTYPE_BYTES[spec.dtype];
  if (total - gather <= memoryLimit())
    requireMemory(total, 'X', `The trainer for ${P} parameters over X's ${inputs} columns (with a workspace of ${spec.maxBatch} rows × ${inputs} columns)`);
  requireMemory(total, 'batchSize', `The trainer for ${P} parameters with a workspace of ${spec.maxBatch} rows (batchSize)`);
}
