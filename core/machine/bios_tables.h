// What a PC BIOS leaves in low memory for the OS, at the places the standards name: the BIOS data
// area at 0x400 (OSDev wiki "BIOS Data Area"), a 1 KiB extended BIOS data area with an RSDP copy
// in its first KiB, an RSDP copy on a 16-byte boundary in 0xE0000-0xFFFFF (ACPI 6.5 5.2.5.1), and
// the Intel MP 1.4 floating pointer and configuration table (MP spec 4). A kernel that scans for
// them as on hardware finds svm's ACPI tables and CPUs. Addresses come from the BootLayout; a
// structure the layout had no room for (a kernel segment sits there) is skipped with a log line.
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <span>
#include <vector>

#include "core/guest_memory.h"
#include "core/loader/boot_layout.h"
#include "core/result.h"

namespace svm {

// The 256 bytes of the BDA: COM1 at 0x3F8 (offset 0x00), EBDA segment `ebda >> 4` (0x0E, 0 if
// none), equipment word (0x10: x87, PS/2 mouse, 80x25 colour, one serial port), base memory KiB
// `base_kib` (0x13), an empty keyboard buffer, and the 80x25 colour text mode VGA fields.
std::vector<uint8_t> build_bios_data_area(uint64_t ebda, uint16_t base_kib);

// Writes the BDA, the EBDA (size word, RSDP copy at offset 0x10), the BIOS-area RSDP copy and
// the MP tables for `cpu_count` CPUs where `layout` says. `rsdp` is the 36-byte ACPI RSDP;
// `memory_map` the base map (for the BDA's base memory size). Returns an error only if RAM does
// not hold an address the layout chose (a broken layout).
Result<void> write_bios_tables(GuestMemory& memory, const BootLayout& layout, int cpu_count,
                               std::span<const uint8_t> rsdp,
                               std::span<const svm_mem_range> memory_map);

}  // namespace svm
