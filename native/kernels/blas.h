// Thin, overloaded CBLAS wrappers so engine code is written once for float and double. Row-major throughout.
#pragma once
#include <cblas.h>
#include <pthread.h>

namespace descent::blas {

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
inline void gemv(bool transA, int m, int n, float alpha, const float* A, int lda, const float* x, float beta, float* y) {
  ForkGuard g;
  cblas_sgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, m, n, alpha, A, lda, x, 1, beta, y, 1);
}
inline void gemv(bool transA, int m, int n, double alpha, const double* A, int lda, const double* x, double beta,
                 double* y) {
  ForkGuard g;
  cblas_dgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, m, n, alpha, A, lda, x, 1, beta, y, 1);
}

}  // namespace descent::blas
