/**
 * Weight initialization, done once in TypeScript for both backends (then handed over with setParams), so one seed
 * gives bit-identical starting weights everywhere. Draws come from the trainer's xoshiro128** stream, layer by
 * layer: the weight matrix `[units, inputs]` row-major, then the bias.
 */
import type { FloatArray } from '../backend/types';
import { EngineSpec, layoutOf } from '../engine/spec';
import { arrayFor } from '../data/matrix';
import { Rng } from '../rng';

/**
 * - `torchDefault`: PyTorch's `nn.Linear` default, `W, b ~ U(±1/√fanIn)`.
 * - `glorotUniform`: `U(±√(6/(fanIn+fanOut)))` (Glorot & Bengio 2010; `torch.nn.init.xavier_uniform_`).
 * - `glorotNormal`: `N(0, 2/(fanIn+fanOut))` (`xavier_normal_`; untruncated, unlike Keras).
 * - `heUniform`: `U(±√(6/fanIn))` (He et al. 2015; `kaiming_uniform_` for ReLU).
 * - `heNormal`: `N(0, 2/fanIn)` (`kaiming_normal_`; untruncated).
 * - `zeros`.
 * Biases start at zero except with `torchDefault`.
 */
export type Initializer = 'torchDefault' | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros';
export const INITIALIZERS: readonly Initializer[] = ['torchDefault', 'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'zeros'];

/** Standard normal by Box–Muller from two uniforms (the cosine branch only, so draws stay paired and simple). */
function normal(rng: Rng): number {
  const u1 = 1 - rng.uniform();
  const u2 = rng.uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Initial flat parameters `[W0, b0, W1, b1, …]` and the generator state after the draws. */
export function initialParams(spec: EngineSpec, inits: readonly Initializer[], seed: number): { params: FloatArray; rng: number[] } {
  const rng = new Rng(seed);
  const p = arrayFor(spec.dtype, layoutOf(spec.layers).total);
  let off = 0;
  spec.layers.forEach((L, l) => {
    const fanIn = L.inputs, fanOut = L.units, nW = L.units * L.inputs;
    const init = inits[l] ?? 'torchDefault';
    let draw: () => number;
    switch (init) {
      case 'torchDefault': {
        const b = 1 / Math.sqrt(fanIn);
        draw = () => (2 * rng.uniform() - 1) * b;
        break;
      }
      case 'glorotUniform': {
        const b = Math.sqrt(6 / (fanIn + fanOut));
        draw = () => (2 * rng.uniform() - 1) * b;
        break;
      }
      case 'heUniform': {
        const b = Math.sqrt(6 / fanIn);
        draw = () => (2 * rng.uniform() - 1) * b;
        break;
      }
      case 'glorotNormal': {
        const sd = Math.sqrt(2 / (fanIn + fanOut));
        draw = () => normal(rng) * sd;
        break;
      }
      case 'heNormal': {
        const sd = Math.sqrt(2 / fanIn);
        draw = () => normal(rng) * sd;
        break;
      }
      default:
        draw = () => 0;
    }
    for (let i = 0; i < nW; i++) p[off + i] = draw();
    off += nW;
    if (L.useBias) {
      if (init === 'torchDefault') {
        const b = 1 / Math.sqrt(fanIn);
        for (let i = 0; i < L.units; i++) p[off + i] = (2 * rng.uniform() - 1) * b;
      }
      off += L.units;
    }
  });
  return { params: p, rng: rng.getState() };
}
