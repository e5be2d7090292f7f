/**
 * Error classes thrown by descent. Every error names the argument, the expected form and the value received,
 * so a message alone is enough to find the mistake.
 */

/** Base class of every error descent throws on purpose. */
export class DescentError extends Error {
  /** The argument or option at fault (e.g. `"batchSize"`, `"X[3][1]"`), when there is one. */
  readonly argument?: string;
  constructor(message: string, argument?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    if (argument !== undefined) this.argument = argument;
  }
}

/** An option has a bad type or value, or is unknown. */
export class OptionError extends DescentError {}

/** Data has the wrong shape, length, dtype or contents (NaN, labels out of range, ragged rows). */
export class ShapeError extends DescentError {}

/** A file or buffer does not follow its format (CSV, IDX, safetensors). */
export class FormatError extends DescentError {}

/** Training produced a non-finite loss, gradient or parameter. The model keeps finite parameters. */
export class DivergenceError extends DescentError {
  /** 1-based epoch in which training diverged. */
  readonly epoch: number;
  /** 0-based batch index within the epoch at which the non-finite value appeared. */
  readonly batch: number;
  /** Last finite mini-batch loss seen before divergence (NaN if none). */
  readonly lastFiniteLoss: number;
  constructor(epoch: number, batch: number, lastFiniteLoss: number, what: string) {
    super(
      `Training diverged: ${what} became non-finite at epoch ${epoch}, batch ${batch} ` +
        `(${Number.isNaN(lastFiniteLoss) ? 'no finite loss before it' : `last finite loss ${lastFiniteLoss}`}). Lower learningRate, standardize the features ` +
        `(StandardScaler) or clip gradients. The model keeps the parameters from the start of that chunk.`,
    );
    this.epoch = epoch;
    this.batch = batch;
    this.lastFiniteLoss = lastFiniteLoss;
  }
}

/** A trainer was used while an asynchronous call on it was still running, or after dispose(). */
export class StateError extends DescentError {}

/** The native addon could not be loaded and `DESCENT_BACKEND=native` demanded it. */
export class BackendError extends DescentError {}

/** `fit()` was stopped by its `signal`. The model keeps the parameters of the last completed chunk. */
export class AbortError extends DescentError {
  readonly code = 'ABORT_ERR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'signal', options);
  }
}

/** A streaming data source threw or produced unreadable data; the original error is `cause`. */
export class DataSourceError extends DescentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'source', options);
  }
}

/** A file could not be read or written (missing, a directory, no permission, disk full); `cause` is the system error. */
export class IOError extends DescentError {}

/**
 * A model, a batch workspace or a data copy would need more memory than the limit allows (`setMemoryLimit`,
 * `DESCENT_MEMORY_LIMIT`; default 3/4 of physical or cgroup memory). Thrown before anything is allocated: under
 * Linux overcommit an oversized allocation is not refused, the process is OOM-killed later instead.
 */
export class MemoryLimitError extends ShapeError {
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
