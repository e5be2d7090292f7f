/**
 * 96: every data-layer entry point type-checks its arguments before using them.
 *
 * Each public function is called with a battery of hostile values in place of each argument (and of each option,
 * nested field and short-array element of its valid arguments). It must either return normally or throw a
 * `DescentError` whose `code` is a string starting with `ERR_` (or `ABORT_ERR`) — never a raw TypeError/RangeError,
 * a crash or a hang — and answer within a second. One test per entry point lists every offending call at once.
 *
 * Files are read and written in a temporary directory, which is also the working directory while this file runs
 * (so the hostile path `'x'` stays inside it).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  DescentError, ReduceOnPlateau, Rng, StandardScaler, accuracy, clipGradNorm, constant, cosine, cosineWarmRestarts,
  datasetPath, decodeSafetensors, encodeSafetensors, exponential, info, inverseTime, linearWarmup, loadCsvSync,
  loadFashionMnist, loadIdx, logLoss, mae, matrix, mse, multiStep, oneCycle, parseIdx, parseScheduleSpec,
  piecewiseConstant, polynomial, precisionRecallF1, preview, r2, readSafetensorsFile, reduceOnPlateau,
  scheduleFromJSON, sequential, setMemoryLimit, setNumThreads, step, toMatrix, trainTestSplit, writeFileAtomic,
  writeSafetensorsFile,
} from '../lib';
import { describe as show } from '../lib/validate';

// A hang guard, not a speed test: a sanitized build (scripts/asan.sh) runs several times slower, and reading the
// Fashion-MNIST files once took 1.3 s there on a loaded machine.
const LIMIT_MS = process.env.DESCENT_UNDER_ASAN ? 5000 : 1000;

// ---------------------------------------------------------------------------------------------------------------
// The battery

const boom = () => {
  throw new Error('hostile trap');
};
const THROWING_HANDLER: ProxyHandler<object> = {
  get: boom, set: boom, has: boom, deleteProperty: boom, ownKeys: boom, getOwnPropertyDescriptor: boom,
  defineProperty: boom, getPrototypeOf: boom, setPrototypeOf: boom, isExtensible: boom, preventExtensions: boom,
  apply: boom, construct: boom,
};

/** Property names a getter object throws on: the fields descent reads from arguments, and coercion hooks. */
const GETTER_NAMES = ['length', '0', 'data', 'rows', 'cols', 'X', 'y', 'dtype', 'shape', 'at', 'toJSON', 'kind', 'options', 'buffer', 'then', 'toString', 'valueOf'];

function throwingGetters(): object {
  const o: Record<string | symbol, unknown> = {};
  for (const k of [...GETTER_NAMES, Symbol.iterator, Symbol.toPrimitive]) Object.defineProperty(o, k, { get: boom, enumerable: typeof k === 'string' });
  return o;
}

function detached<T extends Float32Array | Uint8Array>(a: T): T {
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  assert.equal(a.length, 0);
  return a;
}

