// What happens between gdb's resume (c/s/vCont) and the stop reply gdb gets: the resumes svm's
// gdb server does by itself, with no round trip to gdb. Two features need them:
//
// - Target-side breakpoint conditions (GDB manual E.2 "Packets", Z0 cond_list): a stop at a
//   breakpoint whose conditions are all false is not reported. The controller steps the thread
//   over the breakpoint (removes it from the target, single-steps that thread alone, inserts it
//   again) and resumes the threads as gdb last asked.
// - Range stepping (E.2 "vCont", action "r start,end"): the thread is single-stepped while its pc
//   stays in [start, end) and each stop is a plain step; the stop that ends it is reported. The
//   other threads do what the same vCont asked of them during each step: stay stopped, or (gdb's
//   "vCont;rS,E:T;c" when scheduler-locking is off) run until the step ends, as for "s:T;c".
//
// Every resume it does and every stop it consumes happens on the caller's (the server's) thread,
// inside Session::on_stop. Besides the stop that ends the work, these are reported at once:
// anything other than the expected step stop (another breakpoint, a watchpoint, a signal: the
// breakpoint stepped over is inserted again first), the guest exiting, and a Ctrl-C from gdb,
// which ends any internal work with a SIGINT stop even if the target swallowed the interrupt
// because it had already stopped for an internal step.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "gdbstub/breakpoint_table.h"
#include "gdbstub/debug_target.h"

namespace svm::gdb {

class ResumeController {
public:
    // After this many single steps in one range step, the step stop is reported anyway (gdb then
    // sends another vCont;r if the thread is still in its range).
    static constexpr uint64_t kMaxRangeSteps = 1'000'000;

    // `target` and `breakpoints` outlive the controller; `log` (may be empty) gets one line per
    // notable event (a condition that failed to evaluate, a breakpoint that could not be stepped
    // over).
    ResumeController(DebugTarget& target, const BreakpointTable& breakpoints,
                     std::function<void(std::string_view)> log = {});

    // Resumes the target for gdb's `actions` (c/s/vCont). A range step of one thread is done
    // here, by resuming the same actions with the range step turned into a Step until the
    // thread leaves the range; an empty range (or a range step without a thread id) is a plain
    // Step, which the manual allows. The target never sees Kind::RangeStep. Returns the target's
    // error if it refused the resume.
    TargetResult<void> resume(std::span<const ResumeAction> actions);

    // A stop arrived while gdb waits for one. Returns the stop to report to gdb, or std::nullopt
    // if the controller resumed the target again (gdb sees nothing yet).
    std::optional<StopReason> on_stop(const StopReason& stop);

    // gdb sent 0x03 while waiting: the next stop is reported, as SIGINT if it would otherwise
    // have been consumed.
    void interrupt() { interrupt_pending_ = true; }

    // Forgets every internal phase (detach, kill, disconnect: the target cleans up itself).
    void reset();

    // How many resumes the controller issued by itself since it was created (for tests and
    // logs): two per breakpoint stepped over, one per range step after the first.
    uint64_t internal_resumes() const { return internal_resumes_; }

private:
    struct Range {
        ThreadId thread = 1;
        uint64_t start = 0, end = 0;
        uint64_t steps = 0;
    };
    struct StepOver {
        ThreadId thread = 1;
        std::vector<GdbBreakpoint> removed;  // taken out of the target for the step
    };

    // The thread finished a single step it was asked for (range step or step-over).
    std::optional<StopReason> after_step(const StopReason& stop);
    std::optional<StopReason> continue_range(const StopReason& stop);
    // Removes `breakpoints` (at the pc of stop.thread) and steps that thread alone.
    std::optional<StopReason> start_step_over(const StopReason& stop,
                                              std::vector<GdbBreakpoint> breakpoints);
    // Inserts again what start_step_over removed; false if the target refused one.
    bool reinsert();
    std::optional<uint64_t> pc_of(ThreadId thread);
    TargetResult<void> resume_internal(std::span<const ResumeAction> actions);
    // The kind of action gdb gave `thread` (the first that matches it, as vCont says).
    std::optional<ResumeAction::Kind> action_for(ThreadId thread) const;
    // Ends the work: returns `stop` to report (as SIGINT if `as_interrupt`).
    StopReason finish(const StopReason& stop, bool as_interrupt = false);
    void log(std::string_view message) const;

    DebugTarget& target_;
    const BreakpointTable& breakpoints_;
    std::function<void(std::string_view)> log_;
    std::vector<ResumeAction> actions_;  // gdb's last resume, signals already delivered
    std::optional<Range> range_;
    std::optional<StepOver> step_over_;
    bool interrupt_pending_ = false;
    uint64_t internal_resumes_ = 0;
};

}  // namespace svm::gdb
