// `svm` with no kernel boots the built-in sample OS (core/sample_os/, guest/os/) and its shell
// answers on COM1: the first thing README command 1 shows a new user.
#include <gtest/gtest.h>

#include <string>

#include "svm_process.h"

namespace svm::test {
namespace {

class SampleOs : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

TEST_F(SampleOs, SvmWithoutAKernelBootsItsShell) {
    auto r = run_svm({}, "help\nticks\nps\nls\ncat README.txt\nrandom\nexit 3\n", 120);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("no kernel given: booting the built-in sample OS"), std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("svm-os> "), std::string::npos) << r.out;
    for (const char* command : {"help", "mem", "ps", "ticks", "uptime", "cpus", "crash", "exit",
                                "shutdown", "reboot"})
        EXPECT_NE(r.out.find(std::string("  ") + command), std::string::npos) << command;
    EXPECT_NE(r.out.find("idle"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("counter"), std::string::npos) << r.out;
    // The embedded disk (guest/os/disk/) through virtio-blk, and the entropy device.
    EXPECT_NE(r.out.find("README.txt"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("motd.txt"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("no disk"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("no entropy"), std::string::npos) << r.out;
}

TEST_F(SampleOs, ShutdownPowersOffWithExitCode0) {
    auto r = run_svm({}, "shutdown\n", 120);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("guest powered off"), std::string::npos) << r.err;
}

// The OS reports its own page fault and halts with interrupts off: svm ends the run as a guest
// that halted for good (exit 113) and says so.
TEST_F(SampleOs, CrashIsReportedAndTheRunEnds) {
    auto r = run_svm({}, "crash\n", 120);
    EXPECT_NE(r.out.find("*** page fault: cr2 0x00000dead0000000"), std::string::npos) << r.out;
    EXPECT_EQ(r.exit_code, 113) << r.err;
}

}  // namespace
}  // namespace svm::test
