// Runtime SIMD dispatch without IFUNC: every kernel table (kernels.h) is compiled (scalar reference, AVX2+FMA,
// AVX-512), the best one the CPU supports is chosen at load, and DESCENT_SIMD=scalar|avx2|avx512 may force a lower one.
#pragma once
#include <string>

namespace descent::simd {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// The table in use.
Isa Current();
const char* Name(Isa isa);
// Best table this CPU can run.
Isa Best();
// Selects a table by name; returns false (and changes nothing) if the name is unknown or the CPU lacks it.
bool Select(const std::string& name);
// Re-reads DESCENT_SIMD and the CPU (called once at load).
void InitFromEnv();

}  // namespace descent::simd
