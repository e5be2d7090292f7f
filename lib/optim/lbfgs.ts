/**
 * L-BFGS (Nocedal 1980; Liu & Nocedal 1989) as `torch.optim.LBFGS` 1.13 computes it — two-loop recursion, the
 * first step scaled by `min(1, 1/‖g‖₁)`, pairs kept only when `yᵀs > 1e-10`, `H₀ = yᵀs / yᵀy` — with its strong
 * Wolfe line search (`_strong_wolfe`: bracketing, then zoom by safeguarded cubic interpolation; c1 = 1e-4,
 * c2 = 0.9, 25 evaluations). One {@link minimizeLbfgs} call is one `LBFGS.step()` with `max_iter = maxIter`, so
 * its iterates are torch's (test/89 checks ten of them to 1e-10). Full batch: every evaluation is the whole
 * objective (data term of the engine's loss head plus the L2 penalty) at the current parameters.
 */
import { OptionError } from '../errors';
import { checkKeys, num, oneOf } from '../validate';

export interface LbfgsOptions {
  /** Iterations (torch's `max_iter`). Default 100 (scikit-learn's LogisticRegression `max_iter`). */
  maxIter?: number;
  /** Stop when max |gradient| ≤ tol (torch's `tolerance_grad`). Default 1e-7. */
  tol?: number;
  /** Stop when a step or the loss change is below this (torch's `tolerance_change`). Default 1e-9. */
  toleranceChange?: number;
  /** Correction pairs kept (torch's `history_size`). Default 10 (SciPy's L-BFGS-B `maxcor`). */
  historySize?: number;
  /** `'strongWolfe'` (default) or `'none'` (fixed step `learningRate`, torch's `line_search_fn=None`). */
  lineSearch?: 'strongWolfe' | 'none';
  /** Step scale (torch's `lr`). Default 1. */
  learningRate?: number;
  /** Objective evaluations allowed (torch's `max_eval`). Default ⌊1.25·maxIter⌋. */
  maxEval?: number;
}

/** A validated L-BFGS choice, passed as `fit(X, y, { optimizer: lbfgs() })`. */
export interface LbfgsSpec {
  readonly name: 'lbfgs';
  readonly options: Readonly<Required<LbfgsOptions>>;
}

/**
 * The L-BFGS solver for `fit(X, y, { optimizer: lbfgs({ … }) })`: full batch, deterministic, for the smooth
 * objectives (every loss head but hinge, perceptron, epsilon-insensitive and quantile, whose kinks break its
 * curvature pairs). With `l1 > 0` the model trains by OWL-QN ({@link minimizeOwlqn}). @throws OptionError for bad options.
 */
export function lbfgs(options: LbfgsOptions = {}): LbfgsSpec {
  const o = checkKeys('lbfgs options', options, ['maxIter', 'tol', 'toleranceChange', 'historySize', 'lineSearch', 'learningRate', 'maxEval']);
  const maxIter = num('maxIter', o.maxIter, { integer: true, min: 1, max: 1e9 }, 100);
  const opts = {
    maxIter,
    tol: num('tol', o.tol, { min: 0, max: 1e300 }, 1e-7),
    toleranceChange: num('toleranceChange', o.toleranceChange, { min: 0, max: 1e300 }, 1e-9),
    historySize: num('historySize', o.historySize, { integer: true, min: 1, max: 1e4 }, 10),
    lineSearch: oneOf('lineSearch', o.lineSearch, ['strongWolfe', 'none'] as const, 'strongWolfe'),
    learningRate: num('learningRate', o.learningRate, { gt: 0, max: 1e300 }, 1),
    maxEval: num('maxEval', o.maxEval, { integer: true, min: 1, max: 1e12 }, Math.floor((maxIter * 5) / 4)),
  };
  return Object.freeze({ name: 'lbfgs', options: Object.freeze(opts) });
}

export function isLbfgs(v: unknown): v is LbfgsSpec {
  return typeof v === 'object' && v !== null && (v as { name?: unknown }).name === 'lbfgs' && typeof (v as { options?: unknown }).options === 'object';
}

/** Re-validates an L-BFGS choice that came from outside (a saved training option, a hand-made object). */
export function normalizeLbfgs(v: unknown, argument = 'optimizer'): LbfgsSpec {
  if (!isLbfgs(v)) throw new OptionError(`Expected lbfgs({ … }) for ${argument}`, argument);
  return lbfgs(v.options);
}

/**
 * The objective at x: returns f(x) and writes ∇f(x) into g (synchronously, or as a Promise: the solvers await
 * it and yield to the event loop between evaluations).
 */
export type Objective = (x: Float64Array, g: Float64Array) => number | Promise<number>;

