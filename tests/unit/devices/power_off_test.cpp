// The PM1_CNT-style power-off ports 0xB004 (PIIX4, S5 = 0) and 0x4004 (Bochs/VirtualBox, any
// sleep type) (ACPI 6.4, 4.8.3.2.1 and 16.1.7).
#include <gtest/gtest.h>

#include <cstdint>

#include "devices/legacy/power_off_port.h"

namespace svm {
namespace {

struct PortHarness {
    int power_offs = 0;
    PowerOffPort port;
    explicit PortHarness(std::optional<uint8_t> s5) : port(s5, [this] { ++power_offs; }) {}
    void outw(uint16_t v) {
        uint8_t b[2] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
        port.write(0, b);
    }
    uint16_t inw() {
        uint8_t b[2] = {};
        port.read(0, b);
        return static_cast<uint16_t>(b[0] | b[1] << 8);
    }
};

TEST(PowerOffPort, Piix4PortPowersOffOn0x2000Only) {
    PortHarness h(uint8_t{0});
    h.outw(0x3400);  // VirtualBox's value: SLP_TYP 5 is not S5 here
    h.outw(0x0000);
    h.outw(0x1c00);
    EXPECT_EQ(h.power_offs, 0);
    h.outw(0x2000);
    EXPECT_EQ(h.power_offs, 1);
}

TEST(PowerOffPort, BochsPortAcceptsAnySleepTypeWithSlpEn) {
    PortHarness h(std::nullopt);
    h.outw(0x1400);  // no SLP_EN
    EXPECT_EQ(h.power_offs, 0);
    h.outw(0x3400);  // VirtualBox / OSDev "Shutdown" value
    EXPECT_EQ(h.power_offs, 1);
    h.outw(0x2000);  // QEMU-era tutorials
    EXPECT_EQ(h.power_offs, 2);
}

TEST(PowerOffPort, ReadsSciEnAndStoredSleepType) {
    PortHarness h(uint8_t{0});
    EXPECT_EQ(h.inw(), 0x0001);
    h.outw(0x0c00);
    EXPECT_EQ(h.inw(), 0x0c01);
    uint8_t b[4] = {};
    h.port.read(0, b);  // bytes past the register read 0xFF
    EXPECT_EQ(b[2], 0xff);
    EXPECT_EQ(b[3], 0xff);
}

TEST(PowerOffPort, WriteValueReportsTheRequest) {
    PortHarness h(uint8_t{0});
    EXPECT_FALSE(h.port.write_value(0x2400));
    EXPECT_TRUE(h.port.write_value(0x2000));
    EXPECT_EQ(h.power_offs, 1);
}

}  // namespace
}  // namespace svm
