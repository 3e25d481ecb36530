#include "core/loader/memory_map.h"

#include <algorithm>

#include "core/loader/boot_layout.h"

namespace svm {

namespace {

// A range with a paint priority: later layers win where they overlap earlier ones.
struct Layer {
    uint64_t base, end;
    uint32_t type;
    int priority;
};

// Cuts [0, ram_size) at every layer boundary and gives each piece the type of the highest
// priority layer covering it (RAM if none); merges adjacent pieces of one type.
std::vector<svm_mem_range> paint(uint64_t ram_size, const std::vector<Layer>& layers) {
    std::vector<uint64_t> cuts{0, ram_size};
    for (const auto& l : layers) {
        cuts.push_back(std::min(l.base, ram_size));
        cuts.push_back(std::min(l.end, ram_size));
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<svm_mem_range> out;
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
        uint64_t a = cuts[i], b = cuts[i + 1];
        uint32_t type = SVM_MEM_RAM;
        int best = -1;
        for (const auto& l : layers)
            if (l.base <= a && b <= l.end && l.priority > best) type = l.type, best = l.priority;
        if (!out.empty() && out.back().type == type)
            out.back().length += b - a;
        else
            out.push_back({a, b - a, type, 0});
    }
    return out;
}

}  // namespace

std::vector<svm_mem_range> base_memory_map(uint64_t ram_size,
                                           std::span<const svm_mem_range> reserved) {
    std::vector<Layer> layers;
    for (const auto& r : reserved) layers.push_back({r.base, r.base + r.length, r.type, 0});
    return paint(ram_size, layers);
}

std::vector<svm_mem_range> base_memory_map(uint64_t ram_size) {
    auto layout = plan_boot_layout(ram_size, {}, 0);
    if (!layout) return {{0, ram_size, SVM_MEM_RAM, 0}};
    return base_memory_map(ram_size, layout->reserved);
}

std::vector<svm_mem_range> overlay_loaded(std::span<const svm_mem_range> base,
                                          std::span<const LoadedRange> loaded) {
    uint64_t ram_size = 0;
    std::vector<Layer> layers;
    for (const auto& r : base) {
        ram_size = std::max(ram_size, r.base + r.length);
        if (r.type != SVM_MEM_RAM) layers.push_back({r.base, r.base + r.length, r.type, 0});
    }
    // Whole pages: a page allocator built from this map must not hand out the tail of a page
    // that holds kernel bytes. Two loaded ranges may share a page; the first one keeps it.
    for (size_t i = 0; i < loaded.size(); ++i) {
        const auto& l = loaded[i];
        if (l.size == 0) continue;
        uint64_t end = (l.base + l.size + 0xfff) & ~0xfffull;
        layers.push_back({l.base & ~0xfffull, end, l.is_module ? SVM_MEM_MODULE : SVM_MEM_KERNEL,
                          static_cast<int>(loaded.size() - i)});
    }
    return paint(ram_size, layers);
}

uint32_t multiboot_mem_lower_kib(std::span<const svm_mem_range> map) {
    uint64_t end = 0;
    for (const auto& r : map) {
        if (r.base != end || r.type != SVM_MEM_RAM) break;
        end = r.base + r.length;
    }
    return static_cast<uint32_t>(std::min<uint64_t>(end, 0xA0000) / 1024);
}

uint32_t multiboot_mem_upper_kib(std::span<const svm_mem_range> map) {
    constexpr uint64_t k1MiB = 0x100000, k4GiB = uint64_t(1) << 32;
    uint64_t end = k1MiB;
    for (const auto& r : map) {
        if (r.base + r.length <= k1MiB) continue;
        if (r.type != SVM_MEM_RAM || r.base > end) break;
        end = r.base + r.length;
    }
    return static_cast<uint32_t>((std::min(end, k4GiB) - k1MiB) / 1024);
}

}  // namespace svm
