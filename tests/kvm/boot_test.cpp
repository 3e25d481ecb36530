// Boots every guest in guest/ under the real svm binary and checks what it printed and how svm
// exited (label `kvm`). The expected lines are the guests' contract, documented in docs/guests.md.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

class Boot : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

TEST_F(Boot, RealModeFlatBinary) {
    auto r = run_svm({guest("realmode.bin")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines_in_order(
        r.out, {"hello from real mode", "hello from real mode", "check cs is 0: ok",
                "check entry es: ok", "check entry di: ok", "check ss:sp is 7000:fff0: ok",
                "check entry eax: ok", "check entry ebx: ok", "check machine table signature: ok",
                "hypercall: 0x00080000 1234567890", "SUCCESS"});
}

TEST_F(Boot, ProtectedModeFlatBinary) {
    auto r = run_svm({"--mode", "protected", "--load", "0x100000", guest("protected.bin")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines_in_order(r.out,
                          {"protected: hello from 32-bit protected mode", "check cr0.pe: ok",
                           "check cr0.pg: ok", "check entry esp: ok", "check entry cs: ok",
                           "check entry ss: ok", "check machine table valid: ok", "SUCCESS"});
}

TEST_F(Boot, LongModeFlatBinary) {
    auto r = run_svm({"--mode", "long", "--load", "0x100000", guest("long.bin")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines_in_order(
        r.out, {"long: hello from a flat 64-bit binary", "check entry rdi: ok",
                "check entry cs: ok", "check efer.lma: ok", "check identity map write/read: ok",
                "check identity map translate: ok", "check machine table valid: ok", "SUCCESS"});
}

TEST_F(Boot, Elf64KernelGetsMachineTableInRdi) {
    auto r = run_svm({"-m", "64M", guest("elf64.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines_in_order(
        r.out, {"check entry rdi: ok", "check kmain argument: ok", "check bss zeroed: ok",
                "check data initialised: ok", "check machine table valid: ok",
                "check machine com1: ok", "check machine cpu0 bsp: ok", "SUCCESS"});
    // The machine table reports the RAM size given with -m.
    EXPECT_NE(r.out.find("machine: 64 MiB RAM"), std::string::npos) << r.out;
}

TEST_F(Boot, HigherHalfElf64RunsFromItsFirstInstruction) {
    auto r = run_svm({guest("higherhalf.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines_in_order(
        r.out, {"check rip in higher half: ok", "check global address in higher half: ok",
                "check identity alias of global: ok", "check translate global: ok",
                "check call chain: ok", "SUCCESS"});
}

TEST_F(Boot, Elf32Kernel) {
    auto r = run_svm({guest("elf32.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines_in_order(r.out, {"check cr0.pe: ok", "check entry cs: ok", "check bss zeroed: ok",
                                  "check machine table valid: ok", "SUCCESS"});
}

class Multiboot : public Boot {
protected:
    void SetUp() override {
        Boot::SetUp();
        module_ = ::testing::TempDir() + "svm-module.txt";
        std::ofstream(module_) << "module contents\n";
    }
    std::string module_;
};

TEST_F(Multiboot, Multiboot1BareBonesKernel) {
    auto r = run_svm(
        {"--cmdline", "hello world", "--module", module_ + ",args", guest("multiboot1.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines_in_order(
        r.out, {"multiboot1: hello from a Multiboot 1 kernel", "check multiboot magic: ok",
                "check meminfo flag: ok", "cmdline: " + guest("multiboot1.elf") + " hello world",
                "check mmap entries: ok", "boot loader: svm", "modules: 1",
                "check module page aligned: ok", "check esi machine table: ok",
                "check machine table valid: ok", "SUCCESS"});
    EXPECT_NE(r.out.find("module 0: " + module_ + " args (0x"), std::string::npos) << r.out;
}

TEST_F(Multiboot, Multiboot1AoutKludge) {
    auto r = run_svm({guest("multiboot1-aout.bin")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines_in_order(r.out, {"aout kludge ok"});
}

TEST_F(Multiboot, Multiboot2Elf64KernelSwitchesToLongModeItself) {
    auto r = run_svm(
        {"--cmdline", "hello world", "--module", module_ + ",args", guest("multiboot2.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines_in_order(
        r.out, {"check multiboot2 magic: ok", "check efer.lma: ok",
                "cmdline: " + guest("multiboot1.elf") + " hello world", "boot loader: svm",
                "svm machine tag: table at 0x80000", "modules: 1", "check end tag: ok",
                "check mmap entries: ok", "check machine tag: ok", "check machine table valid: ok",
                "SUCCESS"});
    // The ACPI RSDP copies (Multiboot 2 spec 3.6.15/3.6.16): 8 + 20 and 8 + 36 bytes.
    EXPECT_NE(r.out.find("tag type 14, 28 bytes"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("tag type 15, 44 bytes"), std::string::npos) << r.out;
}

TEST_F(Boot, EveryHypercall) {
    auto r = run_svm({guest("hypercalls.elf")});
    EXPECT_EQ(r.exit_code, 42) << r.err;
    expect_lines_in_order(
        r.out, {"putchar: hello", "write: hello", "check write returns length: ok",
                "check write unmapped pointer: ok", "check write past end of ram: ok",
                "u32 hex: 0xdeadbeef", "u32 hex small: 0x0000002a", "u32 dec: 4294967295",
                "u64 hex: 0xdeadbeefcafef00d", "u64 dec: 18446744073709551615",
                "check exit count io > 0: ok", "check exit count increasing: ok",
                "check translate global: ok", "check translate unmapped: ok", "check cpu index: ok",
                "getchar: nothing typed (SVM_E_AGAIN)", "check getchar: ok",
                "check unknown hypercall: ok", "SUCCESS"});
    // Bad hypercalls are logged, not fatal.
    EXPECT_NE(r.err.find("unknown function"), std::string::npos) << r.err;
}

TEST_F(Boot, GetcharReadsStdin) {
    auto r = run_svm({guest("hypercalls.elf")}, "xyz");
    EXPECT_EQ(r.exit_code, 42) << r.err;
    expect_lines_in_order(r.out, {"getchar: read \"xyz\"", "SUCCESS"});
}

TEST_F(Boot, IsaDebugExitCode) {
    auto r = run_svm({guest("debugexit.elf")});
    EXPECT_EQ(r.exit_code, 33) << r.err;
    expect_lines_in_order(r.out, {"writing 0x10 to port 0xf4"});
    // The vCPU stops at the write: the guest never sees its own "still running" line.
    EXPECT_EQ(r.out.find("still running"), std::string::npos) << r.out;
}

TEST_F(Boot, DemoKernelPrintsTheMachineTable) {
    auto r = run_svm({"--cmdline", "demo args", guest("demo.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("svm demo kernel"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("128 MiB"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("demo args"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("com1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("0x3f8"), std::string::npos) << r.out;
}

TEST_F(Boot, SerialOutputToFile) {
    std::string path = ::testing::TempDir() + "svm-serial.txt";
    auto r = run_svm({"--serial", "file:" + path, guest("elf64.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "");
    std::ifstream in(path);
    std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    expect_lines_in_order(contents, {"check kmain argument: ok", "SUCCESS"});
}

TEST_F(Boot, TraceExitsPrintsATable) {
    auto r = run_svm({"--trace-exits", guest("elf64.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("VM exits:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("IO"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("0x500"), std::string::npos) << r.err;  // the hypercall port is busiest
}

}  // namespace
}  // namespace svm::test
