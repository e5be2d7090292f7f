// C++ unit tests of the kernels (run by ctest, also under ASan/UBSan). No framework: each CHECK prints and
// counts; the process exits non-zero on any failure and ends with "N passed, N failed".
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "../engine/trainer.h"
#include "../kernels/dispatch.h"
#include "../kernels/kernels.h"
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
  const OptKind kinds[] = {
#define DESCENT_KERNEL(e, name) OptKind::e,
#include "../kernels/spec.def"
  };
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

// Inputs for the table tests: mostly uniform values, with the edge cases a vector min/max or compare could get
// wrong sprinkled in (signed zeros, infinities, NaN, subnormals, values exactly at the threshold).
template <typename T>
void FillSpecial(Rng& r, T* x, size_t n, T threshold) {
  const T specials[] = {T(0), -T(0), threshold, -threshold, std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(), std::numeric_limits<T>::quiet_NaN(),
                        std::numeric_limits<T>::denorm_min(), -std::numeric_limits<T>::denorm_min(), T(1e30)};
  for (size_t i = 0; i < n; i++) {
    const uint32_t u = r.NextU32();
    x[i] = u % 7 == 0 ? specials[(u >> 8) % (sizeof specials / sizeof specials[0])] : static_cast<T>(4 * r.Uniform() - 2);
  }
}

// Lengths around every vector width (and 0), each at several misaligned starts.
const size_t kLengths[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 127, 129, 1037};
const size_t kOffsets[] = {0, 1, 2, 3, 5};

// An element-wise entry of table `t` against the reference on every length and start: bit-identical output.
template <typename T, typename F>
void CheckElementwise(const char* isa, const char* dtype, const char* entry, F call) {
  Rng r(11);
  bool same = true;
  for (size_t n : kLengths) {
    for (size_t off : kOffsets) {
      std::vector<T> x(n + 8), y(n + 8);
      FillSpecial(r, x.data(), x.size(), T(0.5));
      FillSpecial(r, y.data(), y.size(), T(0.5));
      std::vector<T> xr = x, yr = y;
      call(true, n, x.data() + off, y.data() + (off + 3) % 8);
      call(false, n, xr.data() + off, yr.data() + (off + 3) % 8);
      if (std::memcmp(x.data(), xr.data(), x.size() * sizeof(T)) != 0 ||
          std::memcmp(y.data(), yr.data(), y.size() * sizeof(T)) != 0) {
        same = false;
        std::printf("  %s %s %s differs at n=%zu offset=%zu\n", isa, dtype, entry, n, off);
      }
    }
  }
  CHECK(same, "%s table, %s %s: differs from the reference table", isa, dtype, entry);
}

