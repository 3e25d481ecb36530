// Machine: its vCPUs — creation, SVM_HC_START_CPU, and noticing that every vCPU sleeps for good.
#include <svm/hypercall.h>
#include <svm/limine_protocol.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/loader/limine_loader.h"
#include "core/log.h"
#include "core/machine/boot_cpu.h"
#include "core/machine/machine.h"
#include "core/machine/wake_sources.h"
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

// The parts of a local APIC's register page (kvm_lapic_state.regs, xAPIC layout; SDM Vol. 3A,
// Table 11-1) that decide whether it can still take or raise an interrupt.
LapicWakeState lapic_wake_state(const kvm_lapic_state& lapic, uint64_t apic_base) {
    auto reg = [&](size_t offset) {
        uint32_t v = 0;
        std::memcpy(&v, lapic.regs + offset, sizeof v);
        return v;
    };
    LapicWakeState out;
    out.lvt_timer = reg(0x320);
    out.lvt_lint0 = reg(0x350);
    out.initial_count = reg(0x380);
    out.current_count = reg(0x390);
    for (size_t irr = 0x200; irr <= 0x270; irr += 0x10) out.irr_pending |= reg(irr) != 0;
    out.hw_enabled = apic_base & (1u << 11);  // IA32_APIC_BASE.EN
    return out;
}

// How long the main thread waits for a vCPU to answer a question (check_all_halted): a vCPU
// that does not answer in time is busy, so the machine is not asleep. The main thread never
// waits longer, so --timeout and signals are always seen (docs/reliability.md, "Waits").
constexpr auto kMainThreadAskLimit = std::chrono::milliseconds(100);

// The report for a machine that sleeps for good: `explanation` and vCPU 0's state.
std::string halt_report(Vcpu& vcpu0, const GuestMemory& memory, std::string title,
                        std::string explanation) {
    CpuState state;
    if (!vcpu0.run_on_thread(
            [&](Vcpu& v) -> Result<void> {
                state = TRY(v.get_state());
                return {};
            },
            std::chrono::steady_clock::now() + kMainThreadAskLimit))
        return explanation;
    CrashInfo info{std::move(title), std::move(explanation), 0, state};
    return format_crash_report(info, memory);
}

// A boot sector's interrupts come from the 8259 PIC, which reaches the CPU through the local
// APIC's LINT0 in ExtINT mode ("virtual wire", MP spec 3.6.2.2). A PC BIOS programs LVT0 so; KVM's
// reset state already has it for the BSP (KVM_X86_QUIRK_LINT0_REENABLED), svm sets it explicitly
// so that the boot does not depend on a quirk. Vol. 3A 11.5.1: LVT0 at offset 0x350, delivery
// mode ExtINT = 0b111 in bits 10:8, unmasked.
Result<void> route_pic_to_bsp(Vcpu& vcpu) {
    constexpr size_t kLvt0 = 0x350;
    constexpr uint32_t kExtInt = 0x700;
    auto lapic = TRY(vcpu.get_lapic());
    std::memcpy(lapic.regs + kLvt0, &kExtInt, sizeof kExtInt);
    return vcpu.set_lapic(lapic);
}

