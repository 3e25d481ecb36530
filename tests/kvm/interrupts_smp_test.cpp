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
