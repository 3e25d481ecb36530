// Target-side breakpoint conditions (GDB manual E.2 "Packets", Z0 cond_list; E.4 qSupported
// ConditionalBreakpoints): the session evaluates them and steps over the hits gdb must not see.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "program_target.h"

namespace svm::gdb::testing {
namespace {

using Detail = StopReason::Detail;
constexpr uint64_t kLoop = ProgramTarget::kLoop;

// ";X" with the bytecode gdb compiles `$rax == n` into: reg 0, const32 n, equal, end.
std::string rax_equals(uint32_t n) {
    return fmt::format(";Xa,26000024{:08x}1327", n);
}

std::string z0(uint64_t addr, const std::string& conditions = "") {
    return fmt::format("Z0,{:x},1{}", addr, conditions);
}

TEST(ConditionalBreakpoint, AdvertisedInQSupported) {
    ProgramHarness h;
    auto reply = h.send("qSupported:swbreak+");
    ASSERT_EQ(reply.size(), 1u);
    EXPECT_NE(reply[0].find(";ConditionalBreakpoints+"), std::string::npos);
    EXPECT_EQ(reply[0].find("BreakpointCommands"), std::string::npos);
}

// The acceptance test: false 99,999 times, true once: one stop reply, and every false hit
// cost two resumes gdb never saw (the step over the breakpoint, then the continue).
TEST(ConditionalBreakpoint, FalseConditionsNeverReachGdb) {
    ProgramHarness h;
    EXPECT_EQ(h.send(z0(kLoop, rax_equals(100000))), std::vector<std::string>{"OK"});
    EXPECT_EQ(h.target.inserts, 1);
    auto replies = h.send("vCont;c");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0], "T0510:4010000000000000;thread:1;swbreak:;");
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rax), 100000u);
    EXPECT_EQ(h.target.resume_calls, 1 + 2 * 99999);
    EXPECT_EQ(h.session.resume_controller().internal_resumes(), 2u * 99999);
    // Removed for each step over it, and inserted again after it.
    EXPECT_EQ(h.target.removes, 99999);
    EXPECT_EQ(h.target.inserts, 1 + 99999);
    EXPECT_TRUE(h.target.inserted(BreakpointType::Software, kLoop));
    EXPECT_FALSE(h.session.running());
    EXPECT_EQ(h.send("?"), std::vector<std::string>{"T0510:4010000000000000;thread:1;swbreak:;"});
}

TEST(ConditionalBreakpoint, StepOverRemovesStepsAloneAndReinserts) {
    ProgramHarness h;
    h.send(z0(kLoop, rax_equals(3)));
    h.target.manual = true;
    EXPECT_TRUE(h.send("c").empty());
    h.target.regs[1].set(x86_64::Rip, kLoop);
    h.target.regs[1].set(x86_64::Rax, 1);
    // The false hit: the breakpoint goes out of the target and thread 1 alone steps.
    EXPECT_TRUE(h.deliver(h.target.stop_of(1, Detail::SwBreak)).empty());
    EXPECT_FALSE(h.target.inserted(BreakpointType::Software, kLoop));
    ASSERT_EQ(h.target.last_resume.size(), 1u);
    EXPECT_EQ(h.target.last_resume[0].kind, ResumeAction::Kind::Step);
    EXPECT_EQ(h.target.last_resume[0].thread, 1);
    // The step is done: the breakpoint is back and every thread continues, as gdb asked.
    h.target.regs[1].set(x86_64::Rip, kLoop + 2);
    EXPECT_TRUE(h.deliver(h.target.stop_of(1)).empty());
    EXPECT_TRUE(h.target.inserted(BreakpointType::Software, kLoop));
    ASSERT_EQ(h.target.last_resume.size(), 1u);
    EXPECT_EQ(h.target.last_resume[0].kind, ResumeAction::Kind::Continue);
    EXPECT_EQ(h.target.last_resume[0].thread, -1);
    EXPECT_TRUE(h.session.running());
}

TEST(ConditionalBreakpoint, SignalIsNotDeliveredAgainAfterAStepOver) {
    ProgramHarness h;
    h.send(z0(kLoop, rax_equals(3)));
    h.target.manual = true;
    h.send("vCont;C0e:1;c");  // SIGALRM to thread 1
    EXPECT_EQ(h.target.last_resume[0].signal, 14);
    h.target.regs[1].set(x86_64::Rip, kLoop);
    h.deliver(h.target.stop_of(1, Detail::SwBreak));
    EXPECT_EQ(h.target.last_resume[0].signal, sig::kNone);  // the step over
    h.deliver(h.target.stop_of(1));
    ASSERT_EQ(h.target.last_resume.size(), 2u);
    EXPECT_EQ(h.target.last_resume[0].kind, ResumeAction::Kind::Continue);
    EXPECT_EQ(h.target.last_resume[0].signal, sig::kNone);
}

