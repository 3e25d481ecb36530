#include "core/debug/vm_debugger.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/log.h"
#include "core/size_parser.h"

namespace svm {

using gdb::StopReason;
using gdb::TargetResult;
using gdb::target_error;

namespace {

constexpr uint32_t kDr6SingleStep = 1u << 14;  // DR6.BS (SDM Vol. 3B, 17.2.3)
constexpr int kEFault = 14;                    // EFAULT, reported to gdb as E0e
constexpr int kEInval = 22;
constexpr int kENoSpace = 28;

TargetResult<void> to_target(Result<void> r, int code = kEInval) {
    if (!r) return target_error(code, r.error().message);
    return {};
}

}  // namespace

VmDebugger::VmDebugger(Deps deps) : deps_(std::move(deps)), vcpu_debug_(deps_.vcpus.size()) {
    last_stop_.signal = gdb::sig::kTrap;
    for (auto& v : deps_.vcpus) v->set_before_run([this](Vcpu& self) { apply_debug_settings(self); });
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
        bool ours;
        {
            std::lock_guard lock(mutex_);
            auto state = vcpu.get_state();
            auto gpa = state ? translate(deps_.memory, PagingRegs::from(*state), debug.pc)
                             : Result<Translation>(error("no state"));
            ours = gpa && software_.contains(gpa->gpa);
        }
        if (!ours) {
            // The guest's own int3: KVM queues #BP for the guest right away (api.rst 4.61,
            // KVM_GUESTDBG_INJECT_BP) and delivers it as a software exception on this entry.
            (void)vcpu.set_guest_debug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_INJECT_BP |
                                           debug_control(self),
                                       debug_registers());
            return false;
        }
        reason.detail = StopReason::Detail::SwBreak;
    } else if (debug.dr6 & 0xf) {  // B0-B3: a hardware breakpoint
        std::lock_guard lock(mutex_);
        int i = __builtin_ctz(static_cast<unsigned>(debug.dr6 & 0xf));
        reason.detail = hardware_[static_cast<size_t>(i)].from_software
                            ? StopReason::Detail::SwBreak
                            : StopReason::Detail::HwBreak;
    } else if (!(debug.dr6 & kDr6SingleStep) && !self.stepping) {
        return false;  // nothing svm asked for
    }
    reason.signal = gdb::sig::kTrap;
    report_stop(&vcpu, reason);
    return true;
}

bool VmDebugger::on_emulation_failure(Vcpu& vcpu) {
    auto state = vcpu.get_state();
    if (!state) return false;
    {
        std::lock_guard lock(mutex_);
        auto t = translate(deps_.memory, PagingRegs::from(*state), state->cs.base + state->rip);
        if (!t || !software_.contains(t->gpa)) return false;
    }
    StopReason reason;
    reason.detail = StopReason::Detail::SwBreak;
    report_stop(&vcpu, reason);
    return true;
}

bool VmDebugger::on_instruction_exit(Vcpu& vcpu) {
    if (!vcpu_debug_[static_cast<size_t>(vcpu.index())].stepping) return false;
    vcpu.complete_pending_io();
    report_stop(&vcpu, StopReason{});
    return true;
}

