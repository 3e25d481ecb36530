#include "core/machine/acpi.h"

#include <svm/machine.h>

#include <cstring>
#include <string_view>

namespace svm {

namespace {

// A little-endian byte builder for ACPI structures.
class Table {
public:
    void bytes(std::string_view s) { data_.insert(data_.end(), s.begin(), s.end()); }
    template <typename T>
    void le(T value) {
        for (size_t i = 0; i < sizeof(T); ++i)
            data_.push_back(static_cast<uint8_t>(value >> (8 * i)));
    }
    void put_le32(size_t offset, uint32_t value) {
        for (size_t i = 0; i < 4; ++i) data_[offset + i] = static_cast<uint8_t>(value >> (8 * i));
    }
    // Sets data_[offset] so that bytes [from, to) sum to zero.
    void checksum(size_t offset, size_t from, size_t to) {
        data_[offset] = 0;
        uint8_t sum = 0;
        for (size_t i = from; i < to; ++i) sum = static_cast<uint8_t>(sum + data_[i]);
        data_[offset] = static_cast<uint8_t>(-sum);
    }
    size_t size() const { return data_.size(); }
    std::vector<uint8_t>& data() { return data_; }

private:
    std::vector<uint8_t> data_;
};

// The 36-byte header of every system description table (ACPI 6.5, 5.2.6); length and checksum
// are filled in by finish_sdt().
void sdt_header(Table& t, std::string_view signature, uint8_t revision) {
    t.bytes(signature);
    t.le<uint32_t>(0);  // length
    t.le<uint8_t>(revision);
    t.le<uint8_t>(0);     // checksum
    t.bytes("SVM   ");    // OEM id (6)
    t.bytes("SVMMACH ");  // OEM table id (8)
    t.le<uint32_t>(1);    // OEM revision
    t.bytes("SVM ");      // creator id
    t.le<uint32_t>(1);    // creator revision
}

void finish_sdt(Table& t) {
    t.put_le32(4, static_cast<uint32_t>(t.size()));
    t.checksum(9, 0, t.size());
}

}  // namespace

Result<AcpiLayout> write_acpi_tables(GuestMemory& memory, int cpu_count) {
    const uint64_t rsdp_addr = SVM_ACPI_ADDR;
    const uint64_t xsdt_addr = SVM_ACPI_ADDR + 0x40;
    const uint64_t rsdt_addr = SVM_ACPI_ADDR + 0x80;
    const uint64_t madt_addr = SVM_ACPI_ADDR + 0x100;

    // MADT (5.2.12): local APIC address, PCAT_COMPAT (8259s present), one Processor Local APIC
    // per CPU (type 0, enabled) and the I/O APIC (type 1, GSI base 0). No interrupt source
    // overrides: ISA IRQ n is GSI n (KVM's default routing), which is what the ACPI default means.
    Table madt;
    sdt_header(madt, "APIC", 5);
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
    finish_sdt(madt);

    Table xsdt;
    sdt_header(xsdt, "XSDT", 1);
    xsdt.le<uint64_t>(madt_addr);
    finish_sdt(xsdt);

    Table rsdt;
    sdt_header(rsdt, "RSDT", 1);
    rsdt.le<uint32_t>(static_cast<uint32_t>(madt_addr));
    finish_sdt(rsdt);

    // RSDP (5.2.5.3): revision 2, the first 20 bytes checksummed on their own, all 36 too.
    Table rsdp;
    rsdp.bytes("RSD PTR ");
    rsdp.le<uint8_t>(0);
    rsdp.bytes("SVM   ");
    rsdp.le<uint8_t>(2);
    rsdp.le<uint32_t>(static_cast<uint32_t>(rsdt_addr));
    rsdp.le<uint32_t>(36);
    rsdp.le<uint64_t>(xsdt_addr);
    rsdp.le<uint8_t>(0);  // extended checksum
    rsdp.le<uint8_t>(0), rsdp.le<uint8_t>(0), rsdp.le<uint8_t>(0);
    rsdp.checksum(8, 0, 20);
    rsdp.checksum(32, 0, 36);

    if (madt_addr + madt.size() > SVM_PAGE_TABLES_ADDR)
        return error("the ACPI MADT for {} CPUs does not fit in svm's reserved area", cpu_count);
    TRY(memory.fill(SVM_ACPI_ADDR, 0, SVM_PAGE_TABLES_ADDR - SVM_ACPI_ADDR));
    TRY(memory.write(rsdp_addr, rsdp.data()));
    TRY(memory.write(xsdt_addr, xsdt.data()));
    TRY(memory.write(rsdt_addr, rsdt.data()));
    TRY(memory.write(madt_addr, madt.data()));
    return AcpiLayout{rsdp_addr, rsdp.data()};
}

}  // namespace svm
