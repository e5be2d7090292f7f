/**
 * Pure-TS mirror of native/kernels/optimizers.{h,cc,_impl.h}: the same per-step scalars and the same
 * element-wise operations in the same order (torch.optim, PyTorch 1.13 single-tensor path). Arithmetic is
 * done in double and stored into the parameter's own array type.
 */
import type { Dtype, FloatArray, KernelConfig, OptimizerKernel } from '../types';
import { numSlots } from '../../engine/spec';
import { ShapeError, StateError } from '../../errors';

export interface GlobalState {
  step: number;
  muProduct: number;
}

export interface StepScalars {
  lr: number;
  wd: number;
  decay: number;
  c1: number;
  c2: number;
  c3: number;
  first: boolean;
}

/** Advances the step count and returns the step's scalars (bias corrections folded in). */
export function prepare(c: KernelConfig, g: GlobalState, lr: number): StepScalars {
  g.step += 1;
  const t = g.step;
  const s: StepScalars = { lr, wd: 0, decay: 1, c1: 0, c2: 0, c3: 0, first: t === 1 };
  if (c.decoupled) s.decay = 1 - lr * c.weightDecay;
  else s.wd = c.weightDecay;
  switch (c.kernel) {
    case 'adam':
      s.c1 = lr / (1 - Math.pow(c.beta1, t));
      s.c2 = Math.sqrt(1 - Math.pow(c.beta2, t));
      break;
    case 'adagrad':
      s.c1 = lr / (1 + (t - 1) * c.lrDecay);
      break;
    case 'adamax':
      s.c1 = lr / (1 - Math.pow(c.beta1, t));
      break;
    case 'nadam': {
      const mu = c.beta1 * (1 - 0.5 * Math.pow(0.96, t * c.momentumDecay));
      const muNext = c.beta1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * c.momentumDecay));
      g.muProduct *= mu;
      // PyTorch 1.13: mu_product_next = mu_product * mu * mu_next (mu counted twice); matched on purpose.
      const muProductNext = g.muProduct * mu * muNext;
      s.c1 = (lr * (1 - mu)) / (1 - g.muProduct);
      s.c2 = (lr * muNext) / (1 - muProductNext);
      s.c3 = 1 - Math.pow(c.beta2, t);
      break;
    }
  }
  return s;
}

/**
 * One fused update over `n` elements starting at `off`. Returns false if a parameter, or a state slot a huge
 * gradient overflows first (squared-gradient averages, momentum buffers; as stored, so float32 overflow counts),
 * became non-finite — the same elements the native kernel checks.
 * Intermediates are computed in double and rounded once when stored, so float32 results may differ from the
 * native float kernel (which rounds every operation) in the last bits; float64 results match op for op.
 */
