/**
 * Backend selection. `DESCENT_BACKEND=js|native` forces one; otherwise native when the addon loads, else the
 * JS reference backend with one warning.
 */
import { BackendError, OptionError } from '../errors';
import { JsOptimizerKernel } from './js/optimizers';
import { JsTrainer } from './js/trainer';
import { loadNative } from './native/loader';
import { isCsrData, type Backend, type BackendTrainer, type Dtype, type EngineSpec, type KernelConfig, type OptimizerKernel } from './types';

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
type NativeTrainer = BackendTrainer & {
  setDataCsr(indptr: Int32Array, indices: Int32Array, values: unknown, Y: unknown, n: number, w: unknown): void;
  predictCsr(indptr: Int32Array, indices: Int32Array, values: unknown, n: number, out: unknown): void;
};
function withCsr(t: NativeTrainer): BackendTrainer {
  const setData = t.setData.bind(t), predict = t.predict.bind(t);
  // The addon's methods are read-only on its prototype: define the dispatchers on the instance.
  return Object.defineProperties(t, {
    setData: { value: ((X, Y, n, w) => (isCsrData(X) ? t.setDataCsr(X.indptr, X.indices, X.values, Y, n, w) : setData(X, Y, n, w))) satisfies BackendTrainer['setData'] },
    predict: { value: ((X, n, out) => (isCsrData(X) ? t.predictCsr(X.indptr, X.indices, X.values, n, out) : predict(X, n, out))) satisfies BackendTrainer['predict'] },
  });
}

export function getNativeBackend(): Backend | undefined {
  if (nativeBackend) return nativeBackend;
  const { binding } = loadNative();
  if (!binding) return undefined;
  nativeBackend = {
    name: 'native',
    createTrainer: (spec: EngineSpec) => withCsr(new binding.NativeTrainer(spec) as NativeTrainer),
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
