// The AVX-512 kernel table: the shared body (kernels_impl.h) compiled for that ISA (no FMA contraction), and
// descent's packed GEMM (gemm_impl.h) on 512-bit vectors.
#include "kernels.h"
#if defined(__x86_64__)
#include <immintrin.h>

#include <new>
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
// GCC 12's AVX-512 headers start some intrinsics from _mm512_undefined_ps(), which -Wuninitialized reports in
// every unit that inlines them (a known false positive: the undefined value is fully overwritten).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace descent::isa_avx512 {

template <typename T>
struct Simd;
// 32 zmm registers: a 12 x 32 float tile is 24 accumulators, 2 B vectors and a broadcast.
template <>
struct Simd<float> {
  using V = __m512;
  static constexpr int kLanes = 16, kMr = 12;
  static constexpr bool kTranspose = true;
  // out[p * W + r] = in[r * ld + p] for p < ps, r < lanes (rows >= `rows` read as zeros): a 16 x 16 transpose in
  // four shuffle stages (unpack, shuffle_ps, two shuffle_f32x4), masked at the edges.
  static void TransposeTile(const float* in, int ld, int rows, int ps, float* out, int W, int lanes) {
    const __mmask16 pm = static_cast<__mmask16>((1u << ps) - 1), lm = static_cast<__mmask16>((1u << lanes) - 1);
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++)
      r[i] = i < rows ? _mm512_maskz_loadu_ps(pm, in + static_cast<size_t>(i) * ld) : _mm512_setzero_ps();
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int g = 0; g < 16; g += 4) {
      r[g + 0] = _mm512_shuffle_ps(t[g + 0], t[g + 2], 0x44);
      r[g + 1] = _mm512_shuffle_ps(t[g + 0], t[g + 2], 0xEE);
      r[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0x44);
      r[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    for (int k = 0; k < 4; k++) {  // column c = k + 4 * lane of r[4g + k]
      const __m512 v = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x88), w = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xDD);
      const __m512 x = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x88), y = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xDD);
      t[k] = _mm512_shuffle_f32x4(v, x, 0x88);
      t[k + 8] = _mm512_shuffle_f32x4(v, x, 0xDD);
      t[k + 4] = _mm512_shuffle_f32x4(w, y, 0x88);
      t[k + 12] = _mm512_shuffle_f32x4(w, y, 0xDD);
    }
    for (int p = 0; p < ps; p++) _mm512_mask_storeu_ps(out + static_cast<size_t>(p) * W, lm, t[p]);
  }
  static V Load(const float* p) { return _mm512_load_ps(p); }
  static V LoadU(const float* p) { return _mm512_loadu_ps(p); }
  static void StoreU(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V Set1(float x) { return _mm512_set1_ps(x); }
  static V Zero() { return _mm512_setzero_ps(); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V Mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V Add(V a, V b) { return _mm512_add_ps(a, b); }
};
template <>
struct Simd<double> {
  using V = __m512d;
  static constexpr int kLanes = 8, kMr = 12;
  static constexpr bool kTranspose = false;
  static V Load(const double* p) { return _mm512_load_pd(p); }
  static V LoadU(const double* p) { return _mm512_loadu_pd(p); }
  static void StoreU(double* p, V v) { _mm512_storeu_pd(p, v); }
  static V Set1(double x) { return _mm512_set1_pd(x); }
  static V Zero() { return _mm512_setzero_pd(); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V Mul(V a, V b) { return _mm512_mul_pd(a, b); }
  static V Add(V a, V b) { return _mm512_add_pd(a, b); }
};

#define DESCENT_GEMM_ISA 1
#include "gemm_impl.h"
#include "kernels_impl.h"
}  // namespace descent::isa_avx512
#endif
