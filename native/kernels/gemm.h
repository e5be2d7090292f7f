// The trainer's one GEMM entry: row-major C[m,n] = alpha*op(A)[m,k]*op(B)[k,n] + beta*C through the kernel table.
// Tables with descent's packed GEMM (AVX2, AVX-512: gemm_impl.h) run it here, split across the pool when the call
// is large enough to pay for waking a thread; the reference table (and DESCENT_GEMM=openblas) calls OpenBLAS.
// A split hands each thread whole MR x NR tiles of C and the full k range, and the packed kernel sums every
// element in the same order wherever its tile lies, so results are identical for any thread count.
#pragma once
#include <cstddef>

#include "blas.h"
#include "kernels.h"
#include "parallel.h"

namespace descent {

// Below this many multiply-adds a call stays on the calling thread: waking a worker costs ~10-20 µs, the time
// of ~1-2M multiply-adds at the AVX-512 rate.
constexpr double kGemmParallelMin = 1.5e6;

template <typename T>
void Gemm(const KernelSet<T>& k, bool transA, bool transB, int m, int n, int kk, T alpha, const T* A, int lda,
          const T* B, int ldb, T beta, T* C, int ldc) {
  if (k.gemm == nullptr || k.gemmUseBlas) {
    blas::gemm(transA, transB, m, n, kk, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  const int threads = parallel::Threads();
  if (threads <= 1 || static_cast<double>(m) * n * kk < kGemmParallelMin) {
    k.gemm(transA, transB, m, n, kk, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // Each part packs its own panels: splitting C by columns makes every part pack all of op(A) (m x k), by rows
  // all of op(B) (k x n). Duplicate the smaller one, as long as there are at least two tiles to share.
  const int mt = (m + k.gemmMr - 1) / k.gemmMr, nt = (n + k.gemmNr - 1) / k.gemmNr;
  const bool byCols = nt >= 2 && (m <= n || mt < 2);
  const size_t tiles = static_cast<size_t>(byCols ? nt : mt);
  // One chunk per thread (two each measured slower: each chunk packs the shared operand again), claimed
  // dynamically: a thread that starts late finds its chunk taken by the one that is running.
  const size_t chunks = static_cast<size_t>(threads);
  parallel::For(tiles, 2, 1, [&](size_t b, size_t e) {
    if (byCols) {
      const int j0 = static_cast<int>(b) * k.gemmNr, j1 = static_cast<int>(e) * k.gemmNr < n ? static_cast<int>(e) * k.gemmNr : n;
      const T* Bj = transB ? B + static_cast<size_t>(j0) * ldb : B + j0;
      k.gemm(transA, transB, m, j1 - j0, kk, alpha, A, lda, Bj, ldb, beta, C + j0, ldc);
    } else {
      const int i0 = static_cast<int>(b) * k.gemmMr, i1 = static_cast<int>(e) * k.gemmMr < m ? static_cast<int>(e) * k.gemmMr : m;
      const T* Ai = transA ? A + i0 : A + static_cast<size_t>(i0) * lda;
      k.gemm(transA, transB, i1 - i0, n, kk, alpha, Ai, lda, B, ldb, beta, C + static_cast<size_t>(i0) * ldc, ldc);
    }
  }, chunks);
}

// y = op(A) x for one-unit layers (alpha 1, beta 0), A [m, n] row-major. OpenBLAS's per-call cost (0.2-1 µs
// with the fork guard) is most of a tiny model's step (W5: 32 x 16), so up to kSmallGemv elements the engine
// does it itself: each dot product in eight fixed lanes (element j in lane j % 8, added as in sumSquares), so
// the compiler vectorizes it and the result is the same on every CPU.
constexpr long kSmallGemv = 16384;

template <typename T>
inline T Dot8(int n, const T* __restrict a, const T* __restrict x) {
  T l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= n; j += 8)
    for (int q = 0; q < 8; q++) l[q] += a[j + q] * x[j + q];
  for (int q = 0; j < n; j++, q++) l[q] += a[j] * x[j];
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

template <typename T>
void Gemv(bool transA, int m, int n, const T* A, int lda, const T* x, T* y) {
  if (static_cast<long>(m) * n > kSmallGemv) {
    blas::gemv(transA, m, n, T(1), A, lda, x, T(0), y);
    return;
  }
  if (!transA) {
    for (int i = 0; i < m; i++) y[i] = Dot8(n, A + static_cast<size_t>(i) * lda, x);
  } else {  // y[n] = A^T x: rows added in order, each row's axpy vectorized across j
    for (int j = 0; j < n; j++) y[j] = T(0);
    for (int i = 0; i < m; i++) {
      const T a = x[i];
      const T* __restrict r = A + static_cast<size_t>(i) * lda;
      T* __restrict yy = y;
      for (int j = 0; j < n; j++) yy[j] += a * r[j];
    }
  }
}

}  // namespace descent
