/**
 * Backend selection. `DESCENT_BACKEND=js|native` forces one; otherwise native when the addon loads, else the
 * JS reference backend with one warning.
 */
import { BackendError, OptionError } from '../errors';
import { JsOptimizerKernel } from './js/optimizers';
import { JsTrainer } from './js/trainer';
import { loadNative } from './native/loader';
import { isCsrData, type Backend, type BackendTrainer, type CsrData, type Dtype, type EngineSpec, type FloatArray, type KernelConfig, type OptimizerKernel } from './types';

export const jsBackend: Backend = {
  name: 'js',
  createTrainer: (spec: EngineSpec) => new JsTrainer(spec),
  createOptimizerKernel: (config: KernelConfig, dtype: Dtype) => new JsOptimizerKernel(config, dtype),
};

let nativeBackend: Backend | undefined;
let warned = false;

const FIXES = [
  'Likely fixes:',
  '- Prebuilt binaries come in platform packages (@descent/linux-x64-gnu, @descent/linux-arm64-gnu, @descent/win32-x64)',
  '  that npm installs with descent unless optional dependencies are omitted (--omit=optional, --no-optional).',
  '- Elsewhere, build from source: `npm rebuild descent` (needs a C++17 compiler, python3, make and the OpenBLAS',
  '  headers: `apt-get install -y g++ make python3 libopenblas-dev`; on macOS the Xcode command-line tools).',
  '- Set DESCENT_BACKEND=js to use the pure-TypeScript backend explicitly (slower, same results).',
].join('\n');

/** The addon takes CSR rows as three arrays (setDataCsr, predictCsr: no property reads in C++); one interface here. */
type NativeCtor = new (spec: EngineSpec) => BackendTrainer & {
  setDataCsr(indptr: Int32Array, indices: Int32Array, values: unknown, Y: unknown, n: number, w: unknown): void;
  predictCsr(indptr: Int32Array, indices: Int32Array, values: unknown, n: number, out: unknown): void;
};
/** A subclass, not per-instance closures: closures on every trainer slowed the GC finalizers that free them (test 91). */
function withCsr(Native: NativeCtor): new (spec: EngineSpec) => BackendTrainer {
  return class NativeTrainer extends Native {
    override setData(X: FloatArray | CsrData, Y: FloatArray, n: number, w?: FloatArray | null): void {
      if (isCsrData(X)) this.setDataCsr(X.indptr, X.indices, X.values, Y, n, w);
      else super.setData(X, Y, n, w);
    }
    override predict(X: FloatArray | CsrData, n: number, out: FloatArray): void {
      if (isCsrData(X)) this.predictCsr(X.indptr, X.indices, X.values, n, out);
      else super.predict(X, n, out);
    }
  };
}
let NativeTrainerClass: (new (spec: EngineSpec) => BackendTrainer) | undefined;

export function getNativeBackend(): Backend | undefined {
  if (nativeBackend) return nativeBackend;
  const { binding } = loadNative();
  if (!binding) return undefined;
  nativeBackend = {
    name: 'native',
    createTrainer: (spec: EngineSpec) => new (NativeTrainerClass ??= withCsr(binding.NativeTrainer as NativeCtor))(spec),
    createOptimizerKernel: (config: KernelConfig, dtype: Dtype) => new binding.OptimizerKernel(config, dtype) as OptimizerKernel,
  };
  return nativeBackend;
}

/** Why the current default backend was chosen (reported by `info()`). */
export function backendReason(): string {
  const env = process.env.DESCENT_BACKEND;
  if (env === 'js') return 'DESCENT_BACKEND=js';
  const { binding, error, source } = loadNative();
  if (binding) return `native addon loaded from the ${source.from} (${source.path})`;
  return `native addon failed to load (${error?.message.split('\n')[0]}); using the JS backend`;
}

/**
 * Resolves a backend by name. `undefined` means the default: the environment's `DESCENT_BACKEND`, else native
 * when it loads. Throws `BackendError` (listing fixes) if native is demanded but cannot load.
 */
export function getBackend(name?: 'native' | 'js' | 'auto'): Backend {
  const env = process.env.DESCENT_BACKEND;
  if (env !== undefined && env !== '' && env !== 'js' && env !== 'native' && env !== 'auto') {
    throw new OptionError(`Expected "js", "native" or "auto" for DESCENT_BACKEND but received ${JSON.stringify(env)}`, 'DESCENT_BACKEND');
  }
  const want = name ?? ((env as 'native' | 'js' | 'auto' | undefined) || 'auto');
  if (want === 'js') return jsBackend;
  const native = getNativeBackend();
  if (native) return native;
  const err = loadNative().error;
  if (want === 'native') {
    throw new BackendError(`The descent native addon could not be loaded: ${err?.message ?? 'unknown error'}\n${FIXES}`, 'backend');
  }
  if (!warned) {
    warned = true;
    process.emitWarning(`descent: native addon unavailable (${err?.message.split('\n')[0]}); using the pure-JS backend. ${FIXES}`, 'DescentWarning');
  }
  return jsBackend;
}
