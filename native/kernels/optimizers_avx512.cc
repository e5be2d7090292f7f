// The fused optimizer kernels compiled for the avx512 table (see optimizers_impl.h and dispatch.cc).
#include "optimizers.h"
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
namespace descent::isa_avx512 {
#include "optimizers_impl.h"
bool StepF32(const OptConfig& c, const StepScalars& s, size_t n, float* p, const float* g, float* s0, float* s1,
             float* s2) {
  return StepImpl<float>(c, s, n, p, g, s0, s1, s2);
}
bool StepF64(const OptConfig& c, const StepScalars& s, size_t n, double* p, const double* g, double* s0, double* s1,
             double* s2) {
  return StepImpl<double>(c, s, n, p, g, s0, s1, s2);
}
}  // namespace descent::isa_avx512
