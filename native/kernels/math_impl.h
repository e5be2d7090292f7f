// Vectorizable exp and log1p for the kernel tables: branch-free arithmetic (selects, IEEE operations, integer bit
// moves), no libm calls, so GCC vectorizes the loops that call them and every table computes the same bits (the
// units build with -ffp-contract=off and without -ffast-math: nothing is reassociated or fused). Included by
// kernels_impl.h inside each ISA's namespace; includes nothing.
//
// Accuracy (native/test/kernel_tests.cc measures it against long double on a 200k-point sweep of the whole range,
// random points in [-2, 2] and the special values; the bound it checks is 2 ulp):
//   Exp   float: 1.12 ulp worst on [-103.97, 88.72], double: 1.09 ulp on [-745.13, 709.78]; 0 below that range
//         (subnormal results rounded once), +inf above it and for +inf, NaN for NaN.
//   Log1p (argument in [0, 1], the only use: log1p(exp(-|z|))): float 1.18 ulp worst, double 1.21 ulp.
// libm (glibc) is within 1 ulp; these are at most ~0.2 ulp worse and 3-5x faster per element vectorized.
// Method: Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, Taylor polynomial (degree 7 float, 13 double), 2^n
// built as two exponent-field scalings (so subnormal results round once). log1p: m = 1 + x, log(m) by fdlibm's
// s = f/(2+f) series (e_logf.c / e_log.c coefficients) plus the rounding correction (x - (m - 1))/m.

static inline float BitsToF(unsigned int u) {
  float f;
  __builtin_memcpy(&f, &u, sizeof f);
  return f;
}
static inline unsigned int FToBits(float f) {
  unsigned int u;
  __builtin_memcpy(&u, &f, sizeof u);
  return u;
}
static inline double BitsToD(unsigned long long u) {
  double f;
  __builtin_memcpy(&f, &u, sizeof f);
  return f;
}
static inline unsigned long long DToBits(double f) {
  unsigned long long u;
  __builtin_memcpy(&u, &f, sizeof u);
  return u;
}

// 2^k for an integer-valued k in [-149, 127] (float): the magic constant 1.5 * 2^23 puts k in the low bits.
static inline float Pow2F(float k) {
  const float magic = 12582912.0f;
  const unsigned int kb = FToBits(k + magic) - FToBits(magic);  // k as two's complement
  return BitsToF((kb + 127u) << 23);
}
static inline double Pow2D(double k) {
  const double magic = 6755399441055744.0;  // 1.5 * 2^52
  const unsigned long long kb = DToBits(k + magic) - DToBits(magic);
  return BitsToD((kb + 1023ull) << 52);
}

static inline float ExpF(float x) {
  const float hi = 88.72283935546875f, lo = -103.972084045410156f, magic = 12582912.0f;
  float xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;  // NaN passes through both; below lo the answer is 0 (selected at the end)
  const float n = (xc * 1.44269504088896341f + magic) - magic;  // round(x / ln2)
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.98412698e-4f;  // 1/7!
  p = p * r + 1.38888889e-3f;
  p = p * r + 8.33333333e-3f;
  p = p * r + 4.16666667e-2f;
  p = p * r + 1.66666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const float n1 = (n * 0.5f + magic) - magic, n2 = n - n1;  // n1 + n2 = n, each >= -75: normal scales
  const float y = p * Pow2F(n1) * Pow2F(n2);
  return x > hi ? __builtin_inff() : (x < lo ? 0.0f : y);
}

static inline double ExpD(double x) {
  const double hi = 709.782712893383973, lo = -745.133219101941108, magic = 6755399441055744.0;
  double xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  const double n = (xc * 1.44269504088896338700 + magic) - magic;
  double r = xc - n * 6.93147180369123816490e-01;
  r = r - n * 1.90821492927058770002e-10;
  double p = 1.6059043836821614599e-10;  // 1/13!
  p = p * r + 2.0876756987868098979e-09;
  p = p * r + 2.5052108385441718775e-08;
  p = p * r + 2.7557319223985890653e-07;
  p = p * r + 2.7557319223985890653e-06;
  p = p * r + 2.4801587301587301587e-05;
  p = p * r + 1.9841269841269841270e-04;
  p = p * r + 1.3888888888888888889e-03;
  p = p * r + 8.3333333333333333333e-03;
  p = p * r + 4.1666666666666666667e-02;
  p = p * r + 1.6666666666666666667e-01;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const double n1 = (n * 0.5 + magic) - magic, n2 = n - n1;
  const double y = p * Pow2D(n1) * Pow2D(n2);
  return x > hi ? __builtin_inf() : (x < lo ? 0.0 : y);
}

// log1p(x) for x in [0, 1] (NaN gives NaN).
static inline float Log1pUnitF(float x) {
  const float m = 1.0f + x;
  const float c = (x - (m - 1.0f)) / m;  // what rounding m lost, to first order
  const bool big = m > 1.41421356f;
  const float f = big ? m * 0.5f - 1.0f : m - 1.0f;  // exact (Sterbenz)
  const float k = big ? 1.0f : 0.0f;
  const float s = f / (2.0f + f), z = s * s, w = z * z;
  const float t1 = w * (0.40000972152f + w * 0.24279078841f);
  const float t2 = z * (0.66666662693f + w * 0.28498786688f);
  const float R = t2 + t1, hfsq = 0.5f * f * f;
  return k * 6.9313812256e-01f + ((f - (hfsq - s * (hfsq + R))) + (k * 9.0580006145e-06f + c));
}

static inline double Log1pUnitD(double x) {
  const double m = 1.0 + x;
  const double c = (x - (m - 1.0)) / m;
  const bool big = m > 1.41421356237309504880;
  const double f = big ? m * 0.5 - 1.0 : m - 1.0;
  const double k = big ? 1.0 : 0.0;
  const double s = f / (2.0 + f), z = s * s, w = z * z;
  const double t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const double t2 = z * (6.666666666666735130e-01 +
                         w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const double R = t2 + t1, hfsq = 0.5 * f * f;
  return k * 6.93147180369123816490e-01 + ((f - (hfsq - s * (hfsq + R))) + (k * 1.90821492927058770002e-10 + c));
}

static inline float Exp(float x) { return ExpF(x); }
static inline double Exp(double x) { return ExpD(x); }
static inline float Log1pUnit(float x) { return Log1pUnitF(x); }
static inline double Log1pUnit(double x) { return Log1pUnitD(x); }
// libm where no vector form is provided (tanh, expm1: ELU, GELU, tanh activations). Builtins, not <cmath>'s
// inline wrappers, so nothing is shared across ISA units (see kernels_impl.h).
static inline float Tanh(float x) { return __builtin_tanhf(x); }
static inline double Tanh(double x) { return __builtin_tanh(x); }
static inline float Expm1(float x) { return __builtin_expm1f(x); }
static inline double Expm1(double x) { return __builtin_expm1(x); }
