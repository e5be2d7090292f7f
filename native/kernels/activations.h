// Activation functions: the enum shared with lib/engine/spec.ts. The kernels (fused with the bias add forward,
// with the incoming gradient backward) live in the kernel tables: heads_impl.h, via KernelSet::biasActivate and
// KernelSet::activationBackward. Sigmoid never overflows: exp is only taken of a non-positive number.
#pragma once
#include <cstdint>

namespace descent {

// Activations in the order of lib/engine/spec.ts (spec.def): the binding maps names to these.
enum class Act : int32_t {
#define DESCENT_ACTIVATION(e, name, paramDefault) e,
#include "spec.def"
};

}  // namespace descent
