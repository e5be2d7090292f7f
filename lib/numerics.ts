/** Small numeric helpers shared by the JS backend and the facade (no data-path code here). */

/**
 * The L2 norm of all elements of `tensors` together, `√Σx²`, summed in double. It does not overflow for finite
 * inputs: when the plain sum of squares is not finite while every element is, it is recomputed in units of the
 * largest |x| (the idea of LAPACK's dnrm2), as the native trainer's `GradNorm` does. A NaN or ±Infinity element
 * gives NaN or Infinity.
 */
export function l2Norm(tensors: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const t of tensors) for (let i = 0; i < t.length; i++) s += t[i]! * t[i]!;
  if (Number.isFinite(s)) return Math.sqrt(s);
  let m = 0;
  for (const t of tensors) {
    for (let i = 0; i < t.length; i++) {
      const a = Math.abs(t[i]!);
      if (!Number.isFinite(a)) return Math.sqrt(s);
      if (a > m) m = a;
    }
  }
  let u = 0;
  for (const t of tensors) {
    for (let i = 0; i < t.length; i++) {
      const x = t[i]! / m;
      u += x * x;
    }
  }
  return m * Math.sqrt(u);
}
