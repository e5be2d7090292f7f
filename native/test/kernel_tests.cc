// C++ unit tests of the kernels (run by ctest, also under ASan/UBSan). No framework: each CHECK prints and
// counts; the process exits non-zero on any failure and ends with "N passed, N failed".
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "../engine/trainer.h"
#include "../kernels/dispatch.h"
#include "../kernels/losses.h"
#include "../kernels/optimizers.h"
#include "../kernels/parallel.h"
#include "../kernels/rng.h"

namespace {
int passed = 0, failed = 0;
#define CHECK(cond, ...)                                      \
  do {                                                        \
    if (cond) {                                               \
      passed++;                                               \
    } else {                                                  \
      failed++;                                               \
      std::printf("FAIL %s:%d: ", __FILE__, __LINE__);        \
      std::printf(__VA_ARGS__);                               \
      std::printf("\n");                                      \
    }                                                         \
  } while (0)

using namespace descent;

void TestRngMatchesTypeScript() {
  // Values printed by lib/rng.ts: new Rng(42).nextU32() x3, and new Rng(7).shuffle([0..9]).
  Rng r(42);
  const uint32_t a = r.NextU32(), b = r.NextU32(), c = r.NextU32();
  CHECK(a == 660444221u && b == 3652823732u && c == 77672526u, "xoshiro128** stream differs from lib/rng.ts: %u %u %u", a, b, c);
  uint32_t v[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  Rng(7).Shuffle(v, 10);
  const uint32_t want[10] = {5, 4, 9, 8, 3, 2, 6, 7, 1, 0};
  CHECK(std::memcmp(v, want, sizeof v) == 0, "shuffle differs from lib/rng.ts");
}

template <typename T>
void TestSimdTablesEqualScalar(const char* dtype) {
  const size_t n = 1037;  // not a multiple of any vector width: exercises the tails
  const OptKind kinds[] = {OptKind::kSgd, OptKind::kAdam, OptKind::kRmsprop, OptKind::kAdagrad,
                           OptKind::kAdadelta, OptKind::kAdamax, OptKind::kNadam};
  for (OptKind kind : kinds) {
    for (int variant = 0; variant < 2; variant++) {
      OptConfig c;
      c.kind = kind;
      c.weightDecay = 0.01;
      if (variant == 1) {
        c.momentum = 0.9;
        c.nesterov = kind == OptKind::kSgd;
        c.amsgrad = true;
        c.centered = true;
      }
      std::vector<std::vector<T>> results;
      for (const char* isa : {"scalar", "avx2", "avx512"}) {
        if (!simd::Select(isa)) continue;
        Rng r(3);
        std::vector<T> p(n), g(n), s0(n), s1(n), s2(n);
        for (size_t i = 0; i < n; i++) p[i] = static_cast<T>(r.Uniform() - 0.5);
        OptGlobalState st;
        for (int t = 0; t < 5; t++) {
          for (size_t i = 0; i < n; i++) g[i] = static_cast<T>(r.Uniform() - 0.5);
          StepScalars s = Prepare(c, st, 0.01);
          Step(c, s, n, p.data(), g.data(), s0.data(), s1.data(), s2.data());
        }
        results.push_back(p);
      }
      for (size_t k = 1; k < results.size(); k++)
        CHECK(std::memcmp(results[k].data(), results[0].data(), n * sizeof(T)) == 0,
              "%s optimizer %d variant %d: SIMD table %zu differs from scalar", dtype, static_cast<int>(kind), variant, k);
    }
  }
  simd::InitFromEnv();
}

void TestStableLosses() {
  // Softmax and sigmoid cross-entropy on logits of +-1e4 stay finite and exact.
  const float Z[3] = {1e4f, -1e4f, 0.0f};
  const float Y[1] = {1.0f};
  float dZ[3];
  const double l = SoftmaxCrossEntropy<float>(1, 3, Z, Y, nullptr, 1.0f, dZ);
  CHECK(std::isfinite(l) && std::fabs(l - 2e4) < 1e-6 * 2e4, "softmax loss for logits +-1e4: %g", l);
  CHECK(std::fabs(dZ[0] - 1.0f) < 1e-6 && std::fabs(dZ[1] + 1.0f) < 1e-6, "softmax gradient for logits +-1e4");
  const double zs[2] = {1e4, -1e4};
  const double ys[2] = {0.0, 0.0};
  double dz[2];
  const double ls = SigmoidCrossEntropy<double>(1, 2, zs, ys, nullptr, 1.0, dz);
  CHECK(std::fabs(ls - 1e4) < 1e-9, "sigmoid CE for logits +-1e4: %g", ls);
  CHECK(dz[0] == 1.0 && dz[1] == 0.0, "sigmoid CE gradient for logits +-1e4");
}

void TestTrainerReachesLeastSquares() {
  // y = 2x + 1 exactly: full-batch GD must recover the line.
  NetworkSpec s;
  s.layers.push_back(LayerSpec{1, 1, Act::kLinear, 0, true});
  s.float64 = true;
  s.maxBatch = 8;
  auto t = MakeTrainer(s);
  t->Initialize(1);
  double X[8], Y[8];
  for (int i = 0; i < 8; i++) {
    X[i] = i / 8.0;
    Y[i] = 2 * X[i] + 1;
  }
  std::vector<double> lrs(1, 0.5), losses(1), norms(1);
  for (int e = 0; e < 5000; e++) t->RunBatches(X, Y, nullptr, 8, nullptr, 8, 0, 1, lrs.data(), losses.data(), norms.data());
  const double* p = static_cast<const double*>(t->Params());
  CHECK(std::fabs(p[0] - 2) < 1e-9 && std::fabs(p[1] - 1) < 1e-9, "GD on y = 2x + 1 gave w=%g b=%g", p[0], p[1]);
}

void TestDivergenceRestores() {
  NetworkSpec s;
  s.layers.push_back(LayerSpec{1, 1, Act::kLinear, 0, true});
  s.maxBatch = 4;
  auto t = MakeTrainer(s);
  t->Initialize(1);
  const float X[4] = {1e3f, 2e3f, 3e3f, 4e3f}, Y[4] = {1, 2, 3, 4};
  float before[2];
  std::memcpy(before, t->Params(), sizeof before);
  std::vector<double> lrs(4, 1e3), losses(4), norms(4);
  RunResult r = t->RunBatches(X, Y, nullptr, 4, nullptr, 1, 0, 4, lrs.data(), losses.data(), norms.data());
  CHECK(r.status == 1, "a learning rate of 1e3 on unscaled data must diverge (status %d)", r.status);
  CHECK(std::memcmp(before, t->Params(), sizeof before) == 0, "parameters restored to the chunk start");
}
void TestPoolResizeAndSplit() {
  // Resizing back and forth must never hand a stale job to a new worker, and a split step must equal a serial one.
  const size_t n = (size_t(1) << 20) + 12345;
  OptConfig c;
  c.kind = OptKind::kAdam;
  std::vector<float> ref;
  for (int threads : {1, 2, 1, 3, 2}) {
    parallel::SetThreads(threads);
    std::vector<float> p(n, 0.5f), g(n), m(n, 0.0f), v(n, 0.0f);
    for (size_t i = 0; i < n; i++) g[i] = static_cast<float>((i % 13) - 6) * 1e-3f;
    OptGlobalState st;
    for (int t = 0; t < 3; t++) Step(c, Prepare(c, st, 1e-3), n, p.data(), g.data(), m.data(), v.data(), nullptr);
    if (ref.empty()) ref = p;
    CHECK(std::memcmp(ref.data(), p.data(), n * sizeof(float)) == 0, "%d threads: split Adam step differs from serial", threads);
  }
  std::vector<int> hits(1000, 0);
  parallel::For(hits.size(), 1, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; i++) hits[i]++;
  });
  bool once = true;
  for (int h : hits) once = once && h == 1;
  CHECK(once, "parallel::For must visit every index exactly once");
  parallel::SetThreads(1);
}
}  // namespace

int main() {
  TestRngMatchesTypeScript();
  TestSimdTablesEqualScalar<float>("float32");
  TestSimdTablesEqualScalar<double>("float64");
  TestStableLosses();
  TestTrainerReachesLeastSquares();
  TestDivergenceRestores();
  TestPoolResizeAndSplit();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
