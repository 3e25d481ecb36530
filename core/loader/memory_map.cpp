#include "core/loader/memory_map.h"

#include <algorithm>

namespace svm {

std::vector<svm_mem_range> base_memory_map(uint64_t ram_size) {
    std::vector<svm_mem_range> map;
    auto add = [&](uint64_t base, uint64_t end, uint32_t type) {
        end = std::min(end, ram_size);
        if (base < end) map.push_back(svm_mem_range{base, end - base, type, 0});
    };
    add(0, SVM_RESERVED_START, SVM_MEM_RAM);
    // svm's own structures (machine table, GDT, boot info, ACPI, page tables) and the legacy
    // VGA/ROM hole below 1 MiB that PC software expects to be unusable.
    add(SVM_RESERVED_START, SVM_LEGACY_HOLE_END, SVM_MEM_RESERVED);
    add(SVM_LEGACY_HOLE_END, ram_size, SVM_MEM_RAM);
    return map;
}

uint32_t multiboot_mem_upper_kib(uint64_t ram_size) {
    uint64_t below_4g = std::min<uint64_t>(ram_size, uint64_t(1) << 32);
    if (below_4g <= SVM_LEGACY_HOLE_END) return 0;
    return static_cast<uint32_t>((below_4g - SVM_LEGACY_HOLE_END) / 1024);
}

}  // namespace svm
