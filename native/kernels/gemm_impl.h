// descent's packed GEMM (the BLIS design: Van Zee & van de Geijn, "BLIS: A Framework for Rapidly Instantiating
// BLAS Functionality", ACM TOMS 2015; Goto & van de Geijn 2008): C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta*C,
// row-major, single-threaded (gemm.cc splits C across the pool).
//
// Loops, outside in: jc over NC columns -> pc over KC of k (pack a KC x NC panel of op(B) into NR-wide slivers) ->
// ic over MC rows (pack an MC x KC block of op(A) into MR-tall slivers) -> jr over slivers of B -> ir over slivers
// of A -> the MR x NR register-blocked microkernel. Packing makes every transpose the same microkernel and pads
// the edges with zeros, so edge tiles run the full kernel and store only their valid part.
//
// Every C element is summed in the same order (k-blocks of KC in order, FMA per k inside a block) whatever the
// tile, edge or split: a result does not depend on the thread count or on where the element sits.
//
// Included by an ISA's translation unit inside its namespace, after its `#pragma GCC target`, with a struct
// `Simd<T>` in scope giving: type `V`, `kLanes`, `Load`, `LoadU`, `StoreU`, `Set1`, `Zero`, `Fma(a, b, c)` (a*b+c),
// `Mul`, `Add`, the constant `kMr`, and `kTranspose` (with `TransposeTile` when true: see TransposePack). The
// register tile is kMr x 2 vectors. Uses no std templates (see kernels_impl.h).

template <typename T>
struct GemmBuffers {
  T* a = nullptr;
  T* b = nullptr;
  size_t aCap = 0, bCap = 0;
  ~GemmBuffers() {
    ::operator delete(a, static_cast<std::align_val_t>(64));
    ::operator delete(b, static_cast<std::align_val_t>(64));
  }
};

template <typename T>
static T* GrowAligned(T*& p, size_t& cap, size_t need) {
  if (need <= cap) return p;
  ::operator delete(p, static_cast<std::align_val_t>(64));
  p = static_cast<T*>(::operator new(need * sizeof(T), static_cast<std::align_val_t>(64)));
  cap = need;
  return p;
}

// out[p][r] = in[r][p] for r < R (rows of `in`, stride ld), p < kc; out rows are W wide, r in [R, W) zeros.
// The ISA's 16 x 16 register transpose where it has one (Simd<T>::kTranspose), else element by element.
template <typename T, int W>
static void TransposePack(const T* in, int ld, int R, int kc, T* out) {
  if constexpr (Simd<T>::kTranspose) {
    for (int p0 = 0; p0 < kc; p0 += 16) {
      const int ps = kc - p0 < 16 ? kc - p0 : 16;
      for (int r0 = 0; r0 < W; r0 += 16) {
        const int rows = R - r0 <= 0 ? 0 : (R - r0 < 16 ? R - r0 : 16);
        Simd<T>::TransposeTile(in + static_cast<size_t>(r0) * ld + p0, ld, rows, ps, out + static_cast<size_t>(p0) * W + r0,
                               W, W - r0 < 16 ? W - r0 : 16);
      }
    }
  } else {
    for (int p = 0; p < kc; p++) {
      int r = 0;
      for (; r < R; r++) out[p * W + r] = in[static_cast<size_t>(r) * ld + p];
      for (; r < W; r++) out[p * W + r] = T(0);
    }
  }
}

