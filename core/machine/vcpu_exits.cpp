#include "core/machine/vcpu_exits.h"

#include <svm/hypercall.h>

#include <cstring>

#include "core/kvm/host_kind.h"
#include "core/log.h"
#include "core/x86_64/crash_report.h"
#include "core/x86_64/disassembler.h"
#include "core/x86_64/page_walker.h"

namespace svm {

namespace {

thread_local const CurrentExit* t_current_exit = nullptr;

// Sets the calling thread's current exit for one dispatch.
class CurrentExitScope {
public:
    explicit CurrentExitScope(const CurrentExit& exit) : previous_(t_current_exit) {
        t_current_exit = &exit;
    }
    ~CurrentExitScope() { t_current_exit = previous_; }
    CurrentExitScope(const CurrentExitScope&) = delete;
    CurrentExitScope& operator=(const CurrentExitScope&) = delete;

private:
    const CurrentExit* previous_;
};

}  // namespace

const CurrentExit* current_exit() {
    return t_current_exit;
}

VcpuExitHandler::Action VcpuExits::handle_exit(Vcpu& vcpu) {
    const CurrentExit exit{vcpu, deps_.stats, deps_.hypercalls};
    CurrentExitScope scope(exit);
    Action action = dispatch(vcpu);
    // A device or hypercall may have ended the run (the guest's exit): this vCPU must not execute
    // another instruction, so it parks now rather than when the main thread gets to it.
    if (action != Action::Yield && deps_.stopping.load(std::memory_order_acquire))
        return Action::Park;
    return action;
}

VcpuExitHandler::Action VcpuExits::dispatch(Vcpu& vcpu) {
    kvm_run* run = vcpu.run();
    deps_.stats.count(run->exit_reason);
    if (log::enabled(log::Level::Verbose)) log_exit(vcpu);
    switch (run->exit_reason) {
        case KVM_EXIT_IO:
            return handle_io(vcpu);
        case KVM_EXIT_MMIO:
            return handle_mmio(vcpu);
        case KVM_EXIT_HLT:
            return handle_halt(vcpu);
        case KVM_EXIT_INTR:
            return Action::Continue;
        case KVM_EXIT_DEBUG:
            return debugging() && deps_.debugger->on_debug_exit(vcpu) ? Action::Yield
                                                                      : Action::Continue;
        case KVM_EXIT_SHUTDOWN:
            if (deps_.triple_fault_resets && !debugging()) {
                // --triple-fault reset: what a PC does (main.cpp restarts with --reboot).
                deps_.stop({RunOutcome::Kind::Reset, exit_code::kReset,
                            "guest requested a reset (triple fault)", ""});
                return Action::Park;
            }
            return crash(vcpu, RunOutcome::Kind::TripleFault, exit_code::kTripleFault,
                         "triple fault",
                         "The guest raised an exception while delivering a double fault "
                         "(KVM_EXIT_SHUTDOWN); a real PC would reset. The state below is the "
                         "state at the fault.");
        case KVM_EXIT_INTERNAL_ERROR:
            return handle_internal_error(vcpu);
        case KVM_EXIT_FAIL_ENTRY:
            return crash(
                vcpu, RunOutcome::Kind::EntryFailure, exit_code::kEntryFailure,
                "KVM could not enter the guest",
                fmt::format("KVM_EXIT_FAIL_ENTRY, hardware entry failure reason {:#x}: the "
                            "CPU state below is invalid for VM entry.",
                            run->fail_entry.hardware_entry_failure_reason));
        case KVM_EXIT_SYSTEM_EVENT:
            return crash(vcpu, RunOutcome::Kind::TripleFault, exit_code::kTripleFault,
                         "system event",
                         fmt::format("KVM_EXIT_SYSTEM_EVENT type {}: the guest asked for a reset "
                                     "or shutdown.",
                                     run->system_event.type));
        default:
            return crash(vcpu, RunOutcome::Kind::InternalError, exit_code::kInternal,
                         fmt::format("unexpected exit {}", run->exit_reason),
                         "svm does not handle this KVM exit reason.");
    }
}

VcpuExitHandler::Action VcpuExits::handle_io(Vcpu& vcpu) {
    kvm_run* run = vcpu.run();
    const auto& io = run->io;
    deps_.stats.count_port(io.port);
    const bool hypercall_port = deps_.svm_hypercall_port && io.port == SVM_HYPERCALL_PORT;
    if (hypercall_port && io.direction == KVM_EXIT_IO_OUT && io.size == 4 && io.count == 1)
        return handle_hypercall(vcpu);
    if (hypercall_port && io.size != 4) explain_hypercall_port(*run);
    // `rep ins/outs` arrive as `count` items of `size` bytes each at data_offset (api.rst,
    // KVM_EXIT_IO).
    auto* data = reinterpret_cast<uint8_t*>(run) + io.data_offset;
    for (uint32_t i = 0; i < io.count; ++i) {
        std::span<uint8_t> item(data + size_t{i} * io.size, io.size);
        if (io.direction == KVM_EXIT_IO_OUT)
            deps_.io_bus.write(io.port, item);
        else if (hypercall_port && io.size == 4)
            std::memcpy(item.data(), "!MVS", 4);  // reads as SVM_BOOT_MAGIC: the port exists
        else
            deps_.io_bus.read(io.port, item);
    }
    return after_instruction(vcpu);
}

void VcpuExits::explain_hypercall_port(const kvm_run& run) {
    if (hypercall_port_explained_.exchange(true, std::memory_order_relaxed)) return;
    log::info(
        "the guest {} {} byte(s) at port {:#x}, svm's hypercall port. svm's ABI is 32-bit: "
        "`out %eax, (%dx)` with DX = {:#x} and the function number in EAX, arguments in EBX, "
        "ECX, ESI, EDI, the result in EAX (<svm/hypercall.h>, docs/guests.md); other access sizes "
        "are ignored and read as all-ones. A mini-kvm guest (`out %al, (%dx)` with the function "
        "in AL) runs with --compat mini-kvm.",
        run.io.direction == KVM_EXIT_IO_OUT ? "wrote" : "read", run.io.size, run.io.port,
        SVM_HYPERCALL_PORT);
}

void VcpuExits::log_exit(Vcpu& vcpu) {
    const kvm_run* run = vcpu.run();
    switch (run->exit_reason) {
        case KVM_EXIT_IO:
            log::verbose("vCPU {}: exit IO {} port {:#x}, {} byte(s){}", vcpu.index(),
                         run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
                         run->io.size, run->io.count > 1 ? fmt::format(" x{}", run->io.count) : "");
            break;
        case KVM_EXIT_MMIO:
            log::verbose("vCPU {}: exit MMIO {} {:#x}, {} byte(s)", vcpu.index(),
                         run->mmio.is_write ? "write" : "read", run->mmio.phys_addr, run->mmio.len);
            break;
        default:
            log::verbose("vCPU {}: exit {}", vcpu.index(), exit_reason_name(run->exit_reason));
    }
}

VcpuExitHandler::Action VcpuExits::after_instruction(Vcpu& vcpu) {
    return debugging() && deps_.debugger->on_instruction_exit(vcpu) ? Action::Yield
                                                                    : Action::Continue;
}

VcpuExitHandler::Action VcpuExits::handle_mmio(Vcpu& vcpu) {
    auto& mmio = vcpu.run()->mmio;
    std::span<uint8_t> data(mmio.data, std::min<uint32_t>(mmio.len, sizeof mmio.data));
    if (deps_.memory.contains(mmio.phys_addr, data.size())) {
        // RAM that the debugger mapped read-only or not at all, for watchpoints.
        if (deps_.debugger && deps_.debugger->on_ram_access(vcpu)) return Action::Yield;
        return after_instruction(vcpu);
    }
    if (mmio.is_write)
        deps_.mmio_bus.write(mmio.phys_addr, data);
    else
        deps_.mmio_bus.read(mmio.phys_addr, data);
    return after_instruction(vcpu);
}

VcpuExitHandler::Action VcpuExits::handle_hypercall(Vcpu& vcpu) {
    auto regs = vcpu.get_regs();
    if (!regs) {
        log::error("vCPU {}: hypercall: {}", vcpu.index(), regs.error().message);
        return Action::Continue;
    }
    // The function number is the value written (EAX).
    HypercallRegs hc{0, regs->rbx, regs->rcx, regs->rsi, regs->rdi};
    std::memcpy(&hc.rax, reinterpret_cast<uint8_t*>(vcpu.run()) + vcpu.run()->io.data_offset, 4);
    deps_.hypercalls.handle(hc, vcpu.index(), [&] { return vcpu.get_state(); });
    regs->rax = hc.rax;
    if (auto r = vcpu.set_regs(*regs); !r)
        log::error("vCPU {}: hypercall: {}", vcpu.index(), r.error().message);
    return after_instruction(vcpu);
}

VcpuExitHandler::Action VcpuExits::handle_halt(Vcpu& vcpu) {
    // Stepping over HLT: the step ends after it (the vCPU does not sleep under a debugger step).
    if (after_instruction(vcpu) == Action::Yield) return Action::Yield;
    vcpu.set_halted(true);
    auto regs = vcpu.get_regs();
    if (regs && (regs->rflags & x86::RFLAGS_IF)) {
        // Interrupts are enabled: the vCPU waits for one. (Interrupt sources arrive with the
        // interrupt controller; until then it waits for --timeout or a signal.)
        return Action::Park;
    }
    halted_[vcpu.index()] = true;
    for (const auto& h : halted_)
        if (!h) return Action::Park;
    return crash(vcpu, RunOutcome::Kind::Halted, exit_code::kHalted,
                 "halted with interrupts disabled",
                 "The guest executed HLT with RFLAGS.IF = 0 on every vCPU: nothing can wake it. "
                 "RIP points after the HLT.");
}

VcpuExitHandler::Action VcpuExits::handle_internal_error(Vcpu& vcpu) {
    const auto& internal = vcpu.run()->internal;
    // On nested KVM-PVM hosts an inserted int3 arrives as an emulation failure at its address.
    if (internal.suberror == KVM_INTERNAL_ERROR_EMULATION && debugging() &&
        deps_.debugger->on_emulation_failure(vcpu))
        return Action::Yield;
    if (internal.suberror != KVM_INTERNAL_ERROR_EMULATION)
        return crash(vcpu, RunOutcome::Kind::InternalError, exit_code::kInternal,
                     fmt::format("KVM internal error (suberror {})", internal.suberror),
                     "KVM_EXIT_INTERNAL_ERROR: KVM could not continue running the guest.");
    std::string explanation =
        "KVM_EXIT_INTERNAL_ERROR (emulation failure): the host's KVM instruction emulator "
        "cannot execute the instruction at RIP.";
    if (auto state = vcpu.get_state()) {
        uint8_t bytes[16] = {};
        auto n =
            read_linear(deps_.memory, PagingRegs::from(*state), state->cs.base + state->rip, bytes);
        if (n && *n > 0) {
            auto insns = disassemble(std::span(bytes, *n), state->rip, code_bits(*state), 1);
            if (!insns.empty() && insns[0].valid)
                explanation += fmt::format("\nFailing instruction: {}  ({})", insns[0].text,
                                           insns[0].bytes_hex);
            std::string hint = emulation_failure_hint(std::span(bytes, *n), code_bits(*state));
            if (!hint.empty()) explanation += "\n" + hint;
        }
    }
    return crash(vcpu, RunOutcome::Kind::EmulationFailure, exit_code::kEmulationFailure,
                 "emulation failure", explanation);
}

VcpuExitHandler::Action VcpuExits::crash(Vcpu& vcpu, RunOutcome::Kind kind, int code,
                                         std::string title, std::string explanation) {
    RunOutcome outcome;
    outcome.kind = kind;
    outcome.code = code;
    outcome.summary = fmt::format("{} on vCPU {}", title, vcpu.index());
    if (auto state = vcpu.get_state()) {
        CrashInfo info{std::move(title), std::move(explanation), vcpu.index(), *state};
        // A guest stopped by a limit of a nested KVM-PVM host (32-bit paging, 32-bit int n/iret)
        // gets a hint that says so (crash_report.h, host_limit_hint).
        info.host_hints =
            kind == RunOutcome::Kind::TripleFault || kind == RunOutcome::Kind::EmulationFailure;
        info.host = detect_host_kvm();
        outcome.report = format_crash_report(info, deps_.memory);
    } else {
        outcome.report =
            explanation + "\n(cannot read the vCPU state: " + state.error().message + ")";
    }
    if (debugging() && kind != RunOutcome::Kind::InternalError) {
        // Under a debugger a crash is a stop with the state intact: SIGSEGV for a triple fault,
        // SIGILL for an instruction the host cannot run, SIGTRAP otherwise.
        log::info("{}\n{}", outcome.summary, outcome.report);
        int signal = kind == RunOutcome::Kind::TripleFault        ? gdb::sig::kSegv
                     : kind == RunOutcome::Kind::EmulationFailure ? gdb::sig::kIll
                                                                  : gdb::sig::kTrap;
        deps_.debugger->on_crash(vcpu, signal);
        return Action::Yield;
    }
    deps_.stop(std::move(outcome));
    return Action::Park;
}

}  // namespace svm
