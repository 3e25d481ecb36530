#include "core/machine/wake_sources.h"

#include <fmt/format.h>

namespace svm {

namespace {

constexpr uint32_t kLvtMasked = 1u << 16;

bool lapic_timer_armed(const LapicWakeState& apic) {
    if (apic.lvt_timer & kLvtMasked) return false;
    switch ((apic.lvt_timer >> 17) & 3) {
        case 0:  // one-shot: armed while the current count has not reached 0 (SDM 11.5.4)
            return apic.current_count != 0;
        case 1:  // periodic: reloads from the initial count; 0 stops it
            return apic.initial_count != 0;
        default:  // TSC-deadline (IA32_TSC_DEADLINE is not in the snapshot) or reserved: in doubt
            return true;
    }
}

bool accepts_pic(const LapicWakeState& apic) {
    if (!apic.hw_enabled) return true;
    return !(apic.lvt_lint0 & kLvtMasked) && ((apic.lvt_lint0 >> 8) & 7) == 7;
}

}  // namespace

std::optional<std::string> why_nothing_can_wake(const WakeSnapshot& s) {
    bool pic_reaches_cpu = s.lapics.empty();  // no APIC information: assume the PIC is wired
    for (const LapicWakeState& apic : s.lapics) {
        if (apic.irr_pending || lapic_timer_armed(apic)) return std::nullopt;
        pic_reaches_cpu = pic_reaches_cpu || accepts_pic(apic);
    }
    const auto& c = s.controllers;
    auto reaches_cpu = [&](uint32_t irq) {
        if (irq < 24 && !c.ioapic_masked[irq]) return true;
        if (irq == 0 && !c.ioapic_masked[2]) return true;  // ISA IRQ 0 -> GSI 2 (MADT override)
        if (irq >= 16 || !pic_reaches_cpu) return false;
        if (irq < 8) return !(c.pic_master_imr & (1u << irq));
        return !(c.pic_slave_imr & (1u << (irq - 8))) && !(c.pic_master_imr & (1u << 2));
    };
    // PIT channel 0 counts in modes 0-4 once programmed (KVM's pit_load_count); mode 5 needs a
    // gate edge channel 0 never gets.
    const bool pit_counting = s.pit.mode <= 4;
    if (pit_counting && reaches_cpu(0)) return std::nullopt;
    for (uint32_t irq : s.device_irqs)
        if (reaches_cpu(irq)) return std::nullopt;
    for (uint32_t pin = 16; pin < 24; ++pin)
        if (!c.ioapic_masked[pin]) return std::nullopt;

    std::string why = "the LAPIC timer is masked or stopped on every vCPU; ";
    why += pit_counting ? "PIT channel 0 counts, but IRQ 0 is masked at the PIC and the I/O APIC"
                        : "PIT channel 0 is not counting (never programmed, or mode 5)";
    if (s.device_irqs.empty()) {
        why += "; no device has an interrupt line";
    } else {
        std::string lines;
        for (uint32_t irq : s.device_irqs)
            lines += fmt::format("{}{}", lines.empty() ? "" : ", ", irq);
        why += fmt::format(
            "; every device interrupt line (IRQ {}) is masked at the PIC{} and the "
            "I/O APIC",
            lines, pic_reaches_cpu ? "" : " or the PIC is cut off (LINT0 masked)");
    }
    return why;
}

}  // namespace svm
