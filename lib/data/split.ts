import { ShapeError } from '../errors';
import { Rng } from '../rng';
import { checkKeys, invalid, num, readArgument } from '../validate';
import type { Dataset } from './csv';
import { checkMatrix, takeRows, toNumbers } from './matrix';

export interface SplitOptions {
  /** Fraction of rows for the test set, in (0, 1). Default 0.2. */
  testFraction?: number;
  /** Seed of the shuffle (xoshiro128**, same as training). Default 0. */
  seed?: number;
}

/**
 * Seeded random split: shuffles row indices with Fisher–Yates and takes the first `round(n·testFraction)` rows
 * (at least 1, at most n−1) as the test set, as scikit-learn's `train_test_split`. Both sets keep `featureNames`,
 * `targetName` and `classes` (text labels, from loadCsv).
 *
 * @throws ShapeError unless `data` is a Dataset with a Matrix `X` of at least 2 rows, a `y` of one number per row,
 *   and (when given) `featureNames` of one string per column and a string `targetName`; OptionError for bad options.
 */
export function trainTestSplit(data: Dataset, options: SplitOptions = {}): { train: Dataset; test: Dataset } {
  const o = checkKeys('options', options, ['testFraction', 'seed']);
  const testFraction = num('testFraction', o.testFraction, { gt: 0, lt: 1 }, 0.2);
  const seed = num('seed', o.seed, { integer: true, min: 0, max: 4294967295 }, 0);
  const what = 'a Dataset ({ X, y, featureNames, targetName })';
  if (typeof data !== 'object' || data === null || Array.isArray(data) || ArrayBuffer.isView(data)) throw invalid('data', what, data, ShapeError);
  const fields = readArgument('data', what, data, () => ({ X: data.X, y: data.y, featureNames: data.featureNames, targetName: data.targetName, classes: data.classes }), ShapeError);
  const X = checkMatrix(fields.X, 'data.X');
  const n = X.rows;
  if (n < 2) throw new ShapeError(`Expected at least 2 rows in data.X (one for each split) but received ${n}`, 'data.X');
  const y = toNumbers('data.y', fields.y);
  if (y.length !== n) throw new ShapeError(`Expected data.y to have ${n} values (one per row of data.X) but received ${y.length}`, 'data.y');
  let featureNames = fields.featureNames;
  if (featureNames !== undefined) {
    const names = Array.isArray(featureNames) ? readArgument('data.featureNames', 'an array of strings', featureNames, () => Array.from(featureNames as unknown[]), ShapeError) : undefined;
    if (!names || names.length !== X.cols || !names.every((f) => typeof f === 'string'))
      throw invalid('data.featureNames', `an array of ${X.cols} strings (one per column of data.X)`, featureNames, ShapeError);
    featureNames = names as string[];
  }
  if (fields.targetName !== undefined && typeof fields.targetName !== 'string') throw invalid('data.targetName', 'a string', fields.targetName, ShapeError);
  const classes = fields.classes;
  if (classes !== undefined && !(Array.isArray(classes) && classes.every((c) => typeof c === 'string'))) throw invalid('data.classes', 'an array of strings', classes, ShapeError);
  const nTest = Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
  const order = new Uint32Array(n).map((_, i) => i);
  new Rng(seed).shuffle(order);
  const testIdx = order.subarray(0, nTest);
  const trainIdx = order.subarray(nTest);
  const pick = (idx: Uint32Array): Dataset => ({
    X: takeRows(X, idx),
    y: Float64Array.from(idx, (i) => y[i]!),
    featureNames: featureNames as string[],
    targetName: fields.targetName as string,
    ...(classes !== undefined ? { classes: [...classes] } : {}),
  });
  return { train: pick(trainIdx), test: pick(testIdx) };
}
