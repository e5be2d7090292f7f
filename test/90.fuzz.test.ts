/**
 * 90 fuzz (issue 10): random argument types, shapes and buffers thrown at the native binding directly
 * (NativeTrainer, OptimizerKernel, setSimd, setNumThreads) and at the whole public API.
 *
 * Contract checked on every call: it either works, or throws (or, for async calls, rejects with) a DescentError
 * subclass or a TypeError. Anything else — another error class, a crash, a hang — is a failure. Two exceptions,
 * both deliberate: an error thrown by one of the fuzzer's own hostile getters/proxies (FuzzGetterError) may
 * propagate unchanged, since it is the caller's own exception; and calls on a disposed or busy native trainer must
 * throw StateError specifically (every method checks that first).
 *
 * Reproducing: the seed is in the describe title; `DESCENT_FUZZ_SEED=<seed> npx mocha test/90.fuzz.test.ts -g '90 fuzz'`
 * replays the same call sequence (each failure prints its call index and arguments). `DESCENT_FUZZ_CALLS` sets the
 * total number of calls (default 100 000: 3/4 on the binding, 1/4 on the public API).
 *
 * Hostile cases that crash the process (a buffer detached by a getter of a later argument, or while runBatches
 * runs) are not in the in-process loop: they run in child processes (test/fixtures/90-*.ts) at the end of this file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as descent from '../lib';
import { DescentError, StateError } from '../lib/errors';
import { ACTIVATION_NAMES, KERNEL_NAMES, LOSSES, LOSS_NAMES, numSlots } from '../lib/engine/spec';
import { native, requireNative } from './support/backends';

// ---------------------------------------------------------------------------------------------------------------
// Seed, budget, PRNG

const SEED = process.env.DESCENT_FUZZ_SEED !== undefined && process.env.DESCENT_FUZZ_SEED !== ''
  ? Number(process.env.DESCENT_FUZZ_SEED) >>> 0
  : (Date.now() ^ (process.pid << 10)) >>> 0;
const TOTAL = Math.max(100, Number(process.env.DESCENT_FUZZ_CALLS ?? 100_000) | 0);
const BINDING_CALLS = native ? Math.round(TOTAL * 0.75) : 0;
const PUBLIC_CALLS = TOTAL - BINDING_CALLS;
/** DESCENT_FUZZ_TRACE=<file>: the call about to run is written there first (to find a call that never returns). */
const TRACE = process.env.DESCENT_FUZZ_TRACE;
/** Bound on one awaited call (runBatches, fit): far above its real duration (< 50 ms); only proves "no hang". */
const HANG_MS = 30_000;

/** mulberry32: tiny, fast, independent of the library's own generator. */
class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.float() * a.length)]!;
  }
}

/** Thrown by the fuzzer's own hostile getters and proxy traps; the library may let it propagate. */
class FuzzGetterError extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Recording outcomes

interface Failure {
  count: number;
  call: number;
  api: string;
  args: string;
  error: string;
}

class Recorder {
  calls = 0;
  ok = 0;
  readonly errors = new Map<string, number>();
  readonly failures = new Map<string, Failure>();
  readonly typeErrors = new Map<string, number>();
  readonly byApiError = new Map<string, number>();
  readonly perApi = new Map<string, { calls: number; ok: number; ms: number }>();
  private t0 = 0;
  constructor(readonly label: string) {}

  stat(api: string, ok: boolean): void {
    const s = this.perApi.get(api) ?? { calls: 0, ok: 0, ms: 0 };
    s.ms += performance.now() - this.t0;
    s.calls++;
    if (ok) s.ok++;
    this.perApi.set(api, s);
  }

  fail(api: string, args: () => string, kind: string, error: string): void {
    const key = `${api}: ${kind}: ${error.replace(/'[^']*'|"[^"]*"/g, '…').replace(/\d+(\.\d+)?(e[+-]?\d+)?/g, '#').slice(0, 160)}`;
    const f = this.failures.get(key);
    if (f) f.count++;
    else this.failures.set(key, { count: 1, call: this.calls, api, args: safeArgs(args), error: `${kind}: ${error}` });
  }

  /** Classifies a thrown value; returns true when it is allowed. */
  judge(api: string, args: () => string, e: unknown, mustBe?: typeof DescentError): boolean {
    const name = (e as Error)?.constructor?.name ?? typeof e;
    this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
    const k = `${api} → ${name}`;
    this.byApiError.set(k, (this.byApiError.get(k) ?? 0) + 1);
    if (mustBe && !(e instanceof mustBe)) {
      this.fail(api, args, `expected ${mustBe.name}, got ${name}`, String((e as Error)?.message ?? e));
      return false;
    }
    if (e instanceof DescentError || e instanceof FuzzGetterError) return true;
    if (e instanceof TypeError) {
      const m = `${api}: ${e.message.replace(/\d+/g, '#').slice(0, 100)}`;
      this.typeErrors.set(m, (this.typeErrors.get(m) ?? 0) + 1);
      return true;
    }
    this.fail(api, args, `threw ${name}`, String((e as Error)?.message ?? e));
    return false;
  }

  /** One synchronous call. Returns { ok, value }. */
  call<T>(api: string, args: () => string, f: () => T, mustThrow?: typeof DescentError): { ok: boolean; value?: T } {
    this.calls++;
    if (TRACE) fs.writeFileSync(TRACE, `#${this.calls} ${api}(${safeArgs(args)})\n`);
    this.t0 = performance.now();
    try {
      const value = f();
      if (mustThrow) {
        this.stat(api, true);
        this.fail(api, args, `expected ${mustThrow.name}`, 'the call succeeded');
        return { ok: true, value };
      }
      this.ok++;
      this.stat(api, true);
      return { ok: true, value };
    } catch (e) {
      this.stat(api, false);
      this.judge(api, args, e, mustThrow);
      return { ok: false };
    }
  }

  /** One call that may return a Promise (runBatches, fit): a synchronous throw or a rejection are judged alike. */
  async callAsync<T>(api: string, args: () => string, f: () => Promise<T> | T): Promise<{ ok: boolean; value?: T; hung?: boolean }> {
    this.calls++;
    if (TRACE) fs.writeFileSync(TRACE, `#${this.calls} ${api}(${safeArgs(args)})\n`);
    this.t0 = performance.now();
    let p: Promise<T> | T;
    try {
      p = f();
    } catch (e) {
      this.stat(api, false);
      this.judge(api, args, e);
      return { ok: false };
    }
    if (!(p instanceof Promise)) {
      this.fail(api, args, 'not a Promise', `returned ${show(p)}`);
      return { ok: false };
    }
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), HANG_MS)));
    try {
      const v = await Promise.race([p, hang]);
      if (v === 'hang') {
        this.fail(api, args, 'hang', `the promise did not settle within ${HANG_MS} ms`);
        return { ok: false, hung: true };
      }
      this.ok++;
      this.stat(api, true);
      return { ok: true, value: v as T };
    } catch (e) {
      this.stat(api, false);
      this.judge(api, args, e);
      return { ok: false };
    } finally {
      clearTimeout(timer);
    }
  }

  summary(ms: number): string {
    const errs = [...this.errors].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
    return `${this.label}: ${this.calls} calls in ${(ms / 1000).toFixed(1)} s (${Math.round(this.calls / (ms / 1000))}/s), ` +
      `${this.ok} succeeded; errors thrown: ${errs || 'none'}`;
  }

  report(): string {
    const lines = [...this.failures.values()].sort((a, b) => a.call - b.call).slice(0, 25).map(
      (f) => `  - call #${f.call} ${f.api} (${f.count}×): ${f.error}\n      args: ${f.args}`,
    );
    return `${this.failures.size} distinct failure kind(s) with DESCENT_FUZZ_SEED=${SEED}:\n${lines.join('\n')}`;
  }
}

function safeArgs(f: () => string): string {
  try {
    return f().slice(0, 600);
  } catch (e) {
    return `<unprintable: ${String(e)}>`;
  }
}

/** Short description of a fuzz value (never invokes user getters of the value itself). */
function show(v: unknown, depth = 0): string {
  try {
    if (v === null) return 'null';
    if (v === undefined) return 'undefined';
    switch (typeof v) {
      case 'number': return Object.is(v, -0) ? '-0' : String(v);
      case 'bigint': return `${v}n`;
      case 'string': return JSON.stringify(v.length > 30 ? v.slice(0, 30) + '…' : v);
      case 'symbol': return 'Symbol()';
      case 'function': return 'function';
      case 'boolean': return String(v);
    }
    const tag = (v as { __fuzz?: string }).__fuzz;
    if (tag) return tag;
    if (ArrayBuffer.isView(v)) return `${Object.getPrototypeOf(v)?.constructor?.name}(${(v as unknown as { length?: number }).length ?? (v as DataView).byteLength})`;
    if (Array.isArray(v)) return depth > 1 ? `[…${v.length}]` : `[${v.slice(0, 6).map((x) => show(x, depth + 1)).join(', ')}${v.length > 6 ? `, …${v.length}` : ''}]`;
    if (depth > 1) return '{…}';
    const keys = Object.keys(v as object).slice(0, 24);
    return `{${keys.map((k) => {
      const d = Object.getOwnPropertyDescriptor(v, k);
      return `${k}: ${d && 'value' in d ? show(d.value, depth + 1) : '<getter>'}`;
    }).join(', ')}}`;
  } catch {
    return '<?>';
  }
}

