// C++ unit tests of the kernels (run by ctest, also under ASan/UBSan). No framework: each CHECK prints and
// counts; the process exits non-zero on any failure and ends with "N passed, N failed".
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "../engine/trainer.h"
#include "../kernels/dispatch.h"
#include "../kernels/gemm.h"
#include "../kernels/kernels.h"
#include "../kernels/losses.h"
#include <algorithm>
#include "../kernels/optimizers.h"
#include "../kernels/parallel.h"
#include "../kernels/rng.h"

namespace {
int passed = 0, failed = 0;
// DESCENT_KERNEL_TESTS_QUICK=1: smaller sweeps (GEMM up to 129, 10x fewer points against long double), for runs
// under emulation, where AArch64's long double (IEEE quad, in software) makes the full sweeps take tens of minutes.
const bool kQuick = std::getenv("DESCENT_KERNEL_TESTS_QUICK") != nullptr;
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
  // Softmax and sigmoid cross-entropy on logits of +-1e4 stay finite and exact, on every table.
  for (simd::Isa isa : {simd::Isa::kScalar, simd::Isa::kAvx2, simd::Isa::kAvx512}) {
    const KernelTable* t = TableFor(isa);
    if (t == nullptr) continue;
    const float Z[3] = {1e4f, -1e4f, 0.0f};
    const float Y[1] = {1.0f};
    float dZ[3];
    const double l = t->f32.loss(Loss::kSoftmaxCrossEntropy, 0, 1, 3, Z, Y, nullptr, 1.0f, dZ);
    CHECK(std::isfinite(l) && std::fabs(l - 2e4) < 1e-6 * 2e4, "%s: softmax loss for logits +-1e4: %g", t->isa, l);
    CHECK(std::fabs(dZ[0] - 1.0f) < 1e-6 && std::fabs(dZ[1] + 1.0f) < 1e-6, "%s: softmax gradient for logits +-1e4",
          t->isa);
    const double zs[2] = {1e4, -1e4};
    const double ys[2] = {0.0, 0.0};
    double dz[2];
    const double ls = t->f64.loss(Loss::kSigmoidCrossEntropy, 0, 1, 2, zs, ys, nullptr, 1.0, dz);
    CHECK(std::fabs(ls - 1e4) < 1e-9, "%s: sigmoid CE for logits +-1e4: %g", t->isa, ls);
    CHECK(dz[0] == 1.0 && dz[1] == 0.0, "%s: sigmoid CE gradient for logits +-1e4", t->isa);
  }
}

// Distance in units in the last place between a computed value and a long-double reference (0 if both are the
// same non-finite value).
template <typename T>
double UlpError(T got, long double want) {
  if (std::isnan(want)) return std::isnan(got) ? 0 : 1e30;
  if (std::isinf(want) || std::fabs(want) > std::numeric_limits<T>::max())  // overflows T: must be inf
    return std::isinf(got) && (got > 0) == (want > 0) ? 0 : 1e30;
  const T w = static_cast<T>(want);
  const long double aw = std::fabs(want);
  // ulp of the reference's binade (the subnormal spacing below the smallest normal)
  long double ulp = std::numeric_limits<T>::denorm_min();
  if (aw >= std::numeric_limits<T>::min()) {
    int e;
    std::frexp(static_cast<double>(w == 0 ? std::numeric_limits<T>::min() : std::fabs(w)), &e);
    ulp = std::ldexp(1.0L, e - std::numeric_limits<T>::digits);
  }
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / ulp);
}

