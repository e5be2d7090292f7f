// The AVX2+FMA kernel table: the shared body (kernels_impl.h) compiled for that ISA (no FMA contraction), and
// descent's packed GEMM (gemm_impl.h) on 256-bit vectors.
#include "kernels.h"
#if defined(__x86_64__)
#include <immintrin.h>

#include <new>
#pragma GCC target("avx2,fma")

namespace descent::isa_avx2 {

template <typename T>
struct Simd;
// 16 ymm registers: a 6 x 16 float tile is 12 accumulators, 2 B vectors and a broadcast (the Haswell shape).
template <>
struct Simd<float> {
  using V = __m256;
  static constexpr int kLanes = 8, kMr = 6;
  static constexpr bool kTranspose = false;
  static V Load(const float* p) { return _mm256_load_ps(p); }
  static V LoadU(const float* p) { return _mm256_loadu_ps(p); }
  static void StoreU(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V Set1(float x) { return _mm256_set1_ps(x); }
  static V Zero() { return _mm256_setzero_ps(); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V Mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V Add(V a, V b) { return _mm256_add_ps(a, b); }
};
template <>
struct Simd<double> {
  using V = __m256d;
  static constexpr int kLanes = 4, kMr = 6;
  static constexpr bool kTranspose = false;
  static V Load(const double* p) { return _mm256_load_pd(p); }
  static V LoadU(const double* p) { return _mm256_loadu_pd(p); }
  static void StoreU(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V Set1(double x) { return _mm256_set1_pd(x); }
  static V Zero() { return _mm256_setzero_pd(); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V Mul(V a, V b) { return _mm256_mul_pd(a, b); }
  static V Add(V a, V b) { return _mm256_add_pd(a, b); }
};

#define DESCENT_GEMM_ISA 1
#include "gemm_impl.h"
#include "kernels_impl.h"
}  // namespace descent::isa_avx2
#endif
