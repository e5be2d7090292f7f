import { backendReason, getBackend } from './backend';
import { loadNative } from './backend/native/loader';
import { memoryLimit } from './memory';
import { num } from './validate';

export interface Info {
  /** descent's version. */
  version: string;
  /** Backend used by default: `'native'` or `'js'`. */
  backend: 'native' | 'js';
  /** Why that backend (where the addon was loaded from, or why it could not load). */
  reason: string;
  /** OpenBLAS's configuration string (version, kernel, threading), or null without the addon. */
  blas: string | null;
  /** OpenBLAS threads (process-wide), or 1 on the JS backend. */
  threads: number;
  /** SIMD table of the fused kernels in use (`scalar`, `avx2`, `avx512`), or null without the addon. */
  simd: string | null;
  /** Best SIMD table this CPU supports. */
  simdBest: string | null;
  /** The memory limit in bytes (`setMemoryLimit`, `DESCENT_MEMORY_LIMIT`; default 3/4 of physical or cgroup memory). */
  memoryLimit: number | null;
}

/** Describes the running installation. Never throws. */
export function info(): Info {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('../package.json') as { version: string }).version;
  let backend: 'native' | 'js' = 'js';
  try {
    backend = getBackend().name;
  } catch {
    backend = 'js';
  }
  const native = loadNative().binding;
  const ni = native?.info();
  return {
    version,
    backend,
    reason: backendReason(),
    blas: ni?.openblasConfig ?? null,
    threads: backend === 'native' && ni ? ni.threads : 1,
    simd: ni?.simd ?? null,
    simdBest: ni?.simdBest ?? null,
    memoryLimit: safeLimit(),
  };
}

function safeLimit(): number | null {
  try {
    return memoryLimit();
  } catch {
    return null; // a malformed DESCENT_MEMORY_LIMIT; fit() reports it as an OptionError
  }
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