// exp and log1p of math_impl.h: the accuracy stated there, on a dense sweep and the special values, each table.
template <typename T>
void TestVectorMath(const char* dtype) {
  const bool f32 = sizeof(T) == 4;
  const double lo = f32 ? -103.972 : -745.133, hi = f32 ? 88.722 : 709.782;
  std::vector<T> x, y;
  const int N = kQuick ? 20001 : 200001;
  for (int i = 0; i < N; i++) x.push_back(static_cast<T>(lo + (hi - lo) * i / (N - 1)));
  Rng r(3);
  for (int i = 0; i < N / 10; i++) x.push_back(static_cast<T>(4 * r.Uniform() - 2));  // the sigmoid range
  const T specials[] = {T(0), -T(0), T(1e-30), T(-1e-30), T(-1000), T(1000), std::numeric_limits<T>::infinity(),
                        -std::numeric_limits<T>::infinity(), std::numeric_limits<T>::quiet_NaN(), T(-87.5), T(-700)};
  for (T v : specials) x.push_back(v);
  y.resize(x.size());
  std::vector<T> u, v;  // log1p on [0, 1]
  for (int i = 0; i <= N; i++) u.push_back(static_cast<T>(static_cast<double>(i) / N));
  for (int e = -149; e < 0; e++) u.push_back(static_cast<T>(std::ldexp(1.0, f32 ? e : e * 7)));
  u.push_back(std::numeric_limits<T>::quiet_NaN());
  v.resize(u.size());
  std::vector<T> yRef(x.size()), vRef(u.size());
  for (simd::Isa isa : {simd::Isa::kScalar, simd::Isa::kAvx2, simd::Isa::kAvx512}) {
    const KernelTable* t = TableFor(isa);
    if (t == nullptr) continue;
    const KernelSet<T>& K = t->Of<T>();
    K.exp(x.size(), x.data(), y.data());
    double worst = 0;
    T at = 0;
    for (size_t i = 0; i < x.size(); i++) {
      const double e = UlpError(y[i], std::exp(static_cast<long double>(x[i])));
      if (e > worst) worst = e, at = x[i];
    }
    std::printf("exp %s %s: worst %.3f ulp\n", dtype, t->isa, worst);
    CHECK(worst <= 2.0, "%s %s exp: %.2f ulp at x = %.9g (stated: <= 2)", t->isa, dtype, worst, static_cast<double>(at));
    K.log1pUnit(u.size(), u.data(), v.data());
    worst = 0;
    for (size_t i = 0; i < u.size(); i++) {
      const double e = UlpError(v[i], std::log1p(static_cast<long double>(u[i])));
      if (e > worst) worst = e, at = u[i];
    }
    std::printf("log1p %s %s: worst %.3f ulp\n", dtype, t->isa, worst);
    CHECK(worst <= 2.0, "%s %s log1p: %.2f ulp at x = %.9g (stated: <= 2)", t->isa, dtype, worst, static_cast<double>(at));
    if (isa == simd::Isa::kScalar) {
      yRef = y;
      vRef = v;
    } else {
      CHECK(std::memcmp(y.data(), yRef.data(), y.size() * sizeof(T)) == 0, "%s %s exp differs from the reference table",
            t->isa, dtype);
      CHECK(std::memcmp(v.data(), vRef.data(), v.size() * sizeof(T)) == 0, "%s %s log1p differs from the reference table",
            t->isa, dtype);
    }
  }
}

