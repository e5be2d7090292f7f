/** `reduceOnPlateau`: the one metric-driven schedule (torch.optim.lr_scheduler.ReduceLROnPlateau). */
import { checkKeys, num, oneOf } from '../../validate';
import { NON_NEGATIVE, POSITIVE, Schedule, fail } from './core';

// ---------------------------------------------------------------------------------------------------------------
// ReduceOnPlateau

/** Options of {@link reduceOnPlateau}. */
export interface ReduceOnPlateauOptions {
  /** Initial rate, > 0. */
  learningRate: number;
  /** `'min'` (default): lower metric is better; `'max'`: higher is better. */
  mode?: 'min' | 'max';
  /** Multiplier per reduction, in (0, 1). Default 0.1. */
  factor?: number;
  /** Reports without improvement tolerated before reducing; an integer >= 0. Default 10. */
  patience?: number;
  /** Minimum improvement that counts, >= 0. Default 1e-4. */
  threshold?: number;
  /** `'rel'` (default): improvement relative to the best; `'abs'`: absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Reports to wait after a reduction before counting bad ones again; an integer >= 0. Default 0. */
  cooldown?: number;
  /** Floor of the rate, >= 0. Default 0. */
  minLearningRate?: number;
  /** A reduction smaller than `eps` is skipped; >= 0. Default 1e-8. */
  eps?: number;
}

/** Mutable state of a {@link ReduceOnPlateau}, as plain JSON. */
export interface ReduceOnPlateauState {
  /** The rate in force. */
  lr: number;
  /** Best metric so far; `null` before any metric improved on the initial ±∞. */
  best: number | null;
  /** Consecutive reports without improvement. */
  numBadEpochs: number;
  /** Reports left in the cooldown. */
  cooldownCounter: number;
  /** Number of metrics reported. */
  lastEpoch: number;
}

/** Serialized form of a {@link ReduceOnPlateau}: options with defaults filled in, and the state. */
export interface ReduceOnPlateauJSON {
  kind: 'reduceOnPlateau';
  options: Required<ReduceOnPlateauOptions>;
  state: ReduceOnPlateauState;
}

/**
 * Reduces the rate when a metric stops improving — `torch.optim.lr_scheduler.ReduceLROnPlateau` (PyTorch 1.13;
 * `min_lr` = `minLearningRate`, `threshold_mode` = `thresholdMode`), rule for rule:
 *
 * - a metric is an improvement if it is `< best·(1 − threshold)` (`min`, `rel`), `< best − threshold` (`min`,
 *   `abs`), `> best·(1 + threshold)` (`max`, `rel`) or `> best + threshold` (`max`, `abs`); otherwise it is a bad
 *   report (NaN is always bad, as in PyTorch);
 * - during cooldown, bad reports are not counted;
 * - when the bad reports exceed `patience`, `lr ← max(lr·factor, minLearningRate)`, unless that lowers it by no
 *   more than `eps`; then the cooldown starts and the count resets.
 *
 * It is not a function of the step: the rate depends on the metrics reported, so it is not a {@link Schedule}. The
 * trainer calls {@link ReduceOnPlateau.report} at the end of each epoch (one report = one PyTorch
 * `scheduler.step(metric)`), and {@link ReduceOnPlateau.current} gives the rate for the next steps.
 */
export class ReduceOnPlateau {
  /** Always `'reduceOnPlateau'`; tags the JSON form. */
  readonly kind = 'reduceOnPlateau' as const;
  readonly #options: Required<ReduceOnPlateauOptions>;
  #lr: number;
  #best: number;
  #numBadEpochs = 0;
  #cooldownCounter = 0;
  #lastEpoch = 0;

