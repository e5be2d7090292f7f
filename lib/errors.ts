/**
 * Error classes thrown by descent. Every error names the argument, the expected form and the value received, so
 * a message alone is enough to find the mistake, and carries a stable `code` so programs can branch on it without
 * parsing messages (the table is in the README, "Errors"). The same fault gives the same class and code on every
 * entry point and both backends.
 */

/** Every `code` a descent error carries. */
export type DescentErrorCode =
  | 'ERR_DESCENT' | 'ERR_OPTION' | 'ERR_SHAPE' | 'ERR_MEMORY_LIMIT' | 'ERR_FORMAT' | 'ERR_DIVERGENCE' | 'ERR_STATE'
  | 'ERR_BACKEND' | 'ABORT_ERR' | 'ERR_DATA_SOURCE' | 'ERR_IO';

/** Base class of every error descent throws on purpose. */
export class DescentError extends Error {
  /** Stable machine-readable code (`ERR_OPTION`, `ERR_SHAPE`, …): one per class. */
  readonly code: DescentErrorCode = 'ERR_DESCENT';
  /** The argument or option at fault (e.g. `"batchSize"`, `"X[3][1]"`), when there is one. */
  readonly argument?: string;
  constructor(message: string, argument?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    if (argument !== undefined) this.argument = argument;
  }
}

/** An option has a bad type or value, or is unknown. Code `ERR_OPTION`. */
export class OptionError extends DescentError {
  override readonly code: DescentErrorCode = 'ERR_OPTION';
}

/** Data has the wrong shape, length, dtype or contents (NaN, labels out of range, ragged rows). Code `ERR_SHAPE`. */
export class ShapeError extends DescentError {
  override readonly code: DescentErrorCode = 'ERR_SHAPE';
}

/** A file or buffer does not follow its format (CSV, IDX, safetensors), or fails its checksum. Code `ERR_FORMAT`. */
export class FormatError extends DescentError {
  override readonly code: DescentErrorCode = 'ERR_FORMAT';
  /**
   * Where in a data file the fault is: `file`; for a text file (CSV) the 1-based `line` where the record starts (or
   * of the cell at fault, in a record spanning lines); the 0-based data `row` (header excluded) and the `column`.
   */
  location?: { file: string; line?: number; row?: number; column?: string };
}

/**
 * Training produced a non-finite loss, gradient or parameter (the model keeps finite parameters), or a gradient
 * norm was not finite (`clipGradNorm`). Code `ERR_DIVERGENCE`.
 */
export class DivergenceError extends DescentError {
  override readonly code: DescentErrorCode = 'ERR_DIVERGENCE';
  /** 1-based epoch in which training diverged (0 outside a training run). */
  readonly epoch: number;
  /** 0-based batch index within the epoch at which the non-finite value appeared (0 outside a training run). */
  readonly batch: number;
  /** Last finite mini-batch loss seen before divergence (NaN if none). */
  readonly lastFiniteLoss: number;
  /**
   * @param what what became non-finite (`"loss"`, `"gradient"`, `"parameters"`, …).
   * @param message replaces the training message (for uses outside a training run).
   */
  constructor(epoch: number, batch: number, lastFiniteLoss: number, what: string, message?: string) {
    super(
      message ??
        `Training diverged: ${what} became non-finite at epoch ${epoch}, batch ${batch} ` +
          `(${Number.isNaN(lastFiniteLoss) ? 'no finite loss before it' : `last finite loss ${lastFiniteLoss}`}). Lower learningRate, standardize the features ` +
          `(StandardScaler) or clip gradients. The model keeps the parameters from the start of that chunk.`,
      what,
    );
    this.epoch = epoch;
    this.batch = batch;
    this.lastFiniteLoss = lastFiniteLoss;
  }
}

/** A model or trainer was used in a state that does not allow the call (busy, disposed, not fitted). Code `ERR_STATE`. */
export class StateError extends DescentError {
  override readonly code: DescentErrorCode = 'ERR_STATE';
}

/** The native addon could not be loaded and `DESCENT_BACKEND=native` demanded it. Code `ERR_BACKEND`. */
export class BackendError extends DescentError {
  override readonly code: DescentErrorCode = 'ERR_BACKEND';
}

/**
 * `fit()` was stopped by its `signal`. The model keeps the parameters of the last completed chunk. Code
 * `ABORT_ERR`, as Node's own `AbortError`, so generic abort handling recognizes it.
 */
export class AbortError extends DescentError {
  override readonly code: DescentErrorCode = 'ABORT_ERR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'signal', options);
  }
}

/** A streaming data source threw or produced unreadable data; the original error is `cause`. Code `ERR_DATA_SOURCE`. */
export class DataSourceError extends DescentError {
  override readonly code: DescentErrorCode = 'ERR_DATA_SOURCE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'source', options);
  }
}

/** A file could not be read or written (missing, a directory, no permission, disk full); `cause` is the system error. Code `ERR_IO`. */
export class IOError extends DescentError {
  override readonly code: DescentErrorCode = 'ERR_IO';
}

/**
 * A model, a batch workspace or a data copy would need more memory than the limit allows (`setMemoryLimit`,
 * `DESCENT_MEMORY_LIMIT`; default 3/4 of physical or cgroup memory). Thrown before anything is allocated: under
 * Linux overcommit an oversized allocation is not refused, the process is OOM-killed later instead. A `ShapeError`
 * subclass (the data or the model is too large); code `ERR_MEMORY_LIMIT`.
 */
export class MemoryLimitError extends ShapeError {
  override readonly code: DescentErrorCode = 'ERR_MEMORY_LIMIT';
  /** Bytes the refused allocation needs. */
  readonly requiredBytes: number;
  /** The limit in force, in bytes. */
  readonly limitBytes: number;
  constructor(message: string, argument: string, requiredBytes: number, limitBytes: number) {
    super(message, argument);
    this.requiredBytes = requiredBytes;
    this.limitBytes = limitBytes;
  }
}