// Every entry of every table this CPU can run, against the reference table (scalar), bit for bit.
template <typename T>
void TestKernelTables(const char* dtype) {
  const KernelTable* ref = TableFor(simd::Isa::kScalar);
  CHECK(ref != nullptr, "the reference table is always available");
  if (ref == nullptr) return;
  const KernelSet<T>& R = ref->Of<T>();
  for (simd::Isa isa : {simd::Isa::kScalar, simd::Isa::kAvx2, simd::Isa::kAvx512}) {
    const KernelTable* t = TableFor(isa);
    if (t == nullptr) continue;
    const KernelSet<T>& K = t->Of<T>();
    CHECK(K.step && K.axpy && K.clamp && K.scale && K.softThreshold, "%s table, %s: an entry is null", t->isa, dtype);
    CHECK(std::strcmp(t->isa, simd::Name(isa)) == 0, "table %d is named %s", static_cast<int>(isa), t->isa);
    const T a = static_cast<T>(0.3), thr = static_cast<T>(0.5);
    CheckElementwise<T>(t->isa, dtype, "axpy", [&](bool mine, size_t n, T* x, T* y) { (mine ? K : R).axpy(n, a, x, y); });
    CheckElementwise<T>(t->isa, dtype, "clamp", [&](bool mine, size_t n, T* x, T*) { (mine ? K : R).clamp(n, thr, x); });
    CheckElementwise<T>(t->isa, dtype, "scale", [&](bool mine, size_t n, T* x, T*) { (mine ? K : R).scale(n, a, x); });
    CheckElementwise<T>(t->isa, dtype, "softThreshold",
                        [&](bool mine, size_t n, T* x, T*) { (mine ? K : R).softThreshold(n, thr, x); });

    // step: every kernel and its variants, 4 steps, parameters and every slot bit-identical, same return value.
    const OptKind kinds[] = {
#define DESCENT_KERNEL(e, name) OptKind::e,
#include "../kernels/spec.def"
    };
    bool same = true;
    for (OptKind kind : kinds) {
      for (int variant = 0; variant < 4; variant++) {
        OptConfig c;
        c.kind = kind;
        c.weightDecay = variant & 1 ? 0.01 : 0;
        c.decoupled = variant == 3;
        if (variant >= 2) {
          c.momentum = 0.9;
          c.nesterov = kind == OptKind::kSgd && variant == 2;
          c.amsgrad = true;
          c.centered = true;
          c.initialAccumulatorValue = 0.1;
        }
        const int ns = NumSlots(c);
        for (size_t n : kLengths) {
          for (size_t off : kOffsets) {
            Rng r(5 + static_cast<uint32_t>(n));
            std::vector<T> buf[2][5];
            for (int side = 0; side < 2; side++)
              for (int b = 0; b < 5; b++) buf[side][b].assign(n + 8, T(0));
            for (size_t i = 0; i < n + 8; i++) buf[0][0][i] = static_cast<T>(r.Uniform() - 0.5);
            for (int si = 0; si < ns; si++) std::fill(buf[0][2 + si].begin(), buf[0][2 + si].end(), static_cast<T>(SlotInit(c, si)));
            OptGlobalState st;
            for (int step = 0; step < 4; step++) {
              for (size_t i = 0; i < n + 8; i++) buf[0][1][i] = static_cast<T>(r.Uniform() - 0.5);
              for (int b = 0; b < 5; b++) buf[1][b] = buf[0][b];
              const StepScalars sc = Prepare(c, st, 0.01);
              bool ok[2];
              for (int side = 0; side < 2; side++) {
                auto& v = buf[side];
                T* sl[3] = {nullptr, nullptr, nullptr};
                for (int si = 0; si < ns; si++) sl[si] = v[2 + si].data() + (off + 1 + si) % 8;
                ok[side] = (side == 0 ? K : R).step(c, sc, n, v[0].data() + off, v[1].data() + (off + 2) % 8, sl[0], sl[1], sl[2]);
              }
              bool eq = ok[0] == ok[1];
              for (int b = 0; b < 5; b++) eq = eq && std::memcmp(buf[0][b].data(), buf[1][b].data(), (n + 8) * sizeof(T)) == 0;
              if (!eq) {
                same = false;
                std::printf("  %s %s step kernel %d variant %d differs at n=%zu offset=%zu step %d\n", t->isa, dtype,
                            static_cast<int>(kind), variant, n, off, step);
                break;
              }
            }
          }
        }
      }
    }
    CHECK(same, "%s table, %s step: differs from the reference table", t->isa, dtype);
  }
}

// The slot counts and starting values spec.def gives, for the configurations that change them.
void TestSlotsFromSpec() {
  OptConfig c;
  c.kind = OptKind::kSgd;
  CHECK(NumSlots(c) == 0, "sgd without momentum keeps no slot");
  c.momentum = 0.9;
  CHECK(NumSlots(c) == 1, "sgd with momentum keeps momentum_buffer");
  c.kind = OptKind::kAdam;
  CHECK(NumSlots(c) == 2, "adam keeps exp_avg, exp_avg_sq");
  c.amsgrad = true;
  CHECK(NumSlots(c) == 3, "adam with amsgrad keeps max_exp_avg_sq too");
  c.kind = OptKind::kRmsprop;
  CHECK(NumSlots(c) == 2, "rmsprop keeps square_avg, momentum_buffer");
  c.centered = true;
  CHECK(NumSlots(c) == 3, "centered rmsprop keeps grad_avg too");
  c.kind = OptKind::kAdagrad;
  c.initialAccumulatorValue = 0.25;
  CHECK(NumSlots(c) == 1 && SlotInit(c, 0) == 0.25, "adagrad's sum starts at initialAccumulatorValue");
  c.kind = OptKind::kNadam;
  CHECK(NumSlots(c) == 2 && SlotInit(c, 0) == 0 && SlotInit(c, 1) == 0, "nadam's slots start at 0");
  OptConfig d;
  CHECK(d.epsilon == 1e-8 && d.beta2 == 0.999 && d.momentumDecay == 4e-3 && !d.nesterov, "OptConfig defaults from spec.def");
}

