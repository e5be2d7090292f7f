/**
 * Loads the native addon: `node-gyp-build` finds `prebuilds/<platform>-<arch>/*.node` first, then a local
 * `build/Release` (from `npm install`'s source build or `npm run build:native`). A failure is kept, not thrown,
 * so lib/backend/index.ts can fall back to the JS backend with one warning.
 */
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
  info(): { openblasConfig: string; threads: number; simd: string; simdBest: string; gemm: string };
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

let cached: { binding?: NativeBinding; error?: Error; path?: string } | undefined;

/** Package root: dist/backend/native → ../../.. ; lib/backend/native (tsx) → ../../.. as well. */
export const packageRoot = path.resolve(__dirname, '..', '..', '..');

export function loadNative(): { binding?: NativeBinding; error?: Error; path?: string } {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as { (dir: string): unknown; resolve(dir: string): string };
    // DESCENT_ADDON_PATH loads a specific build (CI runs the suite on the node-gyp and the cmake-js builds).
    const forced = process.env.DESCENT_ADDON_PATH;
    let file: string | undefined;
    let binding: NativeBinding;
    if (forced) {
      file = path.resolve(forced);
      binding = require(file) as NativeBinding;
    } else {
      try {
        file = nodeGypBuild.resolve(packageRoot);
      } catch {
        file = undefined;
      }
      binding = nodeGypBuild(packageRoot) as NativeBinding;
    }
    binding.init({ ShapeError, OptionError, StateError, MemoryLimitError });
    cached = { binding, path: file };
    onMemoryLimit((bytes) => binding.setMemoryLimit(bytes));
    // The addon ignores a DESCENT_SIMD it cannot honour; say so once rather than silently (info().problems too).
    const simd = process.env.DESCENT_SIMD;
    if (simd && binding.info().simd !== simd)
      process.emitWarning(`descent: DESCENT_SIMD=${JSON.stringify(simd)} ignored (tables: scalar, avx2, avx512; this CPU's best: ${binding.info().simdBest}); using ${binding.info().simd}`, 'DescentWarning');
  } catch (e) {
    cached = { error: e as Error };
  }
  return cached;
}
