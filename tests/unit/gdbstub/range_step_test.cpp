// Range stepping (GDB manual E.2 "Packets", vCont action "r start,end"): the session single-steps
// the thread while its pc stays in the range and reports only the stop that ends it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gdbstub/protocol/vcont.h"
#include "program_target.h"

namespace svm::gdb::testing {
namespace {

using Detail = StopReason::Detail;
using Kind = ResumeAction::Kind;

TEST(RangeStep, AdvertisedAndParsed) {
    ProgramHarness h;
    EXPECT_EQ(h.send("vCont?"), std::vector<std::string>{"vCont;c;C;s;S;t;r"});
    auto actions = protocol::parse_vcont("r1000,1010:p1.1;c");
    ASSERT_TRUE(actions);
    ASSERT_EQ(actions->size(), 2u);
    EXPECT_EQ((*actions)[0].kind, Kind::RangeStep);
    EXPECT_EQ((*actions)[0].thread, 1);
    EXPECT_EQ((*actions)[0].range_start, 0x1000u);
    EXPECT_EQ((*actions)[0].range_end, 0x1010u);
    EXPECT_EQ((*actions)[1].kind, Kind::Continue);
    actions = protocol::parse_vcont("r1000,1010");
    ASSERT_TRUE(actions);
    EXPECT_EQ((*actions)[0].thread, -1);
    for (const char* bad : {"r", "r1000", "r1000,", "r,1010", "rzz,1010", "r1000,1010,1",
                            "r1000;1010", "r1000,1010:"})
        EXPECT_FALSE(protocol::parse_vcont(bad)) << bad;
}

// N instructions inside the range: one stop reply, after the step that leaves it.
TEST(RangeStep, StepsUntilThePcLeavesTheRange) {
    ProgramHarness h;
    auto replies = h.send("vCont;r1000,1010:1");  // rip 0x1000, two bytes an instruction
    EXPECT_EQ(replies, std::vector<std::string>{"T0510:1010000000000000;thread:1;"});
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rip), 0x1010u);
    EXPECT_EQ(h.target.resume_calls, 8);
    EXPECT_EQ(h.session.resume_controller().internal_resumes(), 7u);
    ASSERT_EQ(h.target.last_resume.size(), 1u);
    EXPECT_EQ(h.target.last_resume[0].kind, Kind::Step);  // the target never sees RangeStep
    EXPECT_EQ(h.target.last_resume[0].thread, 1);
    EXPECT_EQ(h.target.regs[2].get(x86_64::Rip), 0x1010u);  // thread 2 never moved
}

// gdb's usual form (scheduler-locking off): the other threads run during each step, as for
// "vCont;s:1;c", and gdb still gets one stop reply.
TEST(RangeStep, OtherThreadsRunDuringEachStep) {
    ProgramHarness h;
    auto replies = h.send("vCont;r1000,1010:p1.1;c:p1.-1");
    EXPECT_EQ(replies, std::vector<std::string>{"T0510:1010000000000000;thread:1;"});
    EXPECT_EQ(h.target.resume_calls, 8);
    ASSERT_EQ(h.target.last_resume.size(), 2u);
    EXPECT_EQ(h.target.last_resume[0].kind, Kind::Step);
    EXPECT_EQ(h.target.last_resume[0].thread, 1);
    EXPECT_EQ(h.target.last_resume[1].kind, Kind::Continue);
    EXPECT_EQ(h.target.last_resume[1].thread, -1);
}

// Another thread's stop during a range step is reported (all-stop: it ends the range step).
TEST(RangeStep, OtherThreadsStopEndsIt) {
    ProgramHarness h;
    h.target.manual = true;
    h.send("vCont;r1000,1010:1;c");
    h.target.regs[1].set(x86_64::Rip, 0x1002);
    EXPECT_TRUE(h.deliver(h.target.stop_of(1)).empty());
    EXPECT_EQ(h.deliver(h.target.stop_of(2, Detail::SwBreak)),
              std::vector<std::string>{"T0510:1010000000000000;thread:2;swbreak:;"});
    EXPECT_EQ(h.target.resume_calls, 2);
}