// The 8259A pair as a BIOS initialises it (ICW1 0x11: edge, cascade, ICW4; ICW2 vector bases 0x08
// and 0x70; ICW3 slave on IRQ2; ICW4 8086 mode; masks: IRQ0, 1 and 2 open, the slave's all
// closed) and the 8254's channel 0 in mode 3 with a divisor of 65536 (18.2065 Hz): what
// core/bios/rom/bios_rom.asm's reset entry does with `out`, loaded into KVM's in-kernel devices
// (api.rst 4.27 KVM_SET_IRQCHIP, 4.73 KVM_SET_PIT2; the fields are Linux's kvm_pic_state and
// kvm_pit_channel_state).
Result<void> program_pic_and_pit_like_a_bios(Kvm& kvm) {
    for (uint32_t id : {uint32_t(KVM_IRQCHIP_PIC_MASTER), uint32_t(KVM_IRQCHIP_PIC_SLAVE)}) {
        kvm_irqchip chip = TRY(kvm.get_irqchip(id));
        kvm_pic_state& pic = chip.chip.pic;
        const bool master = id == KVM_IRQCHIP_PIC_MASTER;
        pic.irq_base = master ? 0x08 : 0x70;
        pic.imr = master ? 0xf8 : 0xff;
        pic.irr = pic.isr = 0;
        pic.init_state = 0;  // initialisation finished
        pic.init4 = 1;
        pic.auto_eoi = 0;
        pic.rotate_on_auto_eoi = 0;
        pic.special_fully_nested_mode = 0;
        pic.special_mask = 0;
        pic.poll = 0;
        pic.read_reg_select = 0;  // OCW3: reads return the IRR
        pic.priority_add = 0;
        TRY(kvm.set_irqchip(chip));
    }
    kvm_pit_state2 pit = TRY(kvm.get_pit2());
    kvm_pit_channel_state& channel = pit.channels[0];
    channel.count = 0;    // 65536
    channel.mode = 3;     // square wave
    channel.rw_mode = 3;  // low byte, then high byte
    channel.read_state = channel.write_state = 3;
    channel.bcd = 0;
    channel.gate = 1;
    return kvm.set_pit2(pit);
}

// The registers at 0000:7C00: CS = DS = ES = FS = GS = SS = 0, SP = 0x7C00, DL = the boot drive,
// the other general registers 0, IF set, DF clear (the state the ROM's reset entry sets too).
// `real` is svm's real-mode start state (boot_cpu_state), whose segments are 0-based.
CpuState boot_sector_state(CpuState real, uint8_t drive) {
    real.es = real.fs = real.gs = real.ss = real.ds;
    real.rax = real.rbx = real.rcx = real.rsi = real.rdi = real.rbp = 0;
    real.rdx = drive;
    real.rip = 0x7c00;
    real.rsp = 0x7c00;
    real.rflags = x86::RFLAGS_FIXED | x86::RFLAGS_IF;
    return real;
}

// The interrupt controllers as a Limine loader leaves them (PROTOCOL.md "Machine State at
// Entry", x86-64): the 8259s initialised as a BIOS does and every IRQ masked, every I/O APIC
// redirection entry masked (base revision 5's rule, applied to every revision).
Result<void> mask_interrupt_controllers_like_limine(Kvm& kvm) {
    TRY(program_pic_and_pit_like_a_bios(kvm));
    for (uint32_t id : {uint32_t(KVM_IRQCHIP_PIC_MASTER), uint32_t(KVM_IRQCHIP_PIC_SLAVE)}) {
        kvm_irqchip chip = TRY(kvm.get_irqchip(id));
        chip.chip.pic.imr = 0xff;
        TRY(kvm.set_irqchip(chip));
    }
    kvm_irqchip ioapic = TRY(kvm.get_irqchip(KVM_IRQCHIP_IOAPIC));
    for (auto& entry : ioapic.chip.ioapic.redirtbl) entry.fields.mask = 1;
    return kvm.set_irqchip(ioapic);
}

// One processor's local APIC and PAT as a Limine loader leaves them ("Machine State at Entry",
// base revision 5, for every revision; "Caching", x86-64): the APIC enabled in IA32_APIC_BASE,
// SVR 0x1FF (software-enabled, spurious vector 0xFF), TPR 0, the timer, thermal, performance,
// LINT0, LINT1 and error LVT entries masked (SDM Vol. 3A, 11.5.1: offsets 0x320-0x370, mask bit
// 16); x2APIC mode when the MP request asked for it; IA32_PAT (MSR 0x277) with the protocol's
// layout.
Result<void> set_up_limine_cpu(Vcpu& vcpu, bool x2apic) {
    constexpr uint32_t kPatMsr = 0x277;
    TRY(vcpu.set_msr(kPatMsr, SVM_LIMINE_PAT));
    auto lapic = TRY(vcpu.get_lapic());
    auto put = [&](size_t offset, uint32_t value) {
        std::memcpy(lapic.regs + offset, &value, sizeof value);
    };
    auto get = [&](size_t offset) {
        uint32_t value;
        std::memcpy(&value, lapic.regs + offset, sizeof value);
        return value;
    };
    put(0x80, 0);      // TPR
    put(0xf0, 0x1ff);  // SVR
    for (size_t lvt = 0x320; lvt <= 0x370; lvt += 0x10) put(lvt, get(lvt) | (1u << 16));
    TRY(vcpu.set_lapic(lapic));
    auto sregs = TRY(vcpu.get_sregs());
    sregs.apic_base |= 1u << 11;              // IA32_APIC_BASE.EN
    if (x2apic) sregs.apic_base |= 1u << 10;  // IA32_APIC_BASE.EXTD (SDM Vol. 3A, 11.12.1)
    return vcpu.set_sregs(sregs);
}

}  // namespace