// Activations and loss heads: each table bit-identical to the reference, and within a few ulp of a long-double
// evaluation of the textbook formula (sigmoid, the sigmoid cross-entropy loss and gradient, softmax).
template <typename T>
void TestHeads(const char* dtype) {
  const KernelTable* ref = TableFor(simd::Isa::kScalar);
  const size_t rows = 37, k = 7, n = rows * k;
  Rng r(9);
  std::vector<T> Z(n), Yb(n), Yc(rows), W(rows), b(k);
  for (size_t i = 0; i < n; i++) {
    Z[i] = static_cast<T>(24 * r.Uniform() - 12);
    Yb[i] = static_cast<T>(r.Uniform() < 0.5 ? 0 : 1);
  }
  Z[3] = T(0);
  Z[4] = -T(0);
  Z[5] = T(95);
  Z[6] = T(-95);
  for (size_t i = 0; i < rows; i++) {
    Yc[i] = static_cast<T>(r.NextU32() % k);
    W[i] = static_cast<T>(r.Uniform() * 2);
  }
  for (size_t j = 0; j < k; j++) b[j] = static_cast<T>(r.Uniform() - 0.5);
  // Every head, with a parameter that exercises it (Tweedie once per branch: general, Poisson, Gamma).
  struct HeadCase {
    Loss loss;
    double param;
  };
  std::vector<HeadCase> losses;
#define DESCENT_LOSS(e, name, ...) losses.push_back({Loss::e, LossParamDefault(Loss::e)});
#include "../kernels/spec.def"
  for (HeadCase& h : losses)
    if (h.loss == Loss::kHuber || h.loss == Loss::kEpsilonInsensitive || h.loss == Loss::kSquaredEpsilonInsensitive) h.param = 0.75;
    else if (h.loss == Loss::kQuantile) h.param = 0.3;
    else if (h.loss == Loss::kTweedie) h.param = 1.5;
  losses.push_back({Loss::kTweedie, 0});
  losses.push_back({Loss::kTweedie, 1});
  losses.push_back({Loss::kTweedie, 2});
  losses.push_back({Loss::kTweedie, 3});
  // Log-link heads take z/8 (exp(95) overflows float) and positive targets; binary margin heads take labels 0/1.
  std::vector<T> Zs(n), Ypos(n), Yk1(rows);
  for (size_t i = 0; i < n; i++) {
    Zs[i] = Z[i] / T(8);
    Ypos[i] = static_cast<T>(0.05 + 3 * r.Uniform());
  }
  for (size_t i = 0; i < rows; i++) Yk1[i] = static_cast<T>(r.NextU32() % 2);
  const Act acts[] = {
#define DESCENT_ACTIVATION(e, name, paramDefault) Act::e,
#include "../kernels/spec.def"
  };
  struct Out {
    std::vector<T> z, a, d, dz;
    double l;
  };
  auto run = [&](const KernelSet<T>& K, Act act, HeadCase h, bool weighted, size_t kk) {
    const Loss loss = h.loss;
    Out o;
    o.z = Z;
    o.a.assign(n, T(0));
    K.biasActivate(act, T(0.1), rows, k, b.data(), o.z.data(), o.a.data());
    o.d.assign(n, T(1));
    K.activationBackward(act, T(0.1), n, o.z.data(), o.a.data(), o.d.data());
    o.dz.assign(n, T(0));
    const bool logLink = loss == Loss::kPoisson || loss == Loss::kGamma || loss == Loss::kTweedie;
    const std::vector<T>& Y = ClassIndexTargets(loss) ? (kk == 1 ? Yk1 : Yc)
                              : loss == Loss::kSquaredError ? Z
                              : loss == Loss::kSigmoidCrossEntropy ? Yb
                              : logLink ? Ypos : Z;
    const T* zin = loss == Loss::kSquaredError ? o.a.data() : logLink ? Zs.data() : loss == Loss::kSigmoidCrossEntropy || ClassIndexTargets(loss) ? Z.data() : o.a.data();
    o.l = K.loss(loss, h.param, rows, kk, zin, Y.data(), weighted ? W.data() : nullptr, T(1) / T(rows), o.dz.data());
    return o;
  };
  for (simd::Isa isa : {simd::Isa::kAvx2, simd::Isa::kAvx512}) {
    const KernelTable* t = TableFor(isa);
    if (t == nullptr) continue;
    bool same = true;
    for (Act act : acts)
      for (HeadCase h : losses)
        for (size_t kk : {k, size_t(1)}) {
          if (kk == 1 && h.loss == Loss::kSoftmaxCrossEntropy) continue;
          for (bool weighted : {false, true}) {
            const Out a = run(t->Of<T>(), act, h, weighted, kk), e = run(ref->Of<T>(), act, h, weighted, kk);
            if (a.z != e.z || a.a != e.a || a.d != e.d || a.dz != e.dz || std::memcmp(&a.l, &e.l, sizeof(double)) != 0) {
              same = false;
              std::printf("  %s %s act %d loss %d (param %g, k %zu) weighted %d differs\n", t->isa, dtype,
                          static_cast<int>(act), static_cast<int>(h.loss), h.param, kk, weighted);
            }
          }
        }
    CHECK(same, "%s %s: activations and heads differ from the reference table", t->isa, dtype);
  }
  // Accuracy against long double, on the table in use.
  const KernelSet<T>& K = Kernels().Of<T>();
  const double tol = sizeof(T) == 4 ? 4e-7 : 1e-15;  // relative; a few ulp
  std::vector<T> z = Z, a(n);
  K.biasActivate(Act::kSigmoid, T(0), rows, k, nullptr, z.data(), a.data());
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    const long double s = 1.0L / (1.0L + std::exp(-static_cast<long double>(Z[i])));
    // relative, except among subnormals (sigmoid(-95) in float), where the spacing is absolute
    worst = std::max(worst, static_cast<double>(std::fabs(a[i] - s) / std::max(s, static_cast<long double>(std::numeric_limits<T>::min()) / tol)));
  }
  CHECK(worst <= tol, "%s sigmoid: relative error %.3g", dtype, worst);
  std::vector<T> dz(n);
  const double l = K.loss(Loss::kSigmoidCrossEntropy, 0, rows, k, Z.data(), Yb.data(), W.data(), T(1), dz.data());
  long double lw = 0;
  double gworst = 0;
  for (size_t i = 0; i < n; i++) {
    const long double zi = Z[i], yi = Yb[i], wi = W[i / k];
    lw += wi * ((zi > 0 ? zi : 0) - zi * yi + std::log1p(std::exp(-std::fabs(zi))));
    const long double g = wi * (1.0L / (1.0L + std::exp(-zi)) - yi);
    // sigmoid(z) - y rounds to the spacing of numbers near 1: the error is relative to |g| + w
    gworst = std::max(gworst, static_cast<double>(std::fabs(dz[i] - g) / (std::fabs(g) + wi)));
  }
  CHECK(std::fabs(l - lw) / lw <= tol, "%s sigmoid cross-entropy: %.17g vs %.17Lg", dtype, l, lw);
  CHECK(gworst <= 4 * tol, "%s sigmoid cross-entropy gradient: relative error %.3g", dtype, gworst);
  const double ls = K.loss(Loss::kSoftmaxCrossEntropy, 0, rows, k, Z.data(), Yc.data(), nullptr, T(1), dz.data());
  long double lref = 0;
  gworst = 0;
  for (size_t rr = 0; rr < rows; rr++) {
    long double m = Z[rr * k], s = 0;
    for (size_t j = 0; j < k; j++) m = std::max(m, static_cast<long double>(Z[rr * k + j]));
    for (size_t j = 0; j < k; j++) s += std::exp(static_cast<long double>(Z[rr * k + j]) - m);
    const size_t y = static_cast<size_t>(Yc[rr]);
    lref += std::log(s) - (static_cast<long double>(Z[rr * k + y]) - m);
    for (size_t j = 0; j < k; j++) {
      const long double g = std::exp(static_cast<long double>(Z[rr * k + j]) - m) / s - (j == y ? 1 : 0);
      gworst = std::max(gworst, static_cast<double>(std::fabs(dz[rr * k + j] - g)));
    }
  }
  CHECK(std::fabs(ls - lref) / lref <= tol, "%s softmax cross-entropy: %.17g vs %.17Lg", dtype, ls, lref);
  CHECK(gworst <= 4 * tol, "%s softmax gradient: absolute error %.3g", dtype, gworst);
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


