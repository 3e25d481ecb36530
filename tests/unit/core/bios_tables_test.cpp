// The BIOS data area, the EBDA, the RSDP copies and the MP tables, found the way kernels find
// them: the ACPI 6.5 5.2.5.1 scan (EBDA first KiB, then 0xE0000-0xFFFFF on 16-byte boundaries)
// and the MP 1.4 section 4 scan, both written here from the specifications.
#include "core/machine/bios_tables.h"

#include <gtest/gtest.h>
#include <svm/machine.h>

#include <optional>
#include <string>

#include "core/loader/boot_layout.h"
#include "core/loader/memory_map.h"
#include "core/machine/acpi.h"
#include "core/machine/mp_table.h"

namespace svm {
namespace {

class BiosTables : public ::testing::Test {
protected:
    void write(int cpus, std::vector<LoadedRange> loaded = {}) {
        cpus_ = cpus;
        layout_ = plan_boot_layout(memory_.size(), loaded, mp_config_table_size(cpus)).value();
        acpi_ = write_acpi_tables(memory_, layout_.acpi, cpus).value();
        auto map = base_memory_map(memory_.size(), layout_.reserved);
        ASSERT_TRUE(write_bios_tables(memory_, layout_, cpus, acpi_.rsdp_bytes, map));
    }
    template <typename T>
    T rd(uint64_t a) const {
        return memory_.read_obj<T>(a).value();
    }
    bool sig_at(uint64_t a, const char* s) const {
        for (size_t i = 0; s[i]; ++i)
            if (rd<uint8_t>(a + i) != static_cast<uint8_t>(s[i])) return false;
        return true;
    }
    uint8_t sum(uint64_t a, uint64_t len) const {
        uint8_t s = 0;
        for (uint64_t i = 0; i < len; ++i) s = static_cast<uint8_t>(s + rd<uint8_t>(a + i));
        return s;
    }
    // ACPI 5.2.5.1: "RSD PTR " with a valid 20-byte checksum on a 16-byte boundary.
    std::optional<uint64_t> scan_rsdp(uint64_t from, uint64_t len) const {
        for (uint64_t p = from; p + 20 <= from + len; p += 16)
            if (sig_at(p, "RSD PTR ") && sum(p, 20) == 0) return p;
        return std::nullopt;
    }
    std::optional<uint64_t> find_rsdp() const {
        uint64_t ebda = uint64_t{rd<uint16_t>(0x40E)} << 4;
        if (ebda)
            if (auto p = scan_rsdp(ebda, 1024)) return p;
        return scan_rsdp(0xE0000, 0x20000);
    }
    // MP 1.4 section 4: "_MP_", 16 bytes, checksum, in the EBDA's first KiB, the last KiB of
    // base memory, or 0xF0000-0xFFFFF.
    std::optional<uint64_t> find_mp() const {
        auto scan = [&](uint64_t from, uint64_t len) -> std::optional<uint64_t> {
            for (uint64_t p = from; p + 16 <= from + len; p += 16)
                if (sig_at(p, "_MP_") && sum(p, 16) == 0) return p;
            return std::nullopt;
        };
        uint64_t ebda = uint64_t{rd<uint16_t>(0x40E)} << 4;
        if (ebda)
            if (auto p = scan(ebda, 1024)) return p;
        if (auto p = scan(uint64_t{rd<uint16_t>(0x413)} * 1024 - 1024, 1024)) return p;
        return scan(0xF0000, 0x10000);
    }

