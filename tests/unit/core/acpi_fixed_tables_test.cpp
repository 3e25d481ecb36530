// The FADT, FACS, DSDT (\_S5) and HPET tables, read back from guest memory as a kernel would.
#include <gtest/gtest.h>
#include <svm/machine.h>

#include <string>

#include "core/machine/acpi.h"
#include "core/machine/acpi_fixed.h"
#include "core/machine/pc/pc_layout.h"

namespace svm {
namespace {

class AcpiFixedTables : public ::testing::Test {
protected:
    void SetUp() override { at_ = write_acpi_tables(memory_, SVM_ACPI_ADDR, 2).value(); }
    template <typename T>
    T rd(uint64_t a) const {
        return memory_.read_obj<T>(a).value();
    }
    std::string sig(uint64_t a, size_t n = 4) const {
        std::string s;
        for (size_t i = 0; i < n; ++i) s += static_cast<char>(rd<uint8_t>(a + i));
        return s;
    }
    uint8_t sum(uint64_t a, uint64_t len) const {
        uint8_t s = 0;
        for (uint64_t i = 0; i < len; ++i) s = static_cast<uint8_t>(s + rd<uint8_t>(a + i));
        return s;
    }
    // The tables the XSDT lists, by signature (the RSDT must list the same ones).
    uint64_t find(const std::string& signature) const {
        uint64_t xsdt = rd<uint64_t>(at_.rsdp + 24);
        uint32_t rsdt = rd<uint32_t>(at_.rsdp + 16);
        uint32_t n = (rd<uint32_t>(xsdt + 4) - 36) / 8;
        EXPECT_EQ((rd<uint32_t>(rsdt + 4) - 36) / 4, n);
        for (uint32_t i = 0; i < n; ++i) {
            uint64_t t = rd<uint64_t>(xsdt + 36 + 8 * i);
            EXPECT_EQ(rd<uint32_t>(rsdt + 36 + 4 * i), t);
            if (sig(t) == signature) return t;
        }
        return 0;
    }

