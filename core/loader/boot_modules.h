// Boot modules for Multiboot kernels: files read from the host and placed in guest RAM, one after
// another, page-aligned after the kernel (Multiboot 0.6.96 section 3.3, Multiboot 2.0
// section 3.6.6).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/loader/image_placer.h"
#include "core/loader/kernel_image.h"
#include "core/result.h"

namespace svm {

struct PlacedModule {
    uint32_t start;      // first byte
    uint32_t end;        // one past the last byte (mod_end, as GRUB sets it)
    std::string string;  // LoadOptions::Module::args
};

// Reads every module (HostFile: a file larger than RAM is refused before it is read) and places
// it at the next 4 KiB boundary after the highest kernel byte, and at or above 1 MiB as GRUB does
// (then after the previous module), in order. Returns the placed modules, or an error naming the
// module if it cannot be read, does not fit in RAM, overlaps another loaded range or ends above
// 4 GiB (Multiboot module addresses are 32-bit).
Result<std::vector<PlacedModule>> load_boot_modules(const std::vector<LoadOptions::Module>& modules,
                                                    ImagePlacer& placer);

}  // namespace svm
