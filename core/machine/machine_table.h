// Builds the machine table (<svm/machine.h>) that tells the guest what it runs on.
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "core/result.h"

namespace svm {

struct MachineDescription {
    uint64_t ram_size = 0;
    std::vector<svm_mem_range> memory;  // sorted, non-overlapping
    std::vector<svm_device> devices;
    std::vector<svm_cpu> cpus;
    std::string cmdline;        // stored after the arrays; empty = none
    uint64_t acpi_rsdp = 0;     // 0 = no ACPI tables
    svm_framebuffer display{};  // the display mode at entry
};

// The memory map for the table: the base map of `ram_size` with `reserved` (BootLayout::reserved)
// and the ranges in `loaded` painted over it as SVM_MEM_KERNEL / SVM_MEM_MODULE, widened to whole
// 4 KiB pages (overlay_loaded).
std::vector<svm_mem_range> machine_memory_map(uint64_t ram_size,
                                              std::span<const svm_mem_range> reserved,
                                              std::span<const LoadedRange> loaded);

// A device entry (name truncated to 15 characters).
svm_device make_device(uint32_t type, const std::string& name, uint16_t io_base, uint16_t io_size,
                       uint32_t irq = SVM_IRQ_NONE, uint64_t mmio_base = 0, uint64_t mmio_size = 0);

// Serialises the table with its checksum, placed at `address` (which the cmdline pointer needs).
std::vector<uint8_t> build_machine_table(const MachineDescription& desc, uint64_t address);

// Writes the table at `address` (BootLayout::machine_table). Returns an error if it exceeds
// SVM_MACHINE_TABLE_MAX bytes (too many devices or too long a command line).
Result<void> write_machine_table(GuestMemory& memory, const MachineDescription& desc,
                                 uint64_t address = SVM_MACHINE_TABLE_ADDR);

}  // namespace svm
