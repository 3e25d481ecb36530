// VmDebugger: construction, stops (on the vCPU threads), attach/detach, resume and interrupt.
// Inspection (registers, memory, threads, monitor) is in vm_debugger_inspect.cpp, breakpoints and
// watchpoints in vm_debugger_breakpoints.cpp.
#include "core/debug/vm_debugger.h"

#include <chrono>

#include "core/debug/debug_errors.h"
#include "core/kvm/host_kind.h"
#include "core/log.h"

namespace svm {

using gdb::StopReason;
using gdb::target_error;
using gdb::TargetResult;
using namespace debug_errors;

namespace {

constexpr uint32_t kDr6SingleStep = 1u << 14;  // DR6.BS (SDM Vol. 3B, 17.2.3)

}  // namespace

VmDebugger::VmDebugger(Deps deps)
    : deps_(std::move(deps)),
      // software_breakpoints.h: int3 on hardware KVM, ICEBP where KVM-PVM would hand int3 to a
      // real-mode guest's interrupt vector table.
      software_(detect_host_kvm() == HostKvm::Pvm ? SoftwareBreakpoints::kIcebp
                                                  : SoftwareBreakpoints::kInt3),
      vcpu_debug_(deps_.vcpus.size()) {
    last_stop_.signal = gdb::sig::kTrap;
    log::verbose("debugger: software breakpoints use {:#04x}", software_.opcode());
    for (auto& v : deps_.vcpus)
        v->set_before_run([this](Vcpu& self) { apply_debug_settings(self); });
}

void VmDebugger::apply_debug_settings(Vcpu& vcpu) {
    std::lock_guard lock(mutex_);
    auto& d = vcpu_debug_[static_cast<size_t>(vcpu.index())];
    if (!d.debug_dirty) return;
    d.debug_dirty = false;
    uint32_t control = attached_.load() ? debug_control(d) : 0;
    if (auto r = vcpu.set_guest_debug(control, debug_registers()); !r)
        log::error("vCPU {}: {}", vcpu.index(), r.error().message);
}

void VmDebugger::connect(NotifyStop notify, std::function<bool()> has_client) {
    notify_ = std::move(notify);
    has_client_ = std::move(has_client);
}

Vcpu* VmDebugger::vcpu_for(gdb::ThreadId thread) {
    if (thread < 1 || static_cast<size_t>(thread) > deps_.vcpus.size()) return nullptr;
    return deps_.vcpus[static_cast<size_t>(thread - 1)].get();
}

// ---------------------------------------------------------------- stops (vCPU threads)

void VmDebugger::pause_all_and_wait(const Vcpu* except) {
    for (auto& v : deps_.vcpus)
        if (v.get() != except) v->pause();
    for (auto& v : deps_.vcpus)
        if (v.get() != except) v->wait_paused();
}

void VmDebugger::report_stop(Vcpu* vcpu, StopReason reason) {
    // Only the first stop since the last resume is reported. A vCPU that stops for another
    // reason meanwhile is paused by the winner's pause_all_and_wait(), or, if gdb has resumed
    // it since, runs on and meets its breakpoint again (RIP is still at it).
    if (stop_claimed_.exchange(true)) return;
    const auto started = std::chrono::steady_clock::now();
    std::lock_guard resume_lock(resume_mutex_);
    // The stopping vCPU's registers, read here on its own thread: gdb asks for them first, and
    // they are expedited in the stop reply.
    std::optional<VcpuRegisters> regs;
    if (vcpu) {
        vcpu->park_self();
        reason.thread = vcpu->index() + 1;
        if (auto state = vcpu->get_state()) {
            regs.emplace();
            regs->state = *state;
            regs->fpu = vcpu->get_fpu().value_or(kvm_fpu{});
            regs->kernel_gs_base = vcpu->get_msr(kMsrKernelGsBase).value_or(0);
            regs->mp_state = vcpu->mp_state().mp_state;
            reason.expedite = {{gdb::x86_64::Rbp, state->rbp},
                               {gdb::x86_64::Rsp, state->rsp},
                               {gdb::x86_64::Rip, gdb_pc(*state)}};
        }
    }
    pause_all_and_wait(vcpu);
    const auto paused = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        last_stop_ = reason;
        for (auto& d : vcpu_debug_) d.cache.reset();
        if (vcpu) vcpu_debug_[static_cast<size_t>(vcpu->index())].cache = regs;
    }
    // The stop-all latency (bench/stop_latency reads this line).
    log::verbose("debugger: vCPU {} stopped (signal {}); all {} vCPUs paused after {} us",
                 reason.thread - 1, reason.signal, deps_.vcpus.size(),
                 std::chrono::duration_cast<std::chrono::microseconds>(paused - started).count());
    if (notify_) notify_(std::move(reason), {});
}

