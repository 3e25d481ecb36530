#include "gdbstub/resume_controller.h"

#include <fmt/format.h>

namespace svm::gdb {

namespace {

bool is_breakpoint_stop(const StopReason& stop) {
    return stop.kind == StopReason::Kind::Signal && (stop.detail == StopReason::Detail::SwBreak ||
                                                     stop.detail == StopReason::Detail::HwBreak);
}

// A plain single-step stop of `thread`: SIGTRAP with no breakpoint or watchpoint behind it.
bool is_step_stop(const StopReason& stop, ThreadId thread) {
    return stop.kind == StopReason::Kind::Signal && stop.thread == thread &&
           stop.signal == sig::kTrap && stop.detail == StopReason::Detail::None;
}

}  // namespace

ResumeController::ResumeController(DebugTarget& target, const BreakpointTable& breakpoints,
                                   std::function<void(std::string_view)> log)
    : target_(target), breakpoints_(breakpoints), log_(std::move(log)) {}

TargetResult<void> ResumeController::resume(std::span<const ResumeAction> actions) {
    reset();
    std::vector<ResumeAction> plain(actions.begin(), actions.end());
    std::optional<Range> range;
    size_t range_index = 0;
    for (size_t i = 0; i < plain.size(); ++i) {
        if (plain[i].kind != ResumeAction::Kind::RangeStep) continue;
        if (!range && plain[i].thread > 0) {
            range = Range{plain[i].thread, plain[i].range_start, plain[i].range_end, 0};
            range_index = i;
        }
        plain[i].kind = ResumeAction::Kind::Step;
    }
    if (range) {
        // It stays a range step only if it is its thread's action (the first that matches the
        // thread, as vCont says) and the range is not empty (GDB manual, vCont "r": an empty
        // range is a plain step). Other threads may run: gdb sends "vCont;rS,E:T;c" unless
        // scheduler-locking is on, and each step of T then resumes them too (all-stop), as a
        // plain "vCont;s:T;c" would.
        bool keep = range->start < range->end;
        for (size_t i = 0; i < range_index; ++i) {
            if (action_applies(plain[i], range->thread)) keep = false;
        }
        if (!keep) range.reset();
    }
    auto result = target_.resume(plain);
    if (!result) return result;
    // The signals went with this resume; the controller's own resumes must not deliver them again.
    for (auto& a : plain) a.signal = sig::kNone;
    actions_ = std::move(plain);
    range_ = range;
    return {};
}

std::optional<StopReason> ResumeController::on_stop(const StopReason& stop) {
    if (stop.kind == StopReason::Kind::Exited) return finish(stop);  // nothing left to restore
    if (step_over_) {
        bool own_step = is_step_stop(stop, step_over_->thread);
        bool restored = reinsert();
        if (!own_step || !restored) return finish(stop);
        if (interrupt_pending_) return finish(stop, true);
        return after_step(stop);
    }
    if (is_breakpoint_stop(stop)) {
        auto pc = pc_of(stop.thread);
        if (!pc) return finish(stop);
        auto here = breakpoints_.at(process_of(stop.thread), *pc);
        if (here.empty() || breakpoint_hit_reportable(target_, stop.thread, here, log_))
            return finish(stop);
        // Every condition is false: gdb must not see this hit.
        if (interrupt_pending_) return finish(stop, true);
        return start_step_over(stop, std::move(here));
    }
    if (range_ && is_step_stop(stop, range_->thread)) {
        if (interrupt_pending_) return finish(stop, true);
        return continue_range(stop);
    }
    return finish(stop);
}

std::optional<StopReason> ResumeController::after_step(const StopReason& stop) {
    if (range_ && stop.thread == range_->thread) return continue_range(stop);
    // If gdb asked this thread to step, the step over the breakpoint was that step.
    if (action_for(stop.thread) == ResumeAction::Kind::Step) return finish(stop);
    if (auto resumed = resume_internal(actions_); !resumed) {
        log(fmt::format("cannot resume after a breakpoint condition: {}", resumed.error().message));
        return finish(stop);
    }
    return std::nullopt;
}

std::optional<StopReason> ResumeController::continue_range(const StopReason& stop) {
    auto pc = pc_of(range_->thread);
    if (!pc || *pc < range_->start || *pc >= range_->end) return finish(stop);  // left the range
    if (++range_->steps >= kMaxRangeSteps) return finish(stop);
    // A breakpoint inside the range: gdb sees the hit if it counts, else step over it.
    auto here = breakpoints_.at(process_of(range_->thread), *pc);
    if (!here.empty()) {
        if (breakpoint_hit_reportable(target_, range_->thread, here, log_)) return finish(stop);
        return start_step_over(stop, std::move(here));
    }
    // The next step, with the other threads doing what gdb asked (running or stopped).
    if (!resume_internal(actions_)) return finish(stop);
    return std::nullopt;
}

std::optional<StopReason> ResumeController::start_step_over(
    const StopReason& stop, std::vector<GdbBreakpoint> breakpoints) {
    step_over_ = StepOver{stop.thread, {}};
    for (auto& bp : breakpoints) {
        auto removed = target_.remove_breakpoint_in(bp.process, bp.type, bp.addr, bp.kind);
        if (!removed) {
            log(fmt::format("cannot step over the breakpoint at {:#x}: {}", bp.addr,
                            removed.error().message));
            reinsert();
            return finish(stop);
        }
        step_over_->removed.push_back(std::move(bp));
    }
    ResumeAction step{ResumeAction::Kind::Step, stop.thread, sig::kNone, 0, 0};
    if (!resume_internal(std::span(&step, 1))) {
        reinsert();
        return finish(stop);
    }
    return std::nullopt;
}

bool ResumeController::reinsert() {
    if (!step_over_) return true;
    bool ok = true;
    for (const auto& bp : step_over_->removed) {
        auto inserted = target_.insert_breakpoint_in(bp.process, bp.type, bp.addr, bp.kind);
        if (!inserted) {
            log(fmt::format("cannot insert the breakpoint at {:#x} again: {}", bp.addr,
                            inserted.error().message));
            ok = false;
        }
    }
    step_over_.reset();
    return ok;
}

std::optional<uint64_t> ResumeController::pc_of(ThreadId thread) {
    auto regs = target_.read_registers(thread);
    if (!regs) return std::nullopt;
    return regs->get(x86_64::Rip);
}

TargetResult<void> ResumeController::resume_internal(std::span<const ResumeAction> actions) {
    ++internal_resumes_;
    return target_.resume(actions);
}

std::optional<ResumeAction::Kind> ResumeController::action_for(ThreadId thread) const {
    for (const auto& a : actions_) {
        if (action_applies(a, thread)) return a.kind;
    }
    return std::nullopt;
}

StopReason ResumeController::finish(const StopReason& stop, bool as_interrupt) {
    StopReason report = stop;
    if (as_interrupt) {
        report.signal = sig::kInt;
        report.detail = StopReason::Detail::None;
    }
    reset();
    return report;
}

void ResumeController::reset() {
    actions_.clear();
    range_.reset();
    step_over_.reset();
    interrupt_pending_ = false;
}

void ResumeController::log(std::string_view message) const {
    if (log_) log_(message);
}

}  // namespace svm::gdb
