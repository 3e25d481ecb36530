#include "core/machine/unclaimed_report.h"

#include <gtest/gtest.h>

#include <vector>

namespace svm {
namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(PcPortNames, NamesTheUsualDevices) {
    EXPECT_TRUE(has(std::string(describe_pc_port(0x1f7).device), "ATA primary"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x1f7).device), "status"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x170).device), "ATA secondary"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x3f6).device), "ATA primary"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x3f2).device), "floppy"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x2f8).device), "COM2"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x3e8).device), "COM3"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x2e8).device), "COM4"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x378).device), "LPT1"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x0d).device), "DMA"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0xc4).device), "DMA"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x201).device), "game port"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x22c).device), "Sound Blaster"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x1ce).device), "VBE"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x1cf).device), "VBE"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0xc000).device), "PIIX IDE"));
    EXPECT_TRUE(describe_pc_port(0x1234).device.empty());
}

TEST(PcPortNames, NotesWhatSvmModelsUnderOtherOptions) {
    EXPECT_TRUE(has(std::string(describe_pc_port(0x500).note), "--compat mini-kvm"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0xec).note), "--compat symphony"));
    EXPECT_TRUE(has(std::string(describe_pc_port(0x2f8).note), "only COM1"));
}

TEST(PcMmioNames, NamesTheUsualWindows) {
    EXPECT_TRUE(has(std::string(describe_pc_mmio(0xa0000)), "VGA graphics"));
    EXPECT_TRUE(has(std::string(describe_pc_mmio(0xfd000000)), "framebuffer"));
    EXPECT_TRUE(has(std::string(describe_pc_mmio(0xb0000000)), "ECAM"));
    EXPECT_TRUE(describe_pc_mmio(0x12345678).empty());
}

TEST(UnclaimedReport, NamesThePolledPortItsCountAndDevice) {
    std::vector<UnclaimedAccess> io{{0x1f7, 812345, 0, 1}, {0x1f6, 1, 0, 1}};
    std::string report = format_unclaimed_report(io, {});
    EXPECT_TRUE(has(report,
                    "I/O port 0x1f7 (read 812345 times, 1-byte): usually the ATA primary "
                    "channel, status/command (svm has no disk controller)"))
        << report;
    EXPECT_FALSE(has(report, "0x1f6")) << "a single access is a probe, not a poll";
    EXPECT_TRUE(has(report, "all-ones")) << report;
}

TEST(UnclaimedReport, ListsMmioAndWritesAndCapsTheLines) {
    std::vector<UnclaimedAccess> io;
    for (uint16_t p = 0x2f8; p < 0x300; ++p) io.push_back({p, 10, 0, 1});
    std::vector<UnclaimedAccess> mmio{{0xfd000000, 0, 3, 4}};
    std::string report = format_unclaimed_report(io, mmio, 2, 3);
    EXPECT_TRUE(has(report, "0x2fa")) << report;
    EXPECT_FALSE(has(report, "0x2fb")) << report;
    EXPECT_TRUE(has(report,
                    "MMIO address 0xfd000000 (written 3 times, 4-byte): usually the "
                    "Bochs/QEMU stdvga linear framebuffer"))
        << report;
}

TEST(UnclaimedReport, EmptyWhenNothingWasPolled) {
    std::vector<UnclaimedAccess> io{{0x80, 1, 0, 1}};
    EXPECT_EQ(format_unclaimed_report(io, {}), "");
    EXPECT_EQ(format_unclaimed_report({}, {}), "");
}

}  // namespace
}  // namespace svm