bool VmDebugger::on_debug_exit(Vcpu& vcpu) {
    const auto& debug = vcpu.run()->debug.arch;
    auto& self = vcpu_debug_[static_cast<size_t>(vcpu.index())];
    StopReason reason;
    if (debug.exception == 3) {  // #BP (hardware KVM with KVM_GUESTDBG_USE_SW_BP)
        bool ours, caught = false;
        auto state = vcpu.get_state();
        {
            std::lock_guard lock(mutex_);
            auto gpa = state ? translate(deps_.memory, PagingRegs::from(*state), debug.pc)
                             : Result<Translation>(error("no state"));
            ours = gpa && software_.contains(gpa->gpa);
            caught =
                ours && (catch_stop(*state, gpa->gpa, reason) || step_over_stop(gpa->gpa, reason));
        }
        if (caught) {
            report_stop(&vcpu, reason);  // outside mutex_: report_stop takes resume_mutex_
            return true;
        }
        if (!ours) {
            // The guest's own int3: KVM queues #BP for the guest right away (api.rst 4.61,
            // KVM_GUESTDBG_INJECT_BP) and delivers it as a software exception on this entry.
            (void)vcpu.set_guest_debug(
                KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_INJECT_BP | debug_control(self),
                debug_registers());
            return false;
        }
        reason.detail = StopReason::Detail::SwBreak;
    } else if (debug.dr6 & 0xf) {  // B0-B3: a hardware breakpoint or data breakpoint
        std::lock_guard lock(mutex_);
        int i = __builtin_ctz(static_cast<unsigned>(debug.dr6 & 0xf));
        const HardwareBreakpoint& hw = hardware_[static_cast<size_t>(i)];
        using Kind = HardwareBreakpoint::Kind;
        if (hw.kind == Kind::Execute) {
            reason.detail =
                hw.from_software ? StopReason::Detail::SwBreak : StopReason::Detail::HwBreak;
        } else {
            // A data breakpoint traps after the access (SDM Vol. 3B, 17.3.1.2), as gdb expects.
            reason.detail =
                hw.kind == Kind::Write ? StopReason::Detail::Watch : StopReason::Detail::AWatch;
            reason.watch_address = hw.addr;
        }
    } else if (!(debug.dr6 & kDr6SingleStep) && !self.stepping) {
        return false;  // nothing svm asked for
    } else if (finish_catch_step(vcpu)) {
        return false;  // svm's own step past a catch point: the vCPU runs on
    }
    reason.signal = gdb::sig::kTrap;
    report_stop(&vcpu, reason);
    return true;
}

bool VmDebugger::on_emulation_failure(Vcpu& vcpu) {
    auto state = vcpu.get_state();
    if (!state) return false;
    StopReason reason;
    {
        std::lock_guard lock(mutex_);
        auto t = translate(deps_.memory, PagingRegs::from(*state), state->cs.base + state->rip);
        if (!t || !software_.contains(t->gpa)) return false;
        if (!catch_stop(*state, t->gpa, reason) && !step_over_stop(t->gpa, reason))
            reason.detail = StopReason::Detail::SwBreak;
    }
    report_stop(&vcpu, reason);
    return true;
}

bool VmDebugger::on_instruction_exit(Vcpu& vcpu) {
    if (!vcpu_debug_[static_cast<size_t>(vcpu.index())].stepping) return false;
    vcpu.complete_pending_io();
    if (finish_catch_step(vcpu)) return false;
    report_stop(&vcpu, StopReason{});
    return true;
}

bool VmDebugger::on_ram_access(Vcpu& vcpu) {
    auto& mmio = vcpu.run()->mmio;
    std::span<uint8_t> data(mmio.data, std::min<uint32_t>(mmio.len, sizeof mmio.data));
    std::optional<Watchpoints::Hit> hit;
    {
        std::lock_guard lock(mutex_);
        if (!mmio.is_write)
            (void)deps_.memory.read(mmio.phys_addr, data);
        else if (software_.any_in(mmio.phys_addr, data.size()))
            // The guest wrote over a breakpoint (a loader copying code, a relocation): the
            // bytes it wrote become the breakpoint's original, the trap byte stays.
            (void)software_.write_through(deps_.memory, mmio.phys_addr, data);
        else
            (void)deps_.memory.write(mmio.phys_addr, data);
        hit = watchpoints_.match(mmio.phys_addr, data.size(), mmio.is_write);
    }
    if (!hit) return false;
    // The access must be complete (and RIP past the instruction) before gdb looks.
    vcpu.complete_pending_io();
    StopReason reason;
    reason.detail = hit->type == WatchType::Write  ? StopReason::Detail::Watch
                    : hit->type == WatchType::Read ? StopReason::Detail::RWatch
                                                   : StopReason::Detail::AWatch;
    reason.watch_address = hit->vaddr;
    report_stop(&vcpu, reason);
    return true;
}

