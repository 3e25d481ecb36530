// The real gdb (13) with a target-side breakpoint condition: `break *ADDR if $rax == 5` must send
// the condition with Z0 (";X") and stop exactly once, when the condition holds.
#include <gtest/gtest.h>

#include "gdb_fixture.h"

namespace svm::gdb::testing {
namespace {

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(GdbConditionalBreakpoint, StopsOnlyWhenTheConditionHolds) {
    if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
    constexpr uint64_t kLoop = 0x1008;
    GdbFixture f;
    // The program of thread 1: each run goes once around a loop that increments rax and passes
    // kLoop, where it stops if a breakpoint is there (else it exits). A step executes one
    // two-byte instruction. Set before gdb connects, so before the server thread calls it.
    f.target.regs[1].set(x86_64::Rax, 0);
    f.target.on_resume = [&f](const std::vector<ResumeAction>& actions) {
        auto& regs = f.target.regs[1];
        StopReason stop;
        bool step = !actions.empty() && actions[0].kind == ResumeAction::Kind::Step;
        if (step) {
            regs.set(x86_64::Rip, regs.get(x86_64::Rip) + 2);
        } else {
            regs.set(x86_64::Rax, regs.get(x86_64::Rax) + 1);
            regs.set(x86_64::Rip, kLoop);
            bool hit = std::any_of(f.target.breakpoints.begin(), f.target.breakpoints.end(),
                                   [](auto& b) { return b.addr == kLoop; });
            if (hit) {
                stop.detail = StopReason::Detail::SwBreak;
            } else {
                stop.kind = StopReason::Kind::Exited;
            }
        }
        stop.expedite = {{x86_64::Rip, regs.get(x86_64::Rip)}};
        f.server->notify_stop(stop);
    };
    std::string out = f.run_gdb({"break *0x1008 if $rax == 5", "continue", "p $rax", "p/x $pc",
                                 "info breakpoints", "detach"},
                                {"set debug remote 1"});
    SCOPED_TRACE(out);
    // gdb compiled the condition and sent it (reg 0, const8 5, equal, end).
    EXPECT_NE(out.find("$Z0,1008,1;X"), std::string::npos);
    // One stop, with the condition true; the four false hits never reached gdb.
    EXPECT_EQ(count(out, "hit Breakpoint 1, "), 1u);
    EXPECT_EQ(count(out, "swbreak:;"), 1u);  // the one stop reply gdb received for a breakpoint
    EXPECT_NE(out.find("$1 = 5"), std::string::npos);
    EXPECT_NE(out.find("$2 = 0x1008"), std::string::npos);
    EXPECT_NE(out.find("stop only if $rax == 5 (target evals)"), std::string::npos);
    EXPECT_NE(out.find("breakpoint already hit 1 time"), std::string::npos);
    EXPECT_EQ(f.target.regs[1].get(x86_64::Rax), 5u);
    EXPECT_EQ(f.target.resume_calls, 1 + 2 * 4);
}

}  // namespace
}  // namespace svm::gdb::testing
