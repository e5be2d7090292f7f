// GEMM throughput at W3's eight shapes (MLP 784-256-128-10, batch 128: forward, weight gradient, input gradient)
// for each kernel table: descent's packed GEMM where the table has one, OpenBLAS (the reference table) otherwise.
// Not a test: `build-test/gemm_bench [threads]` prints GF/s per shape and for the whole step.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../kernels/dispatch.h"
#include "../kernels/gemm.h"
#include "../kernels/rng.h"

using namespace descent;

struct Shape {
  int m, n, k;
  bool tA, tB;
  const char* what;
};

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  parallel::SetThreads(threads);
  openblas_set_num_threads(threads);
  const Shape shapes[] = {{128, 256, 784, false, true, "fwd L0"},  {128, 128, 256, false, true, "fwd L1"},
                          {128, 10, 128, false, true, "fwd L2"},   {10, 128, 128, true, false, "gW L2"},
                          {128, 128, 10, false, false, "dX L2"},   {128, 256, 128, true, false, "gW L1"},
                          {128, 256, 128, false, false, "dX L1"},  {256, 784, 128, true, false, "gW L0"}};
  Rng rng(1);
  std::vector<float> A(1 << 20), B(1 << 20), C(1 << 20);
  for (auto& v : A) v = static_cast<float>(rng.Uniform() - 0.5);
  for (auto& v : B) v = static_cast<float>(rng.Uniform() - 0.5);
  std::printf("threads %d; GF/s (float32), median of 15 timings of 50 calls\n", threads);
  std::printf("%-8s %-16s", "shape", "m x n x k");
  const simd::Isa isas[] = {simd::Isa::kScalar, simd::Isa::kAvx2, simd::Isa::kAvx512};
  for (simd::Isa isa : isas) std::printf(" %10s", TableFor(isa) ? (TableFor(isa)->f32.gemm ? simd::Name(isa) : "openblas") : "-");
  std::printf("\n");
  double total[3] = {0, 0, 0}, flops = 0;
  for (const Shape& s : shapes) {
    char dims[32];
    std::snprintf(dims, sizeof dims, "%dx%dx%d", s.m, s.n, s.k);
    std::printf("%-8s %-16s", s.what, dims);
    const double f = 2.0 * s.m * s.n * s.k;
    flops += f;
    for (int t = 0; t < 3; t++) {
      const KernelTable* table = TableFor(isas[t]);
      if (!table) {
        std::printf(" %10s", "-");
        continue;
      }
      KernelSet<float> k = table->f32;
      k.gemmUseBlas = false;  // each table's own kernel (the first column is OpenBLAS)
      const int lda = s.tA ? s.m : s.k, ldb = s.tB ? s.k : s.n;
      std::vector<double> times;
      for (int rep = 0; rep < 15; rep++) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 50; i++)
          Gemm(k, s.tA, s.tB, s.m, s.n, s.k, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.n);
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 50);
      }
      std::sort(times.begin(), times.end());
      const double sec = times[times.size() / 2];
      total[t] += sec;
      std::printf(" %10.1f", f / sec / 1e9);
    }
    std::printf("\n");
  }
  std::printf("%-8s %-16s", "step", "all eight");
  for (int t = 0; t < 3; t++) std::printf(" %10.1f", total[t] > 0 ? flops / total[t] / 1e9 : 0.0);
  std::printf("\n");
  return 0;
}
