// The reference kernel table: the shared body (kernels_impl.h) at the baseline ISA.
#include "kernels.h"

namespace descent::isa_scalar {
#include "kernels_impl.h"
}  // namespace descent::isa_scalar