TEST(ConditionalBreakpoint, SeveralConditionsAreAlternatives) {
    ProgramHarness h;
    EXPECT_EQ(h.send(z0(kLoop, rax_equals(7) + rax_equals(4))), std::vector<std::string>{"OK"});
    auto replies = h.send("c");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rax), 4u);
}

TEST(ConditionalBreakpoint, ReinsertionReplacesTheConditions) {
    ProgramHarness h;
    EXPECT_EQ(h.send(z0(kLoop, rax_equals(50))), std::vector<std::string>{"OK"});
    // gdb re-sends Z0 when the user edits the condition: the target inserts it only once.
    EXPECT_EQ(h.send(z0(kLoop, rax_equals(5))), std::vector<std::string>{"OK"});
    EXPECT_EQ(h.target.inserts, 1);
    EXPECT_EQ(h.target.breakpoints.size(), 1u);
    h.send("c");
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rax), 5u);
    // Without conditions it is unconditional again.
    EXPECT_EQ(h.send(z0(kLoop)), std::vector<std::string>{"OK"});
    h.send("c");
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rax), 6u);
    // One z0 takes it out of the target (and forgets the conditions).
    EXPECT_EQ(h.send(fmt::format("z0,{:x},1", kLoop)), std::vector<std::string>{"OK"});
    EXPECT_TRUE(h.target.breakpoints.empty());
    int inserts = h.target.inserts;
    EXPECT_EQ(h.send(z0(kLoop, rax_equals(9))), std::vector<std::string>{"OK"});
    EXPECT_EQ(h.target.inserts, inserts + 1);
    h.send("c");
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rax), 9u);
}

TEST(ConditionalBreakpoint, BadBytecodeIsRefusedAndNotInserted) {
    ProgramHarness h;
    for (const char* bad :
         {";X2,ab27", ";X1,27", ";X3,2200", ";X3,220127;Q", ";X3,2c0000", ";X3,210005"}) {
        auto reply = h.send(z0(kLoop, bad));
        ASSERT_EQ(reply.size(), 1u) << bad;
        EXPECT_TRUE(reply[0].starts_with("E.breakpoint condition refused: ")) << reply[0];
    }
    EXPECT_EQ(h.target.inserts, 0);
    EXPECT_TRUE(h.target.breakpoints.empty());
    EXPECT_NE(h.log.back().find("refused"), std::string::npos);
    // ";cmds" is ignored; watchpoints pass their options through as before.
    EXPECT_EQ(h.send(z0(kLoop, ";cmds:0,X3,220127")), std::vector<std::string>{"OK"});
    EXPECT_EQ(h.send("Z2,1100,4;X2,ab"), std::vector<std::string>{"OK"});
}

// An evaluation error (here an unreadable address) reports the hit: the user sees the stop.
TEST(ConditionalBreakpoint, EvaluationErrorReportsTheHit) {
    ProgramHarness h;
    // *(uint32_t*)0x9000 == 0: const16 0x9000, ref32, const8 0, equal, end.
    h.send(z0(kLoop,
              ";X8,23900019220013"
              "27"));
    auto replies = h.send("c");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rax), 1u);
    EXPECT_NE(h.log.back().find("cannot read 4 bytes at 0x9000"), std::string::npos);
}

TEST(ConditionalBreakpoint, UnconditionalBreakpointAtTheSameAddressWins) {
    ProgramHarness h;
    h.send(z0(kLoop, rax_equals(9)));
    EXPECT_EQ(h.send(fmt::format("Z1,{:x},1", kLoop)), std::vector<std::string>{"OK"});
    h.send("c");
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rax), 1u);
}

TEST(ConditionalBreakpoint, HardwareBreakpointConditions) {
    ProgramHarness h;
    EXPECT_EQ(h.send(fmt::format("Z1,{:x},1{}", kLoop, rax_equals(6))),
              std::vector<std::string>{"OK"});
    auto replies = h.send("c");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_NE(replies[0].find("hwbreak:"), std::string::npos);
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rax), 6u);
    EXPECT_EQ(h.target.removes, 5);
}

// Breakpoints the session does not know of (the guest's own int3) are reported as before.
TEST(ConditionalBreakpoint, UnknownBreakpointsAreReported) {
    ProgramHarness h;
    h.target.manual = true;
    h.send("c");
    auto replies = h.deliver(h.target.stop_of(2, Detail::SwBreak));
    EXPECT_EQ(replies, std::vector<std::string>{"T0510:1010000000000000;thread:2;swbreak:;"});
}

