// The few operating-system services the addon needs, one definition per OS (platform.cc).
#pragma once
#include <cstdint>

namespace descent::binding {

// Physical memory in bytes, or 0 when the OS does not say.
uint64_t PhysicalMemoryBytes();

// Keeps this module loaded for the life of the process. Node unloads an addon when the last worker that loaded it
// exits; our thread pool and OpenBLAS's threads (linked into the prebuild) would then wake up in unmapped code.
void PinModule();

}  // namespace descent::binding
