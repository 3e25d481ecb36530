// The boot layout and the BIOS-area tables seen from a guest (label `kvm`): a kernel linked with a
// plain `ld -Ttext=0x100000` (headers PT_LOAD at 0xFF000), kernels that find ACPI and the MP table
// only by the PC scans, and one that powers off through the FADT and \_S5. The guests are in
// guest/pc/tables/; all but tables_scan.elf also run under QEMU.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

class Tables : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

// isa-debug-exit with 0: exit code 1. Before the placement allocator, svm refused it with 65.
TEST_F(Tables, PlainLdTtextKernelWithHeadersAt0xFF000Runs) {
    auto r = run_svm({guest("ld_ttext.elf")});
    EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
    expect_lines_in_order(r.out, {"ld -Ttext kernel: running at 0x100000"});
}

TEST_F(Tables, ScanFindsMadtAndMpTableWithEveryCpu) {
    auto r = run_svm({"--cpus", "4", guest("tables_scan.elf")});
    EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
    expect_lines_in_order(r.out, {"tables: madt cpus 4", "tables: mp cpus 4",
                                  "tables: fadt pm1a_cnt 0x604 pm_tmr 0x608 sci 9",
                                  "tables: hpet at 0xfed00000", "tables: done"});
    // The first hit of the ACPI scan is the copy in the EBDA's first KiB.
    EXPECT_NE(r.out.find("tables: rsdp at 0x9fc10 revision 2"), std::string::npos) << r.out;
}

TEST_F(Tables, Multiboot1ScanFindsTheSameTables) {
    auto r = run_svm({"--cpus", "2", guest("tables_scan32.elf")});
    EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
    expect_lines_in_order(r.out, {"tables: madt cpus 2", "tables: mp cpus 2", "tables: done"});
}

TEST_F(Tables, AcpiShutdownThroughFadtAndS5PowersOff) {
    auto r = run_svm({guest("acpi_poweroff.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    expect_lines_in_order(r.out, {"poweroff: pm1a_cnt 0x604 slp_typa 0"});
    EXPECT_NE((r.out + r.err).find("guest powered off"), std::string::npos) << r.err << r.out;
}

// --load-file: a raw file lands at its address; one that overlaps the kernel is refused.
TEST_F(Tables, LoadFileOverTheKernelIsRefusedWithTheReason) {
    const std::string file = ::testing::TempDir() + "svm-load-file.bin";
    std::ofstream(file) << std::string(0x2000, 'x');
    auto r = run_svm({"--load-file", file + "@0x100000", guest("ld_ttext.elf")});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("overlaps the kernel"), std::string::npos) << r.err;
    auto ok = run_svm({"--load-file", file + "@0x200000", guest("ld_ttext.elf")});
    EXPECT_EQ(ok.exit_code, 1) << ok.err;
}

}  // namespace
}  // namespace svm::test