export interface LbfgsResult {
  /** Iterations run (torch's `n_iter`). */
  iterations: number;
  /** Objective evaluations (torch's `func_evals`). */
  evaluations: number;
  /** Objective after each iteration, and max |gradient| after it. */
  losses: number[];
  gradMax: number[];
  /** Objective at the start. */
  initialLoss: number;
  /**
   * Why it stopped: 'gradient' (max |g| ≤ tol), 'change' (a step or loss change ≤ toleranceChange), 'flat' (the
   * directional derivative along the new direction ≥ −toleranceChange: no further decrease to find, i.e. converged
   * to the tolerance; torch's `gtd > -tolerance_change` break), 'maxIter', 'maxEval'.
   */
  reason: 'gradient' | 'change' | 'maxIter' | 'maxEval' | 'flat';
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const maxAbs = (a: Float64Array): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/** Keeps the curvature pair (y, s) when yᵀs > 1e-10 (dropping the oldest beyond `history`); returns yᵀs, or 0 when skipped. */
function keepPair(dirs: Float64Array[], stps: Float64Array[], ro: number[], y: Float64Array, s: Float64Array, history: number): number {
  const ys = dot(y, s);
  if (!(ys > 1e-10)) return 0;
  if (dirs.length === history) {
    dirs.shift();
    stps.shift();
    ro.shift();
  }
  dirs.push(y);
  stps.push(s);
  ro.push(1 / ys);
  return ys;
}

/** The two-loop recursion: d = −H·g with H₀ = hDiag·I and the kept pairs (torch's order of operations); `al` is scratch. */
function twoLoop(g: Float64Array, dirs: Float64Array[], stps: Float64Array[], ro: number[], al: number[], hDiag: number): Float64Array {
  const n = g.length;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = -g[i]!;
  for (let i = dirs.length - 1; i >= 0; i--) {
    al[i] = dot(stps[i]!, d) * ro[i]!;
    const a = -al[i]!, yi = dirs[i]!;
    for (let j = 0; j < n; j++) d[j] = d[j]! + a * yi[j]!;
  }
  for (let j = 0; j < n; j++) d[j] = d[j]! * hDiag;
  for (let i = 0; i < dirs.length; i++) {
    const be = dot(dirs[i]!, d) * ro[i]!;
    const a = al[i]! - be, si = stps[i]!;
    for (let j = 0; j < n; j++) d[j] = d[j]! + a * si[j]!;
  }
  return d;
}

/** torch's `_cubic_interpolate`: the minimizer of the cubic through two points and slopes, clamped to bounds. */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  // A trial point where the objective overflowed (+∞) has no cubic: bisect (torch would return NaN here).
  if (!(Number.isFinite(f1) && Number.isFinite(f2) && Number.isFinite(g1) && Number.isFinite(g2))) return (lo + hi) / 2;
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    const d2 = Math.sqrt(d2sq);
    const m = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(m, lo), hi);
  }
  return (lo + hi) / 2;
}

/**
 * Minimizes `f` from `x` (updated in place) as one `torch.optim.LBFGS.step(closure)` with `max_iter = maxIter`.
 * `onIteration` runs after each iteration (return false to stop).
 */
