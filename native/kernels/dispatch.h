// Runtime SIMD dispatch without IFUNC: every kernel table (kernels.h) is compiled, the best one the CPU supports is
// chosen at load, and DESCENT_SIMD may force a lower one. x86-64: scalar (the baseline ISA, SSE2), avx2 (AVX2+FMA),
// avx512. AArch64: scalar (the baseline, whose Advanced SIMD the compiler uses too) and neon (plus descent's NEON
// GEMM). Other architectures: scalar.
#pragma once
#include <string>

namespace descent::simd {

// Table indices; the names depend on the architecture (Name()). kNeon shares index 1 with kAvx2.
enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kNeon = 1 };

// The table in use.
Isa Current();
const char* Name(Isa isa);
// Number of tables on this architecture (indices 0 .. Count()-1, named by Name()).
int Count();
// Best table this CPU can run.
Isa Best();
// Selects a table by name; returns false (and changes nothing) if the name is unknown or the CPU lacks it.
bool Select(const std::string& name);
// Re-reads DESCENT_SIMD and the CPU (called once at load).
void InitFromEnv();

}  // namespace descent::simd
