// VmDebugger: stepping over BIOS calls in real mode (bios_step_over.h). A step onto `int n`
// whose handler is in the BIOS ROM becomes "run to the instruction after it" with a hidden
// software breakpoint there; reaching it ends the step as gdb expects (SIGTRAP, no breakpoint).
#include "core/debug/bios_step_over.h"
#include "core/debug/vm_debugger.h"
#include "core/log.h"

namespace svm {

void VmDebugger::arm_step_overs(const std::vector<std::optional<gdb::ResumeAction::Kind>>& plan,
                                std::vector<bool>& step_over) {
    {
        std::lock_guard lock(mutex_);
        for (auto& [gpa, index] : step_over_points_) (void)software_.remove(deps_.memory, gpa);
        if (!step_over_points_.empty()) page_access_dirty_ = true;
        step_over_points_.clear();
    }
    const PhysicalReader read = [this](uint64_t gpa, std::span<uint8_t> out) {
        return deps_.memory.read(gpa, out).has_value();
    };
    for (size_t i = 0; i < plan.size(); ++i) {
        if (plan[i] != gdb::ResumeAction::Kind::Step) continue;
        auto regs = registers(static_cast<gdb::ThreadId>(i) + 1);
        if (!regs) continue;
        std::optional<uint64_t> target;
        {
            std::lock_guard lock(mutex_);
            // gdb's own breakpoints read as the guest's bytes (hide), so an `int` under one is
            // still recognised.
            target =
                bios_call_return_address(regs->state, [&](uint64_t gpa, std::span<uint8_t> out) {
                    if (!read(gpa, out)) return false;
                    software_.hide(gpa, out);
                    return true;
                });
            if (!target) continue;
            step_over[i] = true;
            // Insertions are counted: a breakpoint of gdb's at the same place stays gdb's.
            if (software_.insert(deps_.memory, *target)) {
                step_over_points_[*target] = i;
                page_access_dirty_ = true;
            }
        }
        log::verbose("debugger: vCPU {} steps over the BIOS call at {:#x}", i,
                     regs->state.cs.base + regs->state.rip);
    }
}

bool VmDebugger::step_over_stop(uint64_t gpa, gdb::StopReason& reason) {
    auto it = step_over_points_.find(gpa);
    if (it == step_over_points_.end()) return false;
    (void)software_.remove(deps_.memory, gpa);
    step_over_points_.erase(it);
    reason.signal = gdb::sig::kTrap;
    reason.detail = gdb::StopReason::Detail::None;  // a finished step, not a breakpoint
    return true;
}

}  // namespace svm