export async function minimizeLbfgs(f: Objective, x: Float64Array, o: Required<LbfgsOptions>, onIteration?: (it: number, loss: number, gradMax: number) => boolean | void): Promise<LbfgsResult> {
  const n = x.length;
  let g: Float64Array = new Float64Array(n);
  let loss = await f(x, g);
  let evals = 1;
  const res: LbfgsResult = { iterations: 0, evaluations: 1, losses: [], gradMax: [], initialLoss: loss, reason: 'maxIter' };
  if (maxAbs(g) <= o.tol) {
    res.reason = 'gradient';
    return res;
  }
  const dirs: Float64Array[] = [], stps: Float64Array[] = [], ro: number[] = [];
  const al = new Array<number>(o.historySize).fill(0);
  let d: Float64Array = new Float64Array(n);
  let t = 0;
  let hDiag = 1;
  const prevG = new Float64Array(n);
  let prevLoss = 0;
  const xInit = new Float64Array(n);
  // x ← x0 + t·d, evaluated; x is restored to x0 afterwards (torch's _directional_evaluate).
  const evalAt = async (tt: number): Promise<{ f: number; g: Float64Array }> => {
    for (let i = 0; i < n; i++) x[i] = xInit[i]! + tt * d[i]!;
    const gg = new Float64Array(n);
    const ff = await f(x, gg);
    x.set(xInit);
    return { f: ff, g: gg };
  };
  let it = 0;
  while (it < o.maxIter) {
    it++;
    if (it === 1) {
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
    } else {
      const y = new Float64Array(n), s = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = g[i]! - prevG[i]!;
        s[i] = d[i]! * t;
      }
      const ys = keepPair(dirs, stps, ro, y, s, o.historySize);
      if (ys > 0) hDiag = ys / dot(y, y);
      d = twoLoop(g, dirs, stps, ro, al, hDiag);
    }
    prevG.set(g);
    prevLoss = loss;
    if (it === 1) {
      let s1 = 0;
      for (let i = 0; i < n; i++) s1 += Math.abs(g[i]!);
      t = Math.min(1, 1 / s1) * o.learningRate;
    } else t = o.learningRate;
    const gtd = dot(g, d);
    if (gtd > -o.toleranceChange) {
      res.reason = 'flat';
      it--;
      break;
    }
    let lsEvals = 0;
    let optCond = false;
    if (o.lineSearch === 'strongWolfe') {
      xInit.set(x);
      const r = await strongWolfe(evalAt, t, d, loss, g, gtd, o.toleranceChange);
      loss = r.f;
      g = r.g;
      t = r.t;
      lsEvals = r.evals;
      for (let i = 0; i < n; i++) x[i] = x[i]! + t * d[i]!;
      optCond = maxAbs(g) <= o.tol;
    } else {
      for (let i = 0; i < n; i++) x[i] = x[i]! + t * d[i]!;
      if (it !== o.maxIter) {
        g = new Float64Array(n);
        loss = await f(x, g);
        optCond = maxAbs(g) <= o.tol;
        lsEvals = 1;
      }
    }
    evals += lsEvals;
    res.losses.push(loss);
    res.gradMax.push(maxAbs(g));
    if (onIteration && onIteration(it, loss, maxAbs(g)) === false) break;
    if (it === o.maxIter) {
      res.reason = 'maxIter';
      break;
    }
    if (evals >= o.maxEval) {
      res.reason = 'maxEval';
      break;
    }
    if (optCond) {
      res.reason = 'gradient';
      break;
    }
    let step = 0;
    for (let i = 0; i < n; i++) step = Math.max(step, Math.abs(d[i]! * t));
    if (step <= o.toleranceChange || Math.abs(loss - prevLoss) < o.toleranceChange) {
      res.reason = 'change';
      break;
    }
  }
  res.iterations = it;
  res.evaluations = evals;
  return res;
}

/** torch's `_strong_wolfe` (c1 = 1e-4, c2 = 0.9, max_ls = 25). */
async function strongWolfe(evalAt: (t: number) => Promise<{ f: number; g: Float64Array }>, t: number, d: Float64Array, f: number, g: Float64Array, gtd: number, tolChange: number): Promise<{ f: number; g: Float64Array; t: number; evals: number }> {
  const c1 = 1e-4, c2 = 0.9, maxLs = 25;
  const dNorm = maxAbs(d);
  let { f: fNew, g: gNew } = await evalAt(t);
  let evals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let br: number[] = [], bf: number[] = [], bg: Float64Array[] = [], bgtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      br = [tPrev, t]; bf = [fPrev, fNew]; bg = [gPrev, gNew]; bgtd = [gtdPrev, gtdNew];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      br = [t]; bf = [fNew]; bg = [gNew];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      br = [tPrev, t]; bf = [fPrev, fNew]; bg = [gPrev, gNew]; bgtd = [gtdPrev, gtdNew];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev), maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp; fPrev = fNew; gPrev = gNew; gtdPrev = gtdNew;
    ({ f: fNew, g: gNew } = await evalAt(t));
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) {
    br = [0, t]; bf = [f, fNew]; bg = [g, gNew];
  }
  let insufProgress = false;
  let [low, high] = bf[0]! <= bf[bf.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(br[1]! - br[0]!) * dNorm < tolChange) break;
    t = cubicInterpolate(br[0]!, bf[0]!, bgtd[0]!, br[1]!, bf[1]!, bgtd[1]!);
    const bmax = Math.max(br[0]!, br[1]!), bmin = Math.min(br[0]!, br[1]!);
    const eps = 0.1 * (bmax - bmin);
    if (Math.min(bmax - t, t - bmin) < eps) {
      if (insufProgress || t >= bmax || t <= bmin) {
        t = Math.abs(t - bmax) < Math.abs(t - bmin) ? bmax - eps : bmin + eps;
        insufProgress = false;
      } else insufProgress = true;
    } else insufProgress = false;
    ({ f: fNew, g: gNew } = await evalAt(t));
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bf[low]!) {
      br[high] = t; bf[high] = fNew; bg[high] = gNew; bgtd[high] = gtdNew;
      [low, high] = bf[0]! <= bf[1]! ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
      else if (gtdNew * (br[high]! - br[low]!) >= 0) {
        br[high] = br[low]!; bf[high] = bf[low]!; bg[high] = bg[low]!; bgtd[high] = bgtd[low]!;
      }
      br[low] = t; bf[low] = fNew; bg[low] = gNew; bgtd[low] = gtdNew;
    }
  }
  return { f: bf[low]!, g: bg[low]!, t: br[low]!, evals };
}