bool VmDebugger::on_ram_access(Vcpu& vcpu) {
    auto& mmio = vcpu.run()->mmio;
    std::span<uint8_t> data(mmio.data, std::min<uint32_t>(mmio.len, sizeof mmio.data));
    if (mmio.is_write)
        (void)deps_.memory.write(mmio.phys_addr, data);
    else
        (void)deps_.memory.read(mmio.phys_addr, data);
    std::optional<Watchpoints::Hit> hit;
    {
        std::lock_guard lock(mutex_);
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

void VmDebugger::detach() {
    {
        std::lock_guard lock(mutex_);
        software_.remove_all(deps_.memory);
        hardware_ = {};
        watchpoints_.clear();
        for (auto& d : vcpu_debug_) d = VcpuDebug{};  // debug_dirty = true
    }
    (void)apply_page_access();
    // attached_ false and every vCPU dirty: each clears guest debugging before it runs again.
    attached_.store(false, std::memory_order_release);
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

std::vector<gdb::ThreadId> VmDebugger::threads() {
    std::vector<gdb::ThreadId> ids;
    for (size_t i = 0; i < deps_.vcpus.size(); ++i) ids.push_back(static_cast<int>(i) + 1);
    return ids;
}

std::string VmDebugger::thread_extra_info(gdb::ThreadId thread) {
    auto regs = registers(thread);
    if (!regs) return fmt::format("vCPU {}", thread - 1);
    const CpuState& s = regs->state;
    std::string mode = mode_of(s) == CpuMode::Long
                           ? (code_bits(s) == 64 ? "long mode" : "compatibility mode")
                           : std::string(to_string(mode_of(s))) + " mode";
    Vcpu* v = vcpu_for(thread);
    std::string run_state = v && v->state() == VcpuState::Running ? "running"
                            : regs->mp_state == KVM_MP_STATE_UNINITIALIZED ||
                                    regs->mp_state == KVM_MP_STATE_INIT_RECEIVED
                                ? "waiting for SIPI"
                            : regs->mp_state == KVM_MP_STATE_HALTED || (v && v->halted())
                                ? "halted"
                                : "stopped";
    return fmt::format("vCPU {}, {}, CPL {}, {}", thread - 1, mode, cpl_of(s), run_state);
}

TargetResult<VcpuRegisters> VmDebugger::registers(gdb::ThreadId thread) {
    Vcpu* vcpu = vcpu_for(thread);
    if (!vcpu) return target_error(kEInval, fmt::format("no thread {}", thread));
    {
        std::lock_guard lock(mutex_);
        if (auto& c = vcpu_debug_[static_cast<size_t>(thread - 1)].cache) return *c;
    }
    VcpuRegisters regs;
    auto r = vcpu->run_on_thread([&](Vcpu& v) -> Result<void> {
        regs.state = TRY(v.get_state());
        regs.fpu = TRY(v.get_fpu());
        regs.kernel_gs_base = v.get_msr(kMsrKernelGsBase).value_or(0);
        regs.mp_state = v.mp_state().mp_state;
        return {};
    });
    if (!r) return target_error(kEFault, r.error().message);
    std::lock_guard lock(mutex_);
    vcpu_debug_[static_cast<size_t>(thread - 1)].cache = regs;
    return regs;
}

TargetResult<gdb::x86_64::RegisterFile> VmDebugger::read_registers(gdb::ThreadId thread) {
    auto regs = registers(thread);
    if (!regs) return std::unexpected(regs.error());
    return to_gdb(*regs);
}

TargetResult<void> VmDebugger::write_registers(gdb::ThreadId thread,
                                               const gdb::x86_64::RegisterFile& file) {
    auto regs = registers(thread);
    if (!regs) return std::unexpected(regs.error());
    VcpuRegisters updated = *regs;
    from_gdb(file, updated);
    auto r = vcpu_for(thread)->run_on_thread([&](Vcpu& v) -> Result<void> {
        TRY(v.set_state(updated.state));
        TRY(v.set_fpu(updated.fpu));
        if (updated.kernel_gs_base != regs->kernel_gs_base)
            TRY(v.set_msr(kMsrKernelGsBase, updated.kernel_gs_base));
        return {};
    });
    std::lock_guard lock(mutex_);
    vcpu_debug_[static_cast<size_t>(thread - 1)].cache.reset();
    return to_target(r);
}

TargetResult<PagingRegs> VmDebugger::paging(gdb::ThreadId thread) {
    auto regs = registers(thread);
    if (!regs) return std::unexpected(regs.error());
    return PagingRegs::from(regs->state);
}

template <typename Fn>
TargetResult<size_t> VmDebugger::for_each_page(gdb::ThreadId thread, uint64_t addr, size_t len,
                                               Fn&& fn) {
    auto pg = physical_ ? TargetResult<PagingRegs>(PagingRegs{}) : paging(thread);
    if (!pg) return std::unexpected(pg.error());
    size_t done = 0;
    std::lock_guard lock(mutex_);
    while (done < len) {
        uint64_t va = addr + done;
        uint64_t chunk = std::min<uint64_t>(len - done, 0x1000 - (va & 0xfff));
        uint64_t gpa = va;
        if (!physical_) {
            auto t = translate(deps_.memory, *pg, va);
            if (!t) break;
            gpa = t->gpa;
        }
        if (!fn(gpa, done, chunk)) break;
        done += chunk;
    }
    if (done == 0) return target_error(kEFault, fmt::format("cannot access memory at {:#x}", addr));
    return done;
}

TargetResult<size_t> VmDebugger::read_memory(gdb::ThreadId thread, uint64_t addr,
                                             std::span<uint8_t> out) {
    return for_each_page(thread, addr, out.size(), [&](uint64_t gpa, size_t offset, size_t len) {
        auto piece = out.subspan(offset, len);
        if (!deps_.memory.read(gpa, piece)) return false;
        software_.hide(gpa, piece);
        return true;
    });
}

TargetResult<size_t> VmDebugger::write_memory(gdb::ThreadId thread, uint64_t addr,
                                              std::span<const uint8_t> in) {
    return for_each_page(thread, addr, in.size(), [&](uint64_t gpa, size_t offset, size_t len) {
        return software_.write_through(deps_.memory, gpa, in.subspan(offset, len)).has_value();
    });
}

std::optional<uint64_t> VmDebugger::through_elf_segments(uint64_t vaddr) const {
    for (const VirtualMapping& m : deps_.image.debug_mappings)
        if (vaddr >= m.vaddr && vaddr - m.vaddr < m.size) return m.paddr + (vaddr - m.vaddr);
    return std::nullopt;
}

std::optional<uint64_t> VmDebugger::to_physical(gdb::ThreadId thread, uint64_t vaddr) {
    if (physical_) return deps_.memory.contains(vaddr, 1) ? std::optional(vaddr) : std::nullopt;
    if (auto pg = paging(thread)) {
        auto t = translate(deps_.memory, *pg, vaddr);
        if (t && deps_.memory.contains(t->gpa, 1)) return t->gpa;
    }
    return std::nullopt;
}

std::optional<uint64_t> VmDebugger::breakpoint_gpa(gdb::ThreadId thread, uint64_t vaddr) {
    // Where the address maps now; else where the kernel's ELF segments say it will run (a
    // higher-half kernel before it enables paging).
    auto gpa = to_physical(thread, vaddr);
    if (!gpa) gpa = through_elf_segments(vaddr);
    if (gpa && !deps_.memory.contains(*gpa, 1)) return std::nullopt;
    return gpa;
}

namespace {

WatchType to_watch_type(gdb::BreakpointType type) {
    return type == gdb::BreakpointType::Write  ? WatchType::Write
           : type == gdb::BreakpointType::Read ? WatchType::Read
                                               : WatchType::Access;
}

}  // namespace

TargetResult<void> VmDebugger::insert_breakpoint(gdb::BreakpointType type, uint64_t addr,
                                                 uint64_t kind) {
    const gdb::ThreadId thread = last_stop_.thread;
    switch (type) {
        case gdb::BreakpointType::Software: {
            // At the physical address the code is (or will be) at; else a hardware breakpoint.
            auto gpa = breakpoint_gpa(thread, addr);
            std::lock_guard lock(mutex_);
            if (gpa) return to_target(software_.insert(deps_.memory, *gpa), kEFault);
            for (auto& hw : hardware_)
                if (!hw.used) {
                    hw = {addr, true, true};
                    return {};
                }
            return target_error(kENoSpace, fmt::format("{:#x} is not mapped and all four debug "
                                                       "registers are in use",
                                                       addr));
        }
        case gdb::BreakpointType::Hardware: {
            std::lock_guard lock(mutex_);
            for (auto& hw : hardware_)
                if (!hw.used) {
                    hw = {addr, true, false};
                    return {};
                }
            return target_error(kENoSpace, "all four hardware breakpoints are in use");
        }
        default: {
            if (kind == 0 || kind > (1u << 20)) return target_error(kEInval, "bad watch length");
            auto pg = physical_ ? TargetResult<PagingRegs>(PagingRegs{}) : paging(thread);
            if (!pg) return std::unexpected(pg.error());
            std::vector<Watchpoints::Piece> pieces;
            for (uint64_t done = 0; done < kind;) {
                uint64_t va = addr + done;
                uint64_t chunk = std::min<uint64_t>(kind - done, 0x1000 - (va & 0xfff));
                Result<uint64_t> t = va;
                if (!physical_) {
                    auto walk = translate(deps_.memory, *pg, va);
                    t = walk ? Result<uint64_t>(walk->gpa) : std::unexpected(walk.error());
                }
                if (!t || !deps_.memory.contains(*t, chunk))
                    return target_error(kEFault, fmt::format("cannot watch {:#x}: not mapped to "
                                                             "RAM",
                                                             va));
                pieces.push_back({*t, chunk, va});
                done += chunk;
            }
            WatchType wt = to_watch_type(type);
            {
                std::lock_guard lock(mutex_);
                watchpoints_.add(wt, addr, kind, std::move(pieces));
            }
            return apply_page_access();
        }
    }
}

TargetResult<void> VmDebugger::remove_breakpoint(gdb::BreakpointType type, uint64_t addr,
                                                 uint64_t kind) {
    const gdb::ThreadId thread = last_stop_.thread;
    switch (type) {
        case gdb::BreakpointType::Software: {
            auto gpa = breakpoint_gpa(thread, addr);
            std::lock_guard lock(mutex_);
            if (gpa && software_.contains(*gpa)) return to_target(software_.remove(deps_.memory, *gpa));
            for (auto& hw : hardware_)
                if (hw.used && hw.from_software && hw.addr == addr) {
                    hw = {};
                    return {};
                }
            return target_error(kEInval, fmt::format("no breakpoint at {:#x}", addr));
        }
        case gdb::BreakpointType::Hardware: {
            std::lock_guard lock(mutex_);
            for (auto& hw : hardware_)
                if (hw.used && !hw.from_software && hw.addr == addr) {
                    hw = {};
                    return {};
                }
            return target_error(kEInval, fmt::format("no hardware breakpoint at {:#x}", addr));
        }
        default: {
            WatchType wt = to_watch_type(type);
            {
                std::lock_guard lock(mutex_);
                if (!watchpoints_.remove(wt, addr, kind))
                    return target_error(kEInval, fmt::format("no watchpoint at {:#x}", addr));
            }
            return apply_page_access();
        }
    }
}

TargetResult<void> VmDebugger::apply_page_access() {
    std::map<uint64_t, PageAccess> pages;
    {
        std::lock_guard lock(mutex_);
        pages = watchpoints_.page_access();
    }
    // Memory slots change only while no vCPU runs; the VM ioctl is issued from vCPU 0's thread
    // so that the server thread never touches KVM.
    return to_target(deps_.vcpus[0]->run_on_thread(
        [&](Vcpu&) { return deps_.kvm.set_page_access(deps_.memory, pages); }));
}

std::array<uint64_t, 8> VmDebugger::debug_registers() const {
    // DR7: L0-L3 enable, R/W = 00 (execute), LEN = 00 (SDM Vol. 3B, 17.2.4).
    std::array<uint64_t, 8> dr{};
    uint64_t dr7 = 0;
    for (size_t i = 0; i < hardware_.size(); ++i) {
        if (!hardware_[i].used) continue;
        dr[i] = hardware_[i].addr;
        dr7 |= 1ull << (2 * i);
    }
    dr[7] = dr7;
    return dr;
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
    std::vector<Vcpu*> to_resume;
    {
        std::lock_guard lock(mutex_);
        software_.rearm(deps_.memory);
        stop_claimed_.store(false);
        started_ = true;
        for (size_t i = 0; i < plan.size(); ++i) {
            vcpu_debug_[i].cache.reset();
            if (!plan[i] || *plan[i] == gdb::ResumeAction::Kind::Stop) continue;
            vcpu_debug_[i].stepping = *plan[i] == gdb::ResumeAction::Kind::Step;
            vcpu_debug_[i].debug_dirty = true;
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
    {
        std::lock_guard resume_lock(resume_mutex_);
        pause_all_and_wait(nullptr);
    }
    StopReason reason;
    reason.signal = gdb::sig::kInt;
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

std::optional<std::string> VmDebugger::monitor(std::string_view command) {
    auto words = std::string(command);
    if (words == "help" || words.empty())
        return std::string(
            "svm monitor commands:\n"
            "  monitor phys on|off      m/M/X/Z addresses are guest-physical (on) or virtual (off)\n"
            "  monitor translate ADDR   walk the current thread's page tables for ADDR\n"
            "  monitor help             this text\n");
    if (words == "phys on" || words == "phys off") {
        physical_ = words == "phys on";
        return fmt::format("memory addresses are now guest-{}\n", physical_ ? "physical" : "virtual");
    }
    if (words == "phys") return fmt::format("phys is {}\n", physical_ ? "on" : "off");
    if (words.starts_with("translate ")) {
        auto addr = parse_address(std::string_view(words).substr(10));
        if (!addr) return "translate: " + addr.error().message + "\n";
        auto pg = paging(last_stop_.thread);
        if (!pg) return "translate: " + pg.error().message + "\n";
        auto t = translate(deps_.memory, *pg, *addr);
        if (!t) return "translate: " + t.error().message + "\n";
        return describe_walk(*t) + "\n";
    }
    return std::nullopt;
}

std::optional<std::string> VmDebugger::exec_file() {
    if (!deps_.image.is_elf) return std::nullopt;
    std::error_code ec;
    auto path = std::filesystem::absolute(deps_.kernel_path, ec);
    return ec ? deps_.kernel_path : path.string();
}

TargetResult<std::vector<uint8_t>> VmDebugger::read_exec_file(uint64_t offset, size_t length) {
    if (!deps_.image.is_elf) return target_error(kEInval, "the kernel is not an ELF file");
    std::ifstream in(deps_.kernel_path, std::ios::binary);
    if (!in) return target_error(kEFault, "cannot open " + deps_.kernel_path);
    in.seekg(static_cast<std::streamoff>(offset));
    std::vector<uint8_t> data(length);
    in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(length));
    data.resize(in ? length : static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
    return data;
}

std::optional<uint64_t> VmDebugger::exec_file_size() {
    std::error_code ec;
    auto size = std::filesystem::file_size(deps_.kernel_path, ec);
    if (ec || !deps_.image.is_elf) return std::nullopt;
    return size;
}

}  // namespace svm