// Pack rows [i0, i0+mc) x k-range [p0, p0+kc) of op(A) into MR-tall slivers: Ap[s][p][r].
template <typename T, int MR>
static void PackA(bool trans, const T* A, int lda, int i0, int mc, int p0, int kc, T* Ap) {
  for (int s = 0; s < mc; s += MR) {
    const int rows = mc - s < MR ? mc - s : MR;
    T* dst = Ap + static_cast<size_t>(s) * kc;
    if (!trans) {
      TransposePack<T, MR>(A + static_cast<size_t>(i0 + s) * lda + p0, lda, rows, kc, dst);
    } else {  // A stored [k, m]: op(A)(i, p) = A[p, i]
      const T* src = A + static_cast<size_t>(p0) * lda + i0 + s;
      for (int p = 0; p < kc; p++) {
        const T* row = src + static_cast<size_t>(p) * lda;
        int r = 0;
        for (; r < rows; r++) dst[p * MR + r] = row[r];
        for (; r < MR; r++) dst[p * MR + r] = T(0);
      }
    }
  }
}

// Pack k-range [p0, p0+kc) x columns [j0, j0+nc) of op(B) into NR-wide slivers: Bp[s][p][c].
template <typename T, int NR>
static void PackB(bool trans, const T* B, int ldb, int p0, int kc, int j0, int nc, T* Bp) {
  for (int s = 0; s < nc; s += NR) {
    const int cols = nc - s < NR ? nc - s : NR;
    T* dst = Bp + static_cast<size_t>(s) * kc;
    if (!trans) {
      const T* src = B + static_cast<size_t>(p0) * ldb + j0 + s;
      for (int p = 0; p < kc; p++) {
        const T* row = src + static_cast<size_t>(p) * ldb;
        int c = 0;
        for (; c < cols; c++) dst[p * NR + c] = row[c];
        for (; c < NR; c++) dst[p * NR + c] = T(0);
      }
    } else {  // B stored [n, k]: op(B)(p, j) = B[j, p]
      TransposePack<T, NR>(B + static_cast<size_t>(j0 + s) * ldb + p0, ldb, cols, kc, dst);
    }
  }
}

// One MR x NR tile: acc = Ap^T Bp over kc, then C = alpha*acc + beta*C (beta == 0: C is not read, as BLAS).
template <typename T>
static void Micro(int kc, const T* __restrict Ap, const T* __restrict Bp, T* C, int ldc, int mr, int nr, T alpha,
                  T beta) {
  using S = Simd<T>;
  using V = typename S::V;
  constexpr int MR = S::kMr, L = S::kLanes;
  V c0[MR], c1[MR];
  for (int r = 0; r < MR; r++) {
    c0[r] = S::Zero();
    c1[r] = S::Zero();
  }
  for (int p = 0; p < kc; p++) {
    const V b0 = S::Load(Bp), b1 = S::Load(Bp + L);
    for (int r = 0; r < MR; r++) {
      const V a = S::Set1(Ap[r]);
      c0[r] = S::Fma(a, b0, c0[r]);
      c1[r] = S::Fma(a, b1, c1[r]);
    }
    Ap += MR;
    Bp += 2 * L;
  }
  const V va = S::Set1(alpha), vb = S::Set1(beta);
  const bool one = alpha == T(1);
  if (mr == MR && nr == 2 * L) {
    for (int r = 0; r < MR; r++) {
      T* c = C + static_cast<size_t>(r) * ldc;
      V x0 = one ? c0[r] : S::Mul(va, c0[r]), x1 = one ? c1[r] : S::Mul(va, c1[r]);
      if (beta != T(0)) {
        x0 = S::Add(x0, S::Mul(vb, S::LoadU(c)));
        x1 = S::Add(x1, S::Mul(vb, S::LoadU(c + L)));
      }
      S::StoreU(c, x0);
      S::StoreU(c + L, x1);
    }
    return;
  }
  alignas(64) T tile[MR * 2 * L];
  for (int r = 0; r < MR; r++) {
    S::StoreU(tile + r * 2 * L, c0[r]);
    S::StoreU(tile + r * 2 * L + L, c1[r]);
  }
  for (int r = 0; r < mr; r++) {
    T* c = C + static_cast<size_t>(r) * ldc;
    for (int j = 0; j < nr; j++) {
      const T x = one ? tile[r * 2 * L + j] : alpha * tile[r * 2 * L + j];
      c[j] = beta != T(0) ? x + beta * c[j] : x;
    }
  }
}

