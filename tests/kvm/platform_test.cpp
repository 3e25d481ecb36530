// The platform devices seen from a guest (label `kvm`): fw_cfg through both interfaces, the HPET
// calibrated against the ACPI PM timer, and a PCI scan. The guests (guest/pc/platform/) are
// 32-bit Multiboot 1 kernels that end by ACPI power-off, so svm exits with 0 and says
// "guest powered off".
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

class Platform : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

TEST_F(Platform, FwCfgReportsCpusRamAndE820ThroughIoAndDma) {
    auto r =
        run_svm({"--cpus", "2", "-m", "64M", "--cmdline", "cpus=2 mem=64M", guest("fw_cfg.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    expect_lines_in_order(
        r.out,
        {"check cmdline has cpus= and mem=: ok", "check io signature: ok",
         "check io id traditional: ok", "check io id dma: ok",
         "fw_cfg: io: 2 cpus (max 2), 64 MiB RAM", "check io cpus: ok", "check io ram size: ok",
         "check dma signature: ok", "check dma ram size: ok", "check dma cpus: ok",
         "check e820 file listed: ok", "check e820 io == dma: ok", "check e820 ram end: ok",
         "fw_cfg: dma to a missing address: control 0x1", "SUCCESS"});
    EXPECT_NE(r.err.find("guest powered off"), std::string::npos) << r.err;
}

TEST_F(Platform, HpetAgreesWithThePmTimer) {
    auto r = run_svm({guest("timers.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    expect_lines_in_order(
        r.out, {"check hpet rev: ok", "check hpet timers: ok", "check hpet legacy capable: ok",
                "check hpet period fs: ok", "check pm timer 24 bits: ok",
                "check hpet counter moves: ok", "check hpet/pm ratio: ok", "SUCCESS"});
}

TEST_F(Platform, PciScanFindsOnlyTheHostBridge) {
    auto r = run_svm({guest("pci_scan.elf")}, "", 120);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    expect_lines_in_order(
        r.out, {"check config address reads back: ok",
                "pci 00:00.0 8086:1237 class 060000 header 00", "pci functions: 1",
                "check 00:00.0 is a host bridge: ok", "check empty slot: ok", "SUCCESS"});
    EXPECT_EQ(r.out.find("pci 00:01"), std::string::npos) << r.out;
}

TEST_F(Platform, AcpiPowerOffEndsTheRunWithExitCode0) {
    // Every platform guest ends by writing 0x2000 to PM1a_CNT (0x604).
    auto r = run_svm({"-v", guest("pci_scan.elf")}, "", 120);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("svm: guest powered off (exit code 0)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace svm::test