    GuestMemory memory_ = GuestMemory::create(4 << 20).value();
    BootLayout layout_;
    AcpiLayout acpi_;
    int cpus_ = 0;
};

TEST_F(BiosTables, BiosDataAreaHasCom1EbdaEquipmentAndBaseMemory) {
    write(1);
    EXPECT_EQ(rd<uint16_t>(0x400), 0x3F8);
    EXPECT_EQ(rd<uint16_t>(0x402), 0);       // no COM2
    EXPECT_EQ(rd<uint16_t>(0x408), 0);       // no LPT1
    EXPECT_EQ(rd<uint16_t>(0x40E), 0x9FC0);  // EBDA segment
    uint16_t equipment = rd<uint16_t>(0x410);
    EXPECT_EQ(equipment & 1, 0);          // no floppy
    EXPECT_EQ((equipment >> 4) & 3, 2);   // 80x25 colour
    EXPECT_EQ((equipment >> 9) & 7, 1);   // one serial port
    EXPECT_EQ((equipment >> 14) & 3, 0);  // no parallel port
    // Base memory: RAM from 0 up to svm's first reserved byte (0x70000), as INT 12h would say.
    EXPECT_EQ(rd<uint16_t>(0x413), 0x70000 / 1024);
    EXPECT_EQ(rd<uint8_t>(0x449), 3);  // text mode 3
    EXPECT_EQ(rd<uint16_t>(0x44A), 80);
    EXPECT_EQ(rd<uint16_t>(0x463), 0x3D4);
    EXPECT_EQ(rd<uint16_t>(0x9FC00), 1);  // EBDA size in KiB
}

TEST_F(BiosTables, RsdpIsFoundInTheEbdaAndInTheBiosArea) {
    write(2);
    auto found = find_rsdp();
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, 0x9FC10u);  // the EBDA's first KiB is searched first
    EXPECT_EQ(sum(*found, 36), 0);
    EXPECT_EQ(rd<uint64_t>(*found + 24), acpi_.xsdt);
    // The copy in 0xE0000-0xFFFFF, found when the EBDA is not searched.
    auto bios = scan_rsdp(0xE0000, 0x20000);
    ASSERT_TRUE(bios);
    EXPECT_EQ(*bios % 16, 0u);
    EXPECT_EQ(rd<uint32_t>(*bios + 16), acpi_.rsdt);
}

TEST_F(BiosTables, RsdpIsFoundWhenAKernelSegmentCoversTheEbdaAndF0000) {
    std::vector<LoadedRange> loaded{{0x9F000, 0x1000, false}, {0xF0000, 0x8000, false}};
    write(1, loaded);
    EXPECT_FALSE(layout_.ebda);
    EXPECT_EQ(rd<uint16_t>(0x40E), 0);
    auto found = find_rsdp();
    ASSERT_TRUE(found);
    EXPECT_FALSE(*found >= 0xF0000 && *found < 0xF8000);
    EXPECT_TRUE(find_mp());
}

TEST_F(BiosTables, MpTableListsEveryCpuTheBusIoApicAndInterrupts) {
    for (int cpus : {1, 4, 64}) {
        memory_ = GuestMemory::create(4 << 20).value();
        write(cpus);
        auto fp = find_mp();
        ASSERT_TRUE(fp) << cpus;
        EXPECT_GE(*fp, 0xF0000u);
        EXPECT_EQ(rd<uint8_t>(*fp + 8), 1);   // length 16 bytes
        EXPECT_EQ(rd<uint8_t>(*fp + 9), 4);   // revision 1.4
        EXPECT_EQ(rd<uint8_t>(*fp + 11), 0);  // a configuration table is present
        uint32_t table = rd<uint32_t>(*fp + 4);
        ASSERT_TRUE(sig_at(table, "PCMP"));
        uint16_t length = rd<uint16_t>(table + 4);
        EXPECT_EQ(length, mp_config_table_size(cpus));
        EXPECT_EQ(sum(table, length), 0);
        EXPECT_EQ(rd<uint32_t>(table + 36), SVM_LAPIC_ADDR);
        uint16_t count = rd<uint16_t>(table + 34);
        int processors = 0, bsps = 0, buses = 0, ioapics = 0, local_ints = 0;
        std::vector<int> pin_of_irq(16, -1);
        uint8_t ioapic_id = 0xFF;
        uint64_t p = table + 44;
        for (uint16_t i = 0; i < count; ++i) {
            uint8_t type = rd<uint8_t>(p);
            if (type == 0) {
                EXPECT_EQ(rd<uint8_t>(p + 1), processors);  // APIC id = index
                EXPECT_TRUE(rd<uint8_t>(p + 3) & 1);        // enabled
                if (rd<uint8_t>(p + 3) & 2) ++bsps;
                EXPECT_EQ((rd<uint8_t>(p + 3) & 2) != 0, processors == 0);
                ++processors;
                p += 20;
                continue;
            }
            if (type == 1) {
                EXPECT_TRUE(sig_at(p + 2, "ISA   "));
                ++buses;
            } else if (type == 2) {
                ioapic_id = rd<uint8_t>(p + 1);
                EXPECT_EQ(rd<uint32_t>(p + 4), SVM_IOAPIC_ADDR);
                EXPECT_TRUE(rd<uint8_t>(p + 3) & 1);
                ++ioapics;
            } else if (type == 3) {
                EXPECT_EQ(rd<uint8_t>(p + 4), 0);  // source bus: ISA
                EXPECT_EQ(rd<uint8_t>(p + 6), ioapic_id);
                uint8_t irq = rd<uint8_t>(p + 5);
                ASSERT_LT(irq, 16);
                pin_of_irq[irq] = rd<uint8_t>(p + 7);
            } else if (type == 4) {
                uint8_t int_type = rd<uint8_t>(p + 1);
                uint8_t lint = rd<uint8_t>(p + 7);
                EXPECT_TRUE((int_type == 3 && lint == 0) || (int_type == 1 && lint == 1));
                ++local_ints;
            } else {
                FAIL() << "unknown MP entry type " << int(type);
            }
            p += 8;
        }
        EXPECT_EQ(p, table + length);
        EXPECT_EQ(processors, cpus);
        EXPECT_EQ(bsps, 1);
        EXPECT_EQ(buses, 1);
        EXPECT_EQ(ioapics, 1);
        EXPECT_EQ(ioapic_id, cpus);  // as in the MADT
        EXPECT_EQ(local_ints, 2);
        // ISA IRQ n on pin n: the MADT has no overrides and KVM routes GSI n to pin n.
        for (int irq = 0; irq < 16; ++irq) EXPECT_EQ(pin_of_irq[irq], irq);
    }
}

TEST_F(BiosTables, BootSectorAtZeroKeepsItsBytes) {
    std::vector<LoadedRange> loaded{{0, 0x600, false}};
    ASSERT_TRUE(memory_.fill(0x400, 0xAB, 0x100));
    write(1, loaded);
    EXPECT_EQ(rd<uint8_t>(0x400), 0xAB);
    EXPECT_EQ(rd<uint8_t>(0x4FF), 0xAB);
}

TEST(BiosDataArea, BuildsTheDocumentedBytes) {
    auto b = build_bios_data_area(0x9FC00, 448);
    ASSERT_EQ(b.size(), 256u);
    EXPECT_EQ(b[0x00] | (b[0x01] << 8), 0x3F8);
    EXPECT_EQ(b[0x0E] | (b[0x0F] << 8), 0x9FC0);
    EXPECT_EQ(b[0x13] | (b[0x14] << 8), 448);
    EXPECT_EQ(b[0x10] | (b[0x11] << 8), 0x0226);
}

}  // namespace
}  // namespace svm
