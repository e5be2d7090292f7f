import * as path from 'node:path';
import { OptionError } from '../errors';
import { packageRoot } from '../backend/native/loader';

/** The real data sets shipped in `datasets/` (see datasets/README.md for sources and licences). */
export const BUNDLED_DATASETS = {
  diabetes: { file: 'diabetes.csv', target: 'progression', task: 'regression' },
  'breast-cancer': { file: 'breast-cancer.csv', target: 'benign', task: 'binary' },
  digits: { file: 'digits.csv', target: 'digit', task: 'multiclass' },
} as const;

export type BundledName = keyof typeof BUNDLED_DATASETS;

/** Absolute path of a bundled data set's CSV. */
export function datasetPath(name: BundledName): string {
  const d = BUNDLED_DATASETS[name];
  if (!d) throw new OptionError(`Expected one of ${Object.keys(BUNDLED_DATASETS).join(', ')} for name but received ${JSON.stringify(name)}`, 'name');
  return path.join(packageRoot, 'datasets', d.file);
}
