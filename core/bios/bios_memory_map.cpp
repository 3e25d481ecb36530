#include "core/bios/bios_memory_map.h"

#include <algorithm>

namespace svm {

std::vector<E820Entry> e820_map(std::span<const svm_mem_range> ranges) {
    std::vector<E820Entry> map;
    for (const auto& r : ranges) {
        if (r.length == 0) continue;
        bool ram = r.type == SVM_MEM_RAM || r.type == SVM_MEM_KERNEL || r.type == SVM_MEM_MODULE;
        map.push_back({r.base, r.length, ram ? 1u : 2u});
    }
    std::sort(map.begin(), map.end(),
              [](const E820Entry& a, const E820Entry& b) { return a.base < b.base; });
    std::vector<E820Entry> merged;
    for (const auto& e : map) {
        if (!merged.empty() && merged.back().type == e.type &&
            merged.back().base + merged.back().length == e.base)
            merged.back().length += e.length;
        else
            merged.push_back(e);
    }
    return merged;
}

uint64_t contiguous_ram(std::span<const E820Entry> map, uint64_t from, uint64_t limit) {
    uint64_t end = from;
    for (const auto& e : map) {
        if (e.type != 1) continue;
        if (e.base <= end && e.base + e.length > end) end = e.base + e.length;
    }
    return std::min(end, limit) > from ? std::min(end, limit) - from : 0;
}

}  // namespace svm
