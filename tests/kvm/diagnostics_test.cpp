// No silent hangs, clear causes (label `kvm`): what svm says when a guest polls an absent device,
// waits for an interrupt nothing can raise, enables 32-bit paging on a host that cannot run it, or
// triple-faults under --triple-fault reset.
#include <gtest/gtest.h>

#include <string>

#include "svm_process.h"

namespace svm::test {
namespace {

bool contains(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

class Diagnostics : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

TEST_F(Diagnostics, TimeoutNamesThePolledAbsentPort) {
    auto r = run_svm({"--timeout", "2", guest("poll_absent.elf")});
    EXPECT_EQ(r.exit_code, 124) << r.err;
    EXPECT_TRUE(contains(r.out, "waiting for the ATA disk")) << r.out;
    EXPECT_TRUE(contains(r.err, "I/O port 0x1f7 (read ")) << r.err;
    EXPECT_TRUE(contains(r.err, "usually the ATA primary channel, status/command")) << r.err;
    EXPECT_TRUE(contains(r.err, "timeout: the guest was still running after 2 s")) << r.err;
}

TEST_F(Diagnostics, StiHltWithNothingArmedEnds) {
    auto r = run_svm({"--timeout", "30", guest("sti_hlt.elf")});
    EXPECT_EQ(r.exit_code, 113) << r.err;
    EXPECT_TRUE(contains(r.out, "waiting for an interrupt with nothing armed")) << r.out;
    EXPECT_TRUE(contains(r.err, "interrupts enabled, but no interrupt source is armed")) << r.err;
    EXPECT_TRUE(contains(r.err, "PIT channel 0 is not counting")) << r.err;
}

TEST_F(Diagnostics, ThirtyTwoBitPagingRunsOrCarriesTheHostHint) {
    auto r = run_svm({"--timeout", "20", guest("paging32.elf")});
    EXPECT_TRUE(contains(r.out, "enabling 32-bit paging")) << r.out;
    if (r.exit_code == 1) {
        // Hardware KVM runs 32-bit paging: the guest says so and exits through isa-debug-exit.
        EXPECT_TRUE(contains(r.out, "32-bit paging on")) << r.out;
        return;
    }
    // Nested KVM-PVM: #GP at `mov cr0`, a triple fault, and a report that says why.
    EXPECT_EQ(r.exit_code, 112) << r.err;
    EXPECT_TRUE(contains(r.err, "hint: the guest faulted at enabling 32-bit paging")) << r.err;
    EXPECT_TRUE(contains(r.err, "Hardware KVM (Intel VT-x, AMD-V)")) << r.err;
}

TEST_F(Diagnostics, TripleFaultResetEndsAsAResetRequest) {
    auto r = run_svm({"--triple-fault", "reset", guest("triplefault.elf")});
    EXPECT_EQ(r.exit_code, 116) << r.err;
    EXPECT_TRUE(contains(r.err, "guest requested a reset (triple fault)")) << r.err;
    EXPECT_FALSE(contains(r.err, "RIP=")) << r.err;  // no crash report
}

}  // namespace
}  // namespace svm::test
