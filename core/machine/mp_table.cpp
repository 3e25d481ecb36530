#include "core/machine/mp_table.h"

#include <svm/machine.h>

#include <utility>

#include "core/machine/acpi_builder.h"
#include "core/result.h"

namespace svm {

namespace {

constexpr int kIsaIrqs = 16;
constexpr uint8_t kEntryProcessor = 0, kEntryBus = 1, kEntryIoApic = 2, kEntryIoInterrupt = 3,
                  kEntryLocalInterrupt = 4;
constexpr uint8_t kIntTypeInt = 0, kIntTypeNmi = 1, kIntTypeExtInt = 3;

}  // namespace

uint64_t mp_config_table_size(int cpu_count) {
    return 44 + 20 * static_cast<uint64_t>(cpu_count) + 8 + 8 + 8 * kIsaIrqs + 8 * 2;
}

std::vector<uint8_t> build_mp_config_table(int cpu_count) {
    acpi::Table t;
    // Header (4.2, table 4-2).
    t.bytes("PCMP");
    t.le<uint16_t>(0);        // base table length, patched below
    t.le<uint8_t>(4);         // specification revision 1.4
    t.le<uint8_t>(0);         // checksum
    t.bytes("SVM     ");      // OEM id (8)
    t.bytes("SVMMACHINE  ");  // product id (12)
    t.le<uint32_t>(0);        // OEM table pointer
    t.le<uint16_t>(0);        // OEM table size
    t.le<uint16_t>(static_cast<uint16_t>(cpu_count + 2 + kIsaIrqs + 2));  // entry count
    t.le<uint32_t>(SVM_LAPIC_ADDR);
    t.le<uint16_t>(0);  // extended table length
    t.le<uint8_t>(0);   // extended table checksum
    t.le<uint8_t>(0);   // reserved
    // Processor entries (4.3.1): APIC version 0x14 (integrated APIC), EN (bit 0), BP (bit 1),
    // CPU signature family 6, feature flags FPU (bit 0) and APIC (bit 9) as CPUID.1:EDX reports.
    for (int i = 0; i < cpu_count; ++i) {
        t.le<uint8_t>(kEntryProcessor);
        t.le<uint8_t>(static_cast<uint8_t>(i));
        t.le<uint8_t>(0x14);
        t.le<uint8_t>(static_cast<uint8_t>(1 | (i == 0 ? 2 : 0)));
        t.le<uint32_t>(0x600);
        t.le<uint32_t>((1u << 0) | (1u << 9));
        t.le<uint64_t>(0);
    }
    // Bus entry (4.3.2): bus 0 is ISA.
    t.le<uint8_t>(kEntryBus);
    t.le<uint8_t>(0);
    t.bytes("ISA   ");
    // I/O APIC entry (4.3.3): version 0x11 (82093AA-compatible), enabled.
    const uint8_t ioapic_id = static_cast<uint8_t>(cpu_count);
    t.le<uint8_t>(kEntryIoApic);
    t.le<uint8_t>(ioapic_id);
    t.le<uint8_t>(0x11);
    t.le<uint8_t>(1);
    t.le<uint32_t>(SVM_IOAPIC_ADDR);
    // I/O interrupt assignments (4.3.4): ISA IRQ n on pin n, polarity and trigger as the bus
    // defines them (flags 0: ISA is active high, edge triggered).
    for (int irq = 0; irq < kIsaIrqs; ++irq) {
        t.le<uint8_t>(kEntryIoInterrupt);
        t.le<uint8_t>(kIntTypeInt);
        t.le<uint16_t>(0);
        t.le<uint8_t>(0);  // source bus: ISA
        t.le<uint8_t>(static_cast<uint8_t>(irq));
        t.le<uint8_t>(ioapic_id);
        t.le<uint8_t>(static_cast<uint8_t>(irq));
    }
    // Local interrupt assignments (4.3.5): the 8259's output on LINT0 (virtual wire), NMI on
    // LINT1, for every local APIC (destination id 0xFF).
    for (auto [type, lint] : {std::pair<uint8_t, uint8_t>{kIntTypeExtInt, 0}, {kIntTypeNmi, 1}}) {
        t.le<uint8_t>(kEntryLocalInterrupt);
        t.le<uint8_t>(type);
        t.le<uint16_t>(0);
        t.le<uint8_t>(0);
        t.le<uint8_t>(0);
        t.le<uint8_t>(0xFF);
        t.le<uint8_t>(lint);
    }
    SVM_ASSERT(t.size() == mp_config_table_size(cpu_count));
    auto& d = t.data();
    d[4] = static_cast<uint8_t>(t.size());
    d[5] = static_cast<uint8_t>(t.size() >> 8);
    t.checksum(7, 0, t.size());
    return t.data();
}

std::vector<uint8_t> build_mp_floating_pointer(uint64_t config_addr) {
    // 4.1, table 4-1.
    acpi::Table t;
    t.bytes("_MP_");
    t.le<uint32_t>(static_cast<uint32_t>(config_addr));
    t.le<uint8_t>(1);  // length in 16-byte units
    t.le<uint8_t>(4);  // revision 1.4
    t.le<uint8_t>(0);  // checksum
    t.le<uint8_t>(0);  // feature byte 1: 0 = the configuration table is present
    t.le<uint8_t>(0);  // feature byte 2: IMCRP clear, virtual wire mode
    t.le<uint8_t>(0), t.le<uint8_t>(0), t.le<uint8_t>(0);
    t.checksum(10, 0, 16);
    return t.data();
}

}  // namespace svm
