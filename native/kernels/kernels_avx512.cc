// The AVX-512 kernel table: the shared body (kernels_impl.h) compiled for that ISA (no FMA contraction).
#include "kernels.h"
#if defined(__x86_64__)
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")

namespace descent::isa_avx512 {
#include "kernels_impl.h"
}  // namespace descent::isa_avx512
#endif
