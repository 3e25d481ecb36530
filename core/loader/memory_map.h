// The machine's base physical memory map, shared by the Multiboot loaders and the machine table.
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <vector>

namespace svm {

// Returns the base memory map for `ram_size` bytes of RAM at guest-physical 0: RAM
// [0, SVM_RESERVED_START), reserved [SVM_RESERVED_START, SVM_LEGACY_HOLE_END), RAM
// [SVM_LEGACY_HOLE_END, ram_size). Ranges are sorted, clipped to ram_size and never empty.
// Kernel and module ranges are not split out: the caller adds those from KernelImage::loaded.
std::vector<svm_mem_range> base_memory_map(uint64_t ram_size);

// Multiboot's mem_upper (0.6.96 section 3.3; 2.0 section 3.6.4): KiB of RAM from 1 MiB up to the
// first hole, here min(ram_size, 4 GiB) - 1 MiB (0 if there is no RAM above 1 MiB).
// (mem_lower is SVM_RESERVED_START / 1024: RAM from 0 ends where svm's reserved range starts.)
uint32_t multiboot_mem_upper_kib(uint64_t ram_size);

}  // namespace svm