// A float64 gradient whose squares overflow (1e200) still has a finite norm; an infinite one stops the chunk.
void TestGradNormWithoutOverflow() {
  NetworkSpec s;
  s.layers.push_back(LayerSpec{1, 1, Act::kLinear, 0, true, 0});
  s.dtype = Dtype::kFloat64;
  s.maxBatch = 1;
  s.clipNorm = 1;
  auto t = MakeTrainer(s);
  t->Initialize(1);
  double* p = static_cast<double*>(t->Params());
  p[0] = 0;
  p[1] = 0;
  // z = 0, r = z - y = 1e100: loss 5e199, dW = r*x = 1e200, db = 1e100; dW^2 overflows a double.
  const double X[1] = {1e100}, Y[1] = {-1e100};
  double lrs[1] = {0.1}, losses[1], norms[1];
  RunResult r = t->RunBatches(X, Y, nullptr, 1, nullptr, 1, 0, 1, lrs, losses, norms);
  CHECK(r.status == 0, "gradient of 1e200: status %d (%s), want 0", r.status, r.what.c_str());
  CHECK(std::fabs(norms[0] / 1e200 - 1) < 1e-15, "gradient norm %g, want 1e200", norms[0]);
  // clipNorm 1 scales the step to lr * unit direction: W moves by -0.1.
  CHECK(std::fabs(p[0] + 0.1) < 1e-12 && std::fabs(p[1]) < 1e-90, "clipped step: W=%g b=%g", p[0], p[1]);

  // Two elements of 1e200 in float32 cannot happen; in float64 with several terms the scaled sum must add up:
  // x = 1e100 twice in a 2-input layer: dW = [1e200, 1e200], db = 1e100, norm = sqrt(2)*1e200.
  NetworkSpec s2 = s;
  s2.layers[0].inputs = 2;
  auto t2 = MakeTrainer(s2);
  t2->Initialize(1);
  std::memset(t2->Params(), 0, 3 * sizeof(double));
  const double X2[2] = {1e100, 1e100};
  r = t2->RunBatches(X2, Y, nullptr, 1, nullptr, 1, 0, 1, lrs, losses, norms);
  CHECK(r.status == 0 && std::fabs(norms[0] / (std::sqrt(2.0) * 1e200) - 1) < 1e-15, "norm of two 1e200: %g (status %d)",
        norms[0], r.status);

  // x = 1e200, r = 1e150: the loss (5e299) is finite but dW = 1e350 is not: still "gradient", parameters kept.
  p[0] = 0;
  p[1] = 0;
  const double X3[1] = {1e200}, Y3[1] = {-1e150};
  r = t->RunBatches(X3, Y3, nullptr, 1, nullptr, 1, 0, 1, lrs, losses, norms);
  CHECK(r.status == 1 && r.what == "gradient", "infinite gradient: status %d (%s), want 1 (gradient)", r.status, r.what.c_str());
  CHECK(p[0] == 0 && p[1] == 0, "parameters restored after an infinite gradient");
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
  s.dtype = Dtype::kFloat64;
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
  TestKernelTables<float>("float32");
  TestKernelTables<double>("float64");
  TestSlotsFromSpec();
  TestGradNormWithoutOverflow();
  TestStableLosses();
  TestTrainerReachesLeastSquares();
  TestDivergenceRestores();
  TestPoolResizeAndSplit();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