function tagged<T extends object>(o: T, tag: string): T {
  Object.defineProperty(o, '__fuzz', { value: tag, enumerable: false });
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Value generators

const BAD_NUMBERS = [
  0, -0, 1, -1, 0.5, 1.5, -1.5, NaN, Infinity, -Infinity, 2 ** 24, 2 ** 24 + 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1,
  2 ** 40, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE, 1e-300, -1e300, 4294967295.5,
];

function junk(r: Prng): unknown {
  switch (r.int(0, 27)) {
    case 0: return undefined;
    case 1: return null;
    case 2: return r.chance(0.5);
    case 3: case 4: case 5: case 6: return r.pick(BAD_NUMBERS);
    case 7: return r.pick(['', '1', 'abc', 'NaN', 'scalar', 'avx2', 'float32', 'adam', '__proto__', 'x'.repeat(100)]);
    case 8: return BigInt(r.int(-2, 5));
    case 9: return Symbol('fuzz');
    case 10: return {};
    case 11: return [];
    case 12: return [1, 2, 3];
    case 13: return () => 1;
    case 14: return new Float32Array(r.int(0, 3));
    case 15: return new Date(0);
    case 16: return new Map();
    case 17: return Object.create(null);
    case 18: return throwingObject();
    case 19: return throwingProxy();
    case 20: { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; }
    case 21: return new Number(3);
    case 22: return tagged({ valueOf: () => 2, toString: () => '2' }, '{valueOf: 2}');
    case 23: return tagged({ valueOf() { throw new FuzzGetterError('valueOf'); }, toString() { throw new FuzzGetterError('toString'); } }, '{valueOf throws}');
    case 24: return new ArrayBuffer(8);
    case 25: return new DataView(new ArrayBuffer(8));
    case 26: return Buffer.from([1, 2, 3]);
    default: return r.int(-3, 20);
  }
}

function throwingObject(): object {
  const o = {};
  for (const k of ['length', 'buffer', 'data', 'rows', 'cols', 'kind', 'layers', 'step', 'rng', 'epochs', 'then', 'constructor']) {
    Object.defineProperty(o, k, { get() { throw new FuzzGetterError(`getter ${k}`); }, enumerable: true });
  }
  return tagged(o, '{every getter throws}');
}

function throwingProxy(): object {
  const fail = (what: string) => () => { throw new FuzzGetterError(`proxy ${what}`); };
  return new Proxy({}, {
    get: (_t, k) => (k === '__fuzz' ? 'throwingProxy' : fail('get')()),
    has: fail('has'), ownKeys: fail('ownKeys'), getOwnPropertyDescriptor: fail('gopd'), getPrototypeOf: fail('getPrototypeOf'),
  });
}

/** A getter on `obj[key]` that throws FuzzGetterError. */
function withThrowingGetter<T extends object>(obj: T, key: string): T {
  Object.defineProperty(obj, key, { get() { throw new FuzzGetterError(`getter ${key}`); }, enumerable: true, configurable: true });
  return obj;
}

type TypedCtor = Float32ArrayConstructor | Float64ArrayConstructor | Uint32ArrayConstructor | Int32ArrayConstructor;
const OTHER_VIEWS = [Float32Array, Float64Array, Int32Array, Uint32Array, Uint8Array, Int8Array, Uint16Array, Int16Array, Uint8ClampedArray, BigInt64Array, BigUint64Array] as const;

function fill(a: { length: number; [i: number]: number }, r: Prng, gen: () => number): void {
  for (let i = 0; i < a.length; i++) a[i] = gen();
}

/**
 * A typed array argument: with probability `good` the right type and length over an ordinary buffer (fresh,
 * offset view, subarray); otherwise one of the hostile shapes the issue lists.
 */
function typed(r: Prng, C: TypedCtor, len: number, good: number, gen?: () => number): unknown {
  const bpe = C.BYTES_PER_ELEMENT;
  const g = gen ?? (() => (r.chance(0.02) ? r.pick([NaN, Infinity, -Infinity, 1e30]) : r.float() * 2 - 1));
  const make = (a: InstanceType<TypedCtor>, tag: string) => {
    fill(a as unknown as { length: number; [i: number]: number }, r, g);
    return tagged(a, `${C.name}(${a.length}) ${tag}`);
  };
  if (r.chance(good)) {
    switch (r.int(0, 2)) {
      case 0: return make(new C(len), 'fresh');
      case 1: { const k = r.int(1, 3); return make(new C(new ArrayBuffer((len + k + 1) * bpe), k * bpe, len), `offset ${k}`); }
      default: { const big = new C(len + 4); return make(big.subarray(2, 2 + len) as InstanceType<TypedCtor>, 'subarray'); }
    }
  }
  switch (r.int(0, 14)) {
    case 0: return make(new C(new SharedArrayBuffer(len * bpe) as unknown as ArrayBuffer), 'over SharedArrayBuffer');
    case 1: return make(new C(new (SharedArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(len * bpe, { maxByteLength: (len + 8) * bpe })), 'over growable SharedArrayBuffer');
    case 2: return make(new C(new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(len * bpe, { maxByteLength: (len + 8) * bpe }), 0, len), 'over resizable ArrayBuffer');
    case 3: return make(new C(new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(len * bpe, { maxByteLength: (len + 8) * bpe })), 'length-tracking over resizable ArrayBuffer');
    case 4: { const a = make(new C(len), 'detached'); structuredClone(a.buffer, { transfer: [a.buffer] }); return a; }
    case 5: { const a = make(new C(len), 'own "buffer" getter throws'); return withThrowingGetter(a, 'buffer'); }
    case 6: { const a = make(new C(len), 'own "buffer" spoofed'); Object.defineProperty(a, 'buffer', { value: { resizable: false } }); return a; }
    case 7: return make(new C(Math.max(0, len + r.pick([-1, 1, 2, -len]))), 'wrong length');
    case 8: case 9: {
      const V = r.pick(OTHER_VIEWS.filter((v) => v !== C));
      const a = new (V as unknown as new (n: number) => ArrayLike<unknown>)(len);
      return tagged(a as unknown as object, `${V.name}(${len}) wrong dtype`);
    }
    case 10: return tagged(Array.from({ length: len }, g), `Array(${len})`);
    case 11: return make(new C(0), 'empty');
    case 12: return tagged(new DataView(new ArrayBuffer(len * bpe)), 'DataView');
    case 13: return tagged(Buffer.alloc(len * bpe), 'Buffer');
    default: return junk(r);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Native specs

interface TInfo {
  t: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  spec: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  f64: boolean;
  inputs: number;
  outputs: number;
  ycols: number;
  nparams: number;
  nslots: number;
  maxBatch: number;
  loss: string;
  disposed: boolean;
  busy: boolean;
  /** Rows of the last successful setData (0: none). */
  n: number;
}

function validOptimizer(r: Prng): Record<string, unknown> {
  const momentum = r.pick([0, 0, 0.9]);
  return {
    kernel: r.pick(KERNEL_NAMES), momentum, dampening: 0, nesterov: momentum > 0 && r.chance(0.5), beta1: 0.9, beta2: 0.999,
    epsilon: 1e-8, amsgrad: r.chance(0.3), weightDecay: r.pick([0, 0.01]), decoupled: r.chance(0.3), alpha: 0.99,
    centered: r.chance(0.3), lrDecay: r.pick([0, 0.01]), initialAccumulatorValue: r.pick([0, 0.1]), rho: 0.9, momentumDecay: 0.004,
  };
}

function validSpec(r: Prng): Record<string, unknown> {
  const L = r.int(1, 3);
  const loss = r.pick(LOSS_NAMES);
  const outputs = loss === 'softmaxCrossEntropy' ? r.int(2, 4) : loss === 'sigmoidCrossEntropy' ? r.int(1, 2) : r.int(1, 3);
  let fan = r.int(1, 5);
  const layers = [];
  for (let i = 0; i < L; i++) {
    const last = i === L - 1;
    const units = last ? outputs : r.int(1, 4);
    const activation = last ? 'linear' : r.pick(ACTIVATION_NAMES);
    layers.push({
      inputs: fan, units, activation, activationParam: activation === 'leakyRelu' ? 0.01 : activation === 'elu' ? 1 : 0,
      useBias: r.chance(0.8), dropout: last ? 0 : r.pick([0, 0, 0.3]),
    });
    fan = units;
  }
  return {
    dtype: r.chance(0.4) ? 'float64' : 'float32', layers, loss, optimizer: validOptimizer(r), l1: r.pick([0, 0, 0.01]), l2: r.pick([0, 0.01]),
    penalizeBias: r.chance(0.3), clipNorm: r.pick([0, 0, 1]), clipValue: r.pick([0, 0, 0.5]), maxBatch: r.int(1, 8),
    // The head's parameter (in range for heads that have one) and weight averaging, now and then.
    ...((LOSSES[loss] as { param?: { default: number } }).param && r.chance(0.5) ? { lossParam: loss === 'tweedie' ? r.pick([0, 1, 1.5, 2, 3]) : loss === 'quantile' ? r.pick([0.1, 0.5, 0.9]) : r.pick([0, 0.1, 2]) } : {}),
    ...(r.chance(0.2) ? { average: { kind: r.pick(['none', 'mean', 'ema']), start: r.int(1, 5), decay: r.pick([0, 0.5, 0.99]) } } : {}),
  };
}

const SPEC_KEYS = ['dtype', 'layers', 'loss', 'optimizer', 'l1', 'l2', 'penalizeBias', 'clipNorm', 'clipValue', 'maxBatch', 'lossParam', 'average'];
const LAYER_KEYS = ['inputs', 'units', 'activation', 'activationParam', 'useBias', 'dropout'];
const OPT_KEYS = ['kernel', 'momentum', 'dampening', 'nesterov', 'beta1', 'beta2', 'epsilon', 'amsgrad', 'weightDecay', 'decoupled', 'alpha', 'centered', 'lrDecay', 'initialAccumulatorValue', 'rho', 'momentumDecay'];

/** Mutates a valid spec (or optimizer config) in 1–3 places; sizes stay small or are rejected by validation. */
function mutateObject(r: Prng, o: Record<string, unknown>, keys: string[]): unknown {
  switch (r.int(0, 9)) {
    case 0: return junk(r);
    case 1: { const k = r.pick(keys); delete o[k]; return o; }
    case 2: return withThrowingGetter(o, r.pick(keys));
    case 3: {
      const bad = r.pick(keys);
      return new Proxy(o, { get: (t, k) => (k === bad ? (() => { throw new FuzzGetterError(`proxy get ${bad}`); })() : Reflect.get(t, k)) });
    }
    default: {
      for (let i = r.int(1, 3); i > 0; i--) o[r.pick(keys)] = junk(r);
      return o;
    }
  }
}

function mutatedSpec(r: Prng): unknown {
  const s = validSpec(r);
  if (r.chance(0.3)) return s;
  const layers = s.layers as Record<string, unknown>[];
  switch (r.int(0, 7)) {
    case 0: return mutateObject(r, s, SPEC_KEYS);
    case 1: mutateObject(r, r.pick(layers), LAYER_KEYS); return s;
    case 2: s.optimizer = mutateObject(r, s.optimizer as Record<string, unknown>, OPT_KEYS); return s;
    case 3: {
      // Sizes at or past the limits. Cases 6-7 validate but need gigabytes: the memory limit (64 MB during the
      // binding fuzz) must refuse them with MemoryLimitError before allocating.
      const l0 = layers[0]!;
      switch (r.int(0, 7)) {
        case 6: l0.inputs = 2 ** 24; l0.units = r.int(2, 127); if (layers.length > 1) layers[1]!.inputs = l0.units; break;
        case 7: s.maxBatch = 2 ** 20; l0.units = 2 ** 11; if (layers.length > 1) layers[1]!.inputs = l0.units; break;
        case 0: l0.inputs = 2 ** 24; l0.units = 2 ** 24; break; // too many parameters
        case 1: l0.inputs = 2 ** 24 + 1; break;
        case 2: s.maxBatch = 2 ** 24 + r.int(0, 1); layers.forEach((l) => { if (l.units !== undefined) l.units = Math.max(l.units as number, 256); }); break;
        case 3: l0.units = r.pick([0, -1, 1.5, NaN, 2 ** 53]); break;
        case 4: s.maxBatch = r.pick([0, -1, 0.5, NaN, Infinity, 2 ** 53]); break;
        default: l0.inputs = r.pick([0, -3, 2.5, NaN]); break;
      }
      return s;
    }
    case 4: s.layers = r.pick([[], [1], [null], new Array(3), Array.from({ length: 1025 }, () => ({ ...layers[0]!, inputs: 1, units: 1, activation: 'linear', dropout: 0 }))]); return s;
    case 5: {
      // Chain mismatch, dropout or activation on the last layer.
      const last = layers[layers.length - 1]!;
      const what = r.int(0, 2);
      if (what === 0) last.inputs = (last.inputs as number) + 1;
      else if (what === 1) last.dropout = 0.5;
      else last.activation = r.pick([...ACTIVATION_NAMES.slice(1), 'softmax', 1, 'RELU']);
      return s;
    }
    case 6: s.loss = r.pick([3, -1, 1.5, NaN, '0', 'crossEntropy', 'squarederror', '']); return s;
    default: return Object.assign(Object.create(s), {}); // inherited properties only
  }
}

/**
 * True when a (mutated) spec would validate and need a lot of memory (more than 1e6 parameters or workspace
 * elements): such specs must be refused by the memory limit, never allocated.
 */
function hugeSpec(spec: unknown): boolean {
  try {
    const s = spec as { layers?: unknown; maxBatch?: unknown };
    const layers = s.layers;
    if (!Array.isArray(layers)) return false;
    let params = 0, width = 0;
    for (const l of layers as { inputs?: unknown; units?: unknown }[]) {
      const i = Number(l?.inputs), u = Number(l?.units);
      if (!(i > 0 && u > 0)) continue;
      params += i * u + u;
      width = Math.max(width, i, u);
    }
    const mb = Number(s.maxBatch);
    return params > 1e6 || (mb > 0 ? mb : 1) * width > 1e6;
  } catch {
    return false;
  }
}

function targetsFor(r: Prng, ti: TInfo, n: number, good: number): unknown {
  const C = ti.f64 ? Float64Array : Float32Array;
  // Class-index heads: softmax over its outputs, the one-vs-rest margin heads over max(outputs, 2) classes.
  const classes = ti.loss !== 'softmaxCrossEntropy' && ti.outputs === 1 ? 2 : ti.outputs;
  const gen = LOSSES[ti.loss as keyof typeof LOSSES].targetColumns === 1
    ? () => (r.chance(0.03) ? r.pick([-1, classes, 0.5, NaN, 1e9]) : r.int(0, classes - 1))
    : ti.loss === 'sigmoidCrossEntropy' ? () => (r.chance(0.03) ? NaN : r.int(0, 1)) : () => r.float() * 4 - 2;
  return typed(r, C, n * ti.ycols, good, gen);
}

function numArg(r: Prng, valid: () => number, good: number): unknown {
  return r.chance(good) ? valid() : r.chance(0.7) ? r.pick(BAD_NUMBERS) : junk(r);
}

// ---------------------------------------------------------------------------------------------------------------
// Binding fuzz

/**
 * The binding's trainer API. "data" (current): setData(X, Y, n, weights?) copies the rows into addon memory,
 * clearData(), shuffle(), runBatches(shuffled, batchSize, firstBatch, count, lrs, losses, gradNorms | null).
 * "legacy" (before setData existed): shuffle(order), runBatches(X, Y, n, order | null, batchSize, firstBatch, count,
 * lrs, losses, gradNorms, weights?). Detected from the prototype so the fuzz follows the binding.
 */
const API: 'data' | 'legacy' = native && typeof (native as any).NativeTrainer.prototype.setData === 'function' ? 'data' : 'legacy'; // eslint-disable-line @typescript-eslint/no-explicit-any
const ALL_METHODS = ['initialize', 'setData', 'setDataCsr', 'predictCsr', 'clearData', 'shuffle', 'runBatches', 'predict', 'gradients', 'getParams', 'setParams', 'getAverage', 'setAverage', 'getSlot', 'setSlot', 'getState', 'setState', 'dispose', 'isBusy'] as const;
type Method = (typeof ALL_METHODS)[number];
const TRAINER_METHODS: readonly Method[] = API === 'data' ? ALL_METHODS : ALL_METHODS.filter((m) => m !== 'setData' && m !== 'clearData' && m !== 'setDataCsr' && m !== 'predictCsr');

/** indptr, indices, values of n CSR rows over ti.inputs columns, each argument valid with probability `good`. */
function csrArgs(r: Prng, ti: TInfo, n: number, good: number): unknown[] {
  const C = ti.f64 ? Float64Array : Float32Array;
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i]! + r.int(0, Math.min(4, ti.inputs));
  const nnz = indptr[n]!;
  let ip: unknown = indptr;
  if (!r.chance(good)) {
    const bad = indptr.slice();
    const how = r.int(0, 3);
    if (how === 0 && n > 0) bad[r.int(1, n)] = -1;
    else if (how === 1) bad[0] = 1;
    else if (how === 2) ip = indptr.subarray(0, n);
    else ip = junk(r);
    if (how < 2) ip = bad;
  }
  const indices = typed(r, Int32Array, nnz, good, () => (r.chance(0.03) ? r.pick([-1, ti.inputs, 2 ** 31 - 1]) : r.int(0, ti.inputs - 1)));
  return [ip, indices, typed(r, C, nnz, good)];
}

/** Arguments for one trainer method call; `good` is the probability that each argument is valid. */
function trainerArgs(r: Prng, ti: TInfo, m: Method, good: number): unknown[] {
  const C = ti.f64 ? Float64Array : Float32Array;
  const n = r.int(1, 12);
  switch (m) {
    case 'initialize': return [numArg(r, () => r.pick([0, 1, 42, 4294967295, r.u32()]), good)];
    case 'setData': {
      const nArg = r.chance(good) ? n : r.pick([0, -1, 1.5, NaN, n + 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53]);
      const args: unknown[] = [typed(r, C, n * ti.inputs, good), targetsFor(r, ti, n, good), nArg];
      if (r.chance(0.4)) args.push(r.chance(0.6) ? typed(r, C, n, good, () => (r.chance(0.03) ? -1 : r.float())) : r.chance(0.5) ? null : junk(r));
      return args;
    }
    case 'setDataCsr': {
      // CSR rows (issue 22): a valid indptr most of the time, else one that decreases, starts off 0, or has the wrong
      // length; indices sometimes out of [0, inputs).
      const nArg = r.chance(good) ? n : r.pick([0, -1, 1.5, NaN, n + 1, 2 ** 31, 2 ** 53]);
      return [...csrArgs(r, ti, n, good), targetsFor(r, ti, n, good), nArg, ...(r.chance(0.4) ? [r.chance(0.6) ? typed(r, C, n, good, () => r.float()) : r.chance(0.5) ? null : junk(r)] : [])];
    }
    case 'predictCsr': {
      const k = r.int(0, 12);
      const nArg = r.chance(good) ? k : r.pick([-1, 0.5, NaN, k + 1, 2 ** 32, Infinity]);
      return [...csrArgs(r, ti, k, good), nArg, typed(r, C, k * ti.outputs, good)];
    }
    case 'clearData': return [];
    case 'shuffle': return API === 'data' ? [] : [typed(r, Uint32Array, r.int(0, 12), good, () => r.int(0, 20))];
    case 'runBatches': {
      if (API === 'data') {
        // Over the rows of the last successful setData (ti.n; 0 = none, which must give StateError).
        const rows = ti.n || n;
        const bs = r.chance(good) ? r.int(1, ti.maxBatch) : (r.pick([0, -1, 1.5, ti.maxBatch + 1, NaN, 2 ** 53]) as number);
        const nb = Number.isInteger(bs) && bs > 0 ? Math.ceil(rows / bs) : 1;
        const first = r.chance(good) ? r.int(0, nb) : r.pick([-1, nb + 1, 0.5, NaN, 2 ** 32]);
        const f = typeof first === 'number' && Number.isInteger(first) && first >= 0 && first <= nb ? first : 0;
        const count = r.chance(good) ? r.int(0, nb - f) : r.pick([-1, nb - f + 1, 1.5, NaN, 2 ** 31]);
        const c = typeof count === 'number' && Number.isInteger(count) && count >= 0 ? Math.min(count, 64) : 1;
        const lrGen = () => (r.chance(0.02) ? r.pick([NaN, -1, Infinity]) : r.pick([0, 0.01, 0.1, 1e3]));
        return [
          r.chance(good) ? r.chance(0.5) : junk(r),
          bs, first, count,
          typed(r, Float64Array, c + r.int(0, 2), good, lrGen),
          typed(r, Float64Array, c + r.int(0, 2), good),
          r.chance(0.3) ? r.pick([null, undefined]) : typed(r, Float64Array, c + r.int(0, 2), good),
        ];
      }
      const bs = r.chance(good) ? r.int(1, ti.maxBatch) : (r.pick([0, -1, 1.5, ti.maxBatch + 1, NaN, 2 ** 53]) as number);
      const nb = Number.isInteger(bs) && bs > 0 ? Math.ceil(n / bs) : 1;
      const first = r.chance(good) ? r.int(0, nb) : r.pick([-1, nb + 1, 0.5, NaN, 2 ** 32]);
      const f = typeof first === 'number' && Number.isInteger(first) && first >= 0 && first <= nb ? first : 0;
      const count = r.chance(good) ? r.int(0, nb - f) : r.pick([-1, nb - f + 1, 1.5, NaN, 2 ** 31]);
      const c = typeof count === 'number' && Number.isInteger(count) && count >= 0 ? Math.min(count, 64) : 1;
      const lrGen = () => (r.chance(0.02) ? r.pick([NaN, -1, Infinity]) : r.pick([0, 0.01, 0.1, 1e3]));
      const nArg = r.chance(good) ? n : r.pick([0, -1, 1.5, NaN, n + 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53]);
      const args = [
        typed(r, C, n * ti.inputs, good),
        targetsFor(r, ti, n, good),
        nArg,
        r.chance(0.4) ? r.pick([null, undefined]) : typed(r, Uint32Array, n, good, () => (r.chance(0.03) ? r.pick([n, 2 ** 32 - 1]) : r.int(0, n - 1))),
        bs, first, count,
        typed(r, Float64Array, c + r.int(0, 2), good, lrGen),
        typed(r, Float64Array, c + r.int(0, 2), good),
        typed(r, Float64Array, c + r.int(0, 2), good),
      ];
      if (r.chance(0.4)) args.push(r.chance(0.5) ? typed(r, C, n, good, () => (r.chance(0.03) ? -1 : r.float())) : junk(r));
      return args;
    }
    case 'predict': {
      const k = r.int(0, 12);
      const nArg = r.chance(good) ? k : r.pick([-1, 0.5, NaN, k + 1, 2 ** 32, 2 ** 40, Infinity]);
      return [typed(r, C, k * ti.inputs, good), nArg, typed(r, C, k * ti.outputs, good)];
    }
    case 'gradients': {
      const k = r.int(1, ti.maxBatch);
      const nArg = r.chance(good) ? k : r.pick([0, -1, 0.5, NaN, ti.maxBatch + 1, 2 ** 32]);
      return [typed(r, C, k * ti.inputs, good), targetsFor(r, ti, k, good), nArg, typed(r, C, ti.nparams, good)];
    }
    case 'setParams': return [typed(r, C, ti.nparams, good)];
    case 'setAverage': return [typed(r, C, ti.nparams, good)];
    case 'getSlot': return [numArg(r, () => r.int(0, Math.max(0, ti.nslots - 1)), good)];
    case 'setSlot': return [numArg(r, () => r.int(0, Math.max(0, ti.nslots - 1)), good), typed(r, C, ti.nparams, good)];
    case 'setState': {
      if (!r.chance(good)) return [junk(r)];
      const st: Record<string, unknown> = { step: r.int(0, 1000), muProduct: r.pick([1, 0.5]), rng: [r.u32(), r.u32(), r.u32(), r.u32() | 1] };
      if (r.chance(1 - good)) {
        const k = r.pick(['step', 'muProduct', 'rng']);
        st[k] = r.chance(0.3) ? [0, 0, 0, 0] : r.chance(0.3) ? [1, 2, 3] : r.chance(0.2) ? [1, 2, 3, 2 ** 32] : junk(r);
        if (r.chance(0.2)) withThrowingGetter(st, k);
      }
      return [st];
    }
    default: return [];
  }
}

function extraArgs(r: Prng, args: unknown[]): unknown[] {
  if (r.chance(0.05)) return args.slice(0, r.int(0, args.length));
  if (r.chance(0.05)) return [...args, junk(r), junk(r)];
  return args;
}

function trainerInfo(t: unknown, spec: Record<string, unknown>): TInfo {
  const layers = spec.layers as { inputs: number; units: number }[];
  const loss = spec.loss as string;
  const outputs = layers[layers.length - 1]!.units;
  return {
    t, spec, f64: spec.dtype === 'float64', inputs: layers[0]!.inputs, outputs, ycols: LOSSES[loss as keyof typeof LOSSES].targetColumns === 1 ? 1 : outputs,
    nparams: (t as { getParams(): ArrayLike<number> }).getParams().length,
    nslots: numSlots(spec.optimizer as never), maxBatch: spec.maxBatch as number, loss, disposed: false, busy: false, n: 0,
  };
}

async function fuzzBinding(rec: Recorder, seed: number, budget: number): Promise<void> {
  const B = native as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = new Prng(seed);
  const simd0 = B.info().simd as string;
  const threads0 = B.info().threads as number;
  descent.setMemoryLimit(64 * 1024 * 1024); // valid-but-huge specs (see mutatedSpec) must hit it
  const pool: TInfo[] = [];
  const kernels: { k: any; f64: boolean; ns: number }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const newTrainer = () => {
    const spec = validSpec(r);
    const t = new B.NativeTrainer(spec);
    t.initialize(r.u32());
    const ti = trainerInfo(t, spec);
    if (API === 'data' && r.chance(0.8)) {
      const n = r.int(1, 12);
      const args = trainerArgs(r, ti, 'setData', 1).slice(0, 3);
      args[2] = n;
      args[0] = new (ti.f64 ? Float64Array : Float32Array)(n * ti.inputs).map(() => r.float() - 0.5);
      args[1] = targetsFor(r, ti, n, 1);
      t.setData(...args);
      ti.n = n;
    }
    return ti;
  };
  for (let i = 0; i < 8; i++) pool.push(newTrainer());
  const A = (args: unknown[]) => () => args.map((a) => show(a)).join(', ');

  try {
    while (rec.calls < budget) {
      const op = r.int(0, 99);
      if (op < 6) {
        // new NativeTrainer(mutated spec)
        const spec = mutatedSpec(r);
        const huge = hugeSpec(spec);
        const res = rec.call('new NativeTrainer', A([spec]), () => new B.NativeTrainer(spec));
        if (huge && res.ok) rec.fail('new NativeTrainer', A([spec]), 'allocated a huge spec', 'a spec needing more than the 64 MB memory limit was allocated');
        if (res.ok && r.chance(0.5)) {
          const slot = r.int(0, pool.length - 1);
          if (!pool[slot]!.busy) {
            // A mutated spec that still validated: only keep it when it is one of ours (sizes known).
            const s = spec as Record<string, unknown>;
            try {
              pool[slot] = trainerInfo(res.value, JSON.parse(JSON.stringify(s)));
            } catch {
              /* exotic spec (getters, proxies): not kept */
            }
          }
        }
        if (r.chance(0.02)) rec.call('NativeTrainer without new', A([spec]), () => (B.NativeTrainer as (s: unknown) => unknown)(spec));
      } else if (op < 10) {
        // OptimizerKernel construct / use
        if (kernels.length < 6 || r.chance(0.3)) {
          const cfg = r.chance(0.5) ? validOptimizer(r) : mutateObject(r, validOptimizer(r), OPT_KEYS);
          const dtype = r.chance(0.85) ? r.pick(['float32', 'float64']) : junk(r);
          const res = rec.call('new OptimizerKernel', A([cfg, dtype]), () => new B.OptimizerKernel(cfg, dtype));
          if (res.ok) {
            const ns = res.value.numSlots() as number;
            const k = { k: res.value, f64: dtype === 'float64', ns };
            if (kernels.length < 6) kernels.push(k);
            else kernels[r.int(0, 5)] = k;
          }
        } else {
          const { k, f64, ns } = r.pick(kernels);
          const C = f64 ? Float64Array : Float32Array;
          const good = r.pick([0.6, 0.9, 1]);
          switch (r.int(0, 5)) {
            case 0: case 1: {
              const lr = numArg(r, () => r.pick([0, 1e-3, 0.1]), good);
              rec.call('OptimizerKernel.prepare', A([lr]), () => k.prepare(lr));
              break;
            }
            case 2: case 3: {
              const len = r.int(0, 9);
              const args = [typed(r, C, len, good), typed(r, C, len, good)];
              for (let s = 0; s < ns; s++) args.push(typed(r, C, len, good, () => r.float()));
              const res = rec.call('OptimizerKernel.apply', A(args), () => k.apply(...extraArgs(r, args)));
              if (res.ok && typeof res.value !== 'boolean') rec.fail('OptimizerKernel.apply', A(args), 'bad result', show(res.value));
              break;
            }
            case 4: rec.call('OptimizerKernel.getState', A([]), () => k.getState()); rec.call('OptimizerKernel.numSlots', A([]), () => k.numSlots()); break;
            default: {
              const st = r.chance(good) ? { step: r.int(0, 100), muProduct: r.pick([1, 0.9]) } : r.chance(0.5) ? { step: junk(r), muProduct: junk(r) } : junk(r);
              rec.call('OptimizerKernel.setState', A([st]), () => k.setState(st));
            }
          }
        }
      } else if (op < 12) {
        const name = r.chance(0.5) ? r.pick(['scalar', 'avx2', 'avx512', 'AVX2', '', 'neon']) : junk(r);
        const res = rec.call('setSimd', A([name]), () => B.setSimd(name));
        if (res.ok && typeof res.value !== 'boolean') rec.fail('setSimd', A([name]), 'bad result', show(res.value));
      } else if (op < 13) {
        const n = r.chance(0.5) ? r.int(1, 2) : r.chance(0.5) ? r.pick([0, -1, 1.5, 1025, NaN, Infinity, 2 ** 32]) : junk(r);
        rec.call('setNumThreads', A([n]), () => B.setNumThreads(n));
      } else if (op < 15) {
        // Wrong receivers: plain objects, the other class, primitives.
        const proto = r.chance(0.7) ? B.NativeTrainer.prototype : B.OptimizerKernel.prototype;
        const names = Object.getOwnPropertyNames(proto).filter((k) => k !== 'constructor');
        const m = r.pick(names);
        const own = proto === B.NativeTrainer.prototype ? pool[0]!.t : kernels[0]?.k;
        const other = proto === B.NativeTrainer.prototype ? kernels[0]?.k : pool[0]!.t;
        const recv = r.pick([{}, Object.create(proto), other, 5, undefined, null, throwingProxy()]);
        if (recv === own) continue;
        rec.call(`wrong receiver .${m}`, A([recv]), () => proto[m].call(recv));
      } else if (op < 17) {
        // Dispose (and sometimes replace) a trainer; later calls on it must throw StateError.
        const i = r.int(0, pool.length - 1);
        const ti = pool[i]!;
        if (ti.busy) continue;
        rec.call('dispose', A([]), () => ti.t.dispose());
        ti.disposed = true;
        if (r.chance(0.5)) pool[i] = newTrainer();
      } else {
        // A trainer method with random arguments (a disposed trainer is usually replaced first).
        const slot = r.int(0, pool.length - 1);
        if (pool[slot]!.disposed && r.chance(0.8)) pool[slot] = newTrainer();
        const ti = pool[slot]!;
        const m = r.chance(0.3) ? 'runBatches' : r.pick(TRAINER_METHODS);
        const good = r.pick([0.5, 0.8, 0.95, 1, 1]);
        const args = extraArgs(r, trainerArgs(r, ti, m, good));
        const desc = A(args);
        // Disposed: every method but isBusy/dispose. No data yet: shuffle and runBatches. Both are checked first.
        const noData = API === 'data' && ti.n === 0 && (m === 'runBatches' || m === 'shuffle');
        const mustThrow = (ti.disposed && m !== 'isBusy' && m !== 'dispose') || noData ? StateError : undefined;
        if (m !== 'runBatches') {
          const res = rec.call(`trainer.${m}`, desc, () => ti.t[m](...args), mustThrow);
          if (res.ok) checkResult(rec, ti, m, res.value, desc);
          if (res.ok && m === 'dispose') ti.disposed = true;
          if (res.ok && m === 'setData') ti.n = args[2] as number;
          if (res.ok && m === 'setDataCsr') ti.n = args[4] as number;
          if (res.ok && m === 'clearData') ti.n = 0;
          continue;
        }
        const res = await runWithBusyProbe(rec, r, B, ti, args, desc, mustThrow);
        if (res.hung) return;
      }
    }
  } finally {
    // Put global state back for the rest of the suite.
    descent.setMemoryLimit(null);
    B.setSimd(simd0);
    B.setNumThreads(threads0);
    for (const ti of pool) if (!ti.busy) ti.t.dispose();
  }
}

/** Light checks on what a successful call returned. */
function checkResult(rec: Recorder, ti: TInfo, m: Method, v: unknown, desc: () => string): void {
  const C = ti.f64 ? Float64Array : Float32Array;
  let bad = '';
  if ((m === 'getParams' || m === 'getSlot') && !(v instanceof C && v.length === ti.nparams)) bad = `expected ${C.name}(${ti.nparams})`;
  if (m === 'getState' && !(typeof v === 'object' && v !== null && Array.isArray((v as { rng: unknown }).rng) && (v as { rng: unknown[] }).rng.length === 4)) bad = 'expected { step, muProduct, rng[4] }';
  if (m === 'isBusy' && v !== ti.busy) bad = `expected isBusy() === ${ti.busy}`;
  const averages = !!(ti.spec.average && (ti.spec.average as { kind?: unknown }).kind !== 'none');
  if (m === 'getAverage' && (averages ? !(v instanceof C && v.length === ti.nparams) : v !== null)) bad = averages ? `expected ${C.name}(${ti.nparams})` : 'expected null (the spec does not average)';
  if (m === 'gradients' && typeof v !== 'number') bad = 'expected a number';
  if (bad) rec.fail(`trainer.${m}`, desc, 'bad result', `${bad}, got ${show(v)}`);
}

/**
 * runBatches: a synchronous throw, or a Promise. While it is in flight the trainer must report busy and refuse
 * every other method with StateError (dispose included); global setters may run meanwhile.
 */
async function runWithBusyProbe(
  rec: Recorder, r: Prng, B: any, ti: TInfo, args: unknown[], desc: () => string, mustThrow?: typeof DescentError, // eslint-disable-line @typescript-eslint/no-explicit-any
): Promise<{ hung?: boolean }> {
  rec.calls++;
  let p: Promise<unknown>;
  try {
    p = ti.t.runBatches(...args);
  } catch (e) {
    rec.stat('trainer.runBatches', false);
    rec.judge('trainer.runBatches', desc, e, mustThrow);
    if (!ti.disposed && ti.t.isBusy()) rec.fail('trainer.runBatches', desc, 'busy after a synchronous throw', 'isBusy() is true');
    return {};
  }
  if (mustThrow) rec.fail('trainer.runBatches', desc, `expected ${mustThrow.name}`, 'returned a Promise on a disposed trainer');
  if (!(p instanceof Promise)) {
    rec.fail('trainer.runBatches', desc, 'not a Promise', show(p));
    return {};
  }
  ti.busy = true;
  if (!ti.t.isBusy()) rec.fail('trainer.runBatches', desc, 'not busy', 'isBusy() is false while a chunk runs');
  for (let i = r.chance(0.5) ? r.int(1, 6) : 0; i > 0; i--) {
    const m = r.pick(TRAINER_METHODS.filter((x) => x !== 'isBusy'));
    const a = trainerArgs(r, ti, m, 1);
    rec.call(`busy trainer.${m}`, () => show(a), () => ti.t[m](...a), StateError);
  }
  if (r.chance(0.05)) rec.call('setNumThreads (during a chunk)', () => '1|2', () => B.setNumThreads(r.int(1, 2)));
  if (r.chance(0.05)) rec.call('setSimd (during a chunk)', () => 'scalar|best', () => B.setSimd(r.pick(['scalar', 'avx2', 'avx512'])));
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), HANG_MS)));
  try {
    const v = await Promise.race([p, hang]);
    if (v === 'hang') {
      rec.fail('trainer.runBatches', desc, 'hang', `the promise did not settle within ${HANG_MS} ms`);
      return { hung: true };
    }
    rec.ok++;
    rec.stat('trainer.runBatches', true);
    const st = (v as { status?: unknown })?.status;
    if (!(st === 0 || st === 1 || st === 2)) rec.fail('trainer.runBatches', desc, 'bad result', show(v));
  } catch (e) {
    rec.stat('trainer.runBatches', false);
    rec.judge('trainer.runBatches (rejected)', desc, e);
  } finally {
    clearTimeout(timer);
  }
  ti.busy = false;
  if (ti.t.isBusy()) rec.fail('trainer.runBatches', desc, 'still busy', 'isBusy() is true after the promise settled');
  return {};
}