/**
 * OWL-QN (Andrew & Gao 2007): L-BFGS for `F(x) = f(x) + l1·Σ_{i∈P}|xᵢ|` (P: the penalized entries). The
 * pseudo-gradient ◇F replaces ∇F, the two-loop direction (curvature pairs from ∇f only) is zeroed where it
 * disagrees in sign with −◇F, and a backtracking line search (halving, sufficient decrease 1e-4 along ◇F)
 * projects each trial point onto the orthant of the start point (ξᵢ = sign xᵢ, or sign −◇Fᵢ at 0), so weights
 * reach exact zeros. Stops as {@link minimizeLbfgs} (`tol` on max |◇F|). `f` is the smooth part.
 */
export async function minimizeOwlqn(f: Objective, x: Float64Array, l1: number, penalized: Uint8Array, o: Required<LbfgsOptions>, onIteration?: (it: number, loss: number, gradMax: number) => boolean | void): Promise<LbfgsResult> {
  const n = x.length;
  const l1Of = (v: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) if (penalized[i]) s += Math.abs(v[i]!);
    return l1 * s;
  };
  const pseudo = (v: Float64Array, g: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      if (!penalized[i]) out[i] = gi;
      else if (v[i]! > 0) out[i] = gi + l1;
      else if (v[i]! < 0) out[i] = gi - l1;
      else out[i] = gi + l1 < 0 ? gi + l1 : gi - l1 > 0 ? gi - l1 : 0;
    }
  };
  let g = new Float64Array(n);
  let loss = (await f(x, g)) + l1Of(x);
  let evals = 1;
  const pg = new Float64Array(n);
  pseudo(x, g, pg);
  const res: LbfgsResult = { iterations: 0, evaluations: 1, losses: [], gradMax: [], initialLoss: loss, reason: 'maxIter' };
  if (maxAbs(pg) <= o.tol) {
    res.reason = 'gradient';
    return res;
  }
  const dirs: Float64Array[] = [], stps: Float64Array[] = [], ro: number[] = [];
  const al = new Array<number>(o.historySize).fill(0);
  const xNew = new Float64Array(n);
  let it = 0;
  while (it < o.maxIter) {
    it++;
    // Two-loop recursion on ◇F, H₀ from the newest pair.
    const last = dirs.length - 1;
    const d = twoLoop(pg, dirs, stps, ro, al, last >= 0 ? dot(dirs[last]!, stps[last]!) / dot(dirs[last]!, dirs[last]!) : 1);
    for (let i = 0; i < n; i++) if (penalized[i] && d[i]! * pg[i]! >= 0) d[i] = 0; // keep the descent orthant
    const dirDeriv = dot(pg, d);
    if (!(dirDeriv < -o.toleranceChange)) {
      res.reason = 'flat';
      it--;
      break;
    }
    let s1 = 0;
    for (let i = 0; i < n; i++) s1 += Math.abs(pg[i]!);
    let t = dirs.length === 0 ? Math.min(1, 1 / s1) * o.learningRate : o.learningRate;
    const gNew = new Float64Array(n);
    let lossNew = Infinity;
    let ls = 0;
    for (; ls < 50; ls++) {
      for (let i = 0; i < n; i++) {
        const v = x[i]! + t * d[i]!;
        const xi = x[i] !== 0 ? Math.sign(x[i]!) : Math.sign(-pg[i]!);
        xNew[i] = penalized[i] && Math.sign(v) !== xi ? 0 : v;
      }
      lossNew = (await f(xNew, gNew)) + l1Of(xNew);
      evals++;
      let dec = 0;
      for (let i = 0; i < n; i++) dec += pg[i]! * (xNew[i]! - x[i]!);
      if (lossNew <= loss + 1e-4 * dec) break;
      t /= 2;
    }
    if (ls === 50) {
      res.reason = 'change';
      it--;
      break;
    }
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    keepPair(dirs, stps, ro, y, s, o.historySize);
    const prevLoss = loss;
    x.set(xNew);
    g = gNew;
    loss = lossNew;
    pseudo(x, g, pg);
    const gm = maxAbs(pg);
    res.losses.push(loss);
    res.gradMax.push(gm);
    if (onIteration && onIteration(it, loss, gm) === false) break;
    if (evals >= o.maxEval) {
      res.reason = 'maxEval';
      break;
    }
    if (gm <= o.tol) {
      res.reason = 'gradient';
      break;
    }
    if (maxAbs(s) <= o.toleranceChange || Math.abs(loss - prevLoss) < o.toleranceChange) {
      res.reason = 'change';
      break;
    }
  }
  res.iterations = it;
  res.evaluations = evals;
  return res;
}
