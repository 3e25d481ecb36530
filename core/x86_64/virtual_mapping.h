#pragma once

#include <cstdint>

namespace svm {

// A virtual-to-physical mapping the boot page tables must contain besides the identity map of the
// low 4 GiB (a higher-half ELF64 segment: p_vaddr -> p_paddr). Only used for CpuMode::Long starts.
struct VirtualMapping {
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t size;
};

}  // namespace svm