// ---------------------------------------------------------------------------------------------------------------
// Public API fuzz

const MODEL_CTORS = ['LinearRegression', 'LogisticRegression', 'SoftmaxRegression', 'MLPRegressor', 'MLPClassifier', 'Sequential', 'LinearRegressor', 'LinearClassifier'] as const;
const OPTIMIZER_NAMES = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam'] as const;
const SCHEDULES = ['constant', 'step', 'multiStep', 'exponential', 'inverseTime', 'polynomial', 'cosine', 'cosineWarmRestarts', 'linearWarmup', 'sequential', 'oneCycle', 'piecewiseConstant', 'reduceOnPlateau'] as const;

function validScheduleOptions(r: Prng, kind: string): Record<string, unknown> {
  const lr = r.pick([0.1, 0.01]);
  switch (kind) {
    case 'constant': return { learningRate: lr };
    case 'step': return { learningRate: lr, stepSize: r.int(1, 5), gamma: 0.5 };
    case 'multiStep': return { learningRate: lr, milestones: [2, 5], gamma: 0.5 };
    case 'exponential': return { learningRate: lr, gamma: 0.9 };
    case 'inverseTime': return { learningRate: lr, powerT: 0.5 };
    case 'polynomial': return { learningRate: lr, totalSteps: 10, power: 1 };
    case 'cosine': return { learningRate: lr, tMax: 10 };
    case 'cosineWarmRestarts': return { learningRate: lr, t0: 3 };
    case 'linearWarmup': return { learningRate: lr, steps: 3 };
    case 'oneCycle': return { maxLearningRate: lr, totalSteps: 20 };
    case 'piecewiseConstant': return { boundaries: [3], values: [lr, lr / 10] };
    case 'reduceOnPlateau': return { learningRate: lr, patience: 1 };
    default: return { learningRate: lr };
  }
}

