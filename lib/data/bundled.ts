import * as path from 'node:path';
import { invalid } from '../validate';
import { packageRoot } from '../backend/native/loader';

/** The real data sets shipped in `datasets/` (see datasets/README.md for sources and licences). */
export const BUNDLED_DATASETS = {
  diabetes: { file: 'diabetes.csv', target: 'progression', task: 'regression' },
  'breast-cancer': { file: 'breast-cancer.csv', target: 'benign', task: 'binary' },
  digits: { file: 'digits.csv', target: 'digit', task: 'multiclass' },
} as const;

export type BundledName = keyof typeof BUNDLED_DATASETS;

/**
 * Absolute path of a bundled data set's CSV.
 * @throws OptionError (argument `"name"`) unless `name` is one of the keys of {@link BUNDLED_DATASETS}.
 */
export function datasetPath(name: BundledName): string {
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(BUNDLED_DATASETS, name)) {
    throw invalid('name', `one of ${Object.keys(BUNDLED_DATASETS).map((k) => JSON.stringify(k)).join(', ')}`, name);
  }
  return path.join(packageRoot, 'datasets', BUNDLED_DATASETS[name].file);
}