Result<void> Machine::create_vcpus() {
    const uint64_t cr3 =
        TRY(with_context(build_kernel_page_tables(memory_, image_), config_.kernel_path));
    CpuState boot = boot_cpu_state(image_, cr3);
    const LimineStart* limine = image_.limine.get();
    if (limine) TRY(mask_interrupt_controllers_like_limine(*kvm_));
    if (pc_.boot_drive) {
        // A boot sector starts at 0000:7C00 in the state a PC BIOS leaves (docs/bios.md, "Booting
        // a disk image"), with the PIC and PIT programmed as a BIOS programs them: gdb's first
        // stop is the boot sector's first instruction.
        TRY(program_pic_and_pit_like_a_bios(*kvm_));
        SVM_ASSERT(image_.mode == CpuMode::Real && boot.cs.base == 0 && boot.ds.base == 0);
        boot = boot_sector_state(boot, *pc_.boot_drive);
    }
    for (int i = 0; i < config_.cpus; ++i) {
        auto vcpu = TRY(Vcpu::create(*kvm_, i));
        auto cpuid = cpuid_for(*kvm_, i, config_.cpus);
        // Application processors keep KVM's reset state: with the in-kernel APIC they wait for
        // INIT-SIPI-SIPI (or SVM_HC_START_CPU) like hardware.
        TRY(vcpu->run_on_thread([&](Vcpu& v) -> Result<void> {
            TRY(v.set_cpuid(cpuid));
            if (limine) {
                // The MP feature's application processors are parked in svm's loop, in the
                // BSP's mode ("MP (Multiprocessor) Feature"); without it they wait for a SIPI.
                TRY(set_up_limine_cpu(v, limine->x2apic));
                if (i != 0 && size_t(i) <= limine->aps.size()) {
                    const auto& ap = limine->aps[size_t(i) - 1];
                    CpuState parked = boot;
                    parked.rip = ap.rip;
                    parked.rdi = ap.rdi;
                    parked.rsp = ap.rsp;
                    TRY(v.set_state(parked));
                    TRY(v.set_mp_state(KVM_MP_STATE_RUNNABLE));
                }
            }
            if (i != 0) return Result<void>{};
            TRY(v.set_state(boot));
            if (pc_.boot_drive) TRY(route_pic_to_bsp(v));
            return Result<void>{};
        }));
        vcpus_.push_back(std::move(vcpu));
    }
    return {};
}