function randomOptions(r: Prng, valid: Record<string, unknown>, extraKeys: string[] = []): unknown {
  if (r.chance(0.5)) return valid;
  const o = { ...valid };
  const keys = [...Object.keys(valid), ...extraKeys, 'bogus'];
  return mutateObject(r, o, keys);
}

function randomMatrixArg(r: Prng, rows: number, cols: number, good: number): unknown {
  if (r.chance(good)) {
    if (r.chance(0.5)) return Array.from({ length: rows }, () => Array.from({ length: cols }, () => r.float() * 4 - 2));
    const C = r.chance(0.5) ? Float64Array : Float32Array;
    const data = typed(r, C, rows * cols, 1, () => r.float() * 4 - 2);
    return { data, rows, cols };
  }
  switch (r.int(0, 9)) {
    case 0: return [];
    case 1: return [[]];
    case 2: return Array.from({ length: rows }, (_, i) => Array.from({ length: i === 0 ? cols : cols + 1 }, () => 1)); // ragged
    case 3: return Array.from({ length: rows }, () => Array.from({ length: cols }, () => r.pick([NaN, Infinity, '1', undefined, 1])));
    case 4: return { data: typed(r, Float32Array, rows * cols, 0), rows, cols };
    case 5: return { data: new Float32Array(rows * cols), rows: r.pick([0.5, -1, NaN, rows + 1, 2 ** 53, rows * cols * 2]), cols: r.pick([cols, 0, 0.5, -cols, NaN, 2 ** 32]) };
    case 6: return { data: Array.from({ length: rows * cols }, () => 1), rows, cols };
    case 7: return new Float64Array(rows * cols);
    case 8: return throwingObject();
    default: return junk(r);
  }
}

