#include "gdbstub/breakpoint_table.h"

#include <fmt/format.h>

#include <optional>

namespace svm::gdb {

namespace {

// What a condition reads: the registers of the thread that hit the breakpoint (fetched once, on
// the first `reg`) and memory as that thread sees it.
class TargetAgentContext : public protocol::AgentContext {
public:
    TargetAgentContext(DebugTarget& target, ThreadId thread) : target_(target), thread_(thread) {}

    // ^protocol::AgentContext
    std::optional<uint64_t> read_register(int regno) override {
        if (regno < 0 || regno >= x86_64::kRegisterCount) return std::nullopt;
        if (!regs_) {
            auto regs = target_.read_registers(thread_);
            if (!regs) return std::nullopt;
            regs_ = std::move(*regs);
        }
        return regs_->get(regno);
    }
    bool read_memory(uint64_t addr, std::span<uint8_t> out) override {
        auto done = target_.read_memory(thread_, addr, out);
        return done && *done >= out.size();
    }

private:
    DebugTarget& target_;
    ThreadId thread_;
    std::optional<x86_64::RegisterFile> regs_;
};

}  // namespace

bool BreakpointTable::insert(int pid, BreakpointType type, uint64_t addr, uint64_t kind,
                             std::vector<protocol::AgentExpr> conditions) {
    auto [it, added] = breakpoints_.try_emplace({pid, type, addr});
    it->second.process = pid;
    it->second.type = type;
    it->second.addr = addr;
    it->second.kind = kind;
    it->second.conditions = std::move(conditions);
    return added;
}

void BreakpointTable::erase(int pid, BreakpointType type, uint64_t addr) {
    breakpoints_.erase({pid, type, addr});
}

bool BreakpointTable::contains(int pid, BreakpointType type, uint64_t addr) const {
    return breakpoints_.contains({pid, type, addr});
}

void BreakpointTable::erase_process(int pid) {
    std::erase_if(breakpoints_, [pid](const auto& entry) { return entry.second.process == pid; });
}

std::vector<GdbBreakpoint> BreakpointTable::at(int pid, uint64_t addr) const {
    std::vector<GdbBreakpoint> found;
    for (auto type : {BreakpointType::Software, BreakpointType::Hardware}) {
        if (auto it = breakpoints_.find({pid, type, addr}); it != breakpoints_.end())
            found.push_back(it->second);
    }
    return found;
}

bool breakpoint_hit_reportable(DebugTarget& target, ThreadId thread,
                               std::span<const GdbBreakpoint> breakpoints,
                               const std::function<void(std::string_view)>& log) {
    TargetAgentContext context(target, thread);
    for (const auto& bp : breakpoints) {
        if (bp.conditions.empty()) return true;
        for (const auto& condition : bp.conditions) {
            auto value = condition.evaluate(context);
            if (!value) {
                if (log)
                    log(fmt::format("breakpoint condition at {:#x} failed ({}): reporting the hit",
                                    bp.addr, value.error()));
                return true;
            }
            if (*value != 0) return true;
        }
    }
    return false;
}

}  // namespace svm::gdb