/** Fresh hostile values (label, value): made anew for every call, since a call may mutate what it receives. */
function hostile(): [string, unknown][] {
  return [
    ['undefined', undefined],
    ['null', null],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['-1', -1],
    ['1.5', 1.5],
    ['2**53', 2 ** 53],
    ['10n', 10n],
    ['Symbol()', Symbol('hostile')],
    ["''", ''],
    ["'x'", 'x'],
    ["'toString'", 'toString'],
    ["'__proto__'", '__proto__'],
    ['[]', []],
    ['{}', {}],
    ['Object.create(null)', Object.create(null)],
    ['a function', () => 1],
    ['a Proxy whose every trap throws', new Proxy({}, THROWING_HANDLER)],
    ['a Proxy of an array whose every trap throws', new Proxy([], THROWING_HANDLER)],
    ['an object with throwing getters', throwingGetters()],
    ['a frozen object', Object.freeze({})],
    ['Float32Array(0)', new Float32Array(0)],
    ['Uint8Array(0)', new Uint8Array(0)],
    ['a detached Float32Array', detached(new Float32Array(4))],
    ['a detached Uint8Array', detached(new Uint8Array(4))],
  ];
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Paths into `value` worth replacing: the keys of plain objects and the elements of short arrays, up to 3 levels
 * deep (class instances, typed arrays and Maps are left whole).
 */
function paths(value: unknown, depth = 0): (string | number)[][] {
  if (depth >= 3) return [];
  const out: (string | number)[][] = [];
  if (isPlain(value)) {
    for (const k of Object.keys(value)) out.push([k], ...paths(value[k], depth + 1).map((p) => [k, ...p]));
  } else if (Array.isArray(value) && value.length <= 4) {
    value.forEach((v, i) => out.push([i], ...paths(v, depth + 1).map((p) => [i, ...p])));
  }
  return out;
}

/** A copy of `value` with the thing at `at` replaced by `v`, or made a throwing getter when `getter`. */
function replaced(value: unknown, at: (string | number)[], v: unknown, getter = false): unknown {
  const [head, ...rest] = at;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  if (rest.length) copy[head!] = replaced(copy[head!], rest, v, getter);
  else if (getter) Object.defineProperty(copy, head!, { get: boom, enumerable: true });
  else copy[head!] = v;
  return copy;
}

function render(at: (string | number)[]): string {
  return at.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
}

/** Whether `e` is what every bad argument must give. */
function acceptable(e: unknown): string | undefined {
  if (!(e instanceof DescentError)) {
    let text: string;
    try {
      text = e instanceof Error ? `${e.name}: ${e.message}` : `non-Error ${typeof e}`;
    } catch {
      text = 'an unprintable value';
    }
    return `threw ${text}`;
  }
  const code: unknown = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !(code.startsWith('ERR_') || code === 'ABORT_ERR')) return `threw ${e.name} with code ${String(code)}`;
  if (typeof e.message !== 'string' || e.message === '' || e.message.includes('[object ')) return `threw ${e.name} with a bad message ${JSON.stringify(e.message)}`;
  return undefined;
}

interface Entry {
  /** What is called, for the report. */
  name: string;
  /** Names of the positional arguments. */
  args: string[];
  /** Valid argument lists (fresh on every call); each argument of each is replaced in turn. */
  bases: (() => unknown[])[];
  call: (...args: unknown[]) => unknown;
}

/** Calls `entry` with every substitution; returns the offending calls. */
function run(entry: Entry): string[] {
  const failures: string[] = [];
  const attempt = (what: string, args: unknown[]) => {
    const t0 = process.hrtime.bigint();
    let problem: string | undefined;
    try {
      const r = entry.call(...args);
      if (r && typeof (r as { then?: unknown }).then === 'function') problem = 'returned a promise (the battery expects synchronous calls)';
    } catch (e) {
      problem = acceptable(e);
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms > LIMIT_MS) problem = `${problem ? problem + '; ' : ''}took ${ms.toFixed(0)} ms`;
    if (problem) failures.push(`${entry.name}(${what}): ${problem}`);
  };
  entry.bases.forEach((base, b) => {
    const tag = entry.bases.length > 1 ? ` [base ${b}]` : '';
    // The valid call itself must work (else the battery proves nothing).
    try {
      entry.call(...base());
    } catch (e) {
      failures.push(`${entry.name}: the valid base call${tag} threw ${(e as Error).message}`);
      return;
    }
    const n = Math.max(entry.args.length, base().length);
    for (let i = 0; i < n; i++) {
      const argName = entry.args[i] ?? `arg${i}`;
      for (const [label, v] of hostile()) {
        const args = base();
        args[i] = v;
        attempt(`${argName} = ${label}${tag}`, args);
      }
      for (const at of paths(base()[i])) {
        for (const [label, v] of hostile()) {
          const args = base();
          args[i] = replaced(args[i], at, v);
          attempt(`${argName}${render(at)} = ${label}${tag}`, args);
        }
        const args = base();
        args[i] = replaced(args[i], at, undefined, true);
        attempt(`${argName}${render(at)} = a throwing getter${tag}`, args);
      }
    }
  });
  return failures;
}

