// Several VMs in one svm (docs/multi-vm.md): different kernels together with prefixed output and
// one exit code made from both, a crash that ends only its VM (or every VM with
// --crash-ends-all), Ctrl-C stopping every VM, and two sample OSes pinging each other over an
// in-process switch (--net switch=NAME; the guest side of that is also tested on QEMU-TCG,
// qemu.os.pair).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

class VmSet : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A long-mode flat binary that prints and exits 0, and an ELF that leaves through isa-debug-exit
// 0x10 (exit code 33): each VM's lines carry its name, padded to the longer one; each VM's end
// is reported with its name; the set's code is the first non-zero one.
TEST_F(VmSet, TwoKernelsRunTogetherWithPrefixedOutputAndBothExitCodes) {
    auto r = run_svm({"--vm", "--name long --mode long --load 0x100000 " + guest("long.bin"),
                      "--vm", "--name dbg " + guest("debugexit.elf")},
                     "", 120);
    EXPECT_EQ(r.exit_code, 33) << r.out << r.err;
    EXPECT_TRUE(has_line(r.out, "long | SUCCESS")) << r.out;
    EXPECT_TRUE(has_line(r.out, "dbg  | writing 0x10 to port 0xf4")) << r.out;
    // No line of either guest without its prefix.
    for (size_t start = 0, end; (end = r.out.find('\n', start)) != std::string::npos;
         start = end + 1) {
        const std::string line = r.out.substr(start, end - start);
        EXPECT_TRUE(line.starts_with("long | ") || line.starts_with("dbg  | ")) << line;
    }
    EXPECT_TRUE(contains(r.err, "svm: dbg: ")) << r.err;
    EXPECT_TRUE(contains(r.err, "(exit code 33)")) << r.err;
    EXPECT_TRUE(contains(r.err, "svm: 2 VMs: long ")) << r.err;
    EXPECT_TRUE(contains(r.err, "; exit code 33")) << r.err;
}

// A triple fault ends its VM with its report; the sample OS goes on and takes `exit 4` typed on
// standard input after the crash was reported.
TEST_F(VmSet, ACrashEndsOnlyThatVm) {
    int in[2];
    ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
    auto child = SvmChild::start(
        {"--vm", "--name tf " + guest("triplefault.elf"), "--vm", "--name os --stdin serial"},
        in[0]);
    close(in[0]);
    if (!child) close(in[1]);
    ASSERT_TRUE(child);
    std::string out;
    EXPECT_TRUE(read_until(*child, out, "os | svm-os> ", 120)) << out;
    const std::string input = "exit 4\n";
    EXPECT_EQ(write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
    EXPECT_TRUE(read_until(*child, out, "os | exit: code 4", 120)) << out;
    close(in[1]);
    auto r = child->wait(60);
    EXPECT_TRUE(contains(r.err, "svm: tf: ")) << r.err;
    EXPECT_TRUE(contains(r.err, "(exit code 112)")) << r.err;
    EXPECT_TRUE(contains(r.err, "svm: os: guest exited with code 4 (exit code 4)")) << r.err;
    // tf comes first in the set: its 112 is the set's code.
    EXPECT_EQ(r.exit_code, 112) << r.err;
}

TEST_F(VmSet, CrashEndsAllStopsTheOtherVms) {
    auto r = run_svm({"--crash-ends-all", "--vm", "--name os", "--vm",
                      "--name tf " + guest("triplefault.elf")},
                     "", 120);
    EXPECT_EQ(r.exit_code, 112) << r.err;
    EXPECT_TRUE(contains(r.err, "svm: os: stopped because VM tf crashed (--crash-ends-all)"))
        << r.err;
}

// Ctrl-C (SIGINT to svm) stops both sample OSes once both are at their prompt: exit code 130.
TEST_F(VmSet, SigintStopsEveryVm) {
    auto child = SvmChild::start({"--vm", "--name a", "--vm", "--name b"});
    ASSERT_TRUE(child);
    std::string out;
    EXPECT_TRUE(read_until(*child, out, "a | svm-os> ", 120)) << out;
    EXPECT_TRUE(read_until(*child, out, "b | svm-os> ", 120)) << out;
    kill(child->pid(), SIGINT);
    auto r = child->wait(60);
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_TRUE(contains(r.err, "svm: a: stopped by signal 2")) << r.err;
    EXPECT_TRUE(contains(r.err, "svm: b: stopped by signal 2")) << r.err;
}

// Two sample OSes on switch lan0 with static addresses (ip= on their command lines): a pings b
// over the switch, then exits with 5; Ctrl-A 2 switches standard input to b, which is told to
// exit with 6. The set's code is a's 5, the first in set order.
TEST_F(VmSet, TwoVmsOnASwitchPingEachOther) {
    int in[2];
    ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
    auto child = SvmChild::start(
        {"--vm", "--name a --net switch=lan0,mac=52:54:00:00:03:01 --cmdline ip=10.0.3.1",
         "--vm", "--name b --net switch=lan0,mac=52:54:00:00:03:02 --cmdline ip=10.0.3.2"},
        in[0]);
    close(in[0]);
    if (!child) close(in[1]);
    ASSERT_TRUE(child);
    std::string out;
    EXPECT_TRUE(read_until(*child, out, "a | net: address 10.0.3.1 ", 120)) << out;
    EXPECT_TRUE(read_until(*child, out, "b | net: address 10.0.3.2 ", 120)) << out;
    const std::string input = "ping 10.0.3.2\nexit 5\n";
    EXPECT_EQ(write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
    EXPECT_TRUE(read_until(*child, out, "a | exit: code 5", 120)) << out;
    const std::string to_b = "\x01" "2exit 6\n";
    EXPECT_EQ(write(in[1], to_b.data(), to_b.size()), static_cast<ssize_t>(to_b.size()));
    EXPECT_TRUE(read_until(*child, out, "b | exit: code 6", 120)) << out;
    close(in[1]);
    auto r = child->wait(60);
    EXPECT_EQ(r.exit_code, 5) << out << r.err;
    EXPECT_TRUE(contains(r.err, "svm: typing goes to b now")) << r.err;
    EXPECT_TRUE(contains(r.err, "svm: b: guest exited with code 6 (exit code 6)")) << r.err;
    for (int seq = 1; seq <= 4; ++seq)
        EXPECT_TRUE(contains(out, "a | reply from 10.0.3.2: seq " + std::to_string(seq) + " "))
            << out;
    EXPECT_TRUE(contains(out, "a | --- 10.0.3.2: 4 sent, 4 received, 0% loss")) << out;
}

}  // namespace
}  // namespace svm::test
