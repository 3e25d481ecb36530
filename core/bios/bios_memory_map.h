// The memory map as the BIOS memory functions report it (int 0x15 E820, E801, AH=0x88): svm's
// machine-table ranges converted to E820 types, sorted and with touching ranges of one type
// merged. Sources: OSDev wiki "Detecting Memory (x86)"; ACPI 6.5, 15.1 "INT 15H E820H".
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <span>
#include <vector>

namespace svm {

struct E820Entry {
    uint64_t base = 0;
    uint64_t length = 0;
    uint32_t type = 0;  // 1 usable RAM, 2 reserved

    bool operator==(const E820Entry&) const = default;
};

// Converts svm's map: RAM, KERNEL and MODULE ranges are usable RAM (1) — a boot-sector OS
// owns all of RAM, including where svm placed the boot sector and any --load-file images, as a
// PC BIOS reports the memory it loaded the boot sector into as usable — and RESERVED (or any
// other type) is reserved (2). Zero-length ranges are dropped.
std::vector<E820Entry> e820_map(std::span<const svm_mem_range> ranges);

// The bytes of usable RAM in one run of the map starting at `from` (0 if `from` is not usable),
// stopping at `limit`: what E801 and AH=0x88 count.
uint64_t contiguous_ram(std::span<const E820Entry> map, uint64_t from, uint64_t limit);

}  // namespace svm
