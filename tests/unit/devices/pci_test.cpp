// PCI configuration mechanism #1 and the i440FX host bridge (PCI Local Bus Specification 3.0,
// 3.2.2.3.2 and 6.1-6.2; Intel 440FX PCIset datasheet, 3.2).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "devices/legacy/pci_bus.h"
#include "devices/legacy/pci_config_port.h"
#include "devices/legacy/pci_host_bridge.h"

namespace svm {
namespace {

// Ports as offsets into the 0xCF8-0xCFF range.
constexpr uint64_t kAddress = 0;  // 0xCF8
constexpr uint64_t kReset = 1;    // 0xCF9
constexpr uint64_t kData = 4;     // 0xCFC

struct PciHarness {
    int resets = 0;
    std::shared_ptr<PciBus> bus = std::make_shared<PciBus>();
    std::unique_ptr<PciConfigPort> port;

    PciHarness() {
        EXPECT_TRUE(bus->add(0, 0, 0, std::make_shared<PciHostBridge>()));
        port = std::make_unique<PciConfigPort>(bus, [this] { ++resets; });
    }
    uint32_t in(uint64_t offset, size_t size) {
        uint8_t b[4] = {0x11, 0x22, 0x33, 0x44};
        port->read(offset, std::span(b, size));
        uint32_t v = 0;
        for (size_t i = 0; i < size; ++i) v |= uint32_t{b[i]} << (8 * i);
        return v;
    }
    void out(uint64_t offset, uint32_t v, size_t size) {
        uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                        static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
        port->write(offset, std::span<const uint8_t>(b, size));
    }
    static uint32_t address(unsigned bus, unsigned dev, unsigned fn, unsigned reg) {
        return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
    }
    uint32_t config32(unsigned bus, unsigned dev, unsigned fn, unsigned reg) {
        out(kAddress, address(bus, dev, fn, reg), 4);
        return in(kData, 4);
    }
};

TEST(Pci, ConfigAddressReadsBackWithReservedBitsClear) {
    PciHarness h;
    h.out(kAddress, 0x80000000, 4);
    EXPECT_EQ(h.in(kAddress, 4), 0x80000000u);  // the OSDev "is mechanism #1 there" probe
    h.out(kAddress, 0xffffffff, 4);
    EXPECT_EQ(h.in(kAddress, 4), 0x80fffffcu);  // bits 30:24 and 1:0 are reserved
    h.out(kAddress, 0x00012345 & ~3u, 4);
    EXPECT_EQ(h.in(kAddress, 4), 0x00012344u);
}

TEST(Pci, HostBridgeHeader) {
    PciHarness h;
    EXPECT_EQ(h.config32(0, 0, 0, 0x00), 0x12378086u);  // device 1237, vendor 8086
    EXPECT_EQ(h.config32(0, 0, 0, 0x04), 0x02800006u);  // status 0280, command 0006
    EXPECT_EQ(h.config32(0, 0, 0, 0x08), 0x06000002u);  // class 06 00 00, revision 02
    EXPECT_EQ(h.config32(0, 0, 0, 0x0c), 0x00000000u);  // header type 0, single function
    for (unsigned reg = 0x10; reg < 0x100; reg += 4)
        EXPECT_EQ(h.config32(0, 0, 0, reg), 0u) << "register " << reg;
}

TEST(Pci, ScanOfEveryBusFindsOnlyTheHostBridge) {
    PciHarness h;
    std::vector<uint32_t> found;
    for (unsigned bus = 0; bus < 256; ++bus) {
        for (unsigned dev = 0; dev < 32; ++dev) {
            for (unsigned fn = 0; fn < 8; ++fn) {
                uint32_t id = h.config32(bus, dev, fn, 0);
                if ((id & 0xffff) != 0xffff)
                    found.push_back(bus << 8 | dev << 3 | fn);
                else
                    EXPECT_EQ(id, 0xffffffffu);
            }
        }
    }
    EXPECT_EQ(found, std::vector<uint32_t>{0});
}

TEST(Pci, DataPortByteWordAndDwordAccesses) {
    PciHarness h;
    h.out(kAddress, PciHarness::address(0, 0, 0, 0), 4);
    EXPECT_EQ(h.in(kData + 0, 1), 0x86u);
    EXPECT_EQ(h.in(kData + 1, 1), 0x80u);
    EXPECT_EQ(h.in(kData + 2, 1), 0x37u);
    EXPECT_EQ(h.in(kData + 3, 1), 0x12u);
    EXPECT_EQ(h.in(kData + 0, 2), 0x8086u);
    EXPECT_EQ(h.in(kData + 2, 2), 0x1237u);
    EXPECT_EQ(h.in(kData + 1, 2), 0x3780u);  // unaligned word inside the dword
    h.out(kAddress, PciHarness::address(0, 0, 0, 0x08), 4);
    EXPECT_EQ(h.in(kData + 3, 1), 0x06u);  // class code byte 0x0B
    EXPECT_EQ(h.in(kData + 0, 1), 0x02u);  // revision 0x08
}

TEST(Pci, DisabledAddressReadsAllOnesAndIgnoresWrites) {
    PciHarness h;
    h.out(kAddress, 0x00000000, 4);  // enable bit clear
    EXPECT_EQ(h.in(kData, 4), 0xffffffffu);
    h.out(kData, 0, 4);
    EXPECT_EQ(h.config32(0, 0, 0, 0), 0x12378086u);
}

TEST(Pci, ReadOnlyFieldsIgnoreWritesAndWritableOnesStick) {
    PciHarness h;
    h.out(kAddress, PciHarness::address(0, 0, 0, 0), 4);
    h.out(kData, 0xdeadbeef, 4);
    EXPECT_EQ(h.config32(0, 0, 0, 0), 0x12378086u);
    h.out(kAddress, PciHarness::address(0, 0, 0, 0x08), 4);
    h.out(kData, 0xffffffff, 4);
    EXPECT_EQ(h.config32(0, 0, 0, 0x08), 0x06000002u);
    // Command: SERR# enable and parity response are writable; memory/bus master stay on.
    h.out(kAddress, PciHarness::address(0, 0, 0, 0x04), 4);
    h.out(kData, 0x0000ffff, 4);
    EXPECT_EQ(h.config32(0, 0, 0, 0x04) & 0xffff, 0x0146u);
    h.out(kData, 0x00000000, 4);
    EXPECT_EQ(h.config32(0, 0, 0, 0x04) & 0xffff, 0x0006u);
    // Status error bits are write-1-to-clear: writing ones never sets them.
    h.out(kData + 2, 0xffff, 2);
    EXPECT_EQ(h.config32(0, 0, 0, 0x04) >> 16, 0x0280u);
    // Latency timer (0x0D): bits 7:3 writable.
    h.out(kAddress, PciHarness::address(0, 0, 0, 0x0c), 4);
    h.out(kData + 1, 0xff, 1);
    EXPECT_EQ(h.config32(0, 0, 0, 0x0c), 0x0000f800u);
    // Chipset registers read 0 and ignore writes.
    h.out(kAddress, PciHarness::address(0, 0, 0, 0x58), 4);
    h.out(kData, 0x33333333, 4);
    EXPECT_EQ(h.config32(0, 0, 0, 0x58), 0u);
}

TEST(Pci, Cf9ByteWriteResetsAndCf8DwordDoesNot) {
    PciHarness h;
    // A dword at 0xCF8 is CONFIG_ADDRESS, even with bit 10 (= byte 0xCF9 bit 2) set.
    h.out(kAddress, 0x80000400, 4);
    EXPECT_EQ(h.resets, 0);
    EXPECT_EQ(h.in(kAddress, 4), 0x80000400u);
    // Byte writes to 0xCF9: bit 2 (RST_CPU) requests a reset; 0x02 alone does not.
    h.out(kReset, 0x02, 1);
    EXPECT_EQ(h.resets, 0);
    EXPECT_EQ(h.in(kReset, 1), 0x02u);
    h.out(kReset, 0x06, 1);
    EXPECT_EQ(h.resets, 1);
    h.out(kReset, 0x0e, 1);
    EXPECT_EQ(h.resets, 2);
    EXPECT_EQ(h.in(kReset, 1), 0x0au);  // SYS_RST and FULL_RST stored, RST_CPU is a pulse
    // The byte register leaves CONFIG_ADDRESS alone.
    EXPECT_EQ(h.in(kAddress, 4), 0x80000400u);
}

TEST(Pci, NarrowAccessesAtCf8AreNotConfigAddress) {
    PciHarness h;
    h.out(kAddress, 0x80000000, 4);
    h.out(kAddress, 0x12, 1);
    h.out(kAddress, 0x1234, 2);
    EXPECT_EQ(h.in(kAddress, 4), 0x80000000u);
    EXPECT_EQ(h.in(kAddress, 1), 0xffu);
    EXPECT_EQ(h.in(kAddress + 2, 2), 0xffffu);
}

TEST(PciBus, RejectsBadAndDuplicateAddresses) {
    PciBus bus;
    auto f = std::make_shared<PciHostBridge>();
    EXPECT_TRUE(bus.add(0, 3, 1, f));
    EXPECT_FALSE(bus.add(0, 3, 1, f));
    EXPECT_FALSE(bus.add(0, 32, 0, f));
    EXPECT_FALSE(bus.add(0, 0, 8, f));
    uint8_t b[2];
    bus.read(0, 3, 1, 255, b);  // the second byte is past the configuration space
    EXPECT_EQ(b[1], 0xff);
}

}  // namespace
}  // namespace svm
