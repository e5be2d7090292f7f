/**
 * Loads the native addon: `node-gyp-build` finds `prebuilds/<platform>-<arch>/*.node` first, then a local
 * `build/Release` (from `npm install`'s source build or `npm run build:native`). A failure is kept, not thrown,
 * so lib/backend/index.ts can fall back to the JS backend with one warning.
 */
import * as path from 'node:path';
import { ShapeError, OptionError, StateError, MemoryLimitError } from '../../errors';
import { onMemoryLimit } from '../../memory';

export interface NativeBinding {
  init(errors: { ShapeError: unknown; OptionError: unknown; StateError: unknown; MemoryLimitError: unknown }): void;
  setMemoryLimit(bytes: number): void;
  memoryLimit(): number;
  info(): { openblasConfig: string; threads: number; simd: string; simdBest: string };
  setNumThreads(n: number): void;
  setSimd(name: string): boolean;
  NativeTrainer: new (spec: unknown) => unknown;
  OptimizerKernel: new (config: unknown, float64: boolean) => unknown;
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
  } catch (e) {
    cached = { error: e as Error };
  }
  return cached;
}