TEST(RangeStep, DefaultActionFirstMakesItAPlainStep) {
    ProgramHarness h;
    h.target.manual = true;
    h.send("vCont;c;r1000,1010:1");  // the leftmost matching action wins: thread 1 continues
    h.target.regs[1].set(x86_64::Rip, 0x1002);
    EXPECT_EQ(h.deliver(h.target.stop_of(1)).size(), 1u);
}

TEST(RangeStep, OthersExplicitlyStoppedStillRangeStep) {
    ProgramHarness h;
    auto replies = h.send("vCont;r1000,1008:1;t");
    EXPECT_EQ(replies.size(), 1u);
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rip), 0x1008u);
    EXPECT_EQ(h.target.resume_calls, 4);
}

TEST(RangeStep, EmptyRangeIsOneStep) {
    ProgramHarness h;
    auto replies = h.send("vCont;r1000,1000:1");
    EXPECT_EQ(replies.size(), 1u);
    EXPECT_EQ(h.target.resume_calls, 1);
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rip), 0x1002u);
}

TEST(RangeStep, StopsAtABreakpointInTheRange) {
    ProgramHarness h;
    EXPECT_EQ(h.send("Z0,1006,1"), std::vector<std::string>{"OK"});
    auto replies = h.send("vCont;r1000,1010:1");
    EXPECT_EQ(replies, std::vector<std::string>{"T0510:0610000000000000;thread:1;"});
    EXPECT_EQ(h.target.resume_calls, 3);
}

TEST(RangeStep, StepsOverABreakpointWhoseConditionIsFalse) {
    ProgramHarness h;
    // $rax == 1 (rax is 0).
    EXPECT_EQ(h.send("Z0,1006,1;Xa,26000024000000011327"), std::vector<std::string>{"OK"});
    auto replies = h.send("vCont;r1000,1010:1");
    EXPECT_EQ(replies, std::vector<std::string>{"T0510:1010000000000000;thread:1;"});
    EXPECT_EQ(h.target.resume_calls, 8);
    EXPECT_EQ(h.target.removes, 1);
    EXPECT_EQ(h.target.inserts, 2);
    EXPECT_TRUE(h.target.inserted(BreakpointType::Software, 0x1006));
}

TEST(RangeStep, SignalEndsIt) {
    ProgramHarness h;
    int steps = 0;
    h.target.step_program = [&](ThreadId thread) {
        auto& r = h.target.regs[thread];
        r.set(x86_64::Rip, r.get(x86_64::Rip) + 2);
        StopReason stop = h.target.stop_of(thread);
        if (++steps == 3) stop.signal = sig::kSegv;
        return stop;
    };
    auto replies = h.send("vCont;r1000,1010:1");
    EXPECT_EQ(replies, std::vector<std::string>{"T0b10:0610000000000000;thread:1;"});
}

TEST(RangeStep, InterruptEndsItWithSigint) {
    ProgramHarness h;
    h.target.manual = true;
    h.send("vCont;r1000,1010:1");
    h.target.regs[1].set(x86_64::Rip, 0x1002);
    EXPECT_TRUE(h.deliver(h.target.stop_of(1)).empty());  // still in the range: another step
    EXPECT_EQ(h.target.resume_calls, 2);
    h.interrupt();
    h.target.regs[1].set(x86_64::Rip, 0x1004);
    EXPECT_EQ(h.deliver(h.target.stop_of(1)),
              std::vector<std::string>{"T0210:0410000000000000;thread:1;"});
    EXPECT_FALSE(h.session.running());
}

TEST(RangeStep, ExitEndsIt) {
    ProgramHarness h;
    h.target.manual = true;
    h.send("vCont;r1000,1010:1");
    StopReason exited;
    exited.kind = StopReason::Kind::Exited;
    EXPECT_EQ(h.deliver(exited), std::vector<std::string>{"W00"});
}

// A thread that never leaves its range (a `jmp .`) is reported after kMaxRangeSteps steps.
TEST(RangeStep, StepsAreCapped) {
    ProgramHarness h;
    h.target.step_program = [&](ThreadId thread) { return h.target.stop_of(thread); };
    auto replies = h.send("vCont;r1000,1010:1");
    EXPECT_EQ(replies, std::vector<std::string>{"T0510:0010000000000000;thread:1;"});
    EXPECT_EQ(h.target.resume_calls, int(ResumeController::kMaxRangeSteps));
}

}  // namespace
}  // namespace svm::gdb::testing
