/**
 * The element-wise scikit-learn heads of the JS trainer, mirroring `native/kernels/heads_impl.h` op for op (`r`
 * rounds to the trainer's dtype): each returns an element's loss (in double, unweighted) and writes dLoss/dz into
 * `g[0]`. Regression heads get (z, y); margin heads get (z, s) with s = ±1. Formulas and sources: docs/formulas.md.
 */
import type { LossName } from '../types';

export type ElementLoss = (z: number, y: number, g: number[]) => number;

export function elementLoss(loss: LossName, param: number, r: (x: number) => number): ElementLoss {
  const e = r(param);
  switch (loss) {
    case 'huber':
      return (z, y, g) => {
        const d = r(z - y), a = Math.abs(d);
        const inside = a <= e;
        g[0] = inside ? d : d > 0 ? e : -e;
        return inside ? 0.5 * d * d : e * a - 0.5 * e * e;
      };
    case 'epsilonInsensitive':
      return (z, y, g) => {
        const d = r(y - z), a = r(Math.abs(d) - e);
        g[0] = d > e ? -1 : -d > e ? 1 : 0;
        return a > 0 ? a : 0;
      };
    case 'squaredEpsilonInsensitive':
      return (z, y, g) => {
        const d = r(y - z), a = r(Math.abs(d) - e);
        g[0] = d > e ? r(-2 * r(d - e)) : d < -e ? r(2 * r(-d - e)) : 0;
        return a > 0 ? a * a : 0;
      };
    case 'quantile':
      return (z, y, g) => {
        const d = r(y - z);
        const above = d >= 0;
        g[0] = above ? -e : r(1 - e);
        return above ? e * d : (e - 1) * d;
      };
    case 'tweedie':
      if (param !== 1 && param !== 2) {
        const a1 = r(2 - param), b1 = r(1 - param);
        return (z, y, g) => {
          const a = r(Math.exp(r(a1 * z))), b = r(Math.exp(r(b1 * z)));
          g[0] = r(a - r(y * b));
          return a / a1 - (y * b) / b1;
        };
      }
      return elementLoss(param === 1 ? 'poisson' : 'gamma', 0, r);
    case 'poisson':
      return (z, y, g) => {
        const m = r(Math.exp(z));
        g[0] = r(m - y);
        return m - y * z;
      };
    case 'gamma':
      return (z, y, g) => {
        const m = r(Math.exp(-z));
        g[0] = r(1 - r(y * m));
        return z + y * m;
      };
    case 'log':
      return (z, s, g) => {
        const m = r(s * z), x = r(Math.exp(-Math.abs(m)));
        g[0] = r(-s * r((m >= 0 ? x : 1) / r(1 + x)));
        return r(r(m < 0 ? -m : 0) + r(Math.log1p(x)));
      };
    case 'hinge':
      return (z, s, g) => {
        const m = r(s * z);
        g[0] = m <= 1 ? -s : 0;
        return m <= 1 ? 1 - m : 0;
      };
    case 'perceptron':
      return (z, s, g) => {
        const m = r(s * z);
        g[0] = m <= 0 ? -s : 0;
        return m <= 0 ? -m : 0;
      };
    case 'squaredHinge':
      return (z, s, g) => {
        const t = r(1 - r(s * z));
        g[0] = t > 0 ? r(r(-2 * s) * t) : 0;
        return t > 0 ? t * t : 0;
      };
    case 'modifiedHuber':
      return (z, s, g) => {
        const m = r(s * z), t = r(1 - m);
        g[0] = m >= 1 ? 0 : m >= -1 ? r(r(-2 * s) * t) : -4 * s;
        return m >= 1 ? 0 : m >= -1 ? t * t : -4 * m;
      };
    default:
      throw new Error(`no element-wise head ${loss}`);
  }
}
