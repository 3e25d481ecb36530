// The ACPI tables svm hands every guest: an RSDP (revision 2), an XSDT and an RSDT that both list
// the MADT, the FADT (with its FACS and DSDT) and the HPET table (ACPI 6.5, 5.2.5, 5.2.7, 5.2.8,
// 5.2.9, 5.2.12; IA-PC HPET 1.0a 3.2.4). The RSDP copies in the BIOS area are bios_tables.cpp's.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/guest_memory.h"
#include "core/machine/acpi_fixed.h"
#include "core/result.h"

namespace svm {

// Where each table went (guest-physical), for the machine table, the Multiboot 2 ACPI tags, the
// BIOS-area copies of the RSDP, and tests.
struct AcpiLayout {
    uint64_t rsdp = 0;
    std::vector<uint8_t> rsdp_bytes;  // the 36-byte RSDP
    uint64_t xsdt = 0, rsdt = 0, madt = 0, fadt = 0, facs = 0, dsdt = 0, hpet = 0;
};

// Bytes the tables may use from `base` (one page: BootLayout::acpi's area).
constexpr uint64_t kAcpiTablesMax = 0x1000;

// Writes the tables for `cpu_count` CPUs (APIC id = index), the I/O APIC at SVM_IOAPIC_ADDR and
// the virtio-mmio transports `virtio_mmio` (in the DSDT) into [base, base + kAcpiTablesMax).
// Returns where they are, or an error if they do not fit (too many CPUs) or RAM does not reach
// them.
Result<AcpiLayout> write_acpi_tables(GuestMemory& memory, uint64_t base, int cpu_count,
                                     std::span<const acpi::MmioDevice> virtio_mmio = {});

}  // namespace svm