function randomLabels(r: Prng, n: number, kind: 'reg' | 'bin' | 'multi', good: number): unknown {
  if (r.chance(good)) {
    const gen = kind === 'reg' ? () => r.float() * 4 - 2 : kind === 'bin' ? () => r.int(0, 1) : () => r.int(0, 2);
    return r.chance(0.5) ? Array.from({ length: n }, gen) : Float64Array.from({ length: n }, gen);
  }
  switch (r.int(0, 5)) {
    case 0: return Array.from({ length: n + r.pick([-1, 1]) }, () => 0);
    case 1: return Array.from({ length: n }, () => r.pick([NaN, -1, 0.5, 2, 1e9, Infinity, '1']));
    case 2: return typed(r, Float32Array, n, 0);
    case 3: return new Float32Array(new SharedArrayBuffer(4 * n));
    default: return junk(r);
  }
}

function randomFitOptions(r: Prng, n: number, good: number): unknown {
  const o: Record<string, unknown> = { epochs: r.int(1, 2), batchSize: r.int(1, n + 2), seed: r.int(0, 5) };
  if (r.chance(0.3)) o.optimizer = r.chance(0.5) ? r.pick(OPTIMIZER_NAMES) : (descent as any)[r.pick(OPTIMIZER_NAMES)]({}); // eslint-disable-line @typescript-eslint/no-explicit-any
  else if (r.chance(0.3)) o.learningRate = r.pick([0.01, 0.1, descent.cosine({ learningRate: 0.1, tMax: 100 }), descent.reduceOnPlateau({ learningRate: 0.1 })]);
  if (r.chance(0.2)) o.shuffle = r.chance(0.5);
  if (r.chance(0.1)) o.dtype = r.pick(['float32', 'float64']);
  if (r.chance(0.1)) o.backend = r.pick(['native', 'js', 'auto']);
  if (r.chance(0.1)) o.validationSplit = 0.25;
  if (r.chance(0.1)) o.metrics = ['accuracy'];
  if (r.chance(0.1)) o.batchesPerChunk = r.int(1, 3);
  if (r.chance(0.1)) o.sampleWeight = Array.from({ length: n }, () => r.float());
  if (r.chance(0.1)) o.onEpochEnd = () => r.chance(0.5);
  if (r.chance(0.05)) o.onBatchEnd = () => undefined;
  if (r.chance(0.05)) o.earlyStopping = { patience: 0 };
  if (r.chance(0.05)) o.signal = AbortSignal.abort();
  if (r.chance(good)) return o;
  switch (r.int(0, 4)) {
    case 0: {
      // (No huge finite values: epochs = 2^53 is valid and would train for ever.)
      const k = r.pick(['epochs', 'batchSize', 'seed', 'learningRate', 'shuffle', 'validationSplit', 'batchesPerChunk', 'dtype', 'metrics', 'sampleWeight', 'classWeight', 'earlyStopping', 'checkpoint', 'resumeFrom', 'optimizer', 'onEpochEnd', 'validationData', 'signal']);
      let v = r.chance(0.7) ? r.pick([0, -1, 0.5, NaN, Infinity, -Infinity, '3', null, {}, [], true]) : junk(r);
      if (k === 'epochs' && typeof v === 'number' && v > 3) v = -1;
      o[k] = v;
      return o;
    }
    case 1: o.onEpochEnd = () => { throw new FuzzGetterError('onEpochEnd'); }; return o;
    case 2: return withThrowingGetter(o, r.pick(Object.keys(o)));
    case 3: o.typo = 1; return o;
    default: return junk(r);
  }
}

