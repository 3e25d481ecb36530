// Where svm puts what it writes into guest memory before the first instruction (boot stack,
// machine table, GDT/TSS, Multiboot information, ACPI tables, boot page tables, the BIOS data
// area, the EBDA and the BIOS-area tables), chosen after the kernel, its modules and every
// --load-file are in place, the way a boot loader allocates around the image it loaded.
//
// Each area has a default address (the SVM_* constants in <svm/machine.h>, the documented ABI).
// An area keeps its default when no loaded range overlaps it; otherwise it moves to the first free
// page-aligned RAM in [0x1000, 0xA0000) (below the EBDA), else to the first free RAM above the
// highest loaded byte. docs/machine.md "Memory" describes the result.
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/loader/loaded_range.h"
#include "core/result.h"

namespace svm {

// Sizes of the areas (bytes). The stack and boot info sizes are those of the default layout.
constexpr uint64_t kBootStackSize = SVM_MACHINE_TABLE_ADDR - SVM_RESERVED_START;  // 64 KiB
constexpr uint64_t kBootGdtSize = SVM_BOOT_INFO_ADDR - SVM_GDT_ADDR;              // GDT + TSS
constexpr uint64_t kBootInfoSize = SVM_BOOT_INFO_END - SVM_BOOT_INFO_ADDR;
constexpr uint64_t kAcpiAreaSize = SVM_PAGE_TABLES_ADDR - SVM_ACPI_ADDR;
constexpr uint64_t kBootPageTablePages = (SVM_EBDA_ADDR & ~0xfffull) / 0x1000 -
                                         SVM_PAGE_TABLES_ADDR / 0x1000;  // 14: up to the EBDA page
constexpr uint64_t kEbdaSize = 0x400;  // 1 KiB: what a BIOS reports at its offset 0
// The PC BIOS data area (OSDev wiki "BIOS Data Area"): 256 bytes at 0x400.
constexpr uint64_t kBdaAddr = 0x400;
constexpr uint64_t kBdaSize = 0x100;
// The BIOS read-only area the ACPI (5.2.5.1) and MP (4) specifications scan.
constexpr uint64_t kBiosAreaStart = 0xE0000;
constexpr uint64_t kBiosFSegment = 0xF0000;

// The chosen addresses (guest-physical). Optional areas are nullopt when no free place exists;
// svm then omits that structure and logs why (only the legacy structures can be omitted).
struct BootLayout {
    uint64_t stack_base = SVM_RESERVED_START;  // the stack is [stack_base, stack_top)
    uint64_t stack_top = SVM_BOOT_STACK_TOP;
    uint64_t machine_table = SVM_MACHINE_TABLE_ADDR;  // SVM_MACHINE_TABLE_MAX bytes
    uint64_t gdt = SVM_GDT_ADDR;                      // kBootGdtSize bytes: GDT, TSS at +0x100
    uint64_t boot_info = SVM_BOOT_INFO_ADDR;          // kBootInfoSize bytes
    uint64_t acpi = SVM_ACPI_ADDR;                    // kAcpiAreaSize bytes
    uint64_t page_tables = SVM_PAGE_TABLES_ADDR;      // kBootPageTablePages pages
    bool bda = true;                                  // [0x400, 0x500) is free to write
    std::optional<uint64_t> ebda = SVM_EBDA_ADDR;     // kEbdaSize bytes
    std::optional<uint64_t> rsdp_copy;    // 36 bytes, 16-aligned, in [0xE0000, 0x100000)
    std::optional<uint64_t> mp_floating;  // 16 bytes, 16-aligned, in [0xF0000, 0x100000)
    std::optional<uint64_t> mp_config;    // mp_config_size bytes, in [0xE0000, 0x100000)
    uint64_t mp_config_size = 0;
    // Everything svm writes (whole 4 KiB pages) plus the legacy hole [0xA0000, 1 MiB), sorted and
    // merged, all of type SVM_MEM_RESERVED: what every memory map marks reserved.
    std::vector<svm_mem_range> reserved;
};

// Finds room for svm's areas among the ranges a loader filled. Every address it returns lies in
// RAM and overlaps neither a loaded range nor an area it returned before.
class BootAreaAllocator {
public:
    BootAreaAllocator(uint64_t ram_size, std::span<const LoadedRange> loaded);

    // Returns `preferred` if [preferred, +size) is free RAM, else the first free `align`-aligned
    // range in [0x1000, SVM_EBDA_ADDR & ~0xfff), else the first above the highest loaded byte.
    // Returns an error naming `what` and its size if RAM holds no such range.
    Result<uint64_t> take(const std::string& what, uint64_t preferred, uint64_t size,
                          uint64_t align);
    // Returns `preferred` if free and inside [low, high), else the first free `align`-aligned
    // range inside [low, high), else nullopt. Works above RAM's end too (the legacy BIOS area is
    // always below 1 MiB and svm needs at least 1 MiB).
    std::optional<uint64_t> take_in(uint64_t low, uint64_t high, uint64_t preferred, uint64_t size,
                                    uint64_t align);
    // True if [base, base + size) overlaps no loaded range and no area taken so far.
    bool is_free(uint64_t base, uint64_t size) const;

private:
    struct Range {
        uint64_t base, end;
    };
    uint64_t ram_size_;
    uint64_t loaded_end_ = 0;
    std::vector<Range> used_;
};

// Plans svm's areas for `ram_size` bytes of RAM holding `loaded`, with an MP configuration table
// of `mp_config_size` bytes. Returns the layout, or an error naming the area that found no room.
Result<BootLayout> plan_boot_layout(uint64_t ram_size, std::span<const LoadedRange> loaded,
                                    uint64_t mp_config_size);

}  // namespace svm
