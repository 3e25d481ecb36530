// The part of Multiboot loading both versions share: loading the kernel image itself, either by
// the a.out kludge / address tag or as an ELF32 or ELF64 executable, for a start in 32-bit
// protected mode with paging off.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/loader/aout_kludge.h"
#include "core/loader/elf_file.h"
#include "core/loader/image_placer.h"
#include "core/result.h"

namespace svm {

struct MultibootKernel {
    std::optional<ElfFile> elf;  // set if the file is a well-formed ELF image
    uint32_t entry = 0;          // physical entry point
};

// Loads the kernel whose Multiboot header lies at `header_offset`. With `kludge`, the load
// addresses come from the header (an ELF image is still parsed for its section table, but a
// broken one is then ignored); without it, the file must be ELF32 or ELF64 and is loaded by its
// PT_LOAD segments at p_paddr. The entry is `entry_addr` if given, else the ELF entry translated
// to a physical address. Returns an error naming the problem if the image is neither, has no
// entry address, or its entry or any byte lies at or above 4 GiB.
Result<MultibootKernel> load_multiboot_kernel(std::span<const uint8_t> file, uint64_t header_offset,
                                              const std::optional<AoutKludge>& kludge,
                                              std::optional<uint32_t> entry_addr,
                                              ImagePlacer& placer);

}  // namespace svm
