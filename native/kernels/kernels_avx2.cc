// The AVX2+FMA kernel table: the shared body (kernels_impl.h) compiled for that ISA (no FMA contraction).
#include "kernels.h"
#if defined(__x86_64__)
#pragma GCC target("avx2,fma")

namespace descent::isa_avx2 {
#include "kernels_impl.h"
}  // namespace descent::isa_avx2
#endif
