/**
 * The fused optimizers on their own, for callers who compute gradients elsewhere:
 * `const opt = createOptimizer(adam({ learningRate: 1e-3 }), params); opt.step(grads);`
 */
import { getBackend } from '../backend';
import type { FloatArray, OptimizerKernel } from '../backend/types';
import { numSlots, slotInit } from '../engine/spec';
import { OptionError, ShapeError, DivergenceError } from '../errors';
import { checkKeys, describe, num } from '../validate';
import { LearningRate, OptimizerSpec, isOptimizerSpec, learningRateAt } from './optimizers';

/** Plain, JSON-serializable optimizer state (torch's `state_dict()` equivalent). */
export interface OptimizerState {
  name: string;
  /** Completed steps. */
  step: number;
  /** NAdam's running product of momentum coefficients (1 otherwise). */
  muProduct: number;
  /** Per parameter tensor, per slot (e.g. Adam: exp_avg, exp_avg_sq[, max_exp_avg_sq]), the values. */
  slots: number[][][];
}

export interface Optimizer {
  /** Learning rate of the next step (a number set here replaces any schedule). */
  learningRate: number;
  /** Steps taken so far. */
  readonly stepCount: number;
  /**
   * Updates every parameter tensor in place from `grads` (same count, lengths and dtype as `params`).
   * Throws `ShapeError` on a mismatch, `DivergenceError` if a parameter becomes non-finite.
   */
  step(grads: readonly FloatArray[]): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
}

/**
 * Creates an optimizer over `params` (`Float32Array`s, or `Float64Array`s — one dtype for all), updated in place.
 * `options.backend` picks the kernels (default: native when it loads).
 */
export function createOptimizer(spec: OptimizerSpec, params: readonly FloatArray[], options: { backend?: 'native' | 'js' | 'auto' } = {}): Optimizer {
  if (!isOptimizerSpec(spec)) throw new OptionError(`Expected an optimizer from adam(), sgd(), … for spec but received ${describe(spec)}`, 'spec');
  checkKeys('options', options, ['backend']);
  if (!Array.isArray(params) || params.length === 0) throw new ShapeError(`Expected a non-empty array of Float32Array/Float64Array for params but received ${describe(params)}`, 'params');
  const float64 = params[0] instanceof Float64Array;
  params.forEach((p, i) => {
    if (!(float64 ? p instanceof Float64Array : p instanceof Float32Array))
      throw new ShapeError(`Expected params[${i}] to be a ${float64 ? 'Float64Array' : 'Float32Array'} (one dtype for all) but received ${describe(p)}`, `params[${i}]`);
  });
  const backend = getBackend(options.backend);
  const kernel: OptimizerKernel = backend.createOptimizerKernel(spec.config, float64 ? 'float64' : 'float32');
  const ns = numSlots(spec.config);
  const F = float64 ? Float64Array : Float32Array;
  const slots: FloatArray[][] = params.map((p) => Array.from({ length: ns }, (_, s) => new F(p.length).fill(slotInit(spec.config, s))));
  let lr: LearningRate = spec.learningRate;

  return {
    get learningRate() {
      return learningRateAt(lr, kernel.getState().step);
    },
    set learningRate(v: number) {
      lr = num('learningRate', v, { gt: 0 });
    },
    get stepCount() {
      return kernel.getState().step;
    },
    step(grads: readonly FloatArray[]): void {
      if (!Array.isArray(grads) || grads.length !== params.length)
        throw new ShapeError(`Expected ${params.length} gradient tensors (one per parameter) but received ${describe(grads)}`, 'grads');
      grads.forEach((g, i) => {
        if (!(g instanceof F)) throw new ShapeError(`Expected grads[${i}] to be a ${F.name} like params[${i}] but received ${describe(g)}`, `grads[${i}]`);
        if (g.length !== params[i]!.length) throw new ShapeError(`Expected grads[${i}] to have length ${params[i]!.length} but received ${g.length}`, `grads[${i}]`);
      });
      const t = kernel.getState().step;
      const rate = learningRateAt(lr, t);
      if (!(Number.isFinite(rate) && rate >= 0)) throw new OptionError(`The schedule returned a learning rate of ${rate} at step ${t}`, 'learningRate');
      kernel.prepare(rate);
      params.forEach((p, i) => {
        if (!kernel.apply(p, grads[i]!, ...slots[i]!)) throw new DivergenceError(1, t, NaN, `params[${i}]`);
      });
    },
    getState(): OptimizerState {
      const s = kernel.getState();
      return { name: spec.name, step: s.step, muProduct: s.muProduct, slots: slots.map((ps) => ps.map((a) => Array.from(a))) };
    },
    setState(state: OptimizerState): void {
      if (typeof state !== 'object' || state === null || state.name !== spec.name)
        throw new OptionError(`Expected a state saved from a ${spec.name} optimizer but received ${describe(state)}`, 'state');
      num('state.step', state.step, { integer: true, min: 0 });
      num('state.muProduct', state.muProduct, {});
      if (!Array.isArray(state.slots) || state.slots.length !== params.length)
        throw new ShapeError(`Expected state.slots to hold ${params.length} tensors`, 'state.slots');
      state.slots.forEach((ps, i) => {
        if (!Array.isArray(ps) || ps.length !== ns) throw new ShapeError(`Expected state.slots[${i}] to hold ${ns} slots`, `state.slots[${i}]`);
        ps.forEach((v, s) => {
          if (!Array.isArray(v) || v.length !== params[i]!.length) throw new ShapeError(`Expected state.slots[${i}][${s}] to have length ${params[i]!.length}`, `state.slots[${i}][${s}]`);
        });
      });
      state.slots.forEach((ps, i) => ps.forEach((v, s) => slots[i]![s]!.set(v)));
      kernel.setState({ step: state.step, muProduct: state.muProduct });
    },
  };
}
