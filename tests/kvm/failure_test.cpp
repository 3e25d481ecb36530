// How svm ends when the guest breaks or the input is bad: exit codes and reports (label `kvm`).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "svm_process.h"

namespace svm::test {
namespace {

bool contains(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

class Failure : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }

    std::string write_temp(const std::string& name, const std::string& bytes) {
        std::string path = ::testing::TempDir() + name;
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }
};

TEST_F(Failure, TripleFaultReport) {
    auto r = run_svm({guest("triplefault.elf")});
    EXPECT_EQ(r.exit_code, 112) << r.err;
    EXPECT_TRUE(contains(r.out, "about to triple fault")) << r.out;
    EXPECT_FALSE(contains(r.out, "still running after ud2"));
    EXPECT_TRUE(contains(r.err, "triple fault on vCPU 0")) << r.err;
    EXPECT_TRUE(contains(r.err, "long mode, 64-bit code")) << r.err;
    EXPECT_TRUE(contains(r.err, "RIP=")) << r.err;
    EXPECT_TRUE(contains(r.err, "CR3=0x0000000000091000")) << r.err;
    EXPECT_TRUE(contains(r.err, "IDTR base=0x")) << r.err;
    // The state is the state at the fault: the faulting ud2 is the marked instruction.
    EXPECT_TRUE(contains(r.err, "0f 0b")) << r.err;
    EXPECT_TRUE(contains(r.err, "ud2")) << r.err;
    EXPECT_TRUE(contains(r.err, "=> 0x")) << r.err;
}

TEST_F(Failure, HaltWithInterruptsDisabled) {
    auto r = run_svm({"--timeout", "20", guest("hang.elf")});
    EXPECT_EQ(r.exit_code, 113) << r.err;
    EXPECT_TRUE(contains(r.out, "halting"));
    EXPECT_TRUE(contains(r.err, "halted with interrupts disabled on vCPU 0")) << r.err;
    EXPECT_TRUE(contains(r.err, "RIP points after its HLT")) << r.err;
    EXPECT_TRUE(contains(r.err, "RFLAGS=")) << r.err;
}

TEST_F(Failure, EmulationFailureOrHardwareExecution) {
    auto r = run_svm({guest("emulation.elf")});
    EXPECT_TRUE(contains(r.out, "about to execute fld1"));
    if (r.exit_code == 7) {
        // Hardware KVM runs x87 natively: the guest says so.
        EXPECT_TRUE(contains(r.out, "fld1 executed"));
        return;
    }
    // Nested KVM-PVM: the emulator rejects x87 at CPL0 and svm explains it.
    EXPECT_EQ(r.exit_code, 114) << r.err;
    EXPECT_TRUE(contains(r.err, "emulation failure on vCPU 0")) << r.err;
    EXPECT_TRUE(contains(r.err, "fld1")) << r.err;
    EXPECT_TRUE(contains(r.err, "x87")) << r.err;
}

TEST_F(Failure, Timeout) {
    auto r = run_svm({"--timeout", "0.5", guest("spin.elf")});
    EXPECT_EQ(r.exit_code, 124) << r.err;
    EXPECT_TRUE(contains(r.out, "spinning"));
    EXPECT_TRUE(contains(r.err, "timeout")) << r.err;
}

TEST_F(Failure, GuestWritingGarbageToEveryPortIsSurvivedAndLogsAreBounded) {
    auto r = run_svm({guest("port_garbage.elf")}, "", 120);
    EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
    EXPECT_TRUE(contains(r.out, "port_garbage: survived")) << r.out.substr(0, 2000);
    // Unclaimed accesses are logged once per address, for a bounded number of addresses.
    EXPECT_TRUE(contains(r.err, "no longer logging them")) << r.err.substr(0, 2000);
    EXPECT_LT(std::count(r.err.begin(), r.err.end(), '\n'), 100) << r.err.substr(0, 2000);
}

TEST_F(Failure, MissingKernelFile) {
    auto r = run_svm({"/nonexistent/kernel.elf"});
    EXPECT_EQ(r.exit_code, 65);
    EXPECT_TRUE(contains(r.err, "/nonexistent/kernel.elf")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(Failure, EmptyAndGarbageKernels) {
    auto empty = run_svm({write_temp("empty.bin", "")});
    EXPECT_EQ(empty.exit_code, 65) << empty.err;
    EXPECT_TRUE(contains(empty.err, "empty")) << empty.err;

    // An ELF magic with a broken header is malformed, not a flat binary.
    auto bad_elf = run_svm({write_temp("bad.elf", std::string("\x7f"
                                                              "ELF\x02\x01\x01",
                                                              7))});
    EXPECT_EQ(bad_elf.exit_code, 65) << bad_elf.err;
    EXPECT_TRUE(contains(bad_elf.err, "bad.elf")) << bad_elf.err;
    EXPECT_EQ(std::count(bad_elf.err.begin(), bad_elf.err.end(), '\n'), 1) << bad_elf.err;
}

TEST_F(Failure, KernelInTheVgaWindowIsRefused) {
    // svm's own structures move aside for a kernel, but the VGA window is video memory on a PC.
    auto r = run_svm({"--mode", "protected", "--load", "0xb0000",
                      write_temp("vga.bin", std::string(0x2000, '\x90'))});
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_TRUE(contains(r.err, "VGA memory window")) << r.err;
}

TEST_F(Failure, MemoryTooSmallForKernel) {
    auto r = run_svm({"-m", "1M", guest("elf64.elf")});
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_TRUE(contains(r.err, "RAM")) << r.err;
}

TEST_F(Failure, BadCommandLineValues) {
    for (auto args : std::vector<std::vector<std::string>>{
             {"-m", "12X", guest("elf64.elf")},
             {"-m", "0", guest("elf64.elf")},
             {"-m", "64G", guest("elf64.elf")},
             {"--load", "banana", guest("realmode.bin")},
             {"--mode", "unreal", guest("realmode.bin")},
             {"--serial", "tcp:1234", guest("elf64.elf")},
             {"--timeout", "-1", guest("spin.elf")},
             {"--no-such-option", guest("elf64.elf")},
             {},
         }) {
        auto r = run_svm(args);
        EXPECT_EQ(r.exit_code, 64) << "args: " << ::testing::PrintToString(args) << "\n" << r.err;
        EXPECT_TRUE(contains(r.err, "svm: error:")) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

TEST_F(Failure, HelpListsEveryOptionAndTheExitCodes) {
    auto r = run_svm({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    for (const char* option : {"--memory", "--load", "--entry", "--mode", "--cmdline", "--module",
                               "--serial", "--timeout", "--verbose", "--trace-exits", "112", "124"})
        EXPECT_TRUE(contains(r.out, option)) << option << "\n" << r.out;
}

}  // namespace
}  // namespace svm::test