// Conditions read the registers of the thread that hit the breakpoint.
TEST(ConditionalBreakpoint, EvaluatedForTheStoppedThread) {
    ProgramHarness h;
    h.send(z0(0x1010, rax_equals(0x2222)));
    h.target.manual = true;
    h.send("c");
    auto replies = h.deliver(h.target.stop_of(2, Detail::SwBreak));  // thread 2: rax 0x2222
    EXPECT_EQ(replies.size(), 1u);
    h.target.regs[2].set(x86_64::Rax, 1);
    h.send("c");
    EXPECT_TRUE(h.deliver(h.target.stop_of(2, Detail::SwBreak)).empty());
    EXPECT_EQ(h.target.last_resume[0].thread, 2);
}

TEST(ConditionalBreakpoint, InterruptDuringTheStepOverIsReportedAsSigint) {
    ProgramHarness h;
    h.send(z0(kLoop, rax_equals(3)));
    h.target.manual = true;
    h.send("c");
    h.target.regs[1].set(x86_64::Rip, kLoop);
    EXPECT_TRUE(h.deliver(h.target.stop_of(1, Detail::SwBreak)).empty());
    EXPECT_TRUE(h.interrupt().empty());
    EXPECT_EQ(h.target.interrupt_calls, 1);
    // The step ended before the target saw the interrupt: the stop is reported as SIGINT.
    h.target.regs[1].set(x86_64::Rip, kLoop + 2);
    auto replies = h.deliver(h.target.stop_of(1));
    EXPECT_EQ(replies, std::vector<std::string>{"T0210:4210000000000000;thread:1;"});
    EXPECT_TRUE(h.target.inserted(BreakpointType::Software, kLoop));
    EXPECT_FALSE(h.session.running());
}

TEST(ConditionalBreakpoint, InterruptBeforeAFalseHitIsReportedAsSigint) {
    ProgramHarness h;
    h.send(z0(kLoop, rax_equals(3)));
    h.target.manual = true;
    h.send("c");
    h.interrupt();
    h.target.regs[1].set(x86_64::Rip, kLoop);
    auto replies = h.deliver(h.target.stop_of(1, Detail::SwBreak));
    EXPECT_EQ(replies, std::vector<std::string>{"T0210:4010000000000000;thread:1;"});
    EXPECT_TRUE(h.target.inserted(BreakpointType::Software, kLoop));
}

TEST(ConditionalBreakpoint, OtherStopDuringTheStepOverIsReportedAfterReinserting) {
    ProgramHarness h;
    h.send(z0(kLoop, rax_equals(3)));
    h.target.manual = true;
    h.send("c");
    h.target.regs[1].set(x86_64::Rip, kLoop);
    h.deliver(h.target.stop_of(1, Detail::SwBreak));
    StopReason segv = h.target.stop_of(1);
    segv.signal = sig::kSegv;
    EXPECT_EQ(h.deliver(segv), std::vector<std::string>{"T0b10:4010000000000000;thread:1;"});
    EXPECT_TRUE(h.target.inserted(BreakpointType::Software, kLoop));
    // The next resume starts afresh.
    h.target.manual = false;
    auto replies = h.send("c");
    EXPECT_EQ(replies.size(), 1u);
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rax), 3u);
}

TEST(ConditionalBreakpoint, ExitDuringTheStepOverIsReported) {
    ProgramHarness h;
    h.send(z0(kLoop, rax_equals(3)));
    h.target.manual = true;
    h.send("c");
    h.target.regs[1].set(x86_64::Rip, kLoop);
    h.deliver(h.target.stop_of(1, Detail::SwBreak));
    StopReason exited;
    exited.kind = StopReason::Kind::Exited;
    exited.exit_code = 3;
    EXPECT_EQ(h.deliver(exited), std::vector<std::string>{"W03"});
    EXPECT_FALSE(h.session.running());
}

// gdb stepped the thread onto its own breakpoint's int3: the step over it is gdb's step.
TEST(ConditionalBreakpoint, StepOverIsTheStepGdbAskedFor) {
    ProgramHarness h;
    h.target.regs[1].set(x86_64::Rip, kLoop);
    h.send(z0(kLoop, rax_equals(3)));
    auto replies = h.send("vCont;s:1");
    EXPECT_EQ(replies, std::vector<std::string>{"T0510:4210000000000000;thread:1;"});
    EXPECT_EQ(h.target.resume_calls, 2);  // gdb's step (hit the int3), the step over it
    EXPECT_TRUE(h.target.inserted(BreakpointType::Software, kLoop));
}

TEST(ConditionalBreakpoint, DetachForgetsTheConditions) {
    ProgramHarness h;
    h.send(z0(kLoop, rax_equals(3)));
    EXPECT_EQ(h.send("D"), std::vector<std::string>{"OK"});
    EXPECT_EQ(h.target.detach_calls, 1);
}

}  // namespace
}  // namespace svm::gdb::testing
