// The one body of every kernel table. Included once per ISA translation unit (kernels_scalar.cc, the reference;
// kernels_avx2.cc; kernels_avx512.cc) inside that ISA's namespace, after its `#pragma GCC target`, so the
// compiler vectorizes the same source for each ISA. Includes nothing and uses no std templates: an inline
// function instantiated under different target flags in two units would be merged by the linker (ODR), and the
// reference table could end up running AVX-512 code. Expects descent::KernelTable (kernels.h) visible.
#include "optimizers_impl.h"
#include "math_impl.h"
#include "heads_impl.h"

template <typename T>
static void Axpy(size_t n, T a, const T* __restrict x, T* __restrict y) {
  for (size_t i = 0; i < n; i++) y[i] += a * x[i];
}

template <typename T>
static void Clamp(size_t n, T c, T* __restrict x) {
  for (size_t i = 0; i < n; i++) {
    const T v = x[i];
    x[i] = v > c ? c : (v < -c ? -c : v);
  }
}

template <typename T>
static void Scale(size_t n, T a, T* __restrict x) {
  for (size_t i = 0; i < n; i++) x[i] *= a;
}

template <typename T>
static void SoftThreshold(size_t n, T t, T* __restrict x) {
  for (size_t i = 0; i < n; i++) {
    const T v = x[i];
    x[i] = v > t ? v - t : (v < -t ? v + t : T(0));
  }
}

template <typename T>
static double SumSquares(size_t n, const T* __restrict x) {
  double l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) {
      const double v = static_cast<double>(x[i + j]);
      l[j] += v * v;
    }
  for (int j = 0; i < n; i++, j++) {
    const double v = static_cast<double>(x[i]);
    l[j] += v * v;
  }
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

template <typename T>
static void OverrideSet(KernelSet<T>& k) {
  k.step = StepImpl<T>;
  k.axpy = Axpy<T>;
  k.clamp = Clamp<T>;
  k.scale = Scale<T>;
  k.softThreshold = SoftThreshold<T>;
  k.sumSquares = SumSquares<T>;
  k.biasActivate = BiasActivateImpl<T>;
  k.activationBackward = ActivationBackwardImpl<T>;
  k.loss = LossImpl<T>;
  k.exp = ExpImpl<T>;
  k.log1pUnit = Log1pUnitImpl<T>;
}

// Sets the entries this unit provides (all of them, from the shared body); dispatch.cc calls it on a copy of
// the table below, so a unit with hand-written kernels could override only those.
void Override(KernelTable& t) {
  OverrideSet(t.f32);
  OverrideSet(t.f64);
#ifdef DESCENT_GEMM_ISA
  OverrideGemm(t);
#endif
}
