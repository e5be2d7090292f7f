/**
 * The test oracles (PyTorch 1.13 / scikit-learn 1.2, float64) copied into the repository with their provenance:
 * test/fixtures/reference/README.md. Tests read nothing outside the repository; `DESCENT_REFERENCE_DIR` points the
 * suite at another copy (e.g. freshly regenerated files) on purpose.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const REFERENCE_DIR = process.env.DESCENT_REFERENCE_DIR ?? path.resolve(__dirname, '..', 'fixtures', 'reference');

/** Parses one reference file (`'optimizers.json'`, `'schedules.json'`, …). */
export function reference<T = any>(file: string): T {
  return JSON.parse(readFileSync(path.join(REFERENCE_DIR, file), 'utf8')) as T;
}