export function step(
  c: KernelConfig,
  s: StepScalars,
  p: FloatArray,
  g: FloatArray,
  s0: FloatArray | undefined,
  s1: FloatArray | undefined,
  s2: FloatArray | undefined,
  off = 0,
  n = p.length,
): boolean {
  const lr = (s.lr), wd = (s.wd), decay = (s.decay), c1 = (s.c1), c2 = (s.c2), c3 = (s.c3);
  let bad = 0;
  const end = off + n;
  switch (c.kernel) {
    case 'sgd': {
      const mom = (c.momentum), damp1 = (1 - c.dampening);
      for (let i = off; i < end; i++) {
        const pi = (p[i]! * decay);
        let gi = (g[i]! + (wd * pi));
        if (c.momentum !== 0) {
          const b = s.first ? gi : ((mom * s0![i]!) + (damp1 * gi));
          s0![i] = b;
          bad += s0![i]! - s0![i]!;
          gi = c.nesterov ? (gi + (mom * b)) : b;
        }
        p[i] = (pi - (lr * gi));
        bad += p[i]! - p[i]!;
      }
      break;
    }
    case 'adam': {
      const b1 = (c.beta1), b2 = (c.beta2), ob1 = (1 - c.beta1), ob2 = (1 - c.beta2), eps = (c.epsilon);
      for (let i = off; i < end; i++) {
        let pi = (p[i]! * decay);
        const gi = (g[i]! + (wd * pi));
        const m = ((b1 * s0![i]!) + (ob1 * gi));
        const v = ((b2 * s1![i]!) + ((ob2 * gi) * gi));
        s0![i] = m;
        s1![i] = v;
        bad += s1![i]! - s1![i]!; // as stored: float32 overflows where the double does not
        let vv = v;
        if (c.amsgrad) {
          vv = s2![i]! > v ? s2![i]! : v;
          s2![i] = vv;
        }
        const denom = (((Math.sqrt(vv)) / c2) + eps);
        pi = (pi - ((c1 * m) / denom));
        p[i] = pi;
        bad += pi - pi;
      }
      break;
    }
    case 'rmsprop': {
      const a = (c.alpha), oa = (1 - c.alpha), eps = (c.epsilon), mom = (c.momentum);
      for (let i = off; i < end; i++) {
        const gi = (g[i]! + (wd * p[i]!));
        const sq = ((a * s0![i]!) + ((oa * gi) * gi));
        s0![i] = sq;
        bad += s0![i]! - s0![i]!;
        let avg: number;
        if (c.centered) {
          const ga = ((a * s2![i]!) + (oa * gi));
          s2![i] = ga;
          avg = ((Math.sqrt((sq - (ga * ga)))) + eps);
        } else {
          avg = ((Math.sqrt(sq)) + eps);
        }
        let pi = (p[i]! * decay);
        if (c.momentum > 0) {
          const b = ((mom * s1![i]!) + (gi / avg));
          s1![i] = b;
          pi = (pi - (lr * b));
        } else {
          pi = (pi - ((lr * gi) / avg));
        }
        p[i] = pi;
        bad += pi - pi;
      }
      break;
    }
    case 'adagrad': {
      const eps = (c.epsilon);
      for (let i = off; i < end; i++) {
        const gi = (g[i]! + (wd * p[i]!));
        const sum = (s0![i]! + (gi * gi));
        s0![i] = sum;
        bad += s0![i]! - s0![i]!;
        let pi = (p[i]! * decay);
        pi = (pi - ((c1 * gi) / ((Math.sqrt(sum)) + eps)));
        p[i] = pi;
        bad += pi - pi;
      }
      break;
    }
    case 'adadelta': {
      const rho = (c.rho), orho = (1 - c.rho), eps = (c.epsilon);
      for (let i = off; i < end; i++) {
        const gi = (g[i]! + (wd * p[i]!));
        const sq = ((rho * s0![i]!) + ((orho * gi) * gi));
        s0![i] = sq;
        bad += s0![i]! - s0![i]!;
        const sd = (Math.sqrt((sq + eps)));
        const delta = (((Math.sqrt((s1![i]! + eps))) / sd) * gi);
        s1![i] = ((rho * s1![i]!) + ((orho * delta) * delta));
        bad += s1![i]! - s1![i]!;
        let pi = (p[i]! * decay);
        pi = (pi - (lr * delta));
        p[i] = pi;
        bad += pi - pi;
      }
      break;
    }
    case 'adamax': {
      const b1 = (c.beta1), ob1 = (1 - c.beta1), b2 = (c.beta2), eps = (c.epsilon);
      for (let i = off; i < end; i++) {
        const gi = (g[i]! + (wd * p[i]!));
        const m = ((b1 * s0![i]!) + (ob1 * gi));
        s0![i] = m;
        const u1 = (b2 * s1![i]!), u2 = (Math.abs(gi) + eps);
        const u = u1 > u2 ? u1 : u2;
        s1![i] = u;
        bad += s1![i]! - s1![i]!;
        let pi = (p[i]! * decay);
        pi = (pi - ((c1 * m) / u));
        p[i] = pi;
        bad += pi - pi;
      }
      break;
    }
    case 'nadam': {
      const b1 = (c.beta1), ob1 = (1 - c.beta1), b2 = (c.beta2), ob2 = (1 - c.beta2), eps = (c.epsilon);
      for (let i = off; i < end; i++) {
        const gi = (g[i]! + (wd * p[i]!));
        const m = ((b1 * s0![i]!) + (ob1 * gi));
        const v = ((b2 * s1![i]!) + ((ob2 * gi) * gi));
        s0![i] = m;
        s1![i] = v;
        bad += s1![i]! - s1![i]!;
        const denom = ((Math.sqrt((v / c3))) + eps);
        let pi = (p[i]! * decay);
        pi = (pi - ((c1 * gi) / denom));
        pi = (pi - ((c2 * m) / denom));
        p[i] = pi;
        bad += pi - pi;
      }
      break;
    }
    default: {
      // A kernel added to the engine table without its JS mirror is a compile error here, and never a silent no-op.
      const missing: never = c.kernel;
      throw new Error(`no JS kernel for optimizer kernel ${String(missing)}`);
    }
  }
  return bad === 0;
}

/** The JS backend's standalone kernel (mirrors the native OptimizerKernel). */
export class JsOptimizerKernel implements OptimizerKernel {
  private state: GlobalState = { step: 0, muProduct: 1 };
  private scalars: StepScalars | undefined;
  constructor(
    private readonly config: KernelConfig,
    private readonly dtype: Dtype,
  ) {}
  prepare(learningRate: number): void {
    this.scalars = prepare(this.config, this.state, learningRate);
  }
  apply(params: FloatArray, grads: FloatArray, ...slots: FloatArray[]): boolean {
    if (!this.scalars) throw new StateError('Call prepare(learningRate) before apply()', 'apply');
    const Want = this.dtype === 'float64' ? Float64Array : Float32Array;
    const check = (a: unknown, name: string) => {
      if (!(a instanceof Want)) throw new ShapeError(`Expected a ${Want.name} for ${name}`, name);
      if ((a as FloatArray).length !== params.length)
        throw new ShapeError(`Expected ${name} to have length ${params.length} (the length of params) but received length ${(a as FloatArray).length}`, name);
    };
    check(params, 'params');
    check(grads, 'grads');
    const ns = numSlots(this.config);
    for (let i = 0; i < ns; i++) check(slots[i], `state[${i}]`);
    return step(this.config, this.scalars, params, grads, slots[0], slots[1], slots[2]);
  }
  numSlots(): number {
    return numSlots(this.config);
  }
  getState(): { step: number; muProduct: number } {
    return { ...this.state };
  }
  setState(state: { step: number; muProduct: number }): void {
    this.state = { step: state.step, muProduct: state.muProduct };
  }
}
