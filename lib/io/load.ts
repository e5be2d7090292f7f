/** Loading saved models: the class named in the file is rebuilt from its constructor arguments, then filled in. */
import { BackendError, DescentError, FormatError, OptionError } from '../errors';
import { LinearClassifier, LinearRegression, LinearRegressor, LogisticRegression, SoftmaxRegression } from '../models/linear';
import { MLPClassifier, MLPRegressor, Sequential } from '../models/mlp';
import type { Model } from '../models/model';
import { checkKeys, describe, oneOf } from '../validate';
import { ModelSnapshot, decodeModel } from './model-file';
import { readFileChecked } from './util';

const CLASSES: Record<string, new (...args: any[]) => Model> = { // eslint-disable-line @typescript-eslint/no-explicit-any
  LinearRegression, LogisticRegression, SoftmaxRegression, LinearRegressor, LinearClassifier, MLPRegressor, MLPClassifier, Sequential,
};

export interface LoadOptions {
  /** Backend to predict on (default: `DESCENT_BACKEND`, else native when it loads). */
  backend?: 'native' | 'js' | 'auto';
}

function build(s: ModelSnapshot, options: LoadOptions): Model {
  const o = checkKeys('options', options, ['backend']);
  const backend = o.backend === undefined ? undefined : oneOf('options.backend', o.backend, ['native', 'js', 'auto'] as const);
  const C = Object.prototype.hasOwnProperty.call(CLASSES, s.className) ? CLASSES[s.className] : undefined;
  if (!C) throw new FormatError(`Not a valid descent model file: unknown model class ${JSON.stringify(s.className)}`, 'file');
  let model: Model;
  try {
    model = new C(...(s.ctorArgs as never[]));
  } catch (e) {
    throw new FormatError(`Not a valid descent model file: the ${s.className} arguments are invalid (${(e as Error).message})`, 'file', { cause: e });
  }
  try {
    model.restoreSnapshot(s, backend);
  } catch (e) {
    // The engine re-validates the spec; anything it rejects means the file is bad, not the caller.
    if (e instanceof DescentError && !(e instanceof BackendError)) throw new FormatError(`Not a valid descent model file: ${e.message}`, 'file', { cause: e });
    throw e;
  }
  return model;
}

/**
 * Loads a model saved by `model.save(path)` (any class), ready to predict. Everything in the file is validated
 * before anything proportional to its claimed sizes is allocated; a bad file throws `FormatError` naming the
 * problem.
 */
export function loadModel(path: string, options: LoadOptions = {}): Model {
  if (typeof path !== 'string' || path === '') throw new OptionError(`Expected a file path for path but received ${describe(path)}`, 'path');
  let snapshot: ModelSnapshot;
  try {
    snapshot = decodeModel(readFileChecked(path));
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`${path}: ${e.message}`, e.argument ?? 'path', { cause: e });
    throw e;
  }
  return build(snapshot, options);
}

/** Like {@link loadModel}, from the bytes of `model.toBuffer()`. */
export function fromBuffer(buf: Uint8Array, options: LoadOptions = {}): Model {
  if (!(buf instanceof Uint8Array)) throw new OptionError(`Expected a Buffer or Uint8Array for buf but received ${describe(buf)}`, 'buf');
  return build(decodeModel(buf), options);
}