function check(entry: Entry): void {
  it(`${entry.name}(${entry.args.join(', ')})`, function () {
    this.timeout(600000);
    const failures = run(entry);
    assert.ok(failures.length === 0, `${failures.length} bad outcome(s):\n  ${failures.slice(0, 60).join('\n  ')}${failures.length > 60 ? `\n  … and ${failures.length - 60} more` : ''}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

function idxBytes(code: number, dims: number[], body: Uint8Array): Uint8Array {
  const head = [0, 0, code, dims.length];
  for (const d of dims) head.push((d >>> 24) & 0xff, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff);
  return Uint8Array.from([...head, ...body]);
}

// Set in before(): the bases below are evaluated only when the tests run.
let tmp = '', CSV = '', IDX = '', FASHION = '', ST = '';

const mat = () => matrix(Float64Array.of(1, 2, 3, 4, 5, 7), 3, 2);
const tensors = () => ({ w: { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) } });
const fitted = () => new StandardScaler().fit(mat());

describe('96 arguments: every data-layer entry point type-checks its arguments (DescentError with a code, never a raw error, within 1 s)', () => {
  let cwd: string;
  let threads: number;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-96-'));
    [CSV, IDX, FASHION, ST] = ['ok.csv', 'ok.idx', 'fashion', 'ok.safetensors'].map((f) => path.join(tmp, f));
    fs.writeFileSync(CSV, 'a,b,y\n1,2,3\n4,5,6\n7,8,9\n');
    fs.writeFileSync(IDX, idxBytes(0x08, [2, 2], Uint8Array.of(1, 2, 3, 4)));
    fs.mkdirSync(FASHION);
    for (const prefix of ['train', 't10k']) {
      fs.writeFileSync(path.join(FASHION, `${prefix}-images-idx3-ubyte.gz`), zlib.gzipSync(idxBytes(0x08, [2, 28, 28], new Uint8Array(2 * 784).fill(7))));
      fs.writeFileSync(path.join(FASHION, `${prefix}-labels-idx1-ubyte`), idxBytes(0x08, [2], Uint8Array.of(3, 9)));
    }
    fs.writeFileSync(ST, encodeSafetensors(tensors() as never));
    cwd = process.cwd();
    process.chdir(tmp);
    threads = info().threads;
  });
  after(() => {
    process.chdir(cwd);
    setMemoryLimit(null);
    try {
      setNumThreads(threads);
    } catch {
      // JS backend: nothing to restore
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('files and data sets', () => {
    check({ name: 'loadCsvSync', args: ['path', 'options'], bases: [() => [CSV, { target: 'y', dtype: 'float64', delimiter: ',' }]], call: (a, b) => loadCsvSync(a as never, b as never) });
    check({ name: 'loadIdx', args: ['path'], bases: [() => [IDX]], call: (a) => loadIdx(a as never) });
    check({
      name: 'parseIdx',
      args: ['buf', 'source'],
      bases: [() => [idxBytes(0x08, [2], Uint8Array.of(1, 2)), 'src']],
      call: (a, b) => parseIdx(a as never, b as never),
    });
    check({ name: 'parseIdx (malformed buffer)', args: ['buf', 'source'], bases: [() => [Uint8Array.of(0, 0, 0x08), 'src']], call: (a, b) => {
      try {
        parseIdx(a as never, b as never);
      } catch (e) {
        // The malformed buffer always fails; what matters is the error for the other argument.
        if ((e as DescentError).code === 'ERR_FORMAT' && a instanceof Uint8Array && a.length === 3) return;
        throw e;
      }
    } });
    check({ name: 'loadFashionMnist', args: ['dir', 'options'], bases: [() => [FASHION, { dtype: 'float32', limit: 1 }]], call: (a, b) => loadFashionMnist(a as never, b as never) });
    check({ name: 'datasetPath', args: ['name'], bases: [() => ['diabetes']], call: (a) => datasetPath(a as never) });
  });

  describe('matrices, splits and scaling', () => {
    check({ name: 'matrix', args: ['data', 'rows', 'cols'], bases: [() => [Float32Array.of(1, 2, 3, 4), 2, 2]], call: (a, b, c) => matrix(a as never, b as never, c as never) });
    check({
      name: 'toMatrix',
      args: ['X', 'name', 'dtype', 'expectedCols'],
      bases: [() => [[[1, 2], [3, 4]], 'X', 'float32', 2], () => [{ data: Float64Array.of(1, 2, 3, 4), rows: 2, cols: 2 }, 'X', 'float64', 2]],
      call: (a, b, c, d) => toMatrix(a, b as never, c as never, d as never),
    });
    check({
      name: 'trainTestSplit',
      args: ['data', 'options'],
      bases: [() => [{ X: { data: Float64Array.of(1, 2, 3, 4, 5, 6), rows: 3, cols: 2 }, y: Float64Array.of(0, 1, 2), featureNames: ['a', 'b'], targetName: 'y' }, { testFraction: 0.3, seed: 1 }]],
      call: (a, b) => trainTestSplit(a as never, b as never),
    });
    check({ name: 'new StandardScaler', args: ['options'], bases: [() => []], call: (a) => new StandardScaler(...([a] as unknown as [])) });
    const X = () => ({ data: Float64Array.of(1, 2, 3, 4), rows: 2, cols: 2 });
    check({ name: 'StandardScaler.fit', args: ['X'], bases: [() => [X()]], call: (a) => new StandardScaler().fit(a as never) });
    check({ name: 'StandardScaler.partialFit', args: ['X'], bases: [() => [X()]], call: (a) => fitted().partialFit(a as never) });
    check({ name: 'StandardScaler.transform', args: ['X', 'dtype'], bases: [() => [X(), 'float32']], call: (a, b) => fitted().transform(a as never, b as never) });
    check({ name: 'StandardScaler.transform (unfitted)', args: ['X', 'dtype'], bases: [() => [X(), 'float32']], call: (a, b) => {
      try {
        new StandardScaler().transform(a as never, b as never);
      } catch (e) {
        if ((e as DescentError).code === 'ERR_STATE') return;
        throw e;
      }
      throw new Error('transform before fit returned');
    } });
    check({ name: 'StandardScaler.fitTransform', args: ['X', 'dtype'], bases: [() => [X(), 'float64']], call: (a, b) => new StandardScaler().fitTransform(a as never, b as never) });
    check({ name: 'StandardScaler.toJSON', args: ['arg'], bases: [() => []], call: (a) => fitted().toJSON(...([a] as unknown as [])) });
  });

  describe('metrics and clipping', () => {
    for (const [name, f] of [['mse', mse], ['mae', mae], ['r2', r2], ['accuracy', accuracy]] as const) {
      check({ name, args: ['yTrue', 'yPred'], bases: [() => [[1, 2, 3], [1, 2, 4]], () => [Float64Array.of(1, 2), Float32Array.of(1, 3)]], call: (a, b) => f(a as never, b as never) });
    }
    check({ name: 'logLoss', args: ['yTrue', 'proba', 'k'], bases: [() => [[0, 1], [0.9, 0.1, 0.2, 0.8], 2]], call: (a, b, c) => logLoss(a as never, b as never, c as never) });
    check({ name: 'precisionRecallF1', args: ['yTrue', 'yPred', 'k'], bases: [() => [[0, 1, 2], [0, 2, 2], 3]], call: (a, b, c) => precisionRecallF1(a as never, b as never, c as never) });
    check({
      name: 'clipGradNorm',
      args: ['tensors', 'maxNorm', 'options'],
      bases: [() => [[Float64Array.of(3, 4), Float32Array.of(1)], 1, { errorIfNonfinite: true }]],
      call: (a, b, c) => clipGradNorm(a as never, b as never, c as never),
    });
  });

  describe('Rng', () => {
    check({ name: 'new Rng', args: ['seed'], bases: [() => [7]], call: (a) => new Rng(a as never) });
    check({ name: 'Rng.seed', args: ['seed'], bases: [() => [7]], call: (a) => new Rng(1).seed(a as never) });
    check({ name: 'Rng.below', args: ['bound'], bases: [() => [10]], call: (a) => new Rng(1).below(a as never) });
    check({ name: 'Rng.shuffle', args: ['a'], bases: [() => [Uint32Array.of(1, 2, 3)]], call: (a) => new Rng(1).shuffle(a as never) });
    check({ name: 'Rng.setState', args: ['state'], bases: [() => [[1, 2, 3, 4]]], call: (a) => new Rng(1).setState(a as never) });
    check({ name: 'Rng.nextU32/uniform/getState', args: ['arg'], bases: [() => [undefined]], call: (a) => {
      const r = new Rng(1);
      return [r.nextU32(...([a] as unknown as [])), r.uniform(...([a] as unknown as [])), r.getState(...([a] as unknown as []))];
    } });
  });

  describe('process-wide settings', () => {
    check({ name: 'setNumThreads', args: ['n'], bases: [() => [1]], call: (a) => setNumThreads(a as never) });
    check({ name: 'setMemoryLimit', args: ['bytes'], bases: [() => [null]], call: (a) => {
      try {
        setMemoryLimit(a as never);
      } finally {
        setMemoryLimit(null);
      }
    } });
    check({ name: 'info', args: ['arg'], bases: [() => []], call: (a) => info(...([a] as unknown as [])) });
  });

  describe('schedules', () => {
    const factories: [string, (o: never) => unknown, () => Record<string, unknown>][] = [
      ['constant', constant, () => ({ learningRate: 0.1 })],
      ['step', step, () => ({ learningRate: 0.1, stepSize: 3, gamma: 0.5 })],
      ['multiStep', multiStep, () => ({ learningRate: 0.1, milestones: [2, 5], gamma: 0.5 })],
      ['exponential', exponential, () => ({ learningRate: 0.1, gamma: 0.9, decaySteps: 2, staircase: true })],
      ['inverseTime', inverseTime, () => ({ learningRate: 0.1, powerT: 0.5 })],
      ['polynomial', polynomial, () => ({ learningRate: 0.1, totalSteps: 10, power: 2, endLearningRate: 0.01 })],
      ['cosine', cosine, () => ({ learningRate: 0.1, tMax: 10, minLearningRate: 0.01 })],
      ['cosineWarmRestarts', cosineWarmRestarts, () => ({ learningRate: 0.1, t0: 3, tMult: 2, minLearningRate: 0 })],
      ['linearWarmup', linearWarmup, () => ({ learningRate: 0.1, startFactor: 0.1, endFactor: 1, steps: 5, allowZero: false })],
      ['oneCycle', oneCycle, () => ({ maxLearningRate: 0.1, totalSteps: 20, pctStart: 0.3, anneal: 'linear', divFactor: 10, finalDivFactor: 100, threePhase: false })],
      ['piecewiseConstant', piecewiseConstant, () => ({ boundaries: [3, 6], values: [0.1, 0.05, 0.01] })],
      ['sequential', sequential, () => ({ schedules: [constant({ learningRate: 0.1 }), cosine({ learningRate: 0.1, tMax: 5 })], milestones: [3] })],
      ['reduceOnPlateau', reduceOnPlateau, () => ({ learningRate: 0.1, mode: 'max', factor: 0.5, patience: 2, threshold: 0.01, thresholdMode: 'abs', cooldown: 1, minLearningRate: 0.001, eps: 1e-9 })],
    ];
    for (const [name, f, options] of factories) check({ name, args: ['options'], bases: [() => [options()]], call: (a) => f(a as never) });
    check({ name: 'new ReduceOnPlateau', args: ['options'], bases: [() => [{ learningRate: 0.1, patience: 1 }]], call: (a) => new ReduceOnPlateau(a as never) });
    check({ name: 'Schedule.at', args: ['step'], bases: [() => [3]], call: (a) => cosine({ learningRate: 0.1, tMax: 10 }).at(a as never) });
    check({ name: 'oneCycle(…).at', args: ['step'], bases: [() => [3]], call: (a) => oneCycle({ maxLearningRate: 0.1, totalSteps: 10 }).at(a as never) });
    check({ name: 'sequential(…).at', args: ['step'], bases: [() => [4]], call: (a) => sequential({ schedules: [constant({ learningRate: 0.1 }), constant({ learningRate: 0.2 })], milestones: [3] }).at(a as never) });
    check({ name: 'preview', args: ['schedule', 'steps'], bases: [() => [cosine({ learningRate: 0.1, tMax: 10 }), 10]], call: (a, b) => preview(a as never, b as never) });
    check({ name: 'parseScheduleSpec', args: ['spec', 'learningRate'], bases: [() => ['warmup:steps=5+cosine:tMax=10', 0.1]], call: (a, b) => parseScheduleSpec(a as never, b as never) });
    check({
      name: 'scheduleFromJSON',
      args: ['json'],
      bases: [
        () => [cosine({ learningRate: 0.1, tMax: 10 }).toJSON()],
        () => [JSON.parse(JSON.stringify(sequential({ schedules: [constant({ learningRate: 0.1 }), step({ learningRate: 0.1, stepSize: 2 })], milestones: [3] })))],
        () => [{ kind: 'multiStep', options: { learningRate: 0.1, milestones: [2], gamma: 0.5 } }],
      ],
      call: (a) => scheduleFromJSON(a),
    });
    const plateau = () => {
      const r = reduceOnPlateau({ learningRate: 0.1, patience: 0 });
      r.report(1);
      return r;
    };
    check({ name: 'ReduceOnPlateau.report', args: ['metric'], bases: [() => [0.5]], call: (a) => plateau().report(a as never) });
    check({ name: 'ReduceOnPlateau.setState', args: ['state'], bases: [() => [plateau().getState()]], call: (a) => plateau().setState(a as never) });
    check({ name: 'ReduceOnPlateau.fromJSON', args: ['json'], bases: [() => [JSON.parse(JSON.stringify(plateau()))]], call: (a) => ReduceOnPlateau.fromJSON(a) });
    check({ name: 'ReduceOnPlateau.current/getState/reset/toJSON', args: ['arg'], bases: [() => [undefined]], call: (a) => {
      const r = plateau();
      return [r.current(...([a] as unknown as [])), r.getState(...([a] as unknown as [])), r.reset(...([a] as unknown as [])), r.toJSON(...([a] as unknown as []))];
    } });
  });

  describe('safetensors and atomic writes', () => {
    check({ name: 'encodeSafetensors', args: ['tensors', 'metadata'], bases: [() => [tensors(), { note: 'v' }]], call: (a, b) => encodeSafetensors(a as never, b as never) });
    check({ name: 'encodeSafetensors (Map)', args: ['tensors', 'metadata'], bases: [() => [new Map(Object.entries(tensors())), undefined]], call: (a, b) => encodeSafetensors(a as never, b as never) });
    check({ name: 'decodeSafetensors', args: ['buf', 'options'], bases: [() => [encodeSafetensors(tensors() as never, { a: 'b' }), { maxHeaderBytes: 1000 }]], call: (a, b) => decodeSafetensors(a as never, b as never) });
    check({ name: 'readSafetensorsFile', args: ['path', 'options'], bases: [() => [ST, { maxHeaderBytes: 1000 }]], call: (a, b) => readSafetensorsFile(a as never, b as never) });
    check({ name: 'writeSafetensorsFile', args: ['path', 'tensors', 'metadata'], bases: [() => [path.join(tmp, 'out.safetensors'), tensors(), { a: 'b' }]], call: (a, b, c) => writeSafetensorsFile(a as never, b as never, c as never) });
    check({ name: 'writeFileAtomic', args: ['path', 'data'], bases: [() => [path.join(tmp, 'atomic.bin'), Uint8Array.of(1, 2, 3)]], call: (a, b) => writeFileAtomic(a as never, b as never) });
  });

  it('describe() renders BigInt, Symbol, Proxies and throwing getters without throwing', () => {
    for (const [label, v] of hostile()) {
      const text = show(v);
      assert.equal(typeof text, 'string', label);
      assert.ok(text.length > 0 && !text.includes('[object '), `${label}: ${text}`);
    }
    assert.equal(show(10n), '10n of type bigint');
    assert.equal(show(Symbol('s')), 'Symbol("s") of type symbol');
    assert.match(show(new Proxy({}, THROWING_HANDLER)), /throws when inspected/);
  });

  it('the message keeps the shared shape and names the argument and the value (loadCsvSync(10n), the reported case)', () => {
    assert.throws(
      () => loadCsvSync(10n as never),
      (e: unknown) => e instanceof DescentError && e.code === 'ERR_OPTION' && e.argument === 'path' && /^Expected .* for path but received 10n of type bigint$/.test(e.message),
    );
  });
});
