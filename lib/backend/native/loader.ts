/**
 * Loads the native addon, trying in order:
 *  1. `DESCENT_ADDON_PATH` (a specific build: CI tests the sanitized and the cross builds this way);
 *  2. this platform's package (or, after `npm install --build-from-source`, the local build first) (`@descent/linux-x64-gnu`, `@descent/linux-arm64-gnu`, `@descent/win32-x64`),
 *     installed by npm through descent's `optionalDependencies`;
 *  3. a local build: `build/Release` from the install script's source build (scripts/install.js) or
 *     `npm run build:native`, or `prebuilds/<platform>-<arch>` from `npm run prebuild` (via `node-gyp-build`).
 * A failure is kept, not thrown, so lib/backend/index.ts can fall back to the JS backend with one warning; every
 * attempt and the install script's note (why no source build was made) go into the error and into `info()`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ShapeError, OptionError, StateError, MemoryLimitError } from '../../errors';
import { onMemoryLimit } from '../../memory';
/** The addon's view of the engine facts: native/kernels/spec.def as it was compiled (test/05 checks it). */
export interface NativeEngineFacts {
  dtypes: { name: string; bytes: number }[];
  activations: { name: string; paramDefault: number }[];
  losses: { name: string; targetColumns: 'outputs' | 1 }[];
  /** Every slot each kernel can keep, in order (conditional ones included). */
  kernels: { name: string; slots: string[] }[];
  /** `min`/`max` only for numbers. */
  kernelFields: { name: string; type: 'number' | 'boolean'; default: number | boolean; min?: number; max?: number }[];
}

export interface NativeBinding {
  init(errors: { ShapeError: unknown; OptionError: unknown; StateError: unknown; MemoryLimitError: unknown }): void;
  setMemoryLimit(bytes: number): void;
  memoryLimit(): number;
  info(): { openblasConfig: string; threads: number; simd: string; simdBest: string; gemm: string; tables: string[] };
  setNumThreads(n: number): void;
  setSimd(name: string): boolean;
  /** The spec.def lists compiled into the addon. */
  engineFacts(): NativeEngineFacts;
  /** Bytes `new NativeTrainer(spec)` allocates (native `TrainerBytes()`); validates `spec` as the constructor does. */
  trainerBytes(spec: unknown): number;
  /** Index of the first NaN/±Infinity of a Float32Array/Float64Array, or -1 (vectorized scan). */
  firstNonFinite(data: Float32Array | Float64Array): number;
  /** Zeroed native memory as an ArrayBuffer: a trainer's setData reads it in place. */
  allocBuffer(bytes: number): ArrayBuffer;
  /** The native delimited-text reader (lib/data/csv-parser.ts describes the contract). */
  CsvReader: new (options: unknown, chunkBytes: number) => unknown;
  /** `spec`: an `EngineSpec` (lib/engine/spec.ts). */
  NativeTrainer: new (spec: unknown) => unknown;
  /** `config`: a `KernelConfig`; `dtype`: `'float32'` or `'float64'`. */
  OptimizerKernel: new (config: unknown, dtype: 'float32' | 'float64') => unknown;
}

/** Where the addon came from (`info().addon`). */
export interface AddonSource {
  /** `'DESCENT_ADDON_PATH'`, `'platform package'`, `'source build'` or null when none loaded. */
  from: 'DESCENT_ADDON_PATH' | 'platform package' | 'source build' | null;
  /** The `.node` file loaded, or null. */
  path: string | null;
  /** This platform's package name (whether or not it is published or installed). */
  platformPackage: string;
  /** One line per place tried before the one that loaded (or all of them), with why it failed. */
  attempts: string[];
  /** What the install script recorded (`build/descent-install.json`): e.g. why it did not build from source. */
  installNote: string | null;
}

interface Loaded {
  binding?: NativeBinding;
  error?: Error;
  path?: string;
  source: AddonSource;
}

let cached: Loaded | undefined;

/** Package root: dist/backend/native → ../../.. ; lib/backend/native (tsx) → ../../.. as well. */
export const packageRoot = path.resolve(__dirname, '..', '..', '..');

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/** What scripts/install.js recorded: its status ('platform package', 'source build', 'skipped', 'failed') and note. */
function installRecord(): { status: string | null; message: string | null } {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(packageRoot, 'build', 'descent-install.json'), 'utf8')) as { status?: string; message?: string };
    return { status: typeof j.status === 'string' ? j.status : null, message: typeof j.message === 'string' && j.message ? j.message : null };
  } catch {
    return { status: null, message: null };
  }
}

export function loadNative(): Loaded {
  if (cached) return cached;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { platformPackage } = require(path.join(packageRoot, 'scripts', 'platform-package.js')) as { platformPackage(): string };
  const pkg = platformPackage();
  const record = installRecord();
  const source: AddonSource = { from: null, path: null, platformPackage: pkg, attempts: [], installNote: record.message };
  let binding: NativeBinding | undefined;
  const attempt = (from: AddonSource['from'], file: () => string, load: (f: string) => unknown): void => {
    if (binding) return;
    let f: string | undefined;
    try {
      f = file();
      binding = load(f) as NativeBinding;
      source.from = from;
      source.path = f;
    } catch (e) {
      source.attempts.push(`${from}${f ? ` (${f})` : ''}: ${firstLine(e)}`);
    }
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const req = (f: string) => require(f) as unknown;
  const forced = process.env.DESCENT_ADDON_PATH;
  if (forced) {
    attempt('DESCENT_ADDON_PATH', () => path.resolve(forced), req);
  } else {
    const fromPackage = (): void => attempt('platform package', () => {
      try {
        return require.resolve(`${pkg}/descent.node`, { paths: [packageRoot] });
      } catch {
        throw new Error(`${pkg} is not installed`);
      }
    }, req);
    const fromBuild = (): void => attempt('source build', () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
      try {
        return nodeGypBuild.resolve(packageRoot);
      } catch {
        throw new Error('no build/Release/descent.node (npm rebuild descent builds one)');
      }
    }, req);
    // A deliberate source build (npm install --build-from-source) comes before the platform package.
    if (record.status === 'source build') {
      fromBuild();
      fromPackage();
    } else {
      fromPackage();
      fromBuild();
    }
  }
  if (!binding) {
    const why = [...source.attempts, ...(source.installNote ? [`install: ${source.installNote}`] : [])].join('; ');
    cached = { error: new Error(`no native addon could be loaded: ${why}`), source };
    return cached;
  }
  try {
    const b = binding;
    b.init({ ShapeError, OptionError, StateError, MemoryLimitError });
    cached = { binding: b, path: source.path ?? undefined, source };
    onMemoryLimit((bytes) => b.setMemoryLimit(bytes));
    // The addon ignores a DESCENT_SIMD it cannot honour; say so once rather than silently (info().problems too).
    const simd = process.env.DESCENT_SIMD;
    if (simd && b.info().simd !== simd)
      process.emitWarning(`descent: DESCENT_SIMD=${JSON.stringify(simd)} ignored (tables: ${b.info().tables.join(', ')}; this CPU's best: ${b.info().simdBest}); using ${b.info().simd}`, 'DescentWarning');
  } catch (e) {
    cached = { error: e as Error, source };
  }
  return cached;
}
