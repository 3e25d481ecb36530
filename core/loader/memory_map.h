// The machine's physical memory maps, shared by the Multiboot loaders and the machine table.
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <span>
#include <vector>

#include "core/loader/kernel_image.h"

namespace svm {

// Returns the base memory map for `ram_size` bytes of RAM at guest-physical 0 with the ranges in
// `reserved` (BootLayout::reserved: what svm writes and the legacy hole) of type
// SVM_MEM_RESERVED and the rest SVM_MEM_RAM. Ranges are sorted, clipped to ram_size, never empty,
// and adjacent ranges of one type are merged. Kernel and module ranges are not split out.
std::vector<svm_mem_range> base_memory_map(uint64_t ram_size,
                                           std::span<const svm_mem_range> reserved);

// The base map of svm's default layout (nothing loaded): RAM [0, 0x70000), reserved
// [0x70000, 1 MiB), RAM above.
std::vector<svm_mem_range> base_memory_map(uint64_t ram_size);

// `base` (a base map) with the ranges in `loaded` painted over it as SVM_MEM_KERNEL /
// SVM_MEM_MODULE, widened to whole 4 KiB pages; a loaded range wins over a reserved one (a
// segment in the legacy hole, e.g. GNU ld's headers at 0xFF000). Sorted, contiguous, merged.
std::vector<svm_mem_range> overlay_loaded(std::span<const svm_mem_range> base,
                                          std::span<const LoadedRange> loaded);

// Multiboot's mem_lower (0.6.96 section 3.3; 2.0 section 3.6.4): KiB of RAM from address 0 up to
// the first non-RAM range of `map`, at most 640.
uint32_t multiboot_mem_lower_kib(std::span<const svm_mem_range> map);

// Multiboot's mem_upper: KiB of RAM from 1 MiB up to the first non-RAM range of `map` at or above
// 1 MiB, capped at 4 GiB (0 if there is no RAM at 1 MiB).
uint32_t multiboot_mem_upper_kib(std::span<const svm_mem_range> map);

}  // namespace svm
