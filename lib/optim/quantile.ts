/**
 * `lbfgs()` on the quantile (pinball) loss of a linear model. The pinball loss ρ(r) = max(q·r, (q − 1)·r), r = y − z,
 * has a kink at 0 where L-BFGS stalls, so the solver minimizes Nesterov's smoothing of it (Nesterov 2005,
 * "Smooth minimization of non-smooth functions"): ρ_δ(r) = max_{u∈[q−1, q]} u·r − (δ/2)·u², i.e. u* = clamp(r/δ,
 * q − 1, q), ρ_δ = u*·r − (δ/2)·u*², with 0 ≤ ρ − ρ_δ ≤ (δ/2)·max(q, 1 − q)²; δ shrinks tenfold per stage from the
 * mean absolute residual to 1e-12 of it, each stage warm-started (continuation). Unpenalized, the problem is a
 * linear program whose optimum is a vertex through d + 1 data points (Koenker & Bassett 1978); the solution is
 * then polished onto the vertex through the d + 1 rows of smallest |residual| (exact, Gaussian elimination) when
 * that lowers the pinball loss, as scikit-learn's `QuantileRegressor(solver='highs')` returns a vertex.
 */
import type { BackendTrainer, FloatArray } from '../backend/types';
import type { EngineSpec } from '../engine/spec';
import { layoutOf } from '../engine/spec';
import { minimizeLbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs';

export interface QuantileSolve {
  result: LbfgsResult;
  /** Smoothing stages run and the last δ. */
  stages: number;
  delta: number;
  /** True when the vertex polish lowered the loss. */
  polished: boolean;
  /** The exact (unsmoothed) objective at the returned weights: mean pinball loss + (l2/2)·‖W‖². */
  objective: number;
}

/**
 * Minimizes the linear model's pinball objective from `x` (updated in place). `X` `[rows, d]`, `Y` `[rows, k]`;
 * `predict` computes the outputs natively in blocks of `spec.maxBatch` rows; `pause` yields to the event loop.
 */
export async function solveLinearQuantile(trainer: BackendTrainer, spec: EngineSpec, X: FloatArray, Y: FloatArray, rows: number, x: Float64Array, options: Required<LbfgsOptions>, pause: () => Promise<void>): Promise<QuantileSolve> {
  const L = spec.layers[0]!;
  const d = L.inputs, k = L.units, B = spec.maxBatch;
  const { weight, bias } = layoutOf(spec.layers);
  const wOff = weight[0]!, bOff = L.useBias ? bias[0]! : -1;
  const q = spec.lossParam ?? 0.5;
  const P = trainer.getParams();
  const Z = P instanceof Float64Array ? new Float64Array(B * k) : new Float32Array(B * k);
  const forEachResidual = async (xx: Float64Array, visit: (row: number, out: number, r: number) => void) => {
    P.set(xx);
    trainer.setParams(P);
    for (let s = 0; s < rows; s += B) {
      await pause();
      const r = Math.min(B, rows - s);
      trainer.predict(X.subarray(s * d, (s + r) * d), r, Z);
      for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) visit(s + i, j, Y[(s + i) * k + j]! - Z[i * k + j]!);
    }
  };
  const penalty = (xx: Float64Array, g?: Float64Array) => {
    let s = 0;
    for (let i = wOff; i < wOff + k * d; i++) {
      s += xx[i]! * xx[i]!;
      if (g) g[i] = g[i]! + spec.l2 * xx[i]!;
    }
    if (spec.penalizeBias && bOff >= 0)
      for (let i = bOff; i < bOff + k; i++) {
        s += xx[i]! * xx[i]!;
        if (g) g[i] = g[i]! + spec.l2 * xx[i]!;
      }
    return 0.5 * spec.l2 * s;
  };
  const exact = async (xx: Float64Array) => {
    let sum = 0;
    await forEachResidual(xx, (_i, _j, r) => (sum += r >= 0 ? q * r : (q - 1) * r));
    return sum / rows + penalty(xx);
  };
  // Stage objective: mean smoothed pinball; dρ_δ/dz = −u*, so ∂/∂W[j, c] = −mean(u*·x_c), ∂/∂b[j] = −mean(u*).
  let delta = 0;
  const smoothed = async (xx: Float64Array, g: Float64Array) => {
    g.fill(0);
    let sum = 0;
    await forEachResidual(xx, (i, j, r) => {
      const u = Math.min(q, Math.max(q - 1, r / delta));
      sum += u * r - 0.5 * delta * u * u;
      const row = wOff + j * d;
      for (let c = 0; c < d; c++) g[row + c] = g[row + c]! - u * X[i * d + c]!;
      if (bOff >= 0) g[bOff + j] = g[bOff + j]! - u;
    });
    for (let i = 0; i < g.length; i++) g[i] = g[i]! / rows;
    return sum / rows + penalty(xx, g);
  };
  let scale = 0;
  await forEachResidual(x, (_i, _j, r) => (scale += Math.abs(r)));
  scale = Math.max(scale / (rows * k), 1e-12);
  // Each stage is solved tightly (max |g| ≤ 1e-10, at least 1000 iterations): the vertex polish needs the smoothed
  // optimum close enough to rank the interpolated rows first.
  const maxIter = Math.max(options.maxIter, 1000);
  const stage = { ...options, tol: Math.min(options.tol, 1e-10), toleranceChange: 0, maxIter, maxEval: Math.max(options.maxEval, Math.floor((maxIter * 5) / 4)) };
  let result: LbfgsResult | undefined;
  let stages = 0;
  for (delta = scale; delta >= scale * 1e-12; delta /= 10) {
    const r = await minimizeLbfgs(smoothed, x, stage);
    result = result ? { ...r, iterations: result.iterations + r.iterations, evaluations: result.evaluations + r.evaluations, losses: [...result.losses, ...r.losses], gradMax: [...result.gradMax, ...r.gradMax], initialLoss: result.initialLoss } : r;
    stages++;
  }
  let objective = await exact(x);
  let polished = false;
  // The vertex polish (unpenalized, one output): interpolate the p rows of smallest |residual| exactly.
  const p = d + (bOff >= 0 ? 1 : 0);
  if (spec.l2 === 0 && spec.l1 === 0 && k === 1 && rows >= p) {
    for (let round = 0; round < 5; round++) {
      const res: { i: number; a: number }[] = [];
      await forEachResidual(x, (i, _j, r) => res.push({ i, a: Math.abs(r) }));
      res.sort((u, v) => u.a - v.a);
      const A = res.slice(0, p).map(({ i }) => [...Array.from(X.subarray(i * d, (i + 1) * d)), ...(bOff >= 0 ? [1] : []), Y[i]!]);
      const beta = solve(A, p);
      if (!beta) break;
      const cand = x.slice();
      for (let c = 0; c < d; c++) cand[wOff + c] = beta[c]!;
      if (bOff >= 0) cand[bOff] = beta[d]!;
      const o = await exact(cand);
      if (!(o < objective)) break;
      x.set(cand);
      objective = o;
      polished = true;
    }
  }
  return { result: result!, stages, delta: delta * 10, polished, objective };
}

/** Solves the p×p system in the augmented rows `A` ([p][p + 1]) by Gaussian elimination with partial pivoting; undefined when singular. */
function solve(A: number[][], p: number): number[] | undefined {
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    if (!(Math.abs(A[piv]![c]!) > 1e-12)) return undefined;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    for (let r = c + 1; r < p; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let j = c; j <= p; j++) A[r]![j] = A[r]![j]! - f * A[c]![j]!;
    }
  }
  const out = new Array<number>(p).fill(0);
  for (let c = p - 1; c >= 0; c--) {
    let s = A[c]![p]!;
    for (let j = c + 1; j < p; j++) s -= A[c]![j]! * out[j]!;
    out[c] = s / A[c]![c]!;
  }
  return out;
}
