// Thin, overloaded CBLAS wrappers so engine code is written once for float and double. Row-major throughout.
// The BLAS is OpenBLAS (Linux, Windows: linked statically into prebuilds) or, in a macOS source build
// (DESCENT_ACCELERATE), Apple's Accelerate, which has the same CBLAS interface but no thread control.
#pragma once
#if defined(DESCENT_ACCELERATE)
#include <Accelerate/Accelerate.h>
#include <unistd.h>
#else
#include <cblas.h>
#endif
#include <pthread.h>

namespace descent::blas {

// Which BLAS, and its threads (OpenBLAS's are process-wide; Accelerate manages its own, so there the count is
// only descent's pool size, starting at the core count).
#if defined(DESCENT_ACCELERATE)
inline int& AccelerateThreads() {
  static int n = 0;
  if (n == 0) {
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    n = cores > 0 ? static_cast<int>(cores) : 1;
  }
  return n;
}
#endif
inline const char* VendorConfig() {
#if defined(DESCENT_ACCELERATE)
  return "Accelerate";
#else
  return openblas_get_config();
#endif
}
inline int VendorThreads() {
#if defined(DESCENT_ACCELERATE)
  return AccelerateThreads();
#else
  return openblas_get_num_threads();
#endif
}
inline void SetVendorThreads(int n) {
#if defined(DESCENT_ACCELERATE)
  AccelerateThreads() = n;
#else
  openblas_set_num_threads(n);
#endif
}

// See blas_fork.cc: BLAS calls hold this shared; a fork takes it exclusively.
extern pthread_rwlock_t g_lock;
void InstallForkGuard();
struct ForkGuard {
  ForkGuard() { pthread_rwlock_rdlock(&g_lock); }
  ~ForkGuard() { pthread_rwlock_unlock(&g_lock); }
  ForkGuard(const ForkGuard&) = delete;
  ForkGuard& operator=(const ForkGuard&) = delete;
};

// C[m,n] = alpha * op(A) * op(B) + beta * C
inline void gemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc) {
  ForkGuard g;
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
              alpha, A, lda, B, ldb, beta, C, ldc);
}
inline void gemm(bool transA, bool transB, int m, int n, int k, double alpha, const double* A, int lda,
                 const double* B, int ldb, double beta, double* C, int ldc) {
  ForkGuard g;
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
              alpha, A, lda, B, ldb, beta, C, ldc);
}

// y = alpha * op(A) * x + beta * y, A [m, n] row-major. For one-unit layers: sgemv has a fraction of
// sgemm's per-call overhead on these shapes (~0.9 µs vs ~3 µs for 256 x 64).
//
// OpenBLAS 0.3.21 threads any gemv with m*n >= 2304 * GEMM_MULTITHREAD_THRESHOLD (= 9216), and on the shapes
// mini-batches have that is a loss: 256 x 64 takes 5.8 µs on 2 threads against 0.93 µs on 1, 1024 x 64 8.9 vs
// 3.9 µs, 256 x 784 14.9 vs 10.1 µs (it starts paying off near m*n = 2^18). Below that size, with more than one
// BLAS thread, the call is split into row blocks that each stay under the threshold, so every call runs on the
// calling thread (blocked: 1.0, 4.1 and 12.3 µs). There is no per-call thread count in 0.3.21.
constexpr long kGemvThreadMin = 9216;
constexpr long kGemvThreadPays = long(1) << 18;

inline bool SplitGemv(int m, int n) {
  const long mn = static_cast<long>(m) * n;
  return mn >= kGemvThreadMin && mn < kGemvThreadPays && n < kGemvThreadMin && VendorThreads() > 1;
}

template <typename T, typename F>
inline void GemvRows(bool transA, int m, int n, T alpha, const T* A, int lda, const T* x, T beta, T* y, F call) {
  if (!SplitGemv(m, n)) {
    call(transA, m, n, alpha, A, lda, x, beta, y);
    return;
  }
  const int rows = static_cast<int>((kGemvThreadMin - 1) / n);
  for (int i = 0; i < m; i += rows) {
    const int r = m - i < rows ? m - i : rows;
    if (transA)  // y[n] accumulates A[i:i+r]^T x[i:i+r] block by block
      call(true, r, n, alpha, A + static_cast<long>(i) * lda, lda, x + i, i == 0 ? beta : T(1), y);
    else
      call(false, r, n, alpha, A + static_cast<long>(i) * lda, lda, x, beta, y + i);
  }
}

inline void gemv(bool transA, int m, int n, float alpha, const float* A, int lda, const float* x, float beta, float* y) {
  ForkGuard g;
  GemvRows(transA, m, n, alpha, A, lda, x, beta, y,
           [](bool t, int mm, int nn, float a, const float* AA, int ld, const float* xx, float b, float* yy) {
             cblas_sgemv(CblasRowMajor, t ? CblasTrans : CblasNoTrans, mm, nn, a, AA, ld, xx, 1, b, yy, 1);
           });
}
inline void gemv(bool transA, int m, int n, double alpha, const double* A, int lda, const double* x, double beta,
                 double* y) {
  ForkGuard g;
  GemvRows(transA, m, n, alpha, A, lda, x, beta, y,
           [](bool t, int mm, int nn, double a, const double* AA, int ld, const double* xx, double b, double* yy) {
             cblas_dgemv(CblasRowMajor, t ? CblasTrans : CblasNoTrans, mm, nn, a, AA, ld, xx, 1, b, yy, 1);
           });
}

}  // namespace descent::blas
