#include "core/machine/acpi.h"

#include <svm/machine.h>

#include "core/machine/acpi_builder.h"
#include "core/machine/acpi_fixed.h"

namespace svm {

using acpi::Table;

namespace {

// MADT (5.2.12): local APIC address, PCAT_COMPAT (8259s present), one Processor Local APIC per CPU
// (type 0, enabled) and the I/O APIC (type 1, GSI base 0). No interrupt source overrides: ISA IRQ
// n is GSI n (KVM's default routing), which is what the ACPI default means; the MP table says the
// same (mp_table.cpp).
std::vector<uint8_t> build_madt(int cpu_count) {
    Table madt;
    acpi::sdt_header(madt, "APIC", 5);
    madt.le<uint32_t>(SVM_LAPIC_ADDR);
    madt.le<uint32_t>(1);  // PCAT_COMPAT
    for (int i = 0; i < cpu_count; ++i) {
        madt.le<uint8_t>(0);
        madt.le<uint8_t>(8);
        madt.le<uint8_t>(static_cast<uint8_t>(i));  // ACPI processor UID
        madt.le<uint8_t>(static_cast<uint8_t>(i));  // APIC id
        madt.le<uint32_t>(1);                       // enabled
    }
    madt.le<uint8_t>(1);
    madt.le<uint8_t>(12);
    madt.le<uint8_t>(static_cast<uint8_t>(cpu_count));  // I/O APIC id, after the CPUs'
    madt.le<uint8_t>(0);
    madt.le<uint32_t>(SVM_IOAPIC_ADDR);
    madt.le<uint32_t>(0);  // GSI base
    acpi::finish_sdt(madt);
    return madt.data();
}

}  // namespace

Result<AcpiLayout> write_acpi_tables(GuestMemory& memory, uint64_t base, int cpu_count,
                                     std::span<const acpi::MmioDevice> virtio_mmio) {
    AcpiLayout at;
    at.rsdp = base;
    at.xsdt = base + 0x40;
    at.rsdt = base + 0x80;
    at.facs = base + 0xC0;  // 64-byte aligned (5.2.10)
    at.fadt = base + 0x100;
    at.hpet = base + 0x240;
    at.madt = base + 0x300;

    auto madt = build_madt(cpu_count);
    // The DSDT grows with the virtio-mmio devices: it goes last, after the MADT.
    at.dsdt = (at.madt + madt.size() + 15) & ~uint64_t{15};
    auto fadt = acpi::build_fadt(at.facs, at.dsdt);
    auto facs = acpi::build_facs();
    auto dsdt = acpi::build_dsdt(virtio_mmio);
    auto hpet = acpi::build_hpet_table();
    SVM_ASSERT(at.fadt + fadt.size() <= at.hpet && at.hpet + hpet.size() <= at.madt);

    // The MADT first: guests that look at the first entry only find the CPUs.
    const uint64_t listed[] = {at.madt, at.fadt, at.hpet};
    Table xsdt;
    acpi::sdt_header(xsdt, "XSDT", 1);
    for (uint64_t table : listed) xsdt.le<uint64_t>(table);
    acpi::finish_sdt(xsdt);

    Table rsdt;
    acpi::sdt_header(rsdt, "RSDT", 1);
    for (uint64_t table : listed) rsdt.le<uint32_t>(static_cast<uint32_t>(table));
    acpi::finish_sdt(rsdt);

    // RSDP (5.2.5.3): revision 2, the first 20 bytes checksummed on their own, all 36 too.
    Table rsdp;
    rsdp.bytes("RSD PTR ");
    rsdp.le<uint8_t>(0);
    rsdp.bytes("SVM   ");
    rsdp.le<uint8_t>(2);
    rsdp.le<uint32_t>(static_cast<uint32_t>(at.rsdt));
    rsdp.le<uint32_t>(36);
    rsdp.le<uint64_t>(at.xsdt);
    rsdp.le<uint8_t>(0);  // extended checksum
    rsdp.le<uint8_t>(0), rsdp.le<uint8_t>(0), rsdp.le<uint8_t>(0);
    rsdp.checksum(8, 0, 20);
    rsdp.checksum(32, 0, 36);

    if (at.dsdt + dsdt.size() > base + kAcpiTablesMax)
        return error("the ACPI MADT for {} CPUs and the DSDT do not fit in svm's {}-byte ACPI area",
                     cpu_count, kAcpiTablesMax);
    TRY(memory.fill(base, 0, kAcpiTablesMax));
    TRY(memory.write(at.rsdp, rsdp.data()));
    TRY(memory.write(at.xsdt, xsdt.data()));
    TRY(memory.write(at.rsdt, rsdt.data()));
    TRY(memory.write(at.facs, facs));
    TRY(memory.write(at.fadt, fadt));
    TRY(memory.write(at.dsdt, dsdt));
    TRY(memory.write(at.hpet, hpet));
    TRY(memory.write(at.madt, madt));
    at.rsdp_bytes = rsdp.data();
    return at;
}

}  // namespace svm