void VmDebugger::on_crash(Vcpu& vcpu, int signal) {
    StopReason reason;
    reason.signal = signal;
    if (signal == gdb::sig::kSegv) {
        // A triple fault is an exception raised while delivering a double fault (Intel SDM
        // Vol. 3A 6.15, "Interrupt 8"): report #DF with its error code 0, and CR2 as the CPU
        // left it (the address of the last page fault, usually the one that started it).
        auto state = vcpu.get_state();
        reason.exception = gdb::GuestException{8, 0, state ? state->cr2 : 0};
    }
    report_stop(&vcpu, reason);
}

void VmDebugger::on_guest_exit(int code, std::function<void()> then) {
    StopReason reason;
    reason.kind = StopReason::Kind::Exited;
    reason.exit_code = code;
    stop_claimed_.store(true);
    if (notify_)
        notify_(std::move(reason), std::move(then));
    else
        then();
}

// ---------------------------------------------------------------- DebugTarget (server thread)

StopReason VmDebugger::attach() {
    attached_.store(true, std::memory_order_release);
    bool was_running = false;
    for (auto& v : deps_.vcpus) was_running |= v->state() == VcpuState::Running;
    if (was_running) {
        stop_claimed_.store(true);
        std::lock_guard resume_lock(resume_mutex_);
        pause_all_and_wait(nullptr);
        std::lock_guard lock(mutex_);
        for (auto& d : vcpu_debug_) d.cache.reset();
        last_stop_ = StopReason{};
        last_stop_.signal = gdb::sig::kInt;
        last_stop_.thread = 1;
    }
    std::lock_guard lock(mutex_);
    return last_stop_;
}

void VmDebugger::clear_debug_state() {
    {
        std::lock_guard lock(mutex_);
        software_.remove_all(deps_.memory);
        hardware_ = {};
        watchpoints_.clear();
        for (auto& d : vcpu_debug_) d = VcpuDebug{};  // debug_dirty = true
        catch_vectors_.clear();
        catch_points_.clear();
        step_over_points_.clear();
    }
    (void)apply_page_access();
    // attached_ false and every vCPU dirty: each clears guest debugging before it runs again.
    attached_.store(false, std::memory_order_release);
}

void VmDebugger::disconnect_stopped() {
    if (!deps_.keep_stopped_on_disconnect) return detach();
    // As before the first connection: every vCPU paused, nothing inserted; the next attach()
    // reports the same stop (last_stop_ is kept), so a debugger that reconnects finds the state
    // it left, a triple fault included.
    clear_debug_state();
    log::info(
        "the debugger disconnected while the guest was stopped; it stays stopped until a "
        "debugger connects and resumes it (Ctrl-C or --timeout end svm)");
}

void VmDebugger::detach() {
    clear_debug_state();
    std::lock_guard resume_lock(resume_mutex_);
    stop_claimed_.store(false);
    for (auto& v : deps_.vcpus) v->resume();
    log::verbose("debugger: detached; the guest runs on");
}

void VmDebugger::kill() {
    attached_.store(false, std::memory_order_release);
    if (!deps_.kill) return;
    // End svm only after the reply to 'k'/vKill has gone out: a stop notification is queued
    // behind it on the server thread, and the session (closed now) sends nothing for it.
    StopReason killed;
    killed.signal = gdb::sig::kKill;
    if (notify_)
        notify_(killed, deps_.kill);
    else
        deps_.kill();
}

std::array<uint64_t, 8> VmDebugger::debug_registers() const {
    return debug_register_values(hardware_);
}

uint32_t VmDebugger::debug_control(const VcpuDebug& d) const {
    uint32_t control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
    if (debug_registers()[7]) control |= KVM_GUESTDBG_USE_HW_BP;
    // Block interrupts while stepping so a step never lands in an interrupt handler
    // (api.rst 4.61, KVM_GUESTDBG_BLOCKIRQ).
    if (d.stepping) control |= KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_BLOCKIRQ;
    return control;
}

