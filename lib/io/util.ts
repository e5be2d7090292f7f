import * as fs from 'node:fs';
import * as path from 'node:path';
import { IOError } from '../errors';
import { OptimizerSpec, optimizerByName } from '../optim/optimizers';
import { ReduceOnPlateau, scheduleFromJSON } from '../optim/schedules';

/** descent's version from package.json. */
export function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(__dirname, '..', '..', 'package.json')) as { version: string }).version;
}

/** Reads a whole file, turning I/O errors into an IOError that names the path. */
export function readFileChecked(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new IOError(`Cannot read ${JSON.stringify(file)}: ${(e as Error).message}`, 'path', { cause: e });
  }
}

/** Rebuilds the optimizer (and its schedule) a checkpoint was trained with. */
export function optimizerFromCheckpoint(o: { name: string; options: Record<string, unknown>; learningRate: unknown }): OptimizerSpec {
  const lr = o.learningRate;
  const learningRate = typeof lr === 'number' ? lr
    : typeof lr === 'object' && lr !== null && (lr as { kind?: string }).kind === 'reduceOnPlateau' ? ReduceOnPlateau.fromJSON(lr)
    : scheduleFromJSON(lr);
  return optimizerByName(o.name, { ...o.options, learningRate });
}
