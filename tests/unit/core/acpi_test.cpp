#include "core/machine/acpi.h"

#include <gtest/gtest.h>
#include <svm/machine.h>

#include <cstring>
#include <string>

namespace svm {
namespace {

uint8_t sum(const GuestMemory& m, uint64_t addr, uint64_t len) {
    uint8_t s = 0;
    for (uint64_t i = 0; i < len; ++i)
        s = static_cast<uint8_t>(s + m.read_obj<uint8_t>(addr + i).value());
    return s;
}

std::string sig(const GuestMemory& m, uint64_t addr, size_t len) {
    std::string s(len, '\0');
    EXPECT_TRUE(m.read(addr, std::span(reinterpret_cast<uint8_t*>(s.data()), len)));
    return s;
}

TEST(Acpi, RsdpXsdtRsdtAndMadtAreValidAndListEveryCpu) {
    auto memory = GuestMemory::create(2 << 20).value();
    auto layout = write_acpi_tables(memory, SVM_ACPI_ADDR, 3).value();
    ASSERT_EQ(layout.rsdp_bytes.size(), 36u);
    const uint64_t rsdp = layout.rsdp;
    EXPECT_EQ(sig(memory, rsdp, 8), "RSD PTR ");
    EXPECT_EQ(sum(memory, rsdp, 20), 0);
    EXPECT_EQ(sum(memory, rsdp, 36), 0);
    EXPECT_EQ(memory.read_obj<uint8_t>(rsdp + 15).value(), 2);  // revision
    uint64_t xsdt = memory.read_obj<uint64_t>(rsdp + 24).value();
    uint32_t rsdt = memory.read_obj<uint32_t>(rsdp + 16).value();
    EXPECT_EQ(sig(memory, xsdt, 4), "XSDT");
    EXPECT_EQ(sig(memory, rsdt, 4), "RSDT");
    EXPECT_EQ(sum(memory, xsdt, memory.read_obj<uint32_t>(xsdt + 4).value()), 0);
    EXPECT_EQ(sum(memory, rsdt, memory.read_obj<uint32_t>(rsdt + 4).value()), 0);
    uint64_t madt = memory.read_obj<uint64_t>(xsdt + 36).value();
    EXPECT_EQ(memory.read_obj<uint32_t>(rsdt + 36).value(), madt);
    EXPECT_EQ(sig(memory, madt, 4), "APIC");
    uint32_t len = memory.read_obj<uint32_t>(madt + 4).value();
    EXPECT_EQ(sum(memory, madt, len), 0);
    EXPECT_EQ(memory.read_obj<uint32_t>(madt + 36).value(), SVM_LAPIC_ADDR);
    int cpus = 0;
    uint32_t ioapic = 0;
    for (uint64_t p = madt + 44; p < madt + len;) {
        uint8_t type = memory.read_obj<uint8_t>(p).value();
        uint8_t entry_len = memory.read_obj<uint8_t>(p + 1).value();
        ASSERT_GE(entry_len, 2);
        if (type == 0) {
            EXPECT_EQ(memory.read_obj<uint8_t>(p + 3).value(), cpus);  // APIC id = index
            EXPECT_EQ(memory.read_obj<uint32_t>(p + 4).value() & 1, 1u);
            ++cpus;
        } else if (type == 1) {
            ioapic = memory.read_obj<uint32_t>(p + 4).value();
            EXPECT_EQ(memory.read_obj<uint32_t>(p + 8).value(), 0u);  // GSI base
        }
        p += entry_len;
    }
    EXPECT_EQ(cpus, 3);
    EXPECT_EQ(ioapic, SVM_IOAPIC_ADDR);
}

TEST(Acpi, TooManyCpusIsAnError) {
    auto memory = GuestMemory::create(2 << 20).value();
    EXPECT_FALSE(write_acpi_tables(memory, SVM_ACPI_ADDR, 1000));
    EXPECT_TRUE(write_acpi_tables(memory, SVM_ACPI_ADDR, 64));
}

}  // namespace
}  // namespace svm