// Every GEMM variant against a long-double reference on odd shapes, all four transposes, alpha/beta, padded
// leading dimensions; and a split across the pool equal bit for bit to the single-threaded call.
template <typename T>
void TestGemmTables(const char* dtype) {
  const int allSizes[] = {1, 2, 7, 17, 33, 129, 300};
  const std::vector<int> sizes(allSizes, allSizes + (kQuick ? 6 : 7));
  Rng rng(11);
  const simd::Isa isas[] = {simd::Isa::kScalar, simd::Isa::kAvx2, simd::Isa::kAvx512};
  for (simd::Isa isa : isas) {
    const KernelTable* table = TableFor(isa);
    if (table == nullptr) {
      std::printf("gemm %s %s: this CPU lacks it, skipped\n", dtype, simd::Name(isa));
      continue;
    }
    KernelSet<T> k = table->Of<T>();
    k.gemmUseBlas = false;  // test the packed kernel even where OpenBLAS is preferred
    int cases = 0;
    double worst = 0;
    for (int m : sizes)
      for (int n : sizes)
        for (int kk : sizes) {
          if ((m * 7 + n * 3 + kk) % 3 != 0 && !(m == 1 || n == 1 || kk == 1)) continue;  // a spread, not all 343
          for (int t = 0; t < 4; t++) {
            const bool tA = t & 1, tB = t & 2;
            const T alpha = (cases % 3 == 0) ? T(1) : T(-0.75);
            const T beta = (cases % 4 == 0) ? T(0) : (cases % 4 == 1 ? T(1) : T(0.5));
            const int lda = (tA ? m : kk) + 3, ldb = (tB ? kk : n) + 1, ldc = n + 2;
            std::vector<T> A(static_cast<size_t>(tA ? kk : m) * lda), B(static_cast<size_t>(tB ? n : kk) * ldb),
                C(static_cast<size_t>(m) * ldc);
            for (auto& v : A) v = static_cast<T>(rng.Uniform() * 2 - 1);
            for (auto& v : B) v = static_cast<T>(rng.Uniform() * 2 - 1);
            for (auto& v : C) v = static_cast<T>(rng.Uniform() * 2 - 1);
            if (beta == T(0))
              for (auto& v : C) v = std::numeric_limits<T>::quiet_NaN();  // beta 0: C must not be read
            std::vector<T> C1 = C;
            Gemm(k, tA, tB, m, n, kk, alpha, A.data(), lda, B.data(), ldb, beta, C1.data(), ldc);
            double err = 0;
            bool padOk = true;
            for (int i = 0; i < m; i++)
              for (int j = 0; j < ldc; j++) {
                const size_t at = static_cast<size_t>(i) * ldc + j;
                if (j >= n) {  // padding columns untouched
                  if (!(C1[at] == C[at] || (C1[at] != C1[at] && C[at] != C[at]))) padOk = false;
                  continue;
                }
                long double s = 0, mag = 0;
                for (int p = 0; p < kk; p++) {
                  const long double a = tA ? A[static_cast<size_t>(p) * lda + i] : A[static_cast<size_t>(i) * lda + p];
                  const long double b = tB ? B[static_cast<size_t>(j) * ldb + p] : B[static_cast<size_t>(p) * ldb + j];
                  s += a * b;
                  mag += std::fabs(static_cast<double>(a * b));
                }
                long double want = alpha * s;
                if (beta != T(0)) want += beta * static_cast<long double>(C[at]);
                const double e = std::fabs(static_cast<double>(C1[at] - want)) /
                                 (static_cast<double>(mag) + (beta != T(0) ? std::fabs(static_cast<double>(C[at])) : 0.0) + 1e-30);
                if (!(e <= err)) err = e;
              }
            const double tol = 8 * std::numeric_limits<T>::epsilon() * (1 + std::sqrt(static_cast<double>(kk)));
            CHECK(err <= tol && padOk, "gemm %s %s m=%d n=%d k=%d tA=%d tB=%d alpha=%g beta=%g: rel err %g (tol %g)%s",
                  dtype, simd::Name(isa), m, n, kk, tA, tB, static_cast<double>(alpha), static_cast<double>(beta), err,
                  tol, padOk ? "" : ", padding written");
            if (err > worst) worst = err;
            cases++;
          }
        }
    std::printf("gemm %s %s: %d cases, worst relative error %.3g\n", dtype, simd::Name(isa), cases, worst);
    if (k.gemm == nullptr) continue;
    // Thread split == serial, bit for bit (W3's shapes and odd ones).
    const int shapes[][3] = {{128, 256, 784}, {256, 784, 128}, {128, 784, 256}, {131, 257, 129}, {300, 17, 500}};
    for (const auto& sh : shapes) {
      const int m = sh[0], n = sh[1], kk = sh[2];
      std::vector<T> A(static_cast<size_t>(m) * kk), B(static_cast<size_t>(kk) * n);
      for (auto& v : A) v = static_cast<T>(rng.Uniform() * 2 - 1);
      for (auto& v : B) v = static_cast<T>(rng.Uniform() * 2 - 1);
      std::vector<T> C1(static_cast<size_t>(m) * n), C2(C1.size());
      const int before = parallel::Threads();
      parallel::SetThreads(1);
      Gemm(k, false, false, m, n, kk, T(1), A.data(), kk, B.data(), n, T(0), C1.data(), n);
      parallel::SetThreads(2);
      Gemm(k, false, false, m, n, kk, T(1), A.data(), kk, B.data(), n, T(0), C2.data(), n);
      parallel::SetThreads(before);
      CHECK(std::memcmp(C1.data(), C2.data(), C1.size() * sizeof(T)) == 0, "gemm %s %s %dx%dx%d: 2 threads differ from 1",
            dtype, simd::Name(isa), m, n, kk);
    }
  }
}

