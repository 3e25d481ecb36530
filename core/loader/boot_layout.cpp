#include "core/loader/boot_layout.h"

#include <algorithm>

#include "core/loader/image_placer.h"

namespace svm {

namespace {

constexpr uint64_t kPage = 0x1000;
constexpr uint64_t kLowSearchStart = 0x1000;  // above the IVT and BDA (OSDev "Memory Map (x86)")
constexpr uint64_t kLowSearchEnd = SVM_EBDA_ADDR & ~(kPage - 1);
constexpr uint64_t kLegacyHoleStart = SVM_RESERVED_END;  // 0xA0000

uint64_t align_up(uint64_t value, uint64_t align) {
    return (value + align - 1) & ~(align - 1);
}

}  // namespace

BootAreaAllocator::BootAreaAllocator(uint64_t ram_size, std::span<const LoadedRange> loaded)
    : ram_size_(ram_size) {
    for (const auto& range : loaded) {
        if (range.size == 0) continue;
        used_.push_back({range.base, range.base + range.size});
        loaded_end_ = std::max(loaded_end_, range.base + range.size);
    }
}

bool BootAreaAllocator::is_free(uint64_t base, uint64_t size) const {
    for (const auto& r : used_)
        if (base < r.end && r.base < base + size) return false;
    return true;
}

std::optional<uint64_t> BootAreaAllocator::take_in(uint64_t low, uint64_t high, uint64_t preferred,
                                                   uint64_t size, uint64_t align) {
    auto fits = [&](uint64_t base) {
        return base >= low && base + size <= high && is_free(base, size);
    };
    std::optional<uint64_t> found;
    if (fits(preferred)) {
        found = preferred;
    } else {
        // Candidates: `low` and the first aligned address after each used range's end.
        std::vector<uint64_t> candidates{align_up(low, align)};
        for (const auto& r : used_) candidates.push_back(align_up(r.end, align));
        std::sort(candidates.begin(), candidates.end());
        for (uint64_t c : candidates)
            if (fits(c)) {
                found = c;
                break;
            }
    }
    if (found) used_.push_back({*found, *found + size});
    return found;
}

Result<uint64_t> BootAreaAllocator::take(const std::string& what, uint64_t preferred, uint64_t size,
                                         uint64_t align) {
    if (preferred + size <= ram_size_)
        if (auto at = take_in(preferred, preferred + size, preferred, size, align)) return *at;
    if (auto at = take_in(kLowSearchStart, std::min(kLowSearchEnd, ram_size_), 0, size, align))
        return *at;
    uint64_t above = std::max(align_up(loaded_end_, align), uint64_t{0x100000});
    if (auto at = take_in(above, ram_size_, above, size, align)) return *at;
    return error(
        "no room for svm's {} ({:#x} bytes): the loaded image and files leave no free RAM below "
        "{:#x} or above {:#x} in {}",
        what, size, kLowSearchEnd, loaded_end_, describe_ram(ram_size_));
}

namespace {

// Adds [base, base + size) widened to whole pages, so a page allocator built from a map never
// hands out the rest of a page svm writes to.
void reserve(std::vector<svm_mem_range>& out, uint64_t base, uint64_t size, uint64_t ram_size) {
    uint64_t start = base & ~(kPage - 1);
    uint64_t end = std::min(align_up(base + size, kPage), ram_size);
    if (start < end) out.push_back({start, end - start, SVM_MEM_RESERVED, 0});
}

std::vector<svm_mem_range> merged(std::vector<svm_mem_range> ranges) {
    std::sort(ranges.begin(), ranges.end(),
              [](const svm_mem_range& a, const svm_mem_range& b) { return a.base < b.base; });
    std::vector<svm_mem_range> out;
    for (const auto& r : ranges) {
        if (!out.empty() && r.base <= out.back().base + out.back().length) {
            uint64_t end = std::max(out.back().base + out.back().length, r.base + r.length);
            out.back().length = end - out.back().base;
        } else {
            out.push_back(r);
        }
    }
    return out;
}

}  // namespace

Result<BootLayout> plan_boot_layout(uint64_t ram_size, std::span<const LoadedRange> loaded,
                                    uint64_t mp_config_size) {
    BootAreaAllocator areas(ram_size, loaded);
    BootLayout layout;
    // The legacy structures first: they can only live where the PC conventions put them. The BDA
    // is fixed at 0x400; a loaded range there (a boot sector image at 0) wins.
    layout.bda = ram_size >= kBdaAddr + kBdaSize && areas.is_free(kBdaAddr, kBdaSize);
    if (layout.bda) areas.take_in(kBdaAddr, kBdaAddr + kBdaSize, kBdaAddr, kBdaSize, 1);
    layout.ebda = std::nullopt;
    if (ram_size >= kLegacyHoleStart)
        layout.ebda =
            areas.take_in(SVM_EBDA_ADDR, SVM_EBDA_ADDR + kEbdaSize, SVM_EBDA_ADDR, kEbdaSize, 16);
    // RSDP copy and MP floating pointer: 16-byte aligned in the BIOS area (ACPI 6.5 5.2.5.1;
    // MP 1.4 4). The MP configuration table may be anywhere; svm keeps it next to its pointer.
    if (ram_size >= 0x100000) {
        layout.rsdp_copy = areas.take_in(kBiosAreaStart, 0x100000, kBiosFSegment, 48, 16);
        layout.mp_floating = areas.take_in(kBiosFSegment, 0x100000, kBiosFSegment + 0x30, 16, 16);
        if (layout.mp_floating)
            layout.mp_config = areas.take_in(kBiosAreaStart, 0x100000, *layout.mp_floating + 16,
                                             mp_config_size, 16);
    }
    layout.mp_config_size = mp_config_size;

    layout.stack_base = TRY(areas.take("boot stack", SVM_RESERVED_START, kBootStackSize, kPage));
    layout.stack_top = layout.stack_base + kBootStackSize;
    layout.machine_table =
        TRY(areas.take("machine table", SVM_MACHINE_TABLE_ADDR, SVM_MACHINE_TABLE_MAX, kPage));
    layout.gdt = TRY(areas.take("boot GDT", SVM_GDT_ADDR, kBootGdtSize, kPage));
    layout.boot_info =
        TRY(areas.take("boot information", SVM_BOOT_INFO_ADDR, kBootInfoSize, kPage));
    layout.acpi = TRY(areas.take("ACPI tables", SVM_ACPI_ADDR, kAcpiAreaSize, kPage));
    layout.page_tables = TRY(
        areas.take("boot page tables", SVM_PAGE_TABLES_ADDR, kBootPageTablePages * kPage, kPage));

    std::vector<svm_mem_range> reserved;
    reserve(reserved, layout.stack_base, kBootStackSize, ram_size);
    reserve(reserved, layout.machine_table, SVM_MACHINE_TABLE_MAX, ram_size);
    reserve(reserved, layout.gdt, kBootGdtSize, ram_size);
    reserve(reserved, layout.boot_info, kBootInfoSize, ram_size);
    reserve(reserved, layout.acpi, kAcpiAreaSize, ram_size);
    reserve(reserved, layout.page_tables, kBootPageTablePages * kPage, ram_size);
    if (layout.ebda) reserve(reserved, *layout.ebda, kEbdaSize, ram_size);
    // The VGA/ROM hole below 1 MiB that PC software expects to be unusable (the BIOS-area tables
    // are in it). The IVT and BDA stay RAM, as a BIOS's E820 map reports them.
    if (ram_size > kLegacyHoleStart)
        reserve(reserved, kLegacyHoleStart, 0x100000 - kLegacyHoleStart, ram_size);
    layout.reserved = merged(std::move(reserved));
    return layout;
}

}  // namespace svm
