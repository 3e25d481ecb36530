// Whether anything can ever wake a machine whose vCPUs all wait in HLT with interrupts enabled:
// svm's "no silent hangs" check (docs/machine.md, "Diagnostics"). A pure decision on a snapshot of
// the interrupt controllers and timers (KVM_GET_LAPIC, KVM_GET_PIT2, KVM_GET_IRQCHIP), so it is
// unit-tested without KVM. It is conservative: when in doubt it answers "something may wake it",
// because ending a run that would have gone on is worse than missing a hang.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace svm {

// One vCPU's local APIC (Intel SDM Vol. 3A, 11.4 and 11.5.1; register offsets in the xAPIC page).
struct LapicWakeState {
    uint32_t lvt_timer = 0x10000;  // 0x320: bit 16 mask, bits 18:17 mode (0 one-shot,
                                   // 1 periodic, 2 TSC-deadline)
    uint32_t initial_count = 0;    // 0x380
    uint32_t current_count = 0;    // 0x390
    uint32_t lvt_lint0 = 0x10000;  // 0x350: bit 16 mask, bits 10:8 delivery mode (7 = ExtINT)
    bool irr_pending = false;      // any bit of IRR (0x200-0x270) set
    bool hw_enabled = true;        // IA32_APIC_BASE bit 11; a disabled APIC passes PIC INTR on
};

// 8254 channel 0 as KVM_GET_PIT2 reports it: mode 0-5, or 0xFF before the guest programmed it.
struct PitWakeState {
    uint8_t mode = 0xff;
};

// The 8259 pair's interrupt mask registers (bit n = IRQ n masked) and the I/O APIC's
// redirection-table mask bits (pin n masked), as KVM_GET_IRQCHIP reports them.
struct InterruptControllerWakeState {
    uint8_t pic_master_imr = 0;
    uint8_t pic_slave_imr = 0;
    std::array<bool, 24> ioapic_masked{};
};

struct WakeSnapshot {
    std::vector<LapicWakeState> lapics;  // one per vCPU
    PitWakeState pit;
    InterruptControllerWakeState controllers;
    // ISA IRQ lines a device could raise (COM1's 4, the i8042's 1 and 12, the RTC's 8, ...), or
    // anything else that might interrupt (HPET comparators use lines 0/8 or I/O APIC pins).
    std::vector<uint32_t> device_irqs;
};

// Returns why nothing can ever interrupt the vCPUs ("the LAPIC timer is masked or stopped on every
// vCPU; PIT channel 0 is not counting; ...") if that is certain, or std::nullopt if an interrupt
// may still come: a LAPIC timer armed on some vCPU (periodic or TSC-deadline unmasked, or a
// one-shot still counting), an interrupt already pending in an IRR, PIT channel 0 counting with
// IRQ 0 reaching a CPU, or a device line that reaches a CPU. An ISA line reaches a CPU through the
// PIC when it is unmasked there (IRQ 8-15 also need the cascade, IRQ 2, unmasked) and some vCPU's
// APIC accepts PIC interrupts (LINT0 unmasked ExtINT, or the APIC disabled), or through the I/O
// APIC when its pin is unmasked (IRQ 0 is pin 2 in the MADT, so pins 0 and 2 both count for it).
// Any unmasked I/O APIC pin from 16 up counts as a possible source.
std::optional<std::string> why_nothing_can_wake(const WakeSnapshot& snapshot);

}  // namespace svm
