// The std VGA PCI function (QEMU hw/display/vga-pci.c; PCI Local Bus Specification 3.0, 6.2 and
// 6.2.5.1 for BAR sizing).
#include "devices/display/vga_pci_function.h"

#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "devices/legacy/pci_bus.h"

namespace svm {
namespace {

constexpr uint32_t kLfb = 0xfd000000;

struct VgaPciHarness {
    std::vector<std::pair<uint32_t, bool>> moves;
    VgaPciFunction f{kLfb, [this](uint32_t a, bool d) { moves.emplace_back(a, d); }};

    uint32_t config32(uint8_t offset) {
        uint32_t v = 0;
        for (uint8_t i = 0; i < 4; ++i) v |= uint32_t{f.read_config(offset + i)} << (8 * i);
        return v;
    }
    void write32(uint8_t offset, uint32_t v) {
        for (uint8_t i = 0; i < 4; ++i)
            f.write_config(offset + i, static_cast<uint8_t>(v >> (8 * i)));
    }
    void write16(uint8_t offset, uint16_t v) {
        f.write_config(offset, static_cast<uint8_t>(v));
        f.write_config(offset + 1, static_cast<uint8_t>(v >> 8));
    }
};

TEST(VgaPciFunction, HeaderIsQemuStdVga) {
    VgaPciHarness h;
    EXPECT_EQ(h.config32(0x00), 0x11111234u);  // device 1111, vendor 1234
    EXPECT_EQ(h.config32(0x08), 0x03000002u);  // class 03/00/00, revision 2
    EXPECT_EQ(h.config32(0x2c), 0x11001af4u);  // subsystem 1100, subsystem vendor 1af4
    EXPECT_EQ(h.f.read_config(PciFunction::kHeaderType), 0x00);
    EXPECT_EQ(h.config32(0x04), 0x00000003u);  // command: I/O and memory; status 0
    EXPECT_EQ(h.config32(0x3c), 0u);           // no interrupt pin
    EXPECT_EQ(h.config32(0x30), 0u);           // no expansion ROM
}

TEST(VgaPciFunction, Bar0IsThePrefetchableLfb) {
    VgaPciHarness h;
    EXPECT_EQ(h.config32(0x10), kLfb | 0x8);
    EXPECT_EQ(h.f.bar0_address(), kLfb);
    EXPECT_TRUE(h.f.memory_decoding());
    for (uint8_t bar = 0x14; bar <= 0x24; bar += 4) EXPECT_EQ(h.config32(bar), 0u) << int{bar};
}

TEST(VgaPciFunction, Bar0SizingReadsBackTheSize) {
    VgaPciHarness h;
    h.write16(PciFunction::kCommand, 0);  // Linux turns decoding off around sizing
    h.write32(0x10, 0xffffffff);
    const uint32_t sized = h.config32(0x10);
    EXPECT_EQ(sized, 0xff000008u);
    EXPECT_EQ(~(sized & ~0xfu) + 1, 16u << 20);  // PCI 3.0, 6.2.5.1
    h.write32(0x10, kLfb);
    h.write16(PciFunction::kCommand, VgaPciFunction::kCommandMemory);
    EXPECT_EQ(h.config32(0x10), kLfb | 0x8);
    // Absent BARs size to 0.
    h.write32(0x18, 0xffffffff);
    EXPECT_EQ(h.config32(0x18), 0u);
}

TEST(VgaPciFunction, MovingBar0IsReported) {
    VgaPciHarness h;
    h.write32(0x10, 0xe0000000);
    EXPECT_EQ(h.f.bar0_address(), 0xe0000000u);
    ASSERT_EQ(h.moves.size(), 1u);  // only byte 0x13 is writable: one report
    EXPECT_EQ(h.moves[0], std::make_pair(0xe0000000u, true));
    h.write32(0x10, 0xe0000000);  // same address: no report
    EXPECT_EQ(h.moves.size(), 1u);
    h.write32(0x10, 0xe0123456);  // low bits are hard-wired to 0
    EXPECT_EQ(h.f.bar0_address(), 0xe0000000u);
    EXPECT_EQ(h.moves.size(), 1u);
}

TEST(VgaPciFunction, MemoryDecodingIsReported) {
    VgaPciHarness h;
    h.write16(PciFunction::kCommand, VgaPciFunction::kCommandIo);
    EXPECT_FALSE(h.f.memory_decoding());
    h.write32(0x10, 0xffffffff);
    h.write32(0x10, 0xc0000000);
    h.write16(PciFunction::kCommand, VgaPciFunction::kCommandIo | VgaPciFunction::kCommandMemory);
    EXPECT_TRUE(h.f.memory_decoding());
    const std::vector<std::pair<uint32_t, bool>> expected = {
        {kLfb, false}, {0xff000000u, false}, {0xc0000000u, false}, {0xc0000000u, true}};
    EXPECT_EQ(h.moves, expected);
}

TEST(VgaPciFunction, ReadOnlyFieldsStayReadOnly) {
    VgaPciHarness h;
    h.write32(0x00, 0);
    h.write32(0x08, 0);
    h.write32(0x2c, 0);
    h.write16(PciFunction::kCommand, 0xffff);
    EXPECT_EQ(h.config32(0x00), 0x11111234u);
    EXPECT_EQ(h.config32(0x08), 0x03000002u);
    EXPECT_EQ(h.config32(0x2c), 0x11001af4u);
    EXPECT_EQ(h.config32(0x04), 0x00000003u);
    h.f.write_config(VgaPciFunction::kInterruptLine, 11);
    EXPECT_EQ(h.f.read_config(VgaPciFunction::kInterruptLine), 11);
    EXPECT_EQ(h.f.read_config(0x3d), 0);  // interrupt pin stays 0
}

TEST(VgaPciFunction, VisibleOnThePciBus) {
    PciBus bus;
    auto f = std::make_shared<VgaPciFunction>(kLfb);
    ASSERT_TRUE(bus.add(0, 2, 0, f));
    uint8_t id[4] = {};
    bus.read(0, 2, 0, 0, id);
    EXPECT_EQ(id[0] | id[1] << 8 | id[2] << 16 | static_cast<uint32_t>(id[3]) << 24, 0x11111234u);
    const uint8_t ones[4] = {0xff, 0xff, 0xff, 0xff};
    bus.write(0, 2, 0, 0x10, ones);
    uint8_t bar[4] = {};
    bus.read(0, 2, 0, 0x10, bar);
    EXPECT_EQ(bar[0] | bar[1] << 8 | bar[2] << 16 | static_cast<uint32_t>(bar[3]) << 24,
              0xff000008u);
}

}  // namespace
}  // namespace svm
