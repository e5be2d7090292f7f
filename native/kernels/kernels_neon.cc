// The AArch64 NEON table: the shared body (kernels_impl.h) at the baseline ISA, whose loops GCC vectorizes with
// Advanced SIMD (part of ARMv8-A, so no runtime check), and descent's packed GEMM (gemm_impl.h) on 128-bit vectors.
// 32 vector registers: an 8 x 2-vector tile is 16 accumulators, 2 B vectors and a broadcast.
#include "kernels.h"
#if defined(__aarch64__)
#include <arm_neon.h>

#include <new>

namespace descent::isa_neon {

template <typename T>
struct Simd;
template <>
struct Simd<float> {
  using V = float32x4_t;
  static constexpr int kLanes = 4, kMr = 8;
  static constexpr bool kTranspose = false;
  static V Load(const float* p) { return vld1q_f32(p); }
  static V LoadU(const float* p) { return vld1q_f32(p); }
  static void StoreU(float* p, V v) { vst1q_f32(p, v); }
  static V Set1(float x) { return vdupq_n_f32(x); }
  static V Zero() { return vdupq_n_f32(0.0f); }
  static V Fma(V a, V b, V c) { return vfmaq_f32(c, a, b); }  // c + a*b, one rounding
  static V Mul(V a, V b) { return vmulq_f32(a, b); }
  static V Add(V a, V b) { return vaddq_f32(a, b); }
};
template <>
struct Simd<double> {
  using V = float64x2_t;
  static constexpr int kLanes = 2, kMr = 8;
  static constexpr bool kTranspose = false;
  static V Load(const double* p) { return vld1q_f64(p); }
  static V LoadU(const double* p) { return vld1q_f64(p); }
  static void StoreU(double* p, V v) { vst1q_f64(p, v); }
  static V Set1(double x) { return vdupq_n_f64(x); }
  static V Zero() { return vdupq_n_f64(0.0); }
  static V Fma(V a, V b, V c) { return vfmaq_f64(c, a, b); }
  static V Mul(V a, V b) { return vmulq_f64(a, b); }
  static V Add(V a, V b) { return vaddq_f64(a, b); }
};

#define DESCENT_GEMM_ISA 1
#include "gemm_impl.h"
#include "kernels_impl.h"
}  // namespace descent::isa_neon
#endif