    GuestMemory memory_ = GuestMemory::create(2 << 20).value();
    AcpiLayout at_;
};

TEST_F(AcpiFixedTables, XsdtAndRsdtListMadtFadtAndHpetChecksummed) {
    for (const char* s : {"APIC", "FACP", "HPET"}) {
        uint64_t t = find(s);
        ASSERT_NE(t, 0u) << s;
        EXPECT_EQ(sum(t, rd<uint32_t>(t + 4)), 0) << s;
    }
}

TEST_F(AcpiFixedTables, FadtNamesThePmBlocksSciCenturyAndBootArch) {
    uint64_t fadt = find("FACP");
    ASSERT_EQ(fadt, at_.fadt);
    EXPECT_EQ(rd<uint32_t>(fadt + 4), 276u);
    EXPECT_EQ(rd<uint8_t>(fadt + 8), 6);
    EXPECT_EQ(rd<uint16_t>(fadt + 46), pc::kIrqSci);
    EXPECT_EQ(rd<uint16_t>(fadt + 46), 9);
    EXPECT_EQ(rd<uint32_t>(fadt + 48), 0u);  // no SMI_CMD: ACPI always enabled
    EXPECT_EQ(rd<uint32_t>(fadt + 56), pc::kAcpiPm1aEvent);
    EXPECT_EQ(rd<uint32_t>(fadt + 64), pc::kAcpiPm1aControl);
    EXPECT_EQ(rd<uint32_t>(fadt + 76), pc::kAcpiPmTimer);
    EXPECT_EQ(rd<uint8_t>(fadt + 88), 4);
    EXPECT_EQ(rd<uint8_t>(fadt + 89), 2);
    EXPECT_EQ(rd<uint8_t>(fadt + 91), 4);
    EXPECT_EQ(rd<uint8_t>(fadt + 108), 0x32);
    EXPECT_EQ(rd<uint16_t>(fadt + 109), 0x3);             // LEGACY_DEVICES | 8042
    EXPECT_EQ(rd<uint32_t>(fadt + 112) & (1u << 8), 0u);  // 24-bit PM timer
    EXPECT_EQ(rd<uint8_t>(fadt + 116), 1);                // reset register in I/O space
    EXPECT_EQ(rd<uint64_t>(fadt + 120), pc::kResetControl);
    // X_ fields agree with the 32-bit ones.
    EXPECT_EQ(rd<uint64_t>(fadt + 140), rd<uint32_t>(fadt + 40));
    EXPECT_EQ(rd<uint64_t>(fadt + 172 + 4), pc::kAcpiPm1aControl);
    EXPECT_EQ(rd<uint64_t>(fadt + 208 + 4), pc::kAcpiPmTimer);
    // FACS: 64-byte aligned, signature, length.
    uint32_t facs = rd<uint32_t>(fadt + 36);
    EXPECT_EQ(facs % 64, 0u);
    EXPECT_EQ(sig(facs), "FACS");
    EXPECT_EQ(rd<uint32_t>(facs + 4), 64u);
}

// Walks the DSDT's AML the way OSDev's "Shutdown" code does: find "_S5_", check NameOp before it
// and PackageOp after it, skip PkgLength and NumElements, read SLP_TYPa (an optional BytePrefix).
TEST_F(AcpiFixedTables, DsdtAmlParsesToS5) {
    uint64_t fadt = find("FACP");
    uint32_t dsdt = rd<uint32_t>(fadt + 40);
    EXPECT_EQ(sig(dsdt), "DSDT");
    uint32_t len = rd<uint32_t>(dsdt + 4);
    EXPECT_EQ(sum(dsdt, len), 0);
    uint64_t s5 = 0;
    for (uint64_t p = dsdt + 36; p + 4 <= dsdt + len; ++p)
        if (sig(p) == "_S5_") s5 = p;
    ASSERT_NE(s5, 0u);
    bool name_op =
        rd<uint8_t>(s5 - 1) == 0x08 || (rd<uint8_t>(s5 - 2) == 0x08 && rd<uint8_t>(s5 - 1) == '\\');
    EXPECT_TRUE(name_op);
    ASSERT_EQ(rd<uint8_t>(s5 + 4), 0x12);  // PackageOp
    uint64_t p = s5 + 5;
    uint8_t pkg_length_bytes = ((rd<uint8_t>(p) & 0xC0) >> 6) + 1;
    uint64_t pkg_end = p + (rd<uint8_t>(p) & 0x3F);
    p += pkg_length_bytes;
    EXPECT_EQ(rd<uint8_t>(p), 4);  // NumElements
    ++p;
    auto element = [&]() -> int {
        uint8_t op = rd<uint8_t>(p++);
        if (op == 0x0A) return rd<uint8_t>(p++);
        EXPECT_LE(op, 1);  // ZeroOp / OneOp
        return op;
    };
    EXPECT_EQ(element(), pc::kAcpiSlpTypS5);  // SLP_TYPa
    EXPECT_EQ(element(), pc::kAcpiSlpTypS5);  // SLP_TYPb
    element();
    element();
    EXPECT_EQ(p, pkg_end);  // PkgLength covered exactly the package
    EXPECT_EQ(p, dsdt + len);
}

TEST(AcpiAml, S5EncodesNonTrivialSleepTypesWithBytePrefix) {
    auto aml = acpi::s5_aml(5);
    std::vector<uint8_t> expected{0x08, '\\', '_',  'S',  '5',  '_',  0x12, 0x08,
                                  0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00};
    EXPECT_EQ(aml, expected);
    auto zero = acpi::s5_aml(0);
    std::vector<uint8_t> expected0{0x08, '\\', '_',  'S',  '5',  '_', 0x12,
                                   0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
    EXPECT_EQ(zero, expected0);
}

TEST_F(AcpiFixedTables, HpetTableDescribesThreeComparators64BitLegacyCapable) {
    uint64_t hpet = find("HPET");
    ASSERT_NE(hpet, 0u);
    EXPECT_EQ(rd<uint32_t>(hpet + 4), 56u);
    uint32_t id = rd<uint32_t>(hpet + 36);
    EXPECT_EQ(id >> 16, 0x8086u);           // vendor
    EXPECT_TRUE(id & (1u << 15));           // legacy replacement route capable
    EXPECT_TRUE(id & (1u << 13));           // 64-bit main counter
    EXPECT_EQ(((id >> 8) & 0x1f) + 1, 3u);  // comparators
    EXPECT_EQ(id, 0x8086A201u);
    EXPECT_EQ(rd<uint8_t>(hpet + 40), 0);  // system memory
    EXPECT_EQ(rd<uint64_t>(hpet + 44), pc::kHpetBase);
    EXPECT_EQ(rd<uint8_t>(hpet + 52), 0);  // HPET number
}

TEST(AcpiTables, MovedAreaKeepsEveryPointerInside) {
    auto memory = GuestMemory::create(2 << 20).value();
    auto at = write_acpi_tables(memory, 0x5000, 4).value();
    EXPECT_EQ(at.rsdp, 0x5000u);
    for (uint64_t t : {at.xsdt, at.rsdt, at.madt, at.fadt, at.facs, at.dsdt, at.hpet}) {
        EXPECT_GE(t, 0x5000u);
        EXPECT_LT(t, 0x5000u + kAcpiTablesMax);
    }
    EXPECT_EQ(memory.read_obj<uint32_t>(at.rsdp + 16).value(), at.rsdt);
}

}  // namespace
}  // namespace svm
