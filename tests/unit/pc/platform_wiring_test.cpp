// The platform family wired into a PcHarness: port and MMIO accesses through the buses reach the
// devices, and their requests end the run as Machine would (core/machine/pc/platform.cpp).
#include <chrono>
#include <cstring>
#include <thread>

#include "core/machine/pc/pc_layout.h"
#include "core/machine/pc/platform_fw_cfg.h"
#include "tests/unit/pc/pc_harness.h"

namespace svm::test {
namespace {

class PlatformWiring : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(add_platform_devices(pc.ctx(), out).has_value()); }

    // Starts a fw_cfg DMA transfer of the FWCfgDmaAccess at `at` (big-endian address halves).
    void dma(uint32_t at) {
        auto be = [](uint32_t v) { return __builtin_bswap32(v); };
        pc.outl(pc::kFwCfgDma, be(0));
        pc.outl(pc::kFwCfgDma + 4, be(at));
    }
    void put_access(uint64_t at, uint32_t control, uint32_t length, uint64_t address) {
        ASSERT_TRUE(pc.memory().write_obj(at, __builtin_bswap32(control)).has_value());
        ASSERT_TRUE(pc.memory().write_obj(at + 4, __builtin_bswap32(length)).has_value());
        ASSERT_TRUE(pc.memory().write_obj(at + 8, __builtin_bswap64(address)).has_value());
    }

    PcHarness pc;
    PcDevices out;
};

TEST_F(PlatformWiring, AcpiPowerOffEndsTheRunWithExitCode0) {
    EXPECT_FALSE(pc.outcome().has_value());
    pc.outw(pc::kAcpiPm1aControl, 0x2000);
    ASSERT_TRUE(pc.outcome().has_value());
    EXPECT_EQ(pc.outcome()->kind, RunOutcome::Kind::PowerOff);
    EXPECT_EQ(pc.outcome()->code, 0);
    EXPECT_EQ(pc.outcome()->summary, "guest powered off");
}

TEST_F(PlatformWiring, Piix4AndBochsPortsPowerOff) {
    pc.outw(pc::kPiix4Pm1aControl, 0x3400);  // not S5 on the PIIX4 port
    EXPECT_FALSE(pc.outcome().has_value());
    pc.outw(pc::kPiix4Pm1aControl, 0x2000);
    ASSERT_TRUE(pc.outcome().has_value());
    EXPECT_EQ(pc.outcome()->kind, RunOutcome::Kind::PowerOff);

    PcHarness other;
    PcDevices o;
    ASSERT_TRUE(add_platform_devices(other.ctx(), o).has_value());
    other.outw(pc::kBochsPowerOff, 0x3400);
    ASSERT_TRUE(other.outcome().has_value());
    EXPECT_EQ(other.outcome()->kind, RunOutcome::Kind::PowerOff);
}

TEST_F(PlatformWiring, Cf9ResetRequestEndsTheRunAsReset) {
    pc.outl(pc::kPciConfigAddress, 0x80000000);  // the dword is CONFIG_ADDRESS, no reset
    EXPECT_FALSE(pc.outcome().has_value());
    pc.outb(pc::kResetControl, 0x06);
    ASSERT_TRUE(pc.outcome().has_value());
    EXPECT_EQ(pc.outcome()->kind, RunOutcome::Kind::Reset);
    EXPECT_EQ(pc.outcome()->code, exit_code::kReset);
    EXPECT_EQ(pc.outcome()->summary, "guest requested a reset (port 0xCF9)");
}

TEST_F(PlatformWiring, Port92FastResetEndsTheRunAsReset) {
    EXPECT_EQ(pc.inb(pc::kPort92), 0x02);
    pc.outb(pc::kPort92, 0x02);
    EXPECT_FALSE(pc.outcome().has_value());
    pc.outb(pc::kPort92, 0x03);
    ASSERT_TRUE(pc.outcome().has_value());
    EXPECT_EQ(pc.outcome()->kind, RunOutcome::Kind::Reset);
    EXPECT_EQ(pc.outcome()->summary, "guest requested a reset (port 0x92)");
}

