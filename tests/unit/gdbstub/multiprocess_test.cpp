// Several VMs as gdb inferiors: the multiprocess thread ids (GDB manual E.1 "thread-id syntax"),
// and the session over a MultiTarget of two fake VMs, packet by packet (E.2 "Packets": Hg, D;pid,
// vKill;pid, vAttach;pid, vCont on pP.-1; E.3 stop replies with pP.N ids).
#include <gtest/gtest.h>

#include "gdbstub/protocol/hex.h"
#include "gdbstub/protocol/thread_id.h"
#include "gdbstub/protocol/vcont.h"
#include "multi_vm_fixture.h"
#include "session_harness.h"

namespace svm::gdb::testing {
namespace {

using protocol::format_thread_id;
using protocol::parse_thread_id;
using protocol::parse_vcont;
using protocol::ThreadSelector;

TEST(MultiprocessThreadId, PackAndUnpack) {
    EXPECT_EQ(make_thread_id(1, 3), 3);
    EXPECT_EQ(make_thread_id(2, 1), 0x10001);
    EXPECT_EQ(process_of(0x10001), 2);
    EXPECT_EQ(local_thread(0x10001), 1);
    EXPECT_EQ(process_of(5), 1);
    EXPECT_EQ(local_thread(5), 5);
}

TEST(MultiprocessThreadId, ParsesEveryFormWithSeveralProcesses) {
    auto one = parse_thread_id("p2.3", 2);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->kind, ThreadSelector::Kind::One);
    EXPECT_EQ(one->thread, make_thread_id(2, 3));
    EXPECT_EQ(one->process, 2);
    auto all_of_2 = parse_thread_id("p2.-1", 2);
    ASSERT_TRUE(all_of_2);
    EXPECT_EQ(all_of_2->kind, ThreadSelector::Kind::All);
    EXPECT_EQ(all_of_2->process, 2);
    EXPECT_EQ(parse_thread_id("p2", 2)->kind, ThreadSelector::Kind::All);
    EXPECT_EQ(parse_thread_id("p2", 2)->process, 2);
    auto any_of_2 = parse_thread_id("p2.0", 2);
    ASSERT_TRUE(any_of_2);
    EXPECT_EQ(any_of_2->kind, ThreadSelector::Kind::Any);
    EXPECT_EQ(any_of_2->process, 2);
    EXPECT_EQ(parse_thread_id("p-1", 2)->kind, ThreadSelector::Kind::All);
    EXPECT_EQ(parse_thread_id("p-1", 2)->process, 0);
    EXPECT_EQ(parse_thread_id("p-1.-1", 2)->process, 0);
    EXPECT_EQ(parse_thread_id("p0.0", 2)->kind, ThreadSelector::Kind::Any);
    EXPECT_EQ(parse_thread_id("p0.0", 2)->process, 0);
    // Without the extension an id is the ThreadId itself: thread 1 of process 2 is 10001.
    EXPECT_EQ(parse_thread_id("10001", 2)->thread, make_thread_id(2, 1));
    EXPECT_FALSE(parse_thread_id("10001", 1));
    EXPECT_FALSE(parse_thread_id("p3.1", 2));
    EXPECT_FALSE(parse_thread_id("p2.10000", 2));  // a tid past the process's range
    EXPECT_FALSE(parse_thread_id("p2.", 2));
    EXPECT_FALSE(parse_thread_id("p8000.1", 0x8000));  // past kMaxProcesses
    EXPECT_EQ(format_thread_id(make_thread_id(2, 1), true), "p2.1");
    EXPECT_EQ(format_thread_id(make_thread_id(2, 10), true), "p2.a");
    EXPECT_EQ(format_thread_id(make_thread_id(2, 1), false), "10001");
    EXPECT_EQ(protocol::parse_pid("2", 2), 2);
    EXPECT_FALSE(protocol::parse_pid("3", 2));
    EXPECT_FALSE(protocol::parse_pid("0", 2));
    EXPECT_FALSE(protocol::parse_pid("", 2));
}

TEST(MultiprocessThreadId, VContAddressesOneProcess) {
    auto actions = parse_vcont("s:p2.1;c:p2.-1", 2);
    ASSERT_TRUE(actions);
    ASSERT_EQ(actions->size(), 2u);
    EXPECT_EQ((*actions)[0].kind, ResumeAction::Kind::Step);
    EXPECT_EQ((*actions)[0].thread, make_thread_id(2, 1));
    EXPECT_EQ((*actions)[1].thread, -1);
    EXPECT_EQ((*actions)[1].process, 2);
    EXPECT_TRUE(action_applies((*actions)[1], make_thread_id(2, 2)));
    EXPECT_FALSE(action_applies((*actions)[1], make_thread_id(1, 2)));
    actions = parse_vcont("c:p-1.-1", 2);
    ASSERT_TRUE(actions);
    EXPECT_EQ((*actions)[0].process, 0);
    EXPECT_TRUE(action_applies((*actions)[0], make_thread_id(1, 1)));
    EXPECT_FALSE(parse_vcont("c:p3.-1", 2));
}

// The session over two fake VMs, as gdb drives it.
struct MultiHarness : TwoVms {
    Session session{multi};

