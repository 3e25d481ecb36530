// Interrupts, timers, ACPI and several CPUs (label `kvm`): the guests' contract is in
// docs/guests.md, "Interrupt, timer and SMP guests".
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

class InterruptsAndSmp : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

TEST_F(InterruptsAndSmp, LapicTimerPeriodicOneShotAndTscDeadline) {
    auto r = run_svm({guest("timer_lapic.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines(r,
                 {"lapic periodic: 20 ticks", "check lapic periodic: ok", "lapic one-shot: 1 tick",
                  "check lapic one-shot: ok", "check no unexpected interrupts: ok", "SUCCESS"});
    EXPECT_TRUE(has_line(r.out, "lapic tsc-deadline: 10 ticks") ||
                has_line(r.out, "lapic tsc-deadline: not supported"))
        << r.out;
}

TEST_F(InterruptsAndSmp, PitTicksThroughTheIoApic) {
    auto r = run_svm({guest("pit.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines(r, {"check machine pit: ok", "pit: 50 ticks", "check pit ticks: ok", "SUCCESS"});
}

TEST_F(InterruptsAndSmp, InterruptDrivenSerialEchoFromStdin) {
    auto r = run_svm({guest("serial_echo.elf")}, "hello svm\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines(r, {"echo: hello svm", "check serial interrupt: ok", "SUCCESS"});
}

TEST_F(InterruptsAndSmp, AcpiMadtMatchesCpuCount) {
    for (int cpus : {1, 4}) {
        auto r = run_svm({"--cpus", std::to_string(cpus), guest("acpi.elf")});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        expect_lines(r,
                     {"check rsdp valid: ok", "check madt via xsdt: ok", "check madt via rsdt: ok",
                      "madt: ioapic at 0xfec00000 gsi base 0", "check madt cpus: ok", "SUCCESS"});
        for (int i = 0; i < cpus; ++i)
            EXPECT_TRUE(has_line(r.out, "madt: cpu " + std::to_string(i)));
        EXPECT_FALSE(has_line(r.out, "madt: cpu " + std::to_string(cpus))) << r.out;
    }
}

TEST_F(InterruptsAndSmp, InitSipiSipiStartsEveryAp) {
    auto r = run_svm({"--cpus", "4", guest("smp_sipi.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines(r, {"ap 1: online", "ap 2: online", "ap 3: online",
                     "smp: 4 cpus online, counter 3", "SUCCESS"});
}

TEST_F(InterruptsAndSmp, StartCpuHypercall) {
    auto r = run_svm({"--cpus", "4", guest("smp_start.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines(r, {"ap 1: started by hypercall", "ap 2: started by hypercall",
                     "ap 3: started by hypercall", "check start errors: ok",
                     "smp: 4 cpus started by hypercall, counter 3", "SUCCESS"});
}

// Two vCPUs calling SVM_HC_START_CPU on each other: each waits for the other's thread to answer.
// svm used to deadlock here (each vCPU waited for the other forever, then the main thread waited
// for them, so neither --timeout nor SIGTERM ended it).
TEST_F(InterruptsAndSmp, StartCpuCallsAimedAtEachOtherDoNotDeadlock) {
    auto r = run_svm({"--cpus", "2", "--timeout", "120", guest("smp_cross_start.elf")}, "", 150);
    EXPECT_FALSE(r.timed_out) << "svm hung";
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_lines(r, {"cross start: cpu 0 refused 2000, cpu 1 refused 2000", "SUCCESS"});
}

TEST_F(InterruptsAndSmp, TimeoutEndsVcpusThatKeepAskingEachOther) {
    auto r = run_svm(
        {"--cpus", "2", "--timeout", "2", "--cmdline", "forever", guest("smp_cross_start.elf")}, "",
        30);
    EXPECT_FALSE(r.timed_out) << "svm ignored --timeout";
    EXPECT_EQ(r.exit_code, 124) << r.err;
}

TEST_F(InterruptsAndSmp, SigtermEndsVcpusThatKeepAskingEachOther) {
    // timeout(1) sends SIGTERM after 2 s and, with --preserve-status, exits with svm's status.
    auto r = run_process({"timeout", "--preserve-status", "-s", "TERM", "2", SVM_BINARY, "--cpus",
                          "2", "--cmdline", "forever", guest("smp_cross_start.elf")},
                         "", 30);
    EXPECT_FALSE(r.timed_out) << "svm ignored SIGTERM";
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_NE(r.err.find("stopped by signal 15"), std::string::npos) << r.err;
}

TEST_F(InterruptsAndSmp, EveryCpuHaltedWithInterruptsOffEndsTheRun) {
    auto r = run_svm({"--cpus", "4", "--timeout", "30", guest("smp_hang.elf")});
    EXPECT_EQ(r.exit_code, 113) << r.err;
    EXPECT_TRUE(has_line(r.out, "all halting")) << r.out;
    EXPECT_NE(r.err.find("every vCPU halted with interrupts disabled"), std::string::npos) << r.err;
}

TEST_F(InterruptsAndSmp, TooManyCpusIsAUsageError) {
    auto r = run_svm({"--cpus", "65", guest("elf64.elf")});
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_NE(r.err.find("--cpus"), std::string::npos) << r.err;
    EXPECT_EQ(run_svm({"--cpus", "0", guest("elf64.elf")}).exit_code, 64);
}

}  // namespace
}  // namespace svm::test
