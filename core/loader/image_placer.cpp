#include "core/loader/image_placer.h"

#include <algorithm>

namespace svm {

std::string describe_ram(uint64_t ram_size) {
    if (ram_size % (1 << 20) == 0) return fmt::format("{} MiB", ram_size >> 20);
    return fmt::format("{:#x} bytes", ram_size);
}

constexpr uint64_t kVgaWindowStart = 0xA0000;
constexpr uint64_t kVgaWindowEnd = 0xC0000;

// Half-open ranges [a, a + a_size) and [b, b + b_size) overlap. Callers guarantee no overflow.
static bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) {
    return a_size != 0 && b_size != 0 && a < b + b_size && b < a + a_size;
}

Result<void> ImagePlacer::check(const std::string& what, uint64_t base, uint64_t size) const {
    if (!memory_.contains(base, size))
        return error("{} lies outside the {} of RAM", what, describe_ram(memory_.size()));
    // The VGA window is device memory (OSDev wiki "Memory Map (x86)"): bytes loaded there would
    // land in the text buffer, not in RAM.
    if (overlaps(base, size, kVgaWindowStart, kVgaWindowEnd - kVgaWindowStart))
        return error("{} overlaps the VGA memory window [{:#x}, {:#x}), which is not RAM", what,
                     kVgaWindowStart, kVgaWindowEnd);
    for (size_t i = 0; i < loaded_.size(); ++i) {
        if (overlaps(base, size, loaded_[i].base, loaded_[i].size))
            return error("{} overlaps {}", what, names_[i]);
    }
    return {};
}

Result<void> ImagePlacer::place(const std::string& what, uint64_t base,
                                std::span<const uint8_t> data, uint64_t mem_size, bool is_module) {
    SVM_ASSERT(data.size() <= mem_size);
    TRY(check(what, base, mem_size));
    if (mem_size == 0) return {};
    TRY(memory_.write(base, data));
    TRY(memory_.fill(base + data.size(), 0, mem_size - data.size()));
    loaded_.push_back(LoadedRange{base, mem_size, is_module});
    names_.push_back(what);
    return {};
}

void ImagePlacer::record(const std::string& what, const LoadedRange& range) {
    if (range.size == 0) return;
    loaded_.push_back(range);
    names_.push_back(what);
}

uint64_t ImagePlacer::kernel_end() const {
    uint64_t end = 0;
    for (const auto& range : loaded_)
        if (!range.is_module) end = std::max(end, range.base + range.size);
    return end;
}

uint64_t ImagePlacer::kernel_start() const {
    uint64_t start = UINT64_MAX;
    for (const auto& range : loaded_)
        if (!range.is_module) start = std::min(start, range.base);
    return start == UINT64_MAX ? 0 : start;
}

}  // namespace svm
