#include "dispatch.h"

#include <atomic>
#include <cstdlib>

#include "kernels.h"
#include "parallel.h"

namespace descent {
namespace isa_scalar {
void Override(KernelTable&);
}  // namespace isa_scalar
#if defined(__x86_64__) && !defined(DESCENT_NO_X86_TABLES)
namespace isa_avx2 {
void Override(KernelTable&);
}  // namespace isa_avx2
namespace isa_avx512 {
void Override(KernelTable&);
}  // namespace isa_avx512
#elif defined(__aarch64__)
namespace isa_neon {
void Override(KernelTable&);
}  // namespace isa_neon
#endif

namespace simd {
namespace {
std::atomic<int> g_isa{-1};

int Detect() {
#if defined(__x86_64__) && !defined(DESCENT_NO_X86_TABLES)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return static_cast<int>(Isa::kAvx512);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return static_cast<int>(Isa::kAvx2);
#elif defined(__aarch64__)
  return static_cast<int>(Isa::kNeon);  // Advanced SIMD is part of ARMv8-A
#endif
  return static_cast<int>(Isa::kScalar);
}
}  // namespace

Isa Best() { return static_cast<Isa>(Detect()); }

Isa Current() {
  int v = g_isa.load(std::memory_order_relaxed);
  if (v < 0) {
    InitFromEnv();
    v = g_isa.load(std::memory_order_relaxed);
  }
  return static_cast<Isa>(v);
}

namespace {
#if defined(__aarch64__)
const char* const kNames[] = {"scalar", "neon"};
#else
const char* const kNames[] = {"scalar", "avx2", "avx512"};
#endif
constexpr int kTables = static_cast<int>(sizeof(kNames) / sizeof(kNames[0]));

// Index of a table name on this architecture, or -1.
int Index(const std::string& name) {
  for (int i = 0; i < kTables; i++)
    if (name == kNames[i]) return i;
  return -1;
}
}  // namespace

int Count() { return kTables; }

const char* Name(Isa isa) {
  const int i = static_cast<int>(isa);
  return i >= 0 && i < kTables ? kNames[i] : "scalar";
}

bool Select(const std::string& name) {
  const int want = Index(name);
  if (want < 0 || want > Detect()) return false;
  g_isa.store(want, std::memory_order_relaxed);
  return true;
}

void InitFromEnv() {
  int best = Detect();
  const char* env = std::getenv("DESCENT_SIMD");
  if (env != nullptr) {
    std::string e(env);
    const int want = Index(e);
    if (want >= 0 && want < best) best = want;  // may only force a lower table
  }
  g_isa.store(best, std::memory_order_relaxed);
}
}  // namespace simd

namespace {
// Reference table first; each ISA starts from the table below it and overrides what its unit provides.
struct Tables {
  KernelTable t[3];
  Tables() {
    t[0].isa = simd::Name(simd::Isa::kScalar);
    isa_scalar::Override(t[0]);
    // An ISA unit's Override is itself compiled for that ISA (its stores may use AVX-512 instructions): call it
    // only on a CPU that has the ISA, or loading the addon would be a SIGILL on older x86-64 (and under valgrind).
    const simd::Isa best = simd::Best();
    t[1] = t[0];
    t[1].isa = simd::Name(simd::Isa::kAvx2);
#if defined(__x86_64__) && !defined(DESCENT_NO_X86_TABLES)
    if (best >= simd::Isa::kAvx2) isa_avx2::Override(t[1]);
#elif defined(__aarch64__)
    isa_neon::Override(t[1]);
#endif
    t[2] = t[1];
    t[2].isa = simd::Name(simd::Isa::kAvx512);
#if defined(__x86_64__) && !defined(DESCENT_NO_X86_TABLES)
    if (best >= simd::Isa::kAvx512) isa_avx512::Override(t[2]);
#endif
    // Which GEMM each table runs. AVX-512: descent's (181 GF/s per core at W3's shapes against OpenBLAS's
    // Haswell kernel at ~105). AVX2: OpenBLAS, which measured faster than descent's 6x16 kernel (~107 vs ~97
    // GF/s); DESCENT_GEMM=descent selects ours there too, DESCENT_GEMM=openblas OpenBLAS everywhere. NEON (table
    // 1 on AArch64): OpenBLAS's tuned ARMv8 kernels by default, as on AVX2: descent's 8 x 8 NEON kernel has only
    // been run under emulation, never timed on ARM hardware.
    const char* g = std::getenv("DESCENT_GEMM");
    const std::string want = g != nullptr ? g : "";
    t[1].f32.gemmUseBlas = t[1].f64.gemmUseBlas = want != "descent";
    if (want == "openblas")
      for (KernelTable& k : t) k.f32.gemmUseBlas = k.f64.gemmUseBlas = true;
  }
};

const Tables& AllTables() {
  static const Tables tables;
  return tables;
}

// Passes of at least this many elements are split across the pool: below it, waking threads (~10 µs) costs
// more than a second core saves (an MLP's 235k-parameter Adam step still gains).
constexpr size_t kParallelMin = size_t(1) << 17;
}  // namespace

const KernelTable& Kernels() { return AllTables().t[static_cast<int>(simd::Current())]; }

const KernelTable* TableFor(simd::Isa isa) {
  const int i = static_cast<int>(isa);
  return i >= 0 && i <= static_cast<int>(simd::Best()) ? &AllTables().t[i] : nullptr;
}

template <typename T>
bool Step(const KernelSet<T>& k, const OptConfig& c, const StepScalars& s, size_t n, T* p, const T* g, T* s0, T* s1,
          T* s2) {
  // Small passes run here directly, without the pool.
  if (n < kParallelMin || parallel::Threads() <= 1) return k.step(c, s, n, p, g, s0, s1, s2);
  std::atomic<bool> ok{true};
  parallel::For(n, kParallelMin, [&](size_t b, size_t e) {
    if (!k.step(c, s, e - b, p + b, g + b, s0 ? s0 + b : nullptr, s1 ? s1 + b : nullptr, s2 ? s2 + b : nullptr))
      ok.store(false, std::memory_order_relaxed);
  });
  return ok.load();
}
template bool Step<float>(const KernelSet<float>&, const OptConfig&, const StepScalars&, size_t, float*, const float*,
                          float*, float*, float*);
template bool Step<double>(const KernelSet<double>&, const OptConfig&, const StepScalars&, size_t, double*,
                           const double*, double*, double*, double*);

bool Step(const OptConfig& c, const StepScalars& s, size_t n, float* p, const float* g, float* s0, float* s1,
          float* s2) {
  return Step(Kernels().f32, c, s, n, p, g, s0, s1, s2);
}

bool Step(const OptConfig& c, const StepScalars& s, size_t n, double* p, const double* g, double* s0, double* s1,
          double* s2) {
  return Step(Kernels().f64, c, s, n, p, g, s0, s1, s2);
}

}  // namespace descent
