// Loading by the Multiboot "a.out kludge": the header gives the physical load addresses, so the
// image needs no ELF headers. Multiboot 0.6.96 section 3.1.3 (flags bit 16); Multiboot 2.0
// section 3.1.5 (address tag).
#pragma once

#include <cstdint>
#include <span>

#include "core/loader/image_placer.h"
#include "core/result.h"

namespace svm {

struct AoutKludge {
    uint32_t header_addr;    // physical address the Multiboot header's magic is loaded to
    uint32_t load_addr;      // physical address of the first loaded byte; <= header_addr
    uint32_t load_end_addr;  // end of the loaded bytes; 0 = to the end of the file
    uint32_t bss_end_addr;   // end of the BSS, zeroed; 0 = no BSS
};

// Loads the image described by `kludge`, whose Multiboot header lies at `header_offset` in
// `file`. The file offset of the first loaded byte is header_offset - (header_addr - load_addr).
// Returns an error naming the field if load_addr > header_addr, the loaded bytes start before or
// end past the file, load_end_addr < load_addr, bss_end_addr lies below the loaded bytes' end,
// or the range is rejected by the placer.
Result<void> load_aout_kludge(std::span<const uint8_t> file, uint64_t header_offset,
                              const AoutKludge& kludge, ImagePlacer& placer);

}  // namespace svm
