// Machine: its vCPUs — creation, SVM_HC_START_CPU, and noticing that every vCPU sleeps for good.
#include <svm/hypercall.h>

#include "core/log.h"
#include "core/machine/boot_cpu.h"
#include "core/machine/machine.h"
#include "core/x86_64/boot_page_tables.h"
#include "core/x86_64/crash_report.h"

namespace svm {

namespace {

// CPUID for vCPU `index`: the host KVM's supported set, the hypervisor bit, and the vCPU's APIC
// id in leaf 1 (initial APIC id, logical processor count) and the x2APIC topology leaves 0xB/0x1F.
std::vector<kvm_cpuid_entry2> cpuid_for(const Kvm& kvm, int index, int count) {
    std::vector<kvm_cpuid_entry2> cpuid = kvm.supported_cpuid();
    for (auto& e : cpuid) {
        if (e.function == 1) {
            e.ebx = (e.ebx & 0x0000ffff) | (static_cast<uint32_t>(count & 0xff) << 16) |
                    (static_cast<uint32_t>(index) << 24);
            e.edx |= 1u << 28;  // HTT: the count field above is valid
            e.ecx |= 1u << 31;  // hypervisor present
        } else if (e.function == 0xb || e.function == 0x1f) {
            e.edx = static_cast<uint32_t>(index);
        }
    }
    return cpuid;
}

bool waiting_for_sipi(uint32_t mp_state) {
    return mp_state == KVM_MP_STATE_UNINITIALIZED || mp_state == KVM_MP_STATE_INIT_RECEIVED;
}

}  // namespace

Result<void> Machine::create_vcpus() {
    uint64_t cr3 = 0;
    if (image_.mode == CpuMode::Long)
        cr3 = TRY(
            with_context(build_boot_page_tables(memory_, image_.mappings), config_.kernel_path));
    const CpuState boot = boot_cpu_state(image_, cr3);
    for (int i = 0; i < config_.cpus; ++i) {
        auto vcpu = TRY(Vcpu::create(*kvm_, i));
        auto cpuid = cpuid_for(*kvm_, i, config_.cpus);
        // Application processors keep KVM's reset state: with the in-kernel APIC they wait for
        // INIT-SIPI-SIPI (or SVM_HC_START_CPU) like hardware.
        TRY(vcpu->run_on_thread([&](Vcpu& v) -> Result<void> {
            TRY(v.set_cpuid(cpuid));
            return i == 0 ? v.set_state(boot) : Result<void>{};
        }));
        vcpus_.push_back(std::move(vcpu));
    }
    return {};
}

int64_t Machine::start_cpu(int caller, const HypercallRegs& regs, const CpuState& caller_state) {
    const bool wide = code_bits(caller_state) == 64;
    auto arg = [&](uint64_t r) { return wide ? r : (r & 0xffffffff); };
    const uint64_t index = arg(regs.rbx);
    if (index >= vcpus_.size() || static_cast<int>(index) == caller) return SVM_E_INVAL;
    // The new CPU runs in the caller's mode, address space and descriptor tables.
    CpuState start = caller_state;
    start.rax = start.rbx = start.rcx = start.rdx = start.rbp = 0;
    start.r8 = start.r9 = start.r10 = start.r11 = start.r12 = start.r13 = start.r14 = start.r15 = 0;
    start.rip = arg(regs.rcx);
    start.rsp = arg(regs.rsi);
    start.rdi = arg(regs.rdi);
    start.rsi = index;
    start.rflags = x86::RFLAGS_FIXED;
    start.cr2 = 0;
    bool started = false;
    auto r = vcpus_[index]->run_on_thread([&](Vcpu& v) -> Result<void> {
        if (!waiting_for_sipi(v.mp_state().mp_state)) return {};
        TRY(v.set_state(start));
        TRY(v.set_mp_state(KVM_MP_STATE_RUNNABLE));
        started = true;
        return {};
    });
    if (!r) {
        log::error("START_CPU {}: {}", index, r.error().message);
        return SVM_E_INVAL;
    }
    if (!started) return SVM_E_INVAL;
    log::verbose("vCPU {} started vCPU {} at {:#x}", caller, index, start.rip);
    return 0;
}

std::optional<RunOutcome> Machine::check_all_halted() {
    // Only a machine that runs unattended: under gdb the user decides (Ctrl-C shows where every
    // vCPU sleeps), and a vCPU stopped by the debugger is not asleep.
    if (debugger_ && debugger_->attached()) return std::nullopt;
    for (auto& vcpu : vcpus_)
        if (vcpu->state() != VcpuState::Running) return std::nullopt;
    for (auto& vcpu : vcpus_) {
        bool forever = false;
        auto r = vcpu->run_on_thread([&](Vcpu& v) -> Result<void> {
            uint32_t mp = v.mp_state().mp_state;
            auto regs = TRY(v.get_regs());
            forever = waiting_for_sipi(mp) ||
                      (mp == KVM_MP_STATE_HALTED && !(regs.rflags & x86::RFLAGS_IF));
            return {};
        });
        if (!r || !forever) return std::nullopt;
    }
    RunOutcome outcome{RunOutcome::Kind::Halted, exit_code::kHalted,
                       "every vCPU halted with interrupts disabled", ""};
    CpuState state;
    if (vcpus_[0]->run_on_thread([&](Vcpu& v) -> Result<void> {
            state = TRY(v.get_state());
            return {};
        })) {
        CrashInfo info{"halted with interrupts disabled",
                       fmt::format("Every vCPU executed HLT with RFLAGS.IF = 0 (or waits for a "
                                   "SIPI that no running CPU can send): nothing can wake the "
                                   "machine. The state of vCPU 0 follows; RIP points after its "
                                   "HLT."),
                       0, state};
        outcome.report = format_crash_report(info, memory_);
    }
    return outcome;
}

}  // namespace svm
