/**
 * Activations of the JS reference trainer, as native/kernels/activations.h computes them (formulas and sources in
 * lib/engine/spec.ts `ACTIVATIONS`). Evaluated in double; the trainer rounds to its dtype.
 */
import type { ActivationName } from '../../engine/spec';

/** Activation names resolved once to small integers for the inner loops' switches. */
export const ACT = { linear: 0, relu: 1, sigmoid: 2, tanh: 3, leakyRelu: 4, elu: 5, gelu: 6 } as const satisfies Record<ActivationName, number>;
const GELU_K = 0.7978845608028654;
const GELU_C = 0.044715;

/** `1/(1 + e^−z)`, never overflowing: exp is only taken of a non-positive number. */
export function stableSigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** `act(z)`; `param` is leakyRelu's slope or elu's alpha. */
export function activate(act: number, param: number, z: number): number {
  switch (act) {
    case ACT.relu: return z > 0 ? z : 0;
    case ACT.sigmoid: return stableSigmoid(z);
    case ACT.tanh: return Math.tanh(z);
    case ACT.leakyRelu: return z > 0 ? z : param * z;
    case ACT.elu: return z > 0 ? z : param * Math.expm1(z);
    case ACT.gelu: return 0.5 * z * (1 + Math.tanh(GELU_K * (z + GELU_C * z * z * z)));
    default: return z;
  }
}

/** `act'(z)` given the pre-activation `z` and the activation `a`. */
export function activationGrad(act: number, param: number, z: number, a: number): number {
  switch (act) {
    case ACT.relu: return z > 0 ? 1 : 0;
    case ACT.sigmoid: return a * (1 - a);
    case ACT.tanh: return 1 - a * a;
    case ACT.leakyRelu: return z > 0 ? 1 : param;
    case ACT.elu: return z > 0 ? 1 : a + param;
    case ACT.gelu: {
      const th = Math.tanh(GELU_K * (z + GELU_C * z * z * z));
      return 0.5 * (1 + th) + 0.5 * z * (1 - th * th) * GELU_K * (1 + 3 * GELU_C * z * z);
    }
    default: return 1;
  }
}