  /** Prefer {@link reduceOnPlateau}. @throws OptionError naming the bad option. */
  constructor(options: ReduceOnPlateauOptions) {
    const o = checkKeys('reduceOnPlateau', options, [
      'learningRate',
      'mode',
      'factor',
      'patience',
      'threshold',
      'thresholdMode',
      'cooldown',
      'minLearningRate',
      'eps',
    ]);
    this.#options = {
      learningRate: num('learningRate', o.learningRate, POSITIVE),
      mode: oneOf('mode', o.mode, ['min', 'max'] as const, 'min'),
      factor: num('factor', o.factor, { gt: 0, lt: 1 }, 0.1),
      patience: num('patience', o.patience, { integer: true, min: 0 }, 10),
      threshold: num('threshold', o.threshold, NON_NEGATIVE, 1e-4),
      thresholdMode: oneOf('thresholdMode', o.thresholdMode, ['rel', 'abs'] as const, 'rel'),
      cooldown: num('cooldown', o.cooldown, { integer: true, min: 0 }, 0),
      minLearningRate: num('minLearningRate', o.minLearningRate, NON_NEGATIVE, 0),
      eps: num('eps', o.eps, NON_NEGATIVE, 1e-8),
    };
    this.#lr = this.#options.learningRate;
    this.#best = this.#worst();
  }

  /** Back to the state of a new instance (fit() calls this when it starts a training run, as Keras does). */
  reset(): void {
    this.#lr = this.#options.learningRate;
    this.#best = this.#worst();
    this.#numBadEpochs = 0;
    this.#cooldownCounter = 0;
    this.#lastEpoch = 0;
  }

  #worst(): number {
    return this.#options.mode === 'min' ? Infinity : -Infinity;
  }

  #isBetter(a: number, best: number): boolean {
    const { mode, thresholdMode, threshold } = this.#options;
    if (mode === 'min') return thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** The learning rate in force. */
  current(): number {
    return this.#lr;
  }

  /**
   * Feeds one metric (e.g. the validation loss at an epoch end) and returns the rate in force afterwards.
   *
   * @throws OptionError (argument `"metric"`) if `metric` is not a number, or is the infinitely good value (−∞ in
   * `min` mode, +∞ in `max` mode), which PyTorch would keep as an unbeatable best and which JSON cannot store.
   */
  report(metric: number): number {
    const { mode, patience, factor, minLearningRate, eps, cooldown } = this.#options;
    if (typeof metric !== 'number' || metric === (mode === 'min' ? -Infinity : Infinity)) {
      throw fail('metric', `a number${mode === 'min' ? ' > -Infinity' : ' < Infinity'}`, metric);
    }
    this.#lastEpoch += 1;
    if (this.#isBetter(metric, this.#best)) {
      this.#best = metric;
      this.#numBadEpochs = 0;
    } else {
      this.#numBadEpochs += 1;
    }
    if (this.#cooldownCounter > 0) {
      this.#cooldownCounter -= 1;
      this.#numBadEpochs = 0;
    }
    if (this.#numBadEpochs > patience) {
      const newLr = Math.max(this.#lr * factor, minLearningRate);
      if (this.#lr - newLr > eps) this.#lr = newLr;
      this.#cooldownCounter = cooldown;
      this.#numBadEpochs = 0;
    }
    return this.#lr;
  }

  /** A copy of the mutable state, as plain JSON. */
  getState(): ReduceOnPlateauState {
    return {
      lr: this.#lr,
      best: Number.isFinite(this.#best) ? this.#best : null,
      numBadEpochs: this.#numBadEpochs,
      cooldownCounter: this.#cooldownCounter,
      lastEpoch: this.#lastEpoch,
    };
  }

  /**
   * Restores a state from {@link ReduceOnPlateau.getState} (e.g. when resuming training).
   *
   * @throws OptionError naming the bad field (`state.lr`, `state.best`, …) or an unknown one.
   */
  setState(state: ReduceOnPlateauState): void {
    const s = checkKeys('state', state, ['lr', 'best', 'numBadEpochs', 'cooldownCounter', 'lastEpoch']);
    const lr = num('state.lr', s.lr, NON_NEGATIVE);
    const best = s.best === null ? this.#worst() : num('state.best', s.best);
    const count = { integer: true, min: 0 } as const;
    const numBadEpochs = num('state.numBadEpochs', s.numBadEpochs, count);
    const cooldownCounter = num('state.cooldownCounter', s.cooldownCounter, count);
    const lastEpoch = num('state.lastEpoch', s.lastEpoch, count);
    this.#lr = lr;
    this.#best = best;
    this.#numBadEpochs = numBadEpochs;
    this.#cooldownCounter = cooldownCounter;
    this.#lastEpoch = lastEpoch;
  }

  /** Options (defaults filled in) and state, as plain JSON. */
  toJSON(): ReduceOnPlateauJSON {
    return { kind: 'reduceOnPlateau', options: { ...this.#options }, state: this.getState() };
  }

  /**
   * Rebuilds from {@link ReduceOnPlateau.toJSON} output.
   *
   * @throws OptionError on a wrong `kind`, bad options or bad state.
   */
  static fromJSON(json: unknown): ReduceOnPlateau {
    const j = checkKeys('json', json, ['kind', 'options', 'state']);
    if (j.kind !== 'reduceOnPlateau') throw fail('json.kind', '"reduceOnPlateau"', j.kind);
    const r = new ReduceOnPlateau(j.options as ReduceOnPlateauOptions);
    if (j.state !== undefined) r.setState(j.state as ReduceOnPlateauState);
    return r;
  }
}

/**
 * Creates a {@link ReduceOnPlateau} (`torch.optim.lr_scheduler.ReduceLROnPlateau`, PyTorch 1.13). Defaults as
 * PyTorch: `mode='min'`, `factor=0.1`, `patience=10`, `threshold=1e-4`, `thresholdMode='rel'`, `cooldown=0`,
 * `minLearningRate=0`, `eps=1e-8`.
 *
 * @throws OptionError naming the bad option (`factor` must be in (0, 1), `patience`/`cooldown` integers >= 0, …).
 */
export function reduceOnPlateau(options: ReduceOnPlateauOptions): ReduceOnPlateau {
  return new ReduceOnPlateau(options);
}