TEST_F(PlatformWiring, PostPortIsClaimedAndReadsBack) {
    pc.outb(pc::kPostPort, 0x42);
    EXPECT_EQ(pc.inb(pc::kPostPort), 0x42);
    EXPECT_FALSE(pc.outcome().has_value());
}

TEST_F(PlatformWiring, PciHostBridgeThroughTheIoBus) {
    pc.outl(pc::kPciConfigAddress, 0x80000000);
    EXPECT_EQ(pc.inl(pc::kPciConfigAddress), 0x80000000u);
    EXPECT_EQ(pc.inl(pc::kPciConfigData), 0x12378086u);
    EXPECT_EQ(pc.inw(pc::kPciConfigData + 2), 0x1237u);
    pc.outl(pc::kPciConfigAddress, 0x80000800);  // device 1
    EXPECT_EQ(pc.inl(pc::kPciConfigData), 0xffffffffu);
}

TEST_F(PlatformWiring, PmTimerAdvances) {
    uint32_t a = pc.inl(pc::kAcpiPmTimer);
    uint32_t b = a;
    for (int i = 0; i < 1000000 && b == a; ++i) b = pc.inl(pc::kAcpiPmTimer);
    EXPECT_NE(a, b);
    EXPECT_EQ(b >> 24, 0u);
}

TEST_F(PlatformWiring, HpetIsOnTheMmioBus) {
    uint64_t cap = pc.mmio_read(pc::kHpetBase, 8);
    EXPECT_EQ((cap >> 16) & 0xffff, 0x8086u);
    EXPECT_EQ(cap >> 32, pc::kHpetPeriodFs);
    EXPECT_EQ((cap >> 8) & 0x1f, static_cast<uint64_t>(pc::kHpetTimers - 1));
    pc.mmio_write(pc::kHpetBase + 0x10, 1, 8);  // ENABLE_CNF
    uint64_t c0 = pc.mmio_read(pc::kHpetBase + 0xf0, 8);
    uint64_t c1 = c0;
    for (int i = 0; i < 1000000 && c1 == c0; ++i) c1 = pc.mmio_read(pc::kHpetBase + 0xf0, 8);
    EXPECT_GT(c1, c0);
}