// sumSquares: identical on every table (fixed lane order), equal to a long-double sum to rounding.
template <typename T>
void TestSumSquares(const char* dtype) {
  Rng rng(5);
  for (size_t n : {size_t(0), size_t(1), size_t(7), size_t(8), size_t(9), size_t(1037), size_t(235146)}) {
    std::vector<T> x(n);
    for (auto& v : x) v = static_cast<T>(rng.Uniform() * 4 - 2);
    long double ref = 0;
    for (T v : x) ref += static_cast<long double>(v) * v;
    const double s0 = TableFor(simd::Isa::kScalar)->Of<T>().sumSquares(n, x.data());
    CHECK(std::fabs(static_cast<double>(s0 - ref)) <= (1.0 + n / 8.0) * 2.3e-16 * static_cast<double>(ref) + 1e-300,
          "sumSquares %s n=%zu: %.17g vs %.17g", dtype, n, s0, static_cast<double>(ref));
    for (simd::Isa isa : {simd::Isa::kAvx2, simd::Isa::kAvx512}) {
      const KernelTable* t = TableFor(isa);
      if (t == nullptr) continue;
      const double s1 = t->Of<T>().sumSquares(n, x.data());
      CHECK(std::memcmp(&s0, &s1, sizeof s0) == 0, "sumSquares %s %s n=%zu differs from scalar: %.17g vs %.17g", dtype,
            simd::Name(isa), n, s1, s0);
    }
  }
}