interface ModelSlot {
  m: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  kind: 'reg' | 'bin' | 'multi';
  cols: number;
}

function newModel(r: Prng, rec: Recorder): ModelSlot | undefined {
  const name = r.pick(MODEL_CTORS);
  const kind: 'reg' | 'bin' | 'multi' = name === 'LinearRegression' || name === 'MLPRegressor' || name === 'LinearRegressor' ? 'reg' : name === 'LogisticRegression' ? 'bin' : 'multi';
  const base: Record<string, unknown> = {};
  if (r.chance(0.3)) base.dtype = r.pick(['float32', 'float64']);
  if (r.chance(0.3)) base.backend = r.pick(['native', 'js', 'native', 'auto']);
  if (r.chance(0.2)) base.standardize = true;
  if (r.chance(0.2)) base.regularization = { l1: r.pick([0, 0.01]), l2: r.pick([0, 0.01]) };
  if (r.chance(0.1)) base.clipNorm = 1;
  if (name.startsWith('MLP')) base.hiddenLayers = [r.int(1, 4)];
  // The scikit-learn losses (robust ones only: the fuzz's targets are any real numbers), elastic net, averaging.
  if (name === 'LinearRegressor') Object.assign(base, r.pick([{ loss: 'huber', epsilon: r.pick([0.1, 1]) }, { loss: 'quantile', quantile: 0.3 }, { loss: 'epsilonInsensitive' }, { loss: 'tweedie', power: 0 }]));
  if (name === 'LinearClassifier') base.loss = r.pick(['log', 'hinge', 'squaredHinge', 'modifiedHuber', 'perceptron']);
  if (r.chance(0.1)) base.regularization = { alpha: r.pick([0, 0.01]), l1Ratio: r.pick([0, 0.5, 1]) };
  if (r.chance(0.1)) Object.assign(base, r.pick([{ average: true }, { ema: { decay: 0.9 } }, { swa: { start: 1, learningRate: 0.01 } }]));
  const opts = randomOptions(r, base, ['dtype', 'backend', 'standardize', 'regularization', 'clipNorm', 'clipValue', 'loss', 'epsilon', 'average', 'ema', 'swa']);
  const A = () => show(opts);
  let res: { ok: boolean; value?: unknown };
  if (name === 'Sequential') {
    const layers = r.chance(0.8)
      ? [descent.dense(r.int(1, 3), { activation: r.pick(['relu', 'tanh', 'sigmoid']) }), ...(r.chance(0.3) ? [descent.dropout(0.2)] : []), descent.dense(3)]
      : r.pick([[], [descent.dropout(0.5)], [descent.dense(2, { activation: 'relu' })], junk(r)]);
    let sOpts: unknown = opts;
    if (r.chance(0.8)) {
      try {
        sOpts = { ...(typeof opts === 'object' && opts !== null && !Array.isArray(opts) ? (opts as object) : {}), loss: 'softmaxCrossEntropy' };
      } catch {
        sOpts = { loss: 'softmaxCrossEntropy' }; // opts has a throwing getter: our own spread would throw
      }
    }
    res = rec.call('new Sequential', () => `${show(layers)}, ${show(sOpts)}`, () => new descent.Sequential(layers as never, sOpts as never));
    return res.ok ? { m: res.value, kind: 'multi', cols: 0 } : undefined;
  }
  res = rec.call(`new ${name}`, A, () => new (descent as any)[name](opts)); // eslint-disable-line @typescript-eslint/no-explicit-any
  return res.ok ? { m: res.value, kind, cols: 0 } : undefined;
}

function mutateBytes(r: Prng, buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  switch (r.int(0, 5)) {
    case 0: return b.subarray(0, r.int(0, b.length));
    case 1: for (let i = r.int(1, 8); i > 0; i--) b[r.int(0, b.length - 1)] = r.int(0, 255); return b;
    case 2: b.writeBigUInt64LE(BigInt(r.pick([0, 1, 7, b.length, 2 ** 40, 2 ** 53])), 0); return b;
    case 3: return Buffer.concat([b, Buffer.alloc(r.int(1, 16), r.int(0, 255))]);
    default: {
      // Parse the safetensors header, change one field, re-encode.
      const n = Number(b.readBigUInt64LE(0));
      let header: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      try {
        header = JSON.parse(b.subarray(8, 8 + n).toString('utf8'));
      } catch {
        return b;
      }
      const keys = Object.keys(header);
      const k = r.pick(keys);
      if (k === '__metadata__') {
        const mk = r.pick(Object.keys(header[k]));
        let v = 'null';
        try { v = JSON.stringify(junk(r) ?? null) ?? 'null'; } catch { /* hostile junk */ }
        header[k][mk] = r.chance(0.5) ? v : String(header[k][mk]).replace(/\d/, '9').replace(/"(\w+)"/, '"x$1"');
      } else {
        const field = r.pick(['dtype', 'shape', 'data_offsets']);
        header[k][field] = field === 'dtype' ? r.pick(['F16', 'I8', 'BOOL', 'F64', 'U32', 7]) : r.pick([[], [0], [2 ** 32, 2 ** 32], [1, 0], [0, 2 ** 53], [-1, 3], [1.5], 'x', null]);
      }
      const hj = Buffer.from(JSON.stringify(header));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(hj.length));
      return Buffer.concat([len, hj, b.subarray(8 + n)]);
    }
  }
}