TargetResult<void> VmDebugger::resume(std::span<const gdb::ResumeAction> actions) {
    std::lock_guard resume_lock(resume_mutex_);
    std::vector<std::optional<gdb::ResumeAction::Kind>> plan(deps_.vcpus.size());
    for (const auto& a : actions) {
        for (size_t i = 0; i < plan.size(); ++i) {
            if (plan[i]) continue;  // the first matching action wins (GDB manual, vCont)
            if (a.thread == -1 || a.thread == static_cast<int>(i) + 1) plan[i] = a.kind;
        }
    }
    arm_catch_points();
    std::vector<bool> step_over(plan.size());
    arm_step_overs(plan, step_over);
    bool page_access_dirty;
    {
        std::lock_guard lock(mutex_);
        page_access_dirty = page_access_dirty_;
    }
    if (page_access_dirty) {
        if (auto applied = apply_page_access(); !applied) return applied;
    }
    std::vector<Vcpu*> to_resume;
    {
        std::lock_guard lock(mutex_);
        software_.rearm(deps_.memory);
        stop_claimed_.store(false);
        started_ = true;
        for (size_t i = 0; i < plan.size(); ++i) {
            vcpu_debug_[i].cache.reset();
            if (!plan[i] || *plan[i] == gdb::ResumeAction::Kind::Stop) continue;
            auto& d = vcpu_debug_[i];
            d.stepping = (*plan[i] == gdb::ResumeAction::Kind::Step ||
                          *plan[i] == gdb::ResumeAction::Kind::RangeStep) &&
                         !step_over[i];
            d.debug_dirty = true;
            if (d.catch_rearm_gpa) {
                // Standing at a catch point: step past it with it out (finish_catch_step).
                (void)software_.remove(deps_.memory, *d.catch_rearm_gpa);
                d.gdb_step = d.stepping;
                d.stepping = true;
            }
            to_resume.push_back(deps_.vcpus[i].get());
        }
    }
    if (to_resume.empty()) return target_error(kEInval, "no thread to resume");
    // Each vCPU applies its settings itself as it leaves the paused state (apply_debug_settings).
    for (Vcpu* v : to_resume) v->resume();
    return {};
}

void VmDebugger::interrupt() {
    if (stop_claimed_.exchange(true)) return;
    StopReason reason;
    reason.signal = gdb::sig::kInt;
    stop_all_and_report(std::move(reason));
}

void VmDebugger::stop_all_and_report(StopReason reason) {
    {
        std::lock_guard resume_lock(resume_mutex_);
        pause_all_and_wait(nullptr);
    }
    reason.thread = 1;
    if (auto regs = registers(1)) {
        reason.expedite = {{gdb::x86_64::Rbp, regs->state.rbp},
                           {gdb::x86_64::Rsp, regs->state.rsp},
                           {gdb::x86_64::Rip, gdb_pc(regs->state)}};
    }
    {
        std::lock_guard lock(mutex_);
        last_stop_ = reason;
    }
    if (notify_) notify_(std::move(reason), {});
}

void VmDebugger::on_device_write(uint64_t gpa, uint64_t length) {
    if (!attached()) return;
    std::optional<Watchpoints::Hit> hit;
    {
        std::lock_guard lock(mutex_);
        if (watchpoints_.empty()) return;
        hit = watchpoints_.match(gpa, length, /*is_write=*/true);
    }
    if (!hit || stop_claimed_.exchange(true)) return;
    StopReason reason;
    reason.signal = gdb::sig::kTrap;
    reason.detail = hit->type == WatchType::Write ? StopReason::Detail::Watch
                                                  : StopReason::Detail::AWatch;
    reason.watch_address = hit->vaddr;
    log::verbose("debugger: a device wrote {:#x}+{:#x}, watched at {:#x}: stopping", gpa, length,
                 hit->vaddr);
    std::lock_guard lock(device_stop_mutex_);
    // The previous reporter has reported (the stop was claimed again, so gdb resumed since).
    if (device_stop_thread_.joinable()) device_stop_thread_.join();
    device_stop_thread_ = std::thread([this, reason] { stop_all_and_report(reason); });
}

VmDebugger::~VmDebugger() {
    std::lock_guard lock(device_stop_mutex_);
    if (device_stop_thread_.joinable()) device_stop_thread_.join();
}

}  // namespace svm