// The engine's small gemv (one-unit layers) against a long-double reference, both orientations, and OpenBLAS's
// path above kSmallGemv.
template <typename T>
void TestSmallGemv(const char* dtype) {
  Rng rng(9);
  const int shapes[][2] = {{1, 1}, {32, 16}, {7, 3}, {9, 17}, {256, 64}, {300, 50}, {2000, 40}};
  for (const auto& sh : shapes) {
    const int m = sh[0], n = sh[1];
    for (int t = 0; t < 2; t++) {
      const bool tr = t == 1;
      std::vector<T> A(static_cast<size_t>(m) * n), x(tr ? m : n), y(tr ? n : m, T(7));
      for (auto& v : A) v = static_cast<T>(rng.Uniform() * 2 - 1);
      for (auto& v : x) v = static_cast<T>(rng.Uniform() * 2 - 1);
      Gemv(tr, m, n, A.data(), n, x.data(), y.data());
      double err = 0;
      for (int o = 0; o < (tr ? n : m); o++) {
        long double s = 0, mag = 0;
        for (int i = 0; i < (tr ? m : n); i++) {
          const long double a = tr ? A[static_cast<size_t>(i) * n + o] : A[static_cast<size_t>(o) * n + i];
          s += a * x[i];
          mag += std::fabs(static_cast<double>(a * x[i]));
        }
        const double e = std::fabs(static_cast<double>(y[o] - s)) / (static_cast<double>(mag) + 1e-30);
        if (!(e <= err)) err = e;
      }
      const double tol = 8 * std::numeric_limits<T>::epsilon() * (1 + std::sqrt(static_cast<double>(tr ? m : n)));
      CHECK(err <= tol, "gemv %s m=%d n=%d trans=%d: rel err %g (tol %g)", dtype, m, n, tr, err, tol);
    }
  }
}

int main() {
  TestRngMatchesTypeScript();
  TestSimdTablesEqualScalar<float>("float32");
  TestSimdTablesEqualScalar<double>("float64");
  TestKernelTables<float>("float32");
  TestKernelTables<double>("float64");
  TestGemmTables<float>("float32");
  TestSumSquares<float>("float32");
  TestSmallGemv<float>("float32");
  TestSmallGemv<double>("float64");
  TestSumSquares<double>("float64");
  TestGemmTables<double>("float64");
  TestSlotsFromSpec();
  TestGradNormWithoutOverflow();
  TestStableLosses();
  TestVectorMath<float>("float32");
  TestVectorMath<double>("float64");
  TestHeads<float>("float32");
  TestHeads<double>("float64");
  TestTrainerReachesLeastSquares();
  TestDivergenceRestores();
  TestPoolResizeAndSplit();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
