// A FakeTarget that models a tiny program, for the tests of what the session does between gdb's
// resume and its stop reply (breakpoint conditions, range stepping). Stops are queued, as a real
// target delivers them later through Server::notify_stop, and a Harness-like driver feeds them to
// the session one at a time (ProgramHarness::pump), never from inside DebugTarget::resume.
//
// The program of thread 1 is a loop: each time it runs (a Continue action), rax goes up by one and
// the thread arrives at kLoop, where it stops if a breakpoint is inserted there (else it runs off:
// an exit with code 1). A single step executes one two-byte instruction (rip += 2), unless rip is
// at an inserted software breakpoint: then the int3 traps (a SwBreak stop, rip unchanged).
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "session_harness.h"

namespace svm::gdb::testing {

class ProgramTarget : public FakeTarget {
public:
    static constexpr uint64_t kLoop = 0x1040;

    ProgramTarget() {
        regs[1].set(x86_64::Rax, 0);
        on_resume = [this](const std::vector<ResumeAction>& actions) { run(actions); };
    }

    // ^DebugTarget
    TargetResult<void> insert_breakpoint(BreakpointType type, uint64_t addr,
                                         uint64_t kind) override {
        ++inserts;
        return FakeTarget::insert_breakpoint(type, addr, kind);
    }
    TargetResult<void> remove_breakpoint(BreakpointType type, uint64_t addr,
                                         uint64_t kind) override {
        ++removes;
        return FakeTarget::remove_breakpoint(type, addr, kind);
    }

    bool inserted(BreakpointType type, uint64_t addr) const {
        return std::any_of(breakpoints.begin(), breakpoints.end(),
                           [&](auto& b) { return b.type == type && b.addr == addr; });
    }

    StopReason stop_of(ThreadId thread, StopReason::Detail detail = StopReason::Detail::None) {
        StopReason stop;
        stop.thread = thread;
        stop.detail = detail;
        stop.expedite = {{x86_64::Rip, regs[thread].get(x86_64::Rip)}};
        return stop;
    }

    // The stops the program produced and the session has not been given yet.
    std::deque<StopReason> pending;
    // Set: resume() queues nothing; the test delivers stops itself.
    bool manual = false;
    // Replaces the program of a step of `thread` (e.g. a loop that stays in a range).
    std::function<StopReason(ThreadId)> step_program;
    int inserts = 0, removes = 0;

private:
    void run(const std::vector<ResumeAction>& actions) {
        if (manual) return;
        // The first action that matches a thread is its action (vCont); thread 1 is the one
        // the program is about, thread 2 idles.
        for (const auto& a : actions) {
            if (a.thread != 1 && a.thread != -1) continue;
            if (a.kind == ResumeAction::Kind::Step) return step(1);
            if (a.kind == ResumeAction::Kind::Continue) return loop();
            return;
        }
        for (const auto& a : actions)
            if (a.kind == ResumeAction::Kind::Step) return step(a.thread);
    }
    void loop() {
        auto& r = regs[1];
        r.set(x86_64::Rax, r.get(x86_64::Rax) + 1);
        r.set(x86_64::Rip, kLoop);
        if (inserted(BreakpointType::Software, kLoop)) {
            pending.push_back(stop_of(1, StopReason::Detail::SwBreak));
        } else if (inserted(BreakpointType::Hardware, kLoop)) {
            pending.push_back(stop_of(1, StopReason::Detail::HwBreak));
        } else {
            StopReason exited;
            exited.kind = StopReason::Kind::Exited;
            exited.exit_code = 1;
            pending.push_back(exited);
        }
    }
    void step(ThreadId thread) {
        if (step_program) {
            pending.push_back(step_program(thread));
            return;
        }
        auto& r = regs[thread];
        if (inserted(BreakpointType::Software, r.get(x86_64::Rip))) {
            pending.push_back(stop_of(thread, StopReason::Detail::SwBreak));
            return;
        }
        r.set(x86_64::Rip, r.get(x86_64::Rip) + 2);
        pending.push_back(stop_of(thread));
    }
};

// Drives a Session over a ProgramTarget like gdb and the server would.
struct ProgramHarness {
    ProgramTarget target;
    std::vector<std::string> log;
    Session session{target, options()};

    SessionOptions options() {
        SessionOptions o;
        o.log = [this](std::string_view m) { log.emplace_back(m); };
        return o;
    }

    // Sends one packet and then delivers every stop the program produces until none is left;
    // returns every packet gdb received (replies and stop replies).
    std::vector<std::string> send(std::string_view payload) {
        std::string out = session.on_bytes(protocol::frame_packet(payload));
        out += pump();
        return packets_in(out);
    }
    // Ctrl-C.
    std::vector<std::string> interrupt() { return packets_in(session.on_bytes("\x03")); }
    std::string pump() {
        std::string out;
        while (!target.pending.empty()) {
            StopReason stop = target.pending.front();
            target.pending.pop_front();
            out += session.on_stop(stop);
        }
        return out;
    }
    // Delivers `stop` (a test's own); returns what gdb receives.
    std::vector<std::string> deliver(const StopReason& stop) {
        return packets_in(session.on_stop(stop) + pump());
    }
};

}  // namespace svm::gdb::testing
