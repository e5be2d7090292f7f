import { backendReason, getBackend } from './backend';
import { loadNative, type AddonSource } from './backend/native/loader';
import { memoryLimit } from './memory';
import { num } from './validate';

export interface Info {
  /** descent's version. */
  version: string;
  /** Backend used by default: `'native'` or `'js'`. */
  backend: 'native' | 'js';
  /** Why that backend (where the addon was loaded from, or why it could not load). */
  reason: string;
  /**
   * Where the native addon came from: this platform's package (`@descent/linux-x64-gnu`, …), a local source
   * build, or `DESCENT_ADDON_PATH`; the places tried before it and why they failed; and the install script's note
   * (for example which tool was missing for a source build).
   */
  addon: AddonSource;
  /** OpenBLAS's configuration string (version, kernel, threading), or null without the addon. */
  blas: string | null;
  /** OpenBLAS threads (process-wide), or 1 on the JS backend. */
  threads: number;
  /** SIMD table of the fused kernels in use (x86-64: `scalar`, `avx2`, `avx512`; ARM64: `scalar`, `neon`), or null without the addon. */
  simd: string | null;
  /** Best SIMD table this CPU supports. */
  simdBest: string | null;
  /**
   * Who runs the trainer's matrix products: `'descent-avx512'` (descent's packed GEMM, the default on AVX-512
   * CPUs), `'descent-avx2'` (only with `DESCENT_GEMM=descent`: OpenBLAS measured faster on AVX2) or `'openblas'`
   * (the `scalar` and `avx2` tables, or `DESCENT_GEMM=openblas`); null without the addon.
   */
  gemm: string | null;
  /** The memory limit in bytes (`setMemoryLimit`, `DESCENT_MEMORY_LIMIT`; default 3/4 of physical or cgroup memory), or null when `DESCENT_MEMORY_LIMIT` is malformed. */
  memoryLimit: number | null;
  /** Configuration problems (malformed or unusable `DESCENT_*` variables) and what they cause; empty when none. */
  problems: string[];
}

// The tables this architecture has (the addon says; without it, the names the JS side knows of).
const simdTables = (ni?: { tables?: string[] }): string[] => ni?.tables ?? (process.arch === 'arm64' ? ['scalar', 'neon'] : ['scalar', 'avx2', 'avx512']);

/** Describes the running installation. Never throws. */
export function info(): Info {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('../package.json') as { version: string }).version;
  const problems: string[] = [];
  let backend: 'native' | 'js' = 'js';
  let reason: string;
  try {
    backend = getBackend().name;
    reason = backendReason();
  } catch (e) {
    // What fit() will do: throw this error (a malformed DESCENT_BACKEND, or native demanded but not loadable).
    reason = `fit() will throw: ${(e as Error).message.split('\n')[0]}`;
    problems.push(reason);
  }
  const loaded = loadNative();
  const native = loaded.binding;
  const ni = native?.info();
  let limit: number | null = null;
  try {
    limit = memoryLimit();
  } catch (e) {
    problems.push(`${(e as Error).message}; fit() will throw this OptionError`);
  }
  const simd = process.env.DESCENT_SIMD;
  if (simd !== undefined && simd !== '') {
    const tables = simdTables(ni);
    if (!tables.includes(simd)) problems.push(`DESCENT_SIMD=${JSON.stringify(simd)} is not one of ${tables.join(', ')}: ignored`);
    else if (ni && tables.indexOf(simd) > tables.indexOf(ni.simdBest)) problems.push(`DESCENT_SIMD=${simd} is above this CPU's best table (${ni.simdBest}): ignored`);
  }
  const gemmEnv = process.env.DESCENT_GEMM;
  if (gemmEnv !== undefined && gemmEnv !== '' && gemmEnv !== 'openblas' && gemmEnv !== 'descent')
    problems.push(`DESCENT_GEMM=${JSON.stringify(gemmEnv)} is not "openblas" or "descent": ignored`);
  return {
    version,
    backend,
    reason,
    addon: loaded.source,
    blas: ni?.openblasConfig ?? null,
    threads: backend === 'native' && ni ? ni.threads : 1,
    simd: ni?.simd ?? null,
    simdBest: ni?.simdBest ?? null,
    gemm: ni?.gemm ?? null,
    memoryLimit: limit,
    problems,
  };
}

/**
 * Sets the number of OpenBLAS threads (process-wide; `OPENBLAS_NUM_THREADS` sets the initial value). Without the
 * native addon it only checks its argument (the JS backend is single-threaded).
 * @throws OptionError (argument `"threads"`) unless `threads` is an integer in [1, 1024].
 */
export function setNumThreads(threads: number): void {
  num('threads', threads, { integer: true, min: 1, max: 1024 });
  const native = loadNative().binding;
  if (native) native.setNumThreads(threads);
}
