import { Rng } from '../rng';
import { checkKeys, num } from '../validate';
import type { Dataset } from './csv';
import { takeRows } from './matrix';

export interface SplitOptions {
  /** Fraction of rows for the test set, in (0, 1). Default 0.2. */
  testFraction?: number;
  /** Seed of the shuffle (xoshiro128**, same as training). Default 0. */
  seed?: number;
}

/**
 * Seeded random split: shuffles row indices with Fisher–Yates and takes the first `round(n·testFraction)` rows
 * (at least 1, at most n−1) as the test set, as scikit-learn's `train_test_split`.
 */
export function trainTestSplit(data: Dataset, options: SplitOptions = {}): { train: Dataset; test: Dataset } {
  checkKeys('options', options, ['testFraction', 'seed']);
  const testFraction = num('testFraction', options.testFraction, { gt: 0, lt: 1 }, 0.2);
  const seed = num('seed', options.seed, { integer: true, min: 0, max: 4294967295 }, 0);
  const n = data.X.rows;
  const nTest = Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
  const order = new Uint32Array(n).map((_, i) => i);
  new Rng(seed).shuffle(order);
  const testIdx = order.subarray(0, nTest);
  const trainIdx = order.subarray(nTest);
  const pick = (idx: Uint32Array): Dataset => ({
    X: takeRows(data.X, idx),
    y: Float64Array.from(idx, (i) => data.y[i]!),
    featureNames: data.featureNames,
    targetName: data.targetName,
  });
  return { train: pick(trainIdx), test: pick(testIdx) };
}
