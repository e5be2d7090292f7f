/**
 * The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks", §3.3; the
 * fastai `lr_find` procedure): train a copy of the model for `steps` mini-batches with the rate growing
 * exponentially from `minLr` to `maxLr`, record each batch's loss, smooth it (EMA with bias correction), stop once
 * the smoothed loss exceeds `divergeThreshold` × its minimum, and suggest the rate where the smoothed loss falls
 * fastest against log(lr). The model itself is not touched.
 */
import { DescentError, DivergenceError, OptionError } from '../errors';
import { OPTIMIZER_NAMES } from '../engine/spec';
import { normalizeOptimizer, optimizerByName, type OptimizerSpec } from '../optim/optimizers';
import { checkKeys, num, oneOf } from '../validate';

export interface LrFindOptions {
  /** First learning rate. Default 1e-7. */
  minLr?: number;
  /** Last learning rate. Default 10. */
  maxLr?: number;
  /** Mini-batches (one rate each). Default 100. */
  steps?: number;
  /** Rows per batch. Default 32. */
  batchSize?: number;
  /** The optimizer whose rate is swept: a name or a factory's result (its own learning rate is replaced). Default `'sgd'`. */
  optimizer?: string | OptimizerSpec;
  /** EMA factor of the smoothed loss. Default 0.98 (fastai). */
  smoothing?: number;
  /** Stop when the smoothed loss exceeds this multiple of its minimum. Default 4 (fastai). */
  divergeThreshold?: number;
  /** Seeds the copy's initialization and shuffling. Default 0. */
  seed?: number;
}

export interface LrFindResult {
  /** The rate of each batch run: `minLr·(maxLr/minLr)^(i/(steps − 1))`. */
  lrs: number[];
  /** Each batch's mean loss (data term). */
  losses: number[];
  /** `avgᵢ/(1 − βⁱ⁺¹)`, `avgᵢ = β·avgᵢ₋₁ + (1 − β)·lossᵢ`. */
  smoothed: number[];
  /**
   * The rate at the steepest descent of the smoothed loss against log10(lr) (central differences), the first
   * min(10, m/5) and last min(5, m/10) of the m points excluded (fastai's skip_start / skip_end).
   */
  suggestion: number;
  /** The rate at the minimum of the smoothed loss (training there is usually too fast: a tenth of it is the classic pick). */
  minLossLr: number;
  /** True when the sweep stopped before `steps` (divergence). */
  stoppedEarly: boolean;
}

/** What lrFind needs of a model: an unfitted copy that can fit. */
export interface LrFindModel {
  clone(): { fit(X: unknown, y: unknown, options: Record<string, unknown>): Promise<unknown>; dispose(): void };
}

class Stop extends Error {}

export async function lrFind(model: LrFindModel, X: unknown, y: unknown, options: LrFindOptions = {}): Promise<LrFindResult> {
  const o = checkKeys('options', options, ['minLr', 'maxLr', 'steps', 'batchSize', 'optimizer', 'smoothing', 'divergeThreshold', 'seed']);
  const minLr = num('minLr', o.minLr, { gt: 0, max: 1e6 }, 1e-7);
  const maxLr = num('maxLr', o.maxLr, { gt: 0, max: 1e9 }, 10);
  if (!(maxLr > minLr)) throw new OptionError(`maxLr (${maxLr}) must be greater than minLr (${minLr})`, 'maxLr');
  const steps = num('steps', o.steps, { integer: true, min: 3, max: 1e7 }, 100);
  const batchSize = num('batchSize', o.batchSize, { integer: true, min: 1, max: 1 << 24 }, 32);
  const beta = num('smoothing', o.smoothing, { min: 0, lt: 1 }, 0.98);
  const diverge = num('divergeThreshold', o.divergeThreshold, { gt: 1, max: 1e300 }, 4);
  const seed = num('seed', o.seed, { integer: true, min: 0, max: 2 ** 32 - 1 }, 0);
  const base = o.optimizer === undefined ? optimizerByName('sgd')
    : typeof o.optimizer === 'string' ? optimizerByName(oneOf('optimizer', o.optimizer, OPTIMIZER_NAMES)) : normalizeOptimizer(o.optimizer);
  const rate = (i: number) => minLr * Math.pow(maxLr / minLr, i / (steps - 1));
  const optimizer = optimizerByName(base.name, { ...base.options, learningRate: { at: (t: number) => rate(Math.min(t, steps - 1)) } });
  const rows = Array.isArray(y) || ArrayBuffer.isView(y) ? (y as ArrayLike<unknown>).length : typeof y === 'object' && y !== null ? (y as { rows?: number }).rows : undefined;
  if (typeof rows !== 'number' || rows < 1) throw new OptionError('lrFind needs targets y ([n] or [n, k]) in memory', 'y');
  const perEpoch = Math.ceil(rows / Math.min(batchSize, rows));
  const lrs: number[] = [], losses: number[] = [], smoothed: number[] = [];
  let avg = 0, best = Infinity, stoppedEarly = false;
  const probe = model.clone();
  try {
    await probe.fit(X, y, {
      epochs: Math.ceil(steps / perEpoch), batchSize, seed, optimizer, batchesPerChunk: 1, shuffle: true,
      onBatchEnd: ({ loss, learningRate }: { loss: number; learningRate: number }) => {
        if (lrs.length >= steps) throw new Stop();
        lrs.push(learningRate);
        losses.push(loss);
        avg = beta * avg + (1 - beta) * loss;
        const s = avg / (1 - Math.pow(beta, losses.length));
        smoothed.push(s);
        if (!Number.isFinite(s) || (losses.length > 1 && s > diverge * best)) {
          stoppedEarly = true;
          throw new Stop();
        }
        best = Math.min(best, s);
      },
    });
  } catch (e) {
    if (e instanceof DivergenceError) stoppedEarly = true;
    else if (!(e instanceof Stop) && !(e instanceof DescentError && e.cause instanceof Stop)) throw e;
  } finally {
    probe.dispose();
  }
  // Exclude the point that triggered the stop, then find the steepest descent and the minimum.
  const m = stoppedEarly && smoothed.length > 1 ? smoothed.length - 1 : smoothed.length;
  if (m < 3) throw new OptionError(`The sweep diverged after ${smoothed.length} batches: lower minLr (${minLr})`, 'minLr');
  const x = lrs.slice(0, m).map(Math.log10), s = smoothed.slice(0, m);
  // As fastai, the first points (the EMA's start-up noise) and the last ones (the blow-up) are not candidates:
  // skip min(10, m/5) at the start and min(5, m/10) at the end.
  const skipStart = Math.min(10, Math.floor(m / 5)), skipEnd = Math.min(5, Math.floor(m / 10));
  let steepest = skipStart, slopeMin = Infinity, minIdx = 0;
  for (let i = 0; i < m; i++) {
    if (s[i]! < s[minIdx]!) minIdx = i;
    if (i < skipStart || i >= m - skipEnd) continue;
    const lo = Math.max(0, i - 1), hi = Math.min(m - 1, i + 1);
    const slope = (s[hi]! - s[lo]!) / (x[hi]! - x[lo]!);
    if (slope < slopeMin) (slopeMin = slope), (steepest = i);
  }
  return { lrs, losses, smoothed, suggestion: lrs[steepest]!, minLossLr: lrs[minIdx]!, stoppedEarly };
}