    std::string send(std::string_view payload) {
        auto replies = packets_in(session.on_bytes(protocol::frame_packet(payload)));
        if (replies.empty()) return "<none>";
        if (replies.size() > 1) return "<" + std::to_string(replies.size()) + " replies>";
        return replies[0];
    }
    // A stop of VM `pid`'s thread `tid`, as the VM's target reports it.
    std::string stop(int pid, int tid, int signal = sig::kTrap,
                     StopReason::Detail detail = StopReason::Detail::None) {
        StopReason reason;
        reason.thread = tid;
        reason.signal = signal;
        reason.detail = detail;
        return session.on_stop(MultiTarget::in_process(pid, reason));
    }
};

TEST(MultiprocessSession, ListsEveryVmsThreads) {
    MultiHarness h;
    EXPECT_NE(h.send("qSupported:multiprocess+;swbreak+").find(";multiprocess+"),
              std::string::npos);
    EXPECT_EQ(h.web.attach_calls, 1);
    EXPECT_EQ(h.db.attach_calls, 1);
    EXPECT_EQ(h.send("?"), "T05thread:p1.1;");
    EXPECT_EQ(h.send("qfThreadInfo"), "mp1.1,p1.2,p2.1,p2.2");
    EXPECT_EQ(h.send("qsThreadInfo"), "l");
    EXPECT_EQ(h.send("qAttached:2"), "1");
    EXPECT_EQ(h.send("Tp2.2"), "OK");
    EXPECT_EQ(h.send("Tp2.3"), "E03");
    EXPECT_EQ(h.send("Tp3.1"), "E16");
    EXPECT_EQ(h.send("qThreadExtraInfo,p2.1"),
              protocol::encode_hex("db: vCPU 0, long mode, CPL 0 <stopped>"));
    std::string xml = h.send("qXfer:threads:read::0,fff");
    EXPECT_NE(xml.find("<thread id=\"p2.1\" name=\"db: vCPU 0\">"), std::string::npos);
    EXPECT_NE(xml.find("<thread id=\"p1.2\" name=\"web: vCPU 1\">"), std::string::npos);
}

TEST(MultiprocessSession, WithoutTheExtensionThreadsAreFlat) {
    MultiHarness h;
    EXPECT_EQ(h.send("qSupported:swbreak+").find("multiprocess"), std::string::npos);
    EXPECT_EQ(h.send("qfThreadInfo"), "m1,2,10001,10002");
    EXPECT_EQ(h.send("Hg10002"), "OK");
    EXPECT_EQ(h.send("p0"), "5455010000000000");  // VM 2's rax of tid 2: 0x15554
}

TEST(MultiprocessSession, RegistersAndMemoryComeFromTheThreadsVm) {
    MultiHarness h;
    h.send("qSupported:multiprocess+");
    EXPECT_EQ(h.send("p0"), "1111000000000000");  // VM 1, thread 1
    EXPECT_EQ(h.send("m1000,4"), "efbeadde");
    EXPECT_EQ(h.send("Hgp2.1"), "OK");
    EXPECT_EQ(h.send("p0"), "aaaa000000000000");
    EXPECT_EQ(h.send("m1000,4"), "22222222");
    EXPECT_EQ(h.send("M1004,2:abcd"), "OK");
    EXPECT_EQ(h.db.memory[4], 0xab);
    EXPECT_NE(h.web.memory[4], 0xab);
    EXPECT_EQ(h.send("Hgp2.0"), "OK");  // any thread of VM 2
    EXPECT_EQ(h.send("p0"), "aaaa000000000000");
    EXPECT_EQ(h.send("Hgp1.-1"), "OK");
    EXPECT_EQ(h.send("p0"), "1111000000000000");
    EXPECT_EQ(h.send("Hgp2.5"), "E03");
    EXPECT_EQ(h.send("qC"), "QCp1.1");
}

TEST(MultiprocessSession, BreakpointsGoToTheSelectedInferior) {
    MultiHarness h;
    h.send("qSupported:multiprocess+");
    EXPECT_EQ(h.send("Hgp2.1"), "OK");
    EXPECT_EQ(h.send("Z0,1008,1"), "OK");
    ASSERT_EQ(h.db.breakpoints.size(), 1u);
    EXPECT_EQ(h.db.breakpoints[0].addr, 0x1008u);
    EXPECT_TRUE(h.web.breakpoints.empty());
    // The same address in VM 1 is a breakpoint of its own (gdb inserts once per inferior).
    EXPECT_EQ(h.send("Hgp1.1"), "OK");
    EXPECT_EQ(h.send("Z0,1008,1;X3,220127"), "OK");  // with a condition
    EXPECT_EQ(h.web.breakpoints.size(), 1u);
    EXPECT_EQ(h.send("z0,1008,1"), "OK");
    EXPECT_TRUE(h.web.breakpoints.empty());
    EXPECT_EQ(h.db.breakpoints.size(), 1u);
}

// A false breakpoint condition in VM 2 (GDB manual E.2 "Z0" cond_list): svm steps VM 2 over it
// and resumes both VMs, and gdb sees nothing.
TEST(MultiprocessSession, FalseConditionInOneVmIsSteppedOverInThatVm) {
    MultiHarness h;
    h.send("qSupported:multiprocess+");
    h.db.regs[1].set(x86_64::Rip, 0x1008);
    EXPECT_EQ(h.send("Hgp2.1"), "OK");
    EXPECT_EQ(h.send("Z0,1008,1;X3,220027"), "OK");  // condition: 0
    EXPECT_EQ(h.send("c"), "<none>");
    EXPECT_EQ(h.stop(2, 1, sig::kTrap, StopReason::Detail::SwBreak), "");  // VM 1 still runs
    EXPECT_EQ(h.web.interrupt_calls, 1);
    EXPECT_EQ(h.stop(1, 1, sig::kInt), "");  // all stopped: the controller steps VM 2 alone
    EXPECT_TRUE(h.db.breakpoints.empty());
    ASSERT_EQ(h.db.last_resume.size(), 1u);
    EXPECT_EQ(h.db.last_resume[0].kind, ResumeAction::Kind::Step);
    EXPECT_EQ(h.db.last_resume[0].thread, 1);
    EXPECT_EQ(h.web.resume_calls, 1);
    EXPECT_EQ(h.stop(2, 1), "");  // the step: breakpoint back in, every VM runs again
    EXPECT_EQ(h.db.breakpoints.size(), 1u);
    EXPECT_EQ(h.web.resume_calls, 2);
    EXPECT_EQ(h.db.resume_calls, 3);
    EXPECT_TRUE(h.session.running());
}

TEST(MultiprocessSession, EachVmHasItsOwnExecFile) {
    MultiHarness h;
    h.web.exec_path = "/k/web.elf";
    h.db.exec_path = "/k/db.elf";
    EXPECT_NE(h.send("qSupported:multiprocess+").find("qXfer:exec-file:read+"), std::string::npos);
    EXPECT_EQ(h.send("qXfer:exec-file:read:1:0,fff"), "l/k/web.elf");
    EXPECT_EQ(h.send("qXfer:exec-file:read:2:0,fff"), "l/k/db.elf");
    EXPECT_EQ(h.send("qXfer:exec-file:read:3:0,fff"), "E00");
}

TEST(MultiprocessSession, ResumesOnlyTheProcessesNamed) {
    MultiHarness h;
    h.send("qSupported:multiprocess+");
    // gdb's default (schedule-multiple off): continue the current inferior only.
    EXPECT_EQ(h.send("vCont;c:p2.-1"), "<none>");
    EXPECT_EQ(h.web.resume_calls, 0);
    ASSERT_EQ(h.db.resume_calls, 1);
    ASSERT_EQ(h.db.last_resume.size(), 1u);
    EXPECT_EQ(h.db.last_resume[0].thread, -1);
    EXPECT_EQ(h.db.last_resume[0].process, 0);
    EXPECT_EQ(packets_in(h.stop(2, 1, sig::kTrap, StopReason::Detail::SwBreak)),
              std::vector<std::string>{"T05thread:p2.1;swbreak:;"});
    EXPECT_EQ(h.web.interrupt_calls, 0);  // VM 1 did not run
    // A step of one thread with the rest of its VM running: VM 1 is not touched.
    EXPECT_EQ(h.send("vCont;s:p2.2;c:p2.-1"), "<none>");
    EXPECT_EQ(h.web.resume_calls, 0);
    ASSERT_EQ(h.db.last_resume.size(), 2u);
    EXPECT_EQ(h.db.last_resume[0].thread, 2);
    EXPECT_EQ(h.db.last_resume[0].kind, ResumeAction::Kind::Step);
    EXPECT_NE(h.stop(2, 2), "");
    // A vCont that names only a process gdb does not debug resumes nothing: an error.
    EXPECT_EQ(h.send("vCont;t:p1.-1"), "E03");
}

TEST(MultiprocessSession, AStopInOneVmStopsTheOthersFirst) {
    MultiHarness h;
    h.send("qSupported:multiprocess+");
    EXPECT_EQ(h.send("c"), "<none>");  // every VM runs
    EXPECT_EQ(h.web.resume_calls, 1);
    EXPECT_EQ(h.db.resume_calls, 1);
    // VM 2 hits a breakpoint: VM 1 is stopped before gdb hears of it.
    EXPECT_EQ(h.stop(2, 2, sig::kTrap, StopReason::Detail::SwBreak), "");
    EXPECT_EQ(h.web.interrupt_calls, 1);
    EXPECT_EQ(h.db.interrupt_calls, 0);
    EXPECT_EQ(packets_in(h.stop(1, 1, sig::kInt)),
              std::vector<std::string>{"T05thread:p2.2;swbreak:;"});
    EXPECT_FALSE(h.session.running());
    EXPECT_EQ(h.send("qC"), "QCp2.2");
}

TEST(MultiprocessSession, CtrlCStopsEveryVm) {
    MultiHarness h;
    h.send("qSupported:multiprocess+");
    EXPECT_EQ(h.send("vCont;c"), "<none>");
    EXPECT_EQ(h.session.on_bytes("\x03"), "");
    EXPECT_EQ(h.web.interrupt_calls, 1);
    EXPECT_EQ(h.db.interrupt_calls, 1);
    EXPECT_EQ(h.stop(1, 1, sig::kInt), "");
    EXPECT_EQ(packets_in(h.stop(2, 1, sig::kInt)), std::vector<std::string>{"T02thread:p1.1;"});
}

TEST(MultiprocessSession, DetachingOneVmKeepsTheOthers) {
    MultiHarness h;
    h.send("qSupported:multiprocess+");
    EXPECT_EQ(h.send("Hgp2.1"), "OK");
    EXPECT_EQ(h.send("Z0,1008,1"), "OK");
    EXPECT_EQ(h.send("D;2"), "OK");
    EXPECT_FALSE(h.session.closed());
    EXPECT_EQ(h.db.detach_calls, 1);
    EXPECT_EQ(h.web.detach_calls, 0);
    EXPECT_EQ(h.send("qfThreadInfo"), "mp1.1,p1.2");
    EXPECT_EQ(h.send("Hgp2.1"), "E03");
    EXPECT_EQ(h.send("p0"), "E03");  // gdb's selection stays until it selects again
    EXPECT_EQ(h.send("Hgp1.1"), "OK");
    EXPECT_EQ(h.send("p0"), "1111000000000000");
    // Attached again (extended-remote's `attach 2`): stopped, with a stop reply; qC then names
    // the thread of the process just attached, as gdb expects.
    EXPECT_EQ(h.send("vAttach;2"), "T05thread:p2.1;");
    EXPECT_EQ(h.send("qC"), "QCp2.1");
    EXPECT_EQ(h.send("p0"), "aaaa000000000000");
    EXPECT_EQ(h.db.attach_calls, 2);
    EXPECT_EQ(h.send("vAttach;2"), "E01");  // already attached
    EXPECT_EQ(h.send("qfThreadInfo"), "mp1.1,p1.2,p2.1,p2.2");
    // The last process: the session ends as with one VM.
    EXPECT_EQ(h.send("D;1"), "OK");
    EXPECT_FALSE(h.session.closed());
    EXPECT_EQ(h.send("D;2"), "OK");
    EXPECT_TRUE(h.session.closed());
    EXPECT_EQ(h.web.detach_calls, 1);
    EXPECT_EQ(h.db.detach_calls, 2);
}

TEST(MultiprocessSession, KillingOneVmKeepsTheOthers) {
    MultiHarness h;
    h.send("qSupported:multiprocess+");
    EXPECT_EQ(h.send("vKill;1"), "OK");
    EXPECT_FALSE(h.session.closed());
    EXPECT_EQ(h.web.kill_calls, 1);
    EXPECT_EQ(h.db.kill_calls, 0);
    EXPECT_EQ(h.send("qfThreadInfo"), "mp2.1,p2.2");
    EXPECT_EQ(h.send("vKill;3"), "E16");
    EXPECT_EQ(h.send("vKill;2"), "OK");
    EXPECT_TRUE(h.session.closed());
    EXPECT_EQ(h.db.kill_calls, 1);
}

TEST(MultiprocessSession, AVmThatEndsIsReportedWithItsPid) {
    MultiHarness h;
    h.send("qSupported:multiprocess+");
    EXPECT_EQ(h.send("c"), "<none>");
    StopReason exited;
    exited.kind = StopReason::Kind::Exited;
    exited.exit_code = 3;
    exited.thread = 1;
    EXPECT_EQ(h.session.on_stop(MultiTarget::in_process(2, exited)), "");
    EXPECT_EQ(h.web.interrupt_calls, 1);
    EXPECT_EQ(packets_in(h.stop(1, 2, sig::kInt)), std::vector<std::string>{"W03;process:2"});
    EXPECT_EQ(h.send("qfThreadInfo"), "mp1.1,p1.2");
}

TEST(MultiprocessSession, OneProcessStaysAsBefore) {
    // A single-VM target refuses other pids and ends the session on D;1 / vKill;1.
    Harness h;
    h.send("qSupported:multiprocess+");
    EXPECT_EQ(h.send("Hgp2.1"), "E16");
    EXPECT_EQ(h.send("vAttach;1"), "E01");
    EXPECT_EQ(h.send("D;2"), "E16");
    EXPECT_EQ(h.send("D;1"), "OK");
    EXPECT_TRUE(h.session.closed());
}

TEST(MultiTarget, RefusesBadPids) {
    FakeTarget a, b;
    MultiTarget multi;
    EXPECT_TRUE(multi.add(2, "b", b));
    EXPECT_FALSE(multi.add(2, "again", a));
    EXPECT_FALSE(multi.add(0, "zero", a));
    EXPECT_FALSE(multi.add(kMaxProcesses + 1, "big", a));
    EXPECT_TRUE(multi.add(1, "a", a));
    multi.attach();
    EXPECT_EQ(multi.processes(), (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace svm::gdb::testing
