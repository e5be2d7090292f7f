// Fused optimizer updates: one pass over p, g and the state slots per parameter tensor. Update rules follow
// torch.optim (PyTorch 1.13, single-tensor path) exactly; per-step scalars (bias corrections, decayed learning
// rates) are computed once per step in Prepare() so the element loop holds only multiplies, adds and sqrt.
#pragma once
#include <cstddef>
#include <cstdint>

namespace descent {

// The fused kernels in the order of lib/engine/spec.ts (spec.def): the binding maps names to these.
enum class OptKind : int32_t {
#define DESCENT_KERNEL(e, name) e,
#include "spec.def"
};

// Every configuration field of lib/engine/spec.ts KERNEL_FIELDS, with its default; each kernel reads the ones it
// needs (e.g. `decoupled`: AdamW's p <- p - lr*wd*p before the update instead of g += wd*p).
struct OptConfig {
  OptKind kind = OptKind::kSgd;
#define DESCENT_KERNEL_FIELD(type, field, def, lo, hi) type field = def;
#include "spec.def"
};

// Optimizer-wide state that is not per element (kept by the owner, saved with checkpoints).
struct OptGlobalState {
  int64_t step = 0;        // number of completed steps
  double muProduct = 1.0;  // NAdam's running product of momentum coefficients
};

// Scalars for one step, derived from the config, the learning rate and the step number.
struct StepScalars {
  double lr = 0;
  double wd = 0;      // coupled weight decay added to the gradient
  double decay = 1;   // decoupled: p *= decay before the update
  double c1 = 0, c2 = 0, c3 = 0, c4 = 0;
  bool first = false;  // first step: momentum buffers are initialised to the gradient
};

// Number of state tensors (each the size of the parameter) the optimizer keeps per parameter (spec.def slots).
int NumSlots(const OptConfig& c);
// Value slot `slot` starts at (Adagrad's initial accumulator; 0 otherwise).
double SlotInit(const OptConfig& c, int slot);
// Advances `g` (step, muProduct) and returns the scalars of the new step taken with learning rate `lr`.
StepScalars Prepare(const OptConfig& c, OptGlobalState& g, double lr);

// One fused update of n elements. Returns false if any updated parameter is not finite.
// s0..s2 are the state slots (may be null when NumSlots() is smaller). Runs the current kernel table's entry
// (kernels.h), split across the pool when large.
bool Step(const OptConfig& c, const StepScalars& s, size_t n, float* p, const float* g, float* s0, float* s1, float* s2);
bool Step(const OptConfig& c, const StepScalars& s, size_t n, double* p, const double* g, double* s0, double* s1, double* s2);

}  // namespace descent
