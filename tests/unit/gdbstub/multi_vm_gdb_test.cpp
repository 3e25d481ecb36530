// The real gdb (13, `gdb -batch`) against two fake VMs behind a MultiTarget: each VM is an
// inferior (GDB manual "Debugging Multiple Inferiors Connections and Programs"; the remote
// protocol's multiprocess extensions, E.1 and E.2). docs/multi-vm.md "gdb with several VMs" is
// what these check.
#include <gtest/gtest.h>

#include "multi_vm_fixture.h"

namespace svm::gdb::testing {
namespace {

const std::string kSvmPy = "source " SVM_GDB_SCRIPTS_DIR "/svm.py";

bool contains(const std::string& out, const std::string& text) {
    return out.find(text) != std::string::npos;
}

// Plain `target remote`: gdb adds inferior 2 for the pid-2 threads of svm's thread list.
TEST(MultiVmGdb, TargetRemoteShowsEveryVmAsAnInferior) {
    if (!have_gdb()) GTEST_SKIP() << "gdb not installed";
    MultiVmGdbFixture f;
    std::string out = f.run_gdb({"info inferiors", "svm-inferiors", "info threads"}, {kSvmPy});
    SCOPED_TRACE(out);
    EXPECT_TRUE(contains(out, "[New inferior 2]"));
    EXPECT_TRUE(contains(out, "* 1    process 1 "));
    EXPECT_TRUE(contains(out, "  2    process 2 "));
    EXPECT_TRUE(contains(out, "* 1.1  Thread 1.1 \"web: vCPU 0\""));
    EXPECT_TRUE(contains(out, "  1.2  Thread 1.2 \"web: vCPU 1\""));
    EXPECT_TRUE(contains(out, "  2.1  Thread 2.1 \"db: vCPU 0\""));
    EXPECT_TRUE(contains(out, "  2.2  Thread 2.2 \"db: vCPU 1\""));
    // gdb -batch detaches each inferior on exit (D;1, D;2).
    EXPECT_TRUE(contains(out, "[Inferior 2 (process 2) detached]"));
    EXPECT_EQ(f.web.detach_calls, 1);
    EXPECT_EQ(f.db.detach_calls, 1);
}

// `inferior 2` reads VM 2's registers and memory once svm.py gave it svm's registers.
TEST(MultiVmGdb, InferiorTwoReadsTheSecondVm) {
    if (!have_gdb()) GTEST_SKIP() << "gdb not installed";
    MultiVmGdbFixture f;
    std::string out =
        f.run_gdb({"svm-inferiors", "svm-inferiors", "inferior 2", "p/x $rax", "x/wx 0x1000",
                   "thread 2.2", "p/x $rax", "inferior 1", "p/x $rax", "x/wx 0x1000"},
                  {kSvmPy});
    SCOPED_TRACE(out);
    EXPECT_TRUE(contains(out, "svm-inferiors: read svm's registers for inferior 2\n"));
    EXPECT_TRUE(contains(out, "svm-inferiors: every inferior has svm's registers\n"));
    EXPECT_TRUE(contains(out, "[Switching to inferior 2 [process 2]"));
    EXPECT_TRUE(contains(out, "$1 = 0xaaaa\n"));
    EXPECT_TRUE(contains(out, "0x1000:\t0x22222222\n"));
    EXPECT_TRUE(contains(out, "$2 = 0x15554\n"));  // VM 2, vCPU 1
    EXPECT_TRUE(contains(out, "$3 = 0x1111\n"));
    EXPECT_TRUE(contains(out, "0x1000:\t0xdeadbeef\n"));
    EXPECT_FALSE(contains(out, "reply is too long"));
    EXPECT_FALSE(contains(out, "rror"));
}

// Without svm.py, inferior 2 has gdb's default register layout: the documented symptom.
TEST(MultiVmGdb, WithoutSvmPyTheSecondInferiorLacksTheRegisters) {
    if (!have_gdb()) GTEST_SKIP() << "gdb not installed";
    MultiVmGdbFixture f;
    std::string out = f.run_gdb({"inferior 2", "unset tdesc filename", "p/x $rax"});
    SCOPED_TRACE(out);
    EXPECT_TRUE(contains(out, "Remote 'g' packet reply is too long"));
    EXPECT_TRUE(contains(out, "$1 = 0xaaaa\n"));  // the manual fix svm.py does
}

// A breakpoint set while inferior 2 is selected is inserted in VM 2 only, and stops there.
TEST(MultiVmGdb, BreakpointInTheSecondVmOnly) {
    if (!have_gdb()) GTEST_SKIP() << "gdb not installed";
    MultiVmGdbFixture f;
    std::string out =
        f.run_gdb({"svm-inferiors", "inferior 2", "break *0x1008", "set schedule-multiple on",
                   "continue", "p/x $pc", "info inferiors"},
                  {kSvmPy});
    SCOPED_TRACE(out);
    EXPECT_TRUE(contains(out, "Thread 2.1 \"db: vCPU 0\" hit Breakpoint 1, 0x0000000000001008"));
    EXPECT_TRUE(contains(out, "$1 = 0x1008\n"));
    // schedule-multiple on: both VMs ran; VM 1 (no breakpoint) was stopped for VM 2's stop.
    EXPECT_GE(f.web.resume_calls, 1);
    EXPECT_EQ(f.web.interrupt_calls, 1);
    EXPECT_EQ(f.web_resumed_with_breakpoint, 0);
    EXPECT_GE(f.db_resumed_with_breakpoint, 1);
    EXPECT_EQ(f.web.register_value(1, x86_64::Rip), 0x1000u);
}

// gdb's default (schedule-multiple off) continues the current inferior only.
TEST(MultiVmGdb, ContinueResumesTheCurrentInferiorOnly) {
    if (!have_gdb()) GTEST_SKIP() << "gdb not installed";
    MultiVmGdbFixture f;
    std::string out = f.run_gdb({"svm-inferiors", "inferior 2", "break *0x100c",
                                 "set debug remote 1", "continue", "set debug remote 0"},
                                {kSvmPy});
    SCOPED_TRACE(out);
    EXPECT_TRUE(contains(out, "Sending packet: $vCont;c:p2.-1#"));
    EXPECT_TRUE(contains(out, "Packet received: T05") && contains(out, "thread:p2.1;swbreak:;"));
    EXPECT_TRUE(contains(out, "Thread 2.1 \"db: vCPU 0\" hit Breakpoint 1, "));
    EXPECT_TRUE(contains(out, "0x000000000000100c in ?? ()"));
    EXPECT_EQ(f.web.resume_calls, 0);
    EXPECT_EQ(f.web.interrupt_calls, 0);
}

// Ctrl-C while every VM runs (schedule-multiple on, no breakpoint: the fake VMs run until
// interrupted) stops both VMs, and gdb reports one SIGINT.
TEST(MultiVmGdb, CtrlCStopsEveryVm) {
    if (!have_gdb()) GTEST_SKIP() << "gdb not installed";
    MultiVmGdbFixture f;
    // `timeout -s INT` is the Ctrl-C: gdb sends 0x03 to svm while `continue` waits (3 s leave
    // gdb time to connect on a slow machine; -k ends a gdb that would not stop).
    std::string cmd = "timeout -s INT -k 30 3 gdb -nx -batch -ex '" + kSvmPy +
                      "' -ex 'target remote " + f.address() +
                      "' -ex svm-inferiors -ex 'set schedule-multiple on' -ex continue "
                      "-ex 'info threads' -ex 'p/x $rax'";
    std::string out = command_output(cmd);
    SCOPED_TRACE(out);
    EXPECT_TRUE(contains(out, "Thread 1.1 \"web: vCPU 0\" received signal SIGINT, Interrupt."));
    EXPECT_EQ(f.web.interrupt_calls, 1);
    EXPECT_EQ(f.db.interrupt_calls, 1);
    EXPECT_EQ(f.web.resume_calls, 1);
    EXPECT_EQ(f.db.resume_calls, 1);
    EXPECT_TRUE(contains(out, "  2.1  Thread 2.1 \"db: vCPU 0\""));
    EXPECT_TRUE(contains(out, "$1 = 0x1111\n"));  // thread 1.1 selected after the stop
}

// `detach` in inferior 2 lets VM 2 go and keeps debugging VM 1; extended-remote's `attach 2`
// takes it back.
TEST(MultiVmGdb, DetachOneInferiorAndAttachItAgain) {
    if (!have_gdb()) GTEST_SKIP() << "gdb not installed";
    MultiVmGdbFixture f;
    std::string out = f.run_gdb(
        {"svm-inferiors", "inferior 2", "detach", "info inferiors", "inferior 1", "p/x $rax",
         "info threads", "inferior 2", "attach 2", "p/x $rax", "info inferiors"},
        {kSvmPy}, true);
    SCOPED_TRACE(out);
    EXPECT_TRUE(contains(out, "[Inferior 2 (process 2) detached]"));
    EXPECT_TRUE(contains(out, "* 2    <null> "));
    EXPECT_TRUE(contains(out, "$1 = 0x1111\n"));
    EXPECT_FALSE(contains(out, "Thread 2.1 \"db"));  // before the attach, info threads
    EXPECT_TRUE(contains(out, "$2 = 0xaaaa\n"));
    EXPECT_TRUE(contains(out, "* 2    process 2 "));
    EXPECT_EQ(f.db.attach_calls, 2);
    EXPECT_EQ(f.db.detach_calls, 2);  // `detach`, then gdb -batch's exit
    EXPECT_EQ(f.web.detach_calls, 1);
}

}  // namespace
}  // namespace svm::gdb::testing
