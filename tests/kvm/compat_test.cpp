// The seed hypervisors' guests under --compat (label `kvm`): mini-kvm's port-0x500 ABI and
// Hypervisor-Symphony's ports 0xE9-0xEF, with guests of our own written for each ABI.
#include <gtest/gtest.h>

#include <string>

#include "svm_process.h"

namespace svm::test {
namespace {

bool contains(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

class Compat : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

TEST_F(Compat, MiniKvmGuestPrintsReadsAndExits) {
    auto r = run_svm({"--compat", "mini-kvm", "--timeout", "20", guest("minikvm.bin")}, "k");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "mini-kvm guest: type a key\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "mini-kvm guest: got 'k'\n")) << r.out;
    EXPECT_FALSE(contains(r.err, "no device")) << r.err;
}

TEST_F(Compat, WithoutCompatThe8BitHypercallIsExplained) {
    auto r = run_svm({"--timeout", "2", guest("minikvm.bin")}, "k");
    EXPECT_NE(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "svm's ABI is 32-bit")) << r.err;
    EXPECT_TRUE(contains(r.err, "--compat mini-kvm")) << r.err;
}

TEST_F(Compat, SymphonyGuestUsesEveryPort) {
    auto r = run_svm({"--compat", "symphony", "--timeout", "20", guest("symphony.elf")});
    EXPECT_EQ(r.exit_code, 1) << r.err;  // isa-debug-exit with 0: every check passed
    EXPECT_TRUE(contains(r.out, "Hello 695!\n2048\n4294967295\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "CS695 Assignment 2\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "IO in: ")) << r.out;
    EXPECT_TRUE(contains(r.out, "\nIO out: ")) << r.out;
    // Translation gives guest-physical addresses: identity without paging.
    EXPECT_TRUE(contains(r.out, "\n1024\n4294967295\n")) << r.out;
}

TEST_F(Compat, SymphonyReplacesTheDebugConsoleOnlyWhenAsked) {
    auto r = run_svm({"--timeout", "20", guest("symphony.elf")});
    // Without --compat the 0xE9 bytes still print (svm's debug console), the other ports do not.
    EXPECT_TRUE(contains(r.out, "Hello 695!\n")) << r.out;
    EXPECT_FALSE(contains(r.out, "CS695 Assignment 2")) << r.out;
}

TEST_F(Compat, UnknownCompatIsAUsageError) {
    auto r = run_svm({"--compat", "qemu", guest("symphony.elf")});
    EXPECT_EQ(r.exit_code, 64) << r.err;
}

}  // namespace
}  // namespace svm::test