async function fuzzPublic(rec: Recorder, seed: number, budget: number): Promise<void> {
  const r = new Prng(seed);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-fuzz-'));
  const models: ModelSlot[] = [];
  const buffers: Buffer[] = [];
  const d = descent as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const A = (...a: unknown[]) => () => a.map((x) => show(x)).join(', ');
  const threads0 = descent.info().threads;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    while (rec.calls < budget) {
      const op = r.int(0, 99);
      if (op < 6 || models.length < 3) {
        const s = newModel(r, rec);
        if (s) {
          if (models.length < 8) models.push(s);
          else {
            const i = r.int(0, models.length - 1);
            try { models[i]!.m.dispose(); } catch { /* busy or not fitted */ }
            models[i] = s;
          }
        }
      } else if (op < 20) {
        // fit (async) on a random model; sometimes probe it while busy.
        const s = r.pick(models);
        const n = r.int(2, 10), cols = r.int(1, 4);
        const good = r.pick([0.6, 0.9, 1]);
        const X = randomMatrixArg(r, n, cols, good);
        const y = randomLabels(r, n, s.kind, good);
        const o = randomFitOptions(r, n, good);
        let p: Promise<unknown> | undefined;
        const res = rec.callAsync(`${s.m.constructor.name}.fit`, A(X, y, o), () => (p = s.m.fit(X, y, o)));
        if (p && r.chance(0.3)) {
          const probe = r.pick(['fit', 'predict', 'dispose', 'getParameterVector', 'toBuffer', 'setParameterVector']);
          rec.call(`busy model.${probe}`, () => probe, () => {
            const q = s.m[probe](...(probe === 'fit' ? [X, y, o] : probe === 'predict' ? [X] : probe === 'setParameterVector' ? [new Float32Array(1)] : []));
            if (q instanceof Promise) q.catch((e: unknown) => rec.judge(`busy model.${probe} (rejected)`, () => probe, e));
            return q;
          });
        }
        const out = await res;
        if (out.hung) return;
        if (out.ok) s.cols = cols;
      } else if (op < 40) {
        // Model methods with random arguments.
        const s = r.pick(models);
        const method = r.pick(['predict', 'predictProba', 'evaluate', 'outputs', 'getWeights', 'getParameterVector', 'setParameterVector', 'getParams', 'setParams', 'clone', 'score', 'sparsity', 'penalty', 'toBuffer', 'save', 'dispose', 'coefficients', 'intercept', 'numClasses']);
        const rows = r.int(1, 6), cols = s.cols || r.int(1, 4);
        const good = r.pick([0.5, 0.9, 1]);
        let args: unknown[] = [];
        if (method === 'predict' || method === 'predictProba' || method === 'outputs') args = [randomMatrixArg(r, rows, r.chance(good) ? cols : cols + 1, good)];
        else if (method === 'evaluate' || method === 'score') args = [randomMatrixArg(r, rows, cols, good), randomLabels(r, rows, s.kind, good)];
        else if (method === 'setParams') args = [r.chance(good) ? { standardize: r.chance(0.5) } : junk(r)];
        else if (method === 'setParameterVector') {
          const len = (() => { try { return s.m.getParameterVector().length as number; } catch { return 3; } })();
          args = [typed(r, r.chance(0.5) ? Float32Array : Float64Array, len, good)];
        } else if (method === 'toBuffer') args = r.chance(good) ? [r.chance(0.5) ? {} : { checkpoint: r.chance(0.5) }] : [junk(r)];
        else if (method === 'save') {
          // Junk strings are made absolute inside the temporary directory: never write into the working directory.
          const j = junk(r);
          args = [r.chance(good) ? path.join(tmp, `m${r.int(0, 3)}.safetensors`) : r.pick(['', tmp, path.join(tmp, 'no', 'such', 'dir', 'x'), typeof j === 'string' && j !== '' ? path.join(tmp, j) : j])];
        }
        const call = () => {
          if (method === 'coefficients' || method === 'intercept' || method === 'numClasses') return s.m[method];
          if (typeof s.m[method] !== 'function') return undefined;
          return s.m[method](...args);
        };
        const res = rec.call(`model.${method}`, A(...args), call);
        if (res.ok && method === 'toBuffer' && buffers.length < 12) buffers.push(res.value as Buffer);
      } else if (op < 47) {
        // fromBuffer / loadModel on mutated model files.
        const base = buffers.length ? r.pick(buffers) : Buffer.alloc(16);
        const buf = r.chance(0.15) ? base : r.chance(0.8) ? mutateBytes(r, base) : junk(r);
        const opts = r.chance(0.8) ? {} : r.chance(0.5) ? { backend: r.pick(['js', 'native', 'x']) } : junk(r);
        const res = rec.call('fromBuffer', A(buf, opts), () => descent.fromBuffer(buf as Uint8Array, opts as never));
        if (res.ok && r.chance(0.5)) {
          const m = res.value as any; // eslint-disable-line @typescript-eslint/no-explicit-any
          const nf = (() => { try { return m.getWeights()[0].inputs as number; } catch { return 1; } })();
          rec.call('loaded.predict', () => `${nf} features`, () => m.predict([Array.from({ length: nf }, () => 0.5)]));
        }
        if (r.chance(0.1)) {
          const file = path.join(tmp, `f${r.int(0, 2)}`);
          try { fs.writeFileSync(file, buf instanceof Uint8Array ? buf : Buffer.alloc(0)); } catch { /* junk */ }
          rec.call('loadModel', A(file), () => descent.loadModel(r.chance(0.9) ? file : (junk(r) as string)));
        }
      } else if (op < 55) {
        // Optimizer factories and the standalone optimizer.
        const name = r.pick(OPTIMIZER_NAMES);
        const opts = randomOptions(r, { learningRate: r.pick([0.1, 0.01]) }, ['momentum', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'amsgrad', 'nesterov', 'centered', 'alpha', 'rho', 'lrDecay', 'dampening']);
        const spec = rec.call(`${name}()`, A(opts), () => d[name](opts));
        if (r.chance(0.2)) rec.call('optimizerByName', A(name, opts), () => descent.optimizerByName(r.chance(0.8) ? name : (junk(r) as string), opts as never));
        if (!spec.ok || r.chance(0.3)) continue;
        const good = r.pick([0.6, 0.9, 1]);
        const C = r.chance(0.5) ? Float32Array : Float64Array;
        const lens = Array.from({ length: r.int(1, 3) }, () => r.int(0, 6));
        const params = r.chance(good) ? lens.map((l) => typed(r, C, l, 1)) : r.chance(0.5) ? lens.map((l) => typed(r, C, l, 0.3)) : junk(r);
        const backend = r.pick([undefined, 'native', 'js']);
        const opt = rec.call('createOptimizer', A(spec.value, params, backend), () => descent.createOptimizer(spec.value as never, params as never, { backend } as never));
        if (!opt.ok) continue;
        const o = opt.value as descent.Optimizer;
        for (let i = r.int(1, 4); i > 0; i--) {
          const grads = r.chance(good) ? lens.map((l) => typed(r, C, l, r.pick([0.7, 1]))) : junk(r);
          rec.call('optimizer.step', A(grads), () => o.step(grads as never));
        }
        const st = rec.call('optimizer.getState', A(), () => o.getState());
        const st2 = st.ok && r.chance(0.6) ? st.value : r.chance(0.5) ? { ...(st.value ?? {}), step: junk(r) } : junk(r);
        rec.call('optimizer.setState', A(st2), () => o.setState(st2 as never));
        if (r.chance(0.3)) { const lr = r.chance(0.5) ? 0.1 : junk(r); rec.call('optimizer.learningRate=', A(lr), () => { o.learningRate = lr as number; }); }
      } else if (op < 63) {
        // Schedules.
        const kind = r.pick(SCHEDULES);
        const opts = randomOptions(r, validScheduleOptions(r, kind), ['gamma', 'totalSteps', 'tMax', 'steps', 'minLearningRate', 'stepSize', 'milestones', 'staircase', 'decaySteps']);
        const sched = kind === 'sequential'
          ? rec.call('sequential', A(opts), () => descent.sequential(r.chance(0.7) ? { schedules: [descent.constant({ learningRate: 0.1 }), descent.cosine({ learningRate: 0.1, tMax: 5 })], milestones: [3] } as never : opts as never))
          : rec.call(kind, A(opts), () => d[kind](opts));
        if (sched.ok) {
          const steps = r.chance(0.8) ? r.int(0, 30) : r.pick([-1, 0.5, NaN, Infinity, 2 ** 40, 2 ** 53, '3']);
          if (kind !== 'reduceOnPlateau') {
            rec.call('preview', A(steps), () => descent.preview(sched.value as never, steps as number));
            const j = rec.call('schedule.toJSON', A(), () => (sched.value as descent.Schedule).toJSON());
            if (j.ok) {
              const jj = r.chance(0.5) ? JSON.parse(JSON.stringify(j.value)) : randomOptions(r, JSON.parse(JSON.stringify(j.value)) as Record<string, unknown>, ['kind', 'options']);
              rec.call('scheduleFromJSON', A(jj), () => descent.scheduleFromJSON(jj));
            }
            const t = r.chance(0.8) ? r.int(0, 50) : junk(r);
            rec.call('schedule.at', A(t), () => (sched.value as descent.Schedule).at(t as number));
          } else {
            const p = sched.value as descent.ReduceOnPlateau;
            const v = r.chance(0.8) ? r.float() : junk(r);
            rec.call('plateau.report', A(v), () => p.report(v as number));
            rec.call('plateau.current', A(), () => p.current());
          }
        }
        if (r.chance(0.2)) {
          const s = r.pick(['cosine:100', 'step:10:0.5', 'exponential:0.9', 'constant', '', 'cosine:-1', 'x:y:z', 'warmup:5,cosine:10', '::', 'polynomial:10:2']);
          const lr = r.chance(0.8) ? 0.1 : junk(r);
          rec.call('parseScheduleSpec', A(s, lr), () => descent.parseScheduleSpec(s, lr as number));
        }
      } else if (op < 68) {
        // Layer builders.
        const which = r.pick(['dense', 'dropout', 'leakyRelu', 'elu']);
        const a = r.chance(0.5) ? r.pick([1, 2, 0.5, 0.2, 0]) : junk(r);
        const b = r.chance(0.7) ? undefined : r.chance(0.5) ? { activation: r.pick(['relu', 'gelu', 'softmax', descent.elu(1)]), useBias: junk(r) } : junk(r);
        rec.call(which, A(a, b), () => d[which](a, b));
      } else if (op < 78) {
        // Data helpers.
        const rows = r.int(1, 6), cols = r.int(1, 4);
        const good = r.pick([0.5, 0.9]);
        switch (r.int(0, 5)) {
          case 0: {
            const data = typed(r, r.chance(0.5) ? Float32Array : Float64Array, rows * cols, good);
            const rr = r.chance(good) ? rows : r.pick([0, -1, 0.5, NaN, 2 ** 53]);
            const cc = r.chance(good) ? cols : r.pick([0, -1, 0.5, NaN, 2 ** 32]);
            rec.call('matrix', A(data, rr, cc), () => descent.matrix(data as never, rr as number, cc as number));
            break;
          }
          case 1: {
            const X = randomMatrixArg(r, rows, cols, good);
            const dt = r.chance(0.9) ? r.pick(['float32', 'float64']) : junk(r);
            rec.call('toMatrix', A(X, dt), () => descent.toMatrix(X as never, 'X' as never, dt as never));
            break;
          }
          case 2: {
            const X = randomMatrixArg(r, rows, cols, good);
            const sc = new descent.StandardScaler();
            const f = rec.call('StandardScaler.fit', A(X), () => sc.fit(X as never));
            const X2 = r.chance(0.7) ? X : randomMatrixArg(r, rows, cols + 1, good);
            if (f.ok || r.chance(0.2)) rec.call('StandardScaler.transform', A(X2), () => sc.transform(X2 as never));
            break;
          }
          case 3: {
            const X = randomMatrixArg(r, rows + 1, cols, 1);
            const ds = r.chance(good) ? { X: descent.toMatrix(X as never, 'X' as never, 'float64' as never), y: Float64Array.from({ length: rows + 1 }, () => r.int(0, 1)) } : junk(r);
            const o = r.chance(good) ? { testFraction: r.pick([0.2, 0.5]), seed: r.int(0, 9) } : { testFraction: r.pick([0, 1, -0.5, NaN, 2]), seed: junk(r) };
            rec.call('trainTestSplit', A(ds, o), () => descent.trainTestSplit(ds as never, o as never));
            break;
          }
          case 4: {
            const fn = r.pick(['mse', 'mae', 'r2', 'accuracy', 'logLoss', 'precisionRecallF1', 'clipGradNorm']);
            const n = r.int(0, 6);
            const a = r.chance(good) ? Array.from({ length: n }, () => r.int(0, 2)) : junk(r);
            const b = r.chance(good) ? Float64Array.from({ length: n * (fn === 'logLoss' ? 3 : 1) }, () => r.float()) : junk(r);
            const k = r.chance(good) ? 3 : junk(r);
            const args = fn === 'clipGradNorm' ? [[typed(r, Float32Array, n, good)], r.chance(good) ? 1 : junk(r)] : [a, b, k];
            rec.call(fn, A(...args), () => d[fn](...args));
            break;
          }
          default: {
            const seedArg = r.chance(good) ? r.u32() : junk(r);
            const rng = rec.call('new Rng', A(seedArg), () => new descent.Rng(seedArg as number));
            if (rng.ok) {
              const arr = r.chance(good) ? typed(r, Uint32Array, r.int(0, 8), 1, () => r.int(0, 9)) : junk(r);
              rec.call('Rng.shuffle', A(arr), () => (rng.value as descent.Rng).shuffle(arr as Uint32Array));
              rec.call('Rng.nextU32', A(), () => (rng.value as descent.Rng).nextU32());
            }
          }
        }
      } else if (op < 88) {
        // Binary formats: safetensors and IDX.
        const base = buffers.length ? r.pick(buffers) : Buffer.alloc(24);
        switch (r.int(0, 3)) {
          case 0: {
            const b = r.chance(0.8) ? mutateBytes(r, base) : junk(r);
            rec.call('decodeSafetensors', A(b), () => descent.decodeSafetensors(b as Uint8Array));
            break;
          }
          case 1: {
            const t = r.chance(0.5)
              ? { w: { dtype: r.pick(['F32', 'F64', 'I32', 'U8', 'X']), shape: r.pick([[2], [1, 2], [], [-1], [2 ** 53]]), data: typed(r, r.pick([Float32Array, Float64Array, Uint32Array]) as TypedCtor, 2, 0.7) } }
              : junk(r);
            const meta = r.chance(0.7) ? undefined : r.chance(0.5) ? { a: 'b' } : junk(r);
            rec.call('encodeSafetensors', A(t, meta), () => descent.encodeSafetensors(t as never, meta as never));
            break;
          }
          default: {
            const dims = r.int(1, 3);
            const head = Buffer.from([0, 0, r.pick([0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x07]), dims]);
            const sizes = Buffer.alloc(4 * dims);
            for (let i = 0; i < dims; i++) sizes.writeUInt32BE(r.chance(0.8) ? r.int(0, 3) : r.pick([2 ** 31, 2 ** 32 - 1, 65536]), 4 * i);
            const code = head[2]!;
            const size = code === 0x0b ? 2 : code === 0x0c || code === 0x0d ? 4 : code === 0x0e ? 8 : 1;
            let count = 1;
            for (let i = 0; i < dims; i++) count *= sizes.readUInt32BE(4 * i);
            const body = Buffer.alloc(Math.max(0, r.chance(0.5) && count < 1000 ? count * size + r.pick([0, 0, 0, 1, -1]) : r.int(0, 40)), 1);
            const b = r.chance(0.9) ? Buffer.concat([head, sizes, body]) : junk(r);
            rec.call('parseIdx', A(b), () => descent.parseIdx(b as Uint8Array));
          }
        }
      } else if (op < 93) {
        // File entry points with paths that do not exist or are not files.
        const p = r.pick([path.join(tmp, 'missing.csv'), tmp, '', '\0bad', path.join(tmp, 'm0.safetensors')]);
        const which = r.pick(['loadCsvSync', 'loadModel', 'loadIdx', 'readSafetensorsFile']);
        const a2 = r.chance(0.7) ? undefined : junk(r);
        rec.call(which, A(p, a2), () => d[which](p, a2));
      } else if (op < 96) {
        const n = r.chance(0.5) ? r.int(1, 2) : junk(r);
        rec.call('setNumThreads', A(n), () => descent.setNumThreads(n as number));
        rec.call('info', A(), () => descent.info());
      } else {
        // Constructors and functions called without their arguments or without new.
        const name = r.pick([...MODEL_CTORS, 'StandardScaler', 'Rng', 'ReduceOnPlateau', 'DescentError']);
        rec.call(`${name}() without new`, A(), () => d[name]());
      }
    }
  } finally {
    process.off('warning', onWarning);
    descent.setNumThreads(threads0);
    for (const s of models) {
      try { s.m.dispose(); } catch { /* busy or never fitted */ }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------

function printStats(rec: Recorder, ms: number): void {
  console.log(`      ${rec.summary(ms)}`);
  const apis = [...rec.perApi].sort((a, b) => b[1].calls - a[1].calls).slice(0, process.env.DESCENT_FUZZ_VERBOSE ? 80 : 14);
  console.log(`      calls (succeeded) per entry point: ${apis.map(([k, v]) => `${k} ${v.calls} (${v.ok})`).join(', ')}`);
  if (process.env.DESCENT_FUZZ_VERBOSE) console.log(`      slowest: ${[...rec.perApi].sort((a, b) => b[1].ms - a[1].ms).slice(0, 10).map(([k, v]) => `${k} ${v.ms.toFixed(0)} ms`).join(', ')}`);
  if (process.env.DESCENT_FUZZ_VERBOSE) console.log([...rec.byApiError].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `        ${k}: ${v}`).join('\n'));
  const tes = [...rec.typeErrors].sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (tes.length) console.log(`      most frequent TypeErrors (allowed): ${tes.map(([k, v]) => `${k} (${v}×)`).join('; ')}`);
}

describe(`90 fuzz (seed ${SEED}; DESCENT_FUZZ_SEED=${SEED} reproduces; ${TOTAL} calls)`, function () {
  this.timeout(600_000);
  let totalCalls = 0;
  let totalMs = 0;

  it(`native binding: ${BINDING_CALLS} calls to NativeTrainer / OptimizerKernel / setSimd / setNumThreads only work or throw DescentError / TypeError`, async function () {
    requireNative(this);
    const rec = new Recorder('binding');
    const t0 = Date.now();
    await fuzzBinding(rec, SEED, BINDING_CALLS);
    const ms = Date.now() - t0;
    totalCalls += rec.calls;
    totalMs += ms;
    printStats(rec, ms);
    assert.ok(rec.ok > rec.calls * 0.05, `too few calls succeeded (${rec.ok} of ${rec.calls}): the generator is not reaching the working paths`);
    assert.equal(rec.failures.size, 0, rec.report());
  });

  it(`public API: ${PUBLIC_CALLS} calls (models, fit, predict, save/load, optimizers, schedules, data, formats) only work or throw DescentError / TypeError`, async function () {
    const rec = new Recorder('public API');
    const t0 = Date.now();
    await fuzzPublic(rec, (SEED ^ 0x9e3779b9) >>> 0, PUBLIC_CALLS);
    const ms = Date.now() - t0;
    totalCalls += rec.calls;
    totalMs += ms;
    printStats(rec, ms);
    assert.equal(rec.failures.size, 0, rec.report());
  });

  after(() => {
    console.log(`      fuzz total: ${totalCalls} calls in ${(totalMs / 1000).toFixed(1)} s (seed ${SEED})`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Deterministic regressions for what the fuzzer found, the crashing ones in child processes.

const FIXTURES = path.join(__dirname, 'fixtures');

function runFixture(file: string, args: string[] = [], timeoutMs = 60_000): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--expose-gc', '--require', 'tsx/cjs', path.join(FIXTURES, file), ...args], {
    cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: timeoutMs, env: process.env,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe('90 fuzz regressions', () => {
  before(function () {
    requireNative(this);
  });

  it('typed arrays over a SharedArrayBuffer: every binding entry point works or throws ShapeError (not a plain Error)', async () => {
    const B = native as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const spec = { dtype: 'float32', layers: [{ inputs: 2, units: 1, activation: 'linear', activationParam: 0, useBias: true, dropout: 0 }], loss: 'squaredError', optimizer: { kernel: 'adam', momentum: 0, dampening: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, amsgrad: false, weightDecay: 0, decoupled: false, alpha: 0.99, centered: false, lrDecay: 0, initialAccumulatorValue: 0, rho: 0.9, momentumDecay: 0.004 }, l1: 0, l2: 0, penalizeBias: false, clipNorm: 0, clipValue: 0, maxBatch: 4 };
    const t = new B.NativeTrainer(spec);
    const shared = (n: number) => new Float32Array(new SharedArrayBuffer(4 * n));
    const k = new B.OptimizerKernel(spec.optimizer, 'float32');
    k.prepare(0.1);
    const shared64 = (n: number) => new Float64Array(new SharedArrayBuffer(8 * n));
    const calls: [string, () => unknown][] = [
      ['setParams', () => t.setParams(shared(3))],
      ['setSlot', () => t.setSlot(0, shared(3))],
      ['predict', () => t.predict(shared(4), 2, new Float32Array(2))],
      ['gradients', () => t.gradients(new Float32Array(4), shared(2), 2, new Float32Array(3))],
      ...(API === 'data'
        ? [['setData', () => t.setData(shared(4), shared(2), 2, shared(2))], ['runBatches', () => t.runBatches(false, 2, 0, 1, shared64(1).fill(0.1), shared64(1), shared64(1))]] as [string, () => unknown][]
        : [['shuffle', () => t.shuffle(new Uint32Array(new SharedArrayBuffer(16)))]] as [string, () => unknown][]),
      ['OptimizerKernel.apply', () => k.apply(shared(3), shared(3), shared(3), shared(3))],
      // Reachable from the public API too: Model.setParameterVector and createOptimizer().step hand the caller's array over.
      ['createOptimizer().step', () => descent.createOptimizer(descent.adam(), [shared(3)], { backend: 'native' }).step([shared(3)])],
    ];
    const bad: string[] = [];
    for (const [name, f] of calls) {
      try {
        const v = f();
        if (v instanceof Promise) await v;
      } catch (e) {
        if (!(e instanceof DescentError || e instanceof TypeError)) bad.push(`${name}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
      }
    }
    t.dispose();
    assert.deepEqual(bad, [], 'SharedArrayBuffer-backed arrays must work or give a ShapeError');
  });

  it('a typed array detached by a getter of a later argument (predict, gradients, setData/runBatches, OptimizerKernel.apply) throws or works, never crashes', () => {
    const bad: string[] = [];
    for (const c of ['predict', 'gradients', 'runBatches', 'runBatchesLosses', 'apply']) {
      const r = runFixture('90-detach-getter.ts', [c]);
      if (r.signal !== null || r.status !== 0) bad.push(`${c}: ${r.signal ? `killed by ${r.signal}` : `exit ${r.status}`} ${r.stdout.trim()}`);
    }
    assert.deepEqual(bad, [], 'each case must throw a DescentError/TypeError (or work) without crashing');
  });

  it('detaching or shrinking X, lrs or losses while runBatches runs (transfer / resize + gc) neither crashes nor changes the result', () => {
    const r = runFixture('90-detach-during-run.ts');
    assert.equal(r.signal, null, `the child died of ${r.signal}\n${r.stdout}\n${r.stderr.slice(-2000)}`);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr.slice(-2000)}`);
  });
});