template <typename T>
struct GemmBlocking {
  // KC x NR of B stays in L1 (32 KiB at f32, NR = 32), an MC x KC block of A in L2.
  static constexpr int kKc = 256 * 4 / static_cast<int>(sizeof(T));
  static constexpr int kMc = Simd<T>::kMr * (sizeof(T) == 4 ? 24 : 16);
  static constexpr int kNc = 4096;
};

template <typename T>
static GemmBuffers<T>& Buffers() {
  static thread_local GemmBuffers<T> b;  // per thread, grown once: no allocation in a training loop
  return b;
}

template <typename T>
static void GemmSerial(bool transA, bool transB, int m, int n, int k, T alpha, const T* A, int lda, const T* B,
                       int ldb, T beta, T* C, int ldc) {
  using S = Simd<T>;
  constexpr int MR = S::kMr, NR = 2 * S::kLanes;
  constexpr int KC = GemmBlocking<T>::kKc, MC = GemmBlocking<T>::kMc, NC = GemmBlocking<T>::kNc;
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) {  // C = beta*C (BLAS: beta == 0 sets zeros without reading C)
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) {
        T* c = C + static_cast<size_t>(i) * ldc + j;
        *c = beta == T(0) ? T(0) : beta * *c;
      }
    return;
  }
  GemmBuffers<T>& buf = Buffers<T>();
  const int ncMax = n < NC ? n : NC, kcMax = k < KC ? k : KC, mcMax = m < MC ? m : MC;
  T* Bp = GrowAligned(buf.b, buf.bCap, static_cast<size_t>((ncMax + NR - 1) / NR * NR) * kcMax);
  T* Ap = GrowAligned(buf.a, buf.aCap, static_cast<size_t>((mcMax + MR - 1) / MR * MR) * kcMax);
  for (int jc = 0; jc < n; jc += NC) {
    const int nc = n - jc < NC ? n - jc : NC;
    for (int pc = 0; pc < k; pc += KC) {
      const int kc = k - pc < KC ? k - pc : KC;
      const T b = pc == 0 ? beta : T(1);
      PackB<T, NR>(transB, B, ldb, pc, kc, jc, nc, Bp);
      for (int ic = 0; ic < m; ic += MC) {
        const int mc = m - ic < MC ? m - ic : MC;
        PackA<T, MR>(transA, A, lda, ic, mc, pc, kc, Ap);
        for (int jr = 0; jr < nc; jr += NR) {
          const int nr = nc - jr < NR ? nc - jr : NR;
          const T* bs = Bp + static_cast<size_t>(jr) * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            const int mr = mc - ir < MR ? mc - ir : MR;
            Micro<T>(kc, Ap + static_cast<size_t>(ir) * kc, bs, C + static_cast<size_t>(ic + ir) * ldc + jc + jr,
                     ldc, mr, nr, alpha, b);
          }
        }
      }
    }
  }
}

static void GemmF32(bool tA, bool tB, int m, int n, int k, float alpha, const float* A, int lda, const float* B,
                    int ldb, float beta, float* C, int ldc) {
  GemmSerial<float>(tA, tB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
static void GemmF64(bool tA, bool tB, int m, int n, int k, double alpha, const double* A, int lda, const double* B,
                    int ldb, double beta, double* C, int ldc) {
  GemmSerial<double>(tA, tB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

// The tile sizes gemm.cc splits on (a split never cuts an MR x NR tile).
static void OverrideGemm(KernelTable& t) {
  t.f32.gemm = GemmF32;
  t.f32.gemmMr = Simd<float>::kMr;
  t.f32.gemmNr = 2 * Simd<float>::kLanes;
  t.f64.gemm = GemmF64;
  t.f64.gemmMr = Simd<double>::kMr;
  t.f64.gemmNr = 2 * Simd<double>::kLanes;
}
