// Minimal ACPI tables so that an OS finds its CPUs and I/O APIC the standard way: an RSDP
// (revision 2), an XSDT and an RSDT that both list one MADT
// (ACPI 6.5, 5.2.5, 5.2.7, 5.2.8, 5.2.12).
#pragma once

#include <cstdint>
#include <vector>

#include "core/guest_memory.h"
#include "core/result.h"

namespace svm {

struct AcpiLayout {
    uint64_t rsdp = 0;                // guest-physical address of the RSDP
    std::vector<uint8_t> rsdp_bytes;  // the 36-byte RSDP, for the Multiboot 2 ACPI tags
};

// Writes the tables for `cpu_count` CPUs (APIC id = index) and the I/O APIC at SVM_IOAPIC_ADDR
// into [SVM_ACPI_ADDR, SVM_PAGE_TABLES_ADDR). Returns where the RSDP is, or an error if the tables
// do not fit (too many CPUs) or RAM does not reach them.
Result<AcpiLayout> write_acpi_tables(GuestMemory& memory, int cpu_count);

}  // namespace svm
