import type { Dtype } from '../backend/types';
import type { LearningRate, OptimizerSpec } from '../optim/optimizers';
import type { BatchCallback, EpochCallback } from '../train/fit';

/**
 * Options of `fit(source, options)` on a streaming source (CSV path, iterable of `{ x, y }` chunks, object-mode
 * `Readable`, or a function returning a fresh iterable). Memory stays bounded by `chunkRows` plus `shuffleBuffer`
 * rows plus a staging area of 64 batches; the source is read only as fast as training consumes it. With
 * `standardize`, the scaler's statistics are accumulated over the first epoch's chunks as they arrive.
 */
export interface StreamFitOptions {
  /** Passes; more than 1 needs a re-readable source (file path or function). Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  learningRate?: LearningRate;
  optimizer?: OptimizerSpec | string;
  /** Seeds initialization and the shuffle buffer. Default 0. */
  seed?: number;
  dtype?: Dtype;
  backend?: 'native' | 'js' | 'auto';
  /** Rows held for shuffling (seeded); 0 = rows in source order. Default 0. */
  shuffleBuffer?: number;
  /** Rows per chunk when reading a CSV file. Default 8192. */
  chunkRows?: number;
  /** Target column of a CSV file (default: the last) or of Arrow chunks without `y`. */
  target?: string;
  /** Feature columns (CSV/Arrow), in order. Default: all but the target. */
  features?: string[];
  /** Number of classes (required for softmax classifiers, whose later chunks may hold new labels). */
  classes?: number;
  onEpochEnd?: EpochCallback;
  onBatchEnd?: BatchCallback;
  signal?: AbortSignal;
}

export const STREAM_KEYS = [
  'epochs', 'batchSize', 'learningRate', 'optimizer', 'seed', 'dtype', 'backend', 'shuffleBuffer', 'chunkRows', 'target',
  'features', 'classes', 'onEpochEnd', 'onBatchEnd', 'signal',
] as const;