bool Machine::in_limine_parking_loop(uint64_t rip) const {
    // A processor the Limine MP feature parked spins in svm's loop until the executable releases
    // it: like a processor waiting for a SIPI, only the executable can wake it.
    if (!image_.limine || image_.limine->aps.empty()) return false;
    const uint64_t loop = image_.limine->aps.front().rip;
    return rip >= loop && rip < loop + kLimineParkingLoopSpin;
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
    // Every vCPU must sleep: for good (HLT with IF = 0, or waiting for a SIPI), or in HLT with
    // IF = 1, waiting for an interrupt. For the latter, their local APICs are collected so that
    // why_nothing_can_wake() can decide whether one can ever come.
    bool waits_for_interrupt = false;
    WakeSnapshot wake;
    const auto deadline = std::chrono::steady_clock::now() + kMainThreadAskLimit;
    for (auto& vcpu : vcpus_) {
        bool asleep = false;
        auto r = vcpu->run_on_thread(
            [&](Vcpu& v) -> Result<void> {
                uint32_t mp = v.mp_state().mp_state;
                auto regs = TRY(v.get_regs());
                const bool halted = mp == KVM_MP_STATE_HALTED;
                const bool interruptible = halted && (regs.rflags & x86::RFLAGS_IF);
                asleep = waiting_for_sipi(mp) || halted || in_limine_parking_loop(regs.rip);
                if (interruptible) waits_for_interrupt = true;
                if (!asleep) return {};
                auto lapic = TRY(v.get_lapic());
                auto sregs = TRY(v.get_sregs());
                wake.lapics.push_back(lapic_wake_state(lapic, sregs.apic_base));
                return {};
            },
            deadline);
        if (!r || !asleep) return std::nullopt;
    }
    if (!waits_for_interrupt) {
        RunOutcome outcome{RunOutcome::Kind::Halted, exit_code::kHalted,
                           "every vCPU halted with interrupts disabled", ""};
        outcome.report = halt_report(
            *vcpus_[0], memory_, "halted with interrupts disabled",
            "Every vCPU executed HLT with RFLAGS.IF = 0 (or waits for a SIPI, or to be released "
            "from the Limine MP parking loop, by a CPU that no longer runs): nothing can wake the "
            "machine. The state of vCPU 0 follows; RIP points "
            "after its HLT.");
        return outcome;
    }
    // Interrupts are enabled somewhere: end the run only if no interrupt source is armed.
    auto pit = kvm_->get_pit2();
    auto master = kvm_->get_irqchip(KVM_IRQCHIP_PIC_MASTER);
    auto slave = kvm_->get_irqchip(KVM_IRQCHIP_PIC_SLAVE);
    auto ioapic = kvm_->get_irqchip(KVM_IRQCHIP_IOAPIC);
    if (!pit || !master || !slave || !ioapic) return std::nullopt;  // in doubt: keep running
    wake.pit.mode = pit->channels[0].mode;
    wake.controllers.pic_master_imr = master->chip.pic.imr;
    wake.controllers.pic_slave_imr = slave->chip.pic.imr;
    for (size_t pin = 0; pin < wake.controllers.ioapic_masked.size(); ++pin)
        wake.controllers.ioapic_masked[pin] = ioapic->chip.ioapic.redirtbl[pin].fields.mask;
    // Every ISA line a device of this machine drives (machine table), plus 0 and 8, which an HPET
    // in legacy-replacement mode drives: a line of an existing device counts as a possible source.
    wake.device_irqs = {0, 8};
    for (const svm_device& d : device_entries_) {
        if (d.irq == SVM_IRQ_NONE || d.type == SVM_DEV_LAPIC || d.type == SVM_DEV_IOAPIC ||
            d.type == SVM_DEV_PIC || d.type == SVM_DEV_PIT)
            continue;
        if (std::find(wake.device_irqs.begin(), wake.device_irqs.end(), d.irq) ==
            wake.device_irqs.end())
            wake.device_irqs.push_back(d.irq);
    }
    std::sort(wake.device_irqs.begin(), wake.device_irqs.end());
    std::optional<std::string> why = why_nothing_can_wake(wake);
    if (!why) return std::nullopt;
    RunOutcome outcome{RunOutcome::Kind::Halted, exit_code::kHalted,
                       "every vCPU waits for an interrupt that nothing can raise", ""};
    outcome.report = halt_report(
        *vcpus_[0], memory_, "halted with interrupts enabled, but no interrupt source is armed",
        fmt::format("Every vCPU executed HLT (some with RFLAGS.IF = 1), and nothing can ever "
                    "interrupt them: interrupts enabled, but no interrupt source is armed: {}. "
                    "Program a timer (the LAPIC timer, or the PIT with IRQ 0 unmasked) before "
                    "waiting. The state of vCPU 0 follows; RIP points after its HLT.",
                    *why));
    return outcome;
}

}  // namespace svm
