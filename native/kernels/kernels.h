// One table of kernel function pointers per ISA (BLIS style): a reference table compiled from the plain body
// (kernels_impl.h in kernels_scalar.cc), and per-ISA tables that start from the one below and override entries
// (kernels_avx2.cc, kernels_avx512.cc). dispatch.cc picks the table at load; callers fetch it once per pass.
// Every elementwise entry is bit-identical across tables: the body has no reassociated reductions and kernels
// build with -ffp-contract=off (native/test/kernel_tests.cc checks each entry of each table against the
// reference); exp and log1p are polynomial (math_impl.h), not libm, for the same reason. GEMM is the exception: OpenBLAS (reference table) and descent's packed kernels (AVX2, AVX-512)
// sum in different orders with FMA, so a trained model differs across tables in the last bits (tested against a
// long-double reference instead); within one table it is identical for any thread count.
#pragma once
#include <cstddef>

#include "activations.h"
#include "dispatch.h"
#include "losses.h"
#include "optimizers.h"

namespace descent {

// One ISA's kernels for element type T. Pointers never alias unless said.
template <typename T>
struct KernelSet {
  // Fused optimizer update of n elements (see Step in optimizers.h); false if a parameter became non-finite.
  bool (*step)(const OptConfig& c, const StepScalars& s, size_t n, T* p, const T* g, T* s0, T* s1, T* s2);
  void (*axpy)(size_t n, T a, const T* x, T* y);  // y += a*x: coupled L2, g += l2*p
  void (*clamp)(size_t n, T c, T* x);             // x = x > c ? c : x < -c ? -c : x: clipValue
  void (*scale)(size_t n, T a, T* x);             // x *= a: clipNorm's coefficient
  void (*softThreshold)(size_t n, T t, T* x);     // x = x > t ? x - t : x < -t ? x + t : 0: proximal L1
  // sum of x[i]^2 in double, element i in lane i % 8, lanes added ((0+1)+(2+3))+((4+5)+(6+7)): the same sum on
  // every table and in lib/numerics.ts (sumSquares), vectorized (the gradient norm).
  double (*sumSquares)(size_t n, const T* x);
  // Activations and loss heads (heads_impl.h) on the vectorized exp/log1p of math_impl.h; accuracy stated there.
  // A[r, j] = act(Z[r, j] + b[j]), Z keeps the pre-activation; b may be null, A may equal Z (linear).
  void (*biasActivate)(Act act, T param, size_t rows, size_t cols, const T* b, T* Z, T* A);
  // D[i] *= act'(Z[i]) from the pre-activation Z and the activation A.
  void (*activationBackward)(Act act, T param, size_t n, const T* Z, const T* A, T* D);
  // Summed loss over the batch (double); dZ (nullable) = invScale * w_i * dLoss_i/dZ. See losses.h.
  double (*loss)(Loss loss, double param, size_t rows, size_t k, const T* Z, const T* Y, const T* w, T invScale, T* dZ);
  void (*exp)(size_t n, const T* x, T* y);        // y = exp(x), element-wise (exposed for the accuracy tests)
  void (*log1pUnit)(size_t n, const T* x, T* y);  // y = log1p(x) for x in [0, 1]
  // Single-threaded row-major C[m,n] = alpha*op(A)*op(B) + beta*C (gemm_impl.h), or null: OpenBLAS does it
  // (the reference table). Callers go through Gemm() in gemm.h, which splits large calls across the pool.
  void (*gemm)(bool transA, bool transB, int m, int n, int k, T alpha, const T* A, int lda, const T* B, int ldb,
               T beta, T* C, int ldc);
  int gemmMr, gemmNr;  // its register tile: a split of C across threads never cuts one
  bool gemmUseBlas;     // OpenBLAS measured faster for this table (AVX2 here): Gemm() calls it instead
};

struct KernelTable {
  const char* isa = nullptr;
  KernelSet<float> f32{};
  KernelSet<double> f64{};

  template <typename T>
  const KernelSet<T>& Of() const;
};
template <>
inline const KernelSet<float>& KernelTable::Of<float>() const {
  return f32;
}
template <>
inline const KernelSet<double>& KernelTable::Of<double>() const {
  return f64;
}

// The table in use (simd::Current()).
const KernelTable& Kernels();
// The table compiled for `isa`, or null when this CPU cannot run it.
const KernelTable* TableFor(simd::Isa isa);

// Step through a given set (the caller fetched the table once), split across the pool when n is large.
template <typename T>
bool Step(const KernelSet<T>& k, const OptConfig& c, const StepScalars& s, size_t n, T* p, const T* g, T* s0, T* s1,
          T* s2);

}  // namespace descent
