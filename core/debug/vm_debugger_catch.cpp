// VmDebugger: `monitor catch` (exception_catch.h). At each resume svm looks up the handler of
// every caught vector in each vCPU's IDT and puts a software breakpoint there (a catch point);
// a vCPU that reaches one stops with the exception's vector, error code and address, which gdb
// shows as the stop's signal, an 'O' line and $_siginfo.
#include <fmt/format.h>

#include "core/debug/exception_catch.h"
#include "core/debug/vm_debugger.h"
#include "core/log.h"

namespace svm {
namespace {

// Reads guest-virtual memory through `paging`, page by page, from RAM.
DumpReader virtual_reader(const GuestMemory& memory, const PagingRegs& paging) {
    return [&memory, paging](uint64_t va, std::span<uint8_t> out) -> size_t {
        size_t done = 0;
        while (done < out.size()) {
            const uint64_t addr = va + done;
            const size_t chunk = std::min<size_t>(out.size() - done, 0x1000 - (addr & 0xfff));
            auto t = translate(memory, paging, addr);
            if (!t || !memory.read(t->gpa, out.subspan(done, chunk))) break;
            done += chunk;
        }
        return done;
    };
}

// The signal gdb shows for an exception, as a Unix kernel would send it.
int signal_for(int vector) {
    switch (vector) {
        case 0:
        case 16:
        case 19:
            return gdb::sig::kFpe;  // #DE, #MF, #XM
        case 6:
            return gdb::sig::kIll;  // #UD
        case 1:
        case 3:
            return gdb::sig::kTrap;  // #DB, #BP
        default:
            return gdb::sig::kSegv;
    }
}

}  // namespace

void VmDebugger::arm_catch_points() {
    std::map<uint64_t, int> before;
    {
        std::lock_guard lock(mutex_);
        for (auto& [gpa, vector] : catch_points_) (void)software_.remove(deps_.memory, gpa);
        before.swap(catch_points_);
        for (auto& d : vcpu_debug_) d.catch_rearm_gpa.reset();
    }
    struct MarkPagesIfChanged {
        VmDebugger& self;
        const std::map<uint64_t, int>& before;
        ~MarkPagesIfChanged() {
            std::lock_guard lock(self.mutex_);
            if (self.catch_points_ != before) self.page_access_dirty_ = true;
        }
    } mark{*this, before};
    if (catch_vectors_.empty()) return;
    for (size_t i = 0; i < deps_.vcpus.size(); ++i) {
        auto regs = registers(static_cast<gdb::ThreadId>(i) + 1);
        if (!regs || regs->mp_state == KVM_MP_STATE_UNINITIALIZED ||
            regs->mp_state == KVM_MP_STATE_INIT_RECEIVED)
            continue;  // an AP that has not started has no IDT of its own yet
        const CpuState& s = regs->state;
        const PagingRegs paging = PagingRegs::from(s);
        const DumpReader read = virtual_reader(deps_.memory, paging);
        std::lock_guard lock(mutex_);
        for (int vector : catch_vectors_) {
            auto handler = exception_handler_address(s, vector, read);
            if (!handler) continue;
            auto t = translate(deps_.memory, paging, *handler);
            if (!t || catch_points_.contains(t->gpa)) continue;  // unmapped, or a shared IDT
            if (software_.insert(deps_.memory, t->gpa)) catch_points_[t->gpa] = vector;
        }
    }
    // A vCPU that stands at a catch point (it stopped there) steps past it before it goes in.
    for (size_t i = 0; i < deps_.vcpus.size(); ++i) {
        auto regs = registers(static_cast<gdb::ThreadId>(i) + 1);
        if (!regs) continue;
        auto pc = translate(deps_.memory, PagingRegs::from(regs->state),
                            regs->state.cs.base + regs->state.rip);
        std::lock_guard lock(mutex_);
        if (pc && catch_points_.contains(pc->gpa)) vcpu_debug_[i].catch_rearm_gpa = pc->gpa;
    }
}

bool VmDebugger::catch_stop(const CpuState& state, uint64_t gpa, gdb::StopReason& reason) {
    auto it = catch_points_.find(gpa);
    if (it == catch_points_.end()) return false;
    const int vector = it->second;
    gdb::GuestException exception{vector, std::nullopt, state.cs.base + state.rip};
    if (auto frame = read_exception_frame(state, vector,
                                          virtual_reader(deps_.memory, PagingRegs::from(state)))) {
        exception.error_code = frame->error_code;
        exception.address = frame->return_address;
    }
    if (vector == 14) exception.address = state.cr2;
    reason.signal = signal_for(vector);
    reason.detail = gdb::StopReason::Detail::None;
    reason.exception = exception;
    log::verbose("debugger: caught {} (vector {})", exception_name(vector), vector);
    return true;
}

bool VmDebugger::finish_catch_step(Vcpu& vcpu) {
    std::lock_guard lock(mutex_);
    auto& d = vcpu_debug_[static_cast<size_t>(vcpu.index())];
    if (!d.catch_rearm_gpa) return false;
    (void)software_.insert(deps_.memory, *d.catch_rearm_gpa);
    d.catch_rearm_gpa.reset();
    if (d.gdb_step) return false;  // gdb's own step: report it
    d.stepping = false;
    d.debug_dirty = true;
    return true;
}

}  // namespace svm
