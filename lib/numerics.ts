/** Small numeric helpers shared by the JS backend and the facade (no data-path code here). */

/**
 * The L2 norm of all elements of `tensors` together, `√Σx²`, summed in double. It does not overflow for finite
 * inputs: when the plain sum of squares is not finite while every element is, it is recomputed in units of the
 * largest |x| (the idea of LAPACK's dnrm2), as the native trainer's `GradNorm` does. A NaN or ±Infinity element
 * gives NaN or Infinity.
 */
export function l2Norm(tensors: readonly ArrayLike<number>[]): number {
  const s = sumSquares(tensors);
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

/**
 * Sum of squares of all elements, in the native kernels' order (native/kernels/kernels.h `sumSquares`): element
 * i (counted across the tensors in order) goes to lane i % 8, lanes are added ((0+1)+(2+3))+((4+5)+(6+7)). Eight
 * partial sums let the native loop vectorize; the same order here keeps both backends' norms identical.
 */
export function sumSquares(tensors: readonly ArrayLike<number>[]): number {
  let l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
  let j = 0;
  for (const t of tensors) {
    const n = t.length;
    let i = 0;
    for (; i < n && j !== 0; i++, j = (j + 1) & 7) {
      const v = t[i]! * t[i]!;
      if (j === 1) l1 += v; else if (j === 2) l2 += v; else if (j === 3) l3 += v; else if (j === 4) l4 += v; else if (j === 5) l5 += v; else if (j === 6) l6 += v; else l7 += v;
    }
    for (; i + 8 <= n; i += 8) {
      const a = t[i]!, b = t[i + 1]!, c = t[i + 2]!, d = t[i + 3]!, e = t[i + 4]!, f = t[i + 5]!, g = t[i + 6]!, h = t[i + 7]!;
      l0 += a * a; l1 += b * b; l2 += c * c; l3 += d * d; l4 += e * e; l5 += f * f; l6 += g * g; l7 += h * h;
    }
    for (; i < n; i++, j = (j + 1) & 7) {
      const v = t[i]! * t[i]!;
      if (j === 0) l0 += v; else if (j === 1) l1 += v; else if (j === 2) l2 += v; else if (j === 3) l3 += v; else if (j === 4) l4 += v; else if (j === 5) l5 += v; else if (j === 6) l6 += v; else l7 += v;
    }
  }
  return ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
}