TEST_F(PlatformWiring, HpetTimerThreadDeliversAnInterrupt) {
    // Timer 2, edge-triggered on pin 20, one-shot 1 ms after enabling.
    pc.mmio_write(pc::kHpetBase + 0x140, (1u << 2) | (20u << 9), 8);
    pc.mmio_write(pc::kHpetBase + 0x148, 100000, 8);
    pc.mmio_write(pc::kHpetBase + 0x10, 1, 8);
    // The thread sleeps until the comparator is due, so this waits about 1 ms (generous bound).
    for (int i = 0; i < 5000 && pc.irq_raises(20) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(pc.irq_raises(20), 1);
}

TEST_F(PlatformWiring, FwCfgTraditionalInterface) {
    pc.outw(pc::kFwCfgSelector, 0x0000);
    std::string sig;
    for (int i = 0; i < 4; ++i) sig += static_cast<char>(pc.inb(pc::kFwCfgData));
    EXPECT_EQ(sig, "QEMU");
    pc.outw(pc::kFwCfgSelector, 0x0003);  // RAM size, u64 little-endian
    uint64_t ram = 0;
    for (int i = 0; i < 8; ++i) ram |= uint64_t{pc.inb(pc::kFwCfgData)} << (8 * i);
    EXPECT_EQ(ram, 16ull << 20);
    pc.outw(pc::kFwCfgSelector, 0x0005);  // NB_CPUS, u16
    EXPECT_EQ(pc.inb(pc::kFwCfgData), 1);
    EXPECT_EQ(pc.inb(pc::kFwCfgData), 0);
    EXPECT_EQ(pc.inl(pc::kFwCfgDma), 0x554d4551u);  // "QEMU" of "QEMU CFG", in memory order
}

TEST_F(PlatformWiring, FwCfgDmaReadsE820IntoGuestMemory) {
    pc.set_memory_map({
        {0x0, 0x70000, SVM_MEM_RAM, 0},
        {0x70000, 0x90000, SVM_MEM_RESERVED, 0},
        {0x100000, 0x100000, SVM_MEM_KERNEL, 0},
        {0x200000, 0xe00000, SVM_MEM_RAM, 0},
    });
    // Find etc/e820 in the directory by DMA, as a guest would.
    put_access(0x1000, FwCfg::kFileDir << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead, 4 + 64, 0x2000);
    dma(0x1000);
    EXPECT_EQ(pc.memory().read_obj<uint32_t>(0x1000).value(), 0u);  // control: done, no error
    EXPECT_EQ(__builtin_bswap32(pc.memory().read_obj<uint32_t>(0x2000).value()), 1u);
    uint32_t size = __builtin_bswap32(pc.memory().read_obj<uint32_t>(0x2004).value());
    uint16_t select = __builtin_bswap16(pc.memory().read_obj<uint16_t>(0x2008).value());
    char name[56] = {};
    ASSERT_TRUE(pc.memory().read(0x200c, std::span(reinterpret_cast<uint8_t*>(name), 56)));
    EXPECT_STREQ(name, "etc/e820");
    // Kernel RAM merges with the RAM after it: three entries.
    ASSERT_EQ(size, 3u * 20);

    put_access(0x1000, uint32_t{select} << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead, size, 0x3000);
    dma(0x1000);
    EXPECT_EQ(pc.memory().read_obj<uint32_t>(0x1000).value(), 0u);
    struct E820 {
        uint64_t base, length;
        uint32_t type;
    } __attribute__((packed));
    auto e0 = pc.memory().read_obj<E820>(0x3000).value();
    auto e1 = pc.memory().read_obj<E820>(0x3014).value();
    auto e2 = pc.memory().read_obj<E820>(0x3028).value();
    EXPECT_EQ(e0.base, 0u);
    EXPECT_EQ(e0.length, 0x70000u);
    EXPECT_EQ(e0.type, kE820Ram);
    EXPECT_EQ(e1.base, 0x70000u);
    EXPECT_EQ(e1.length, 0x90000u);
    EXPECT_EQ(e1.type, kE820Reserved);
    EXPECT_EQ(e2.base, 0x100000u);
    EXPECT_EQ(e2.length, 0xf00000u);
    EXPECT_EQ(e2.type, kE820Ram);
}

TEST_F(PlatformWiring, FwCfgDmaOutsideRamSetsError) {
    put_access(0x1000, FwCfg::kSignature << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead, 4,
               (16ull << 20) - 2);
    dma(0x1000);
    EXPECT_EQ(__builtin_bswap32(pc.memory().read_obj<uint32_t>(0x1000).value()), FwCfg::kDmaError);
}

TEST_F(PlatformWiring, MachineTableEntries) {
    auto find = [&](uint32_t type) -> const svm_device* {
        for (const auto& e : pc.entries())
            if (e.type == type) return &e;
        return nullptr;
    };
    ASSERT_NE(find(SVM_DEV_PCI_HOST), nullptr);
    EXPECT_EQ(find(SVM_DEV_PCI_HOST)->io_base, 0xcf8);
    EXPECT_EQ(find(SVM_DEV_PCI_HOST)->io_size, 8);
    ASSERT_NE(find(SVM_DEV_RESET), nullptr);
    EXPECT_EQ(find(SVM_DEV_RESET)->io_base, 0xcf9);
    ASSERT_NE(find(SVM_DEV_ACPI_PM), nullptr);
    EXPECT_EQ(find(SVM_DEV_ACPI_PM)->io_base, 0x600);
    EXPECT_EQ(find(SVM_DEV_ACPI_PM)->io_size, 0xc);
    EXPECT_EQ(find(SVM_DEV_ACPI_PM)->irq, 9u);
    ASSERT_NE(find(SVM_DEV_FW_CFG), nullptr);
    EXPECT_EQ(find(SVM_DEV_FW_CFG)->io_base, 0x510);
    ASSERT_NE(find(SVM_DEV_HPET), nullptr);
    EXPECT_EQ(find(SVM_DEV_HPET)->mmio_base, 0xfed00000u);
    EXPECT_EQ(find(SVM_DEV_HPET)->mmio_size, 0x400u);
}

}  // namespace
}  // namespace svm::test
