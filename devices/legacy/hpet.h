// High Precision Event Timer (IA-PC HPET Specification 1.0a, Intel 2004; OSDev wiki "HPET"):
// a 64-bit main counter and `timers` comparators in a 1 KiB MMIO block.
//
//   0x000 GCAP_ID   capabilities (2.3.4): REV_ID 1, NUM_TIM_CAP, COUNT_SIZE_CAP (64-bit),
//                   LEG_RT_CAP, VENDOR_ID 0x8086, COUNTER_CLK_PERIOD (femtoseconds). Read-only.
//   0x010 GEN_CONF  ENABLE_CNF (bit 0) runs the main counter; LEG_RT_CNF (bit 1) routes timer 0
//                   to ISA IRQ 0 and timer 1 to ISA IRQ 8 ("legacy replacement", 2.3.5).
//   0x020 GINTR_STA bit n = timer n's level-triggered interrupt is active; write 1 to clear.
//   0x0F0 MAIN_CNT  counts up at 1 / period while enabled; writable only while halted (2.3.7).
//   0x100 + 0x20*n  Tn_CONF_CAP (2.3.8): INT_TYPE (1, 1 = level), INT_ENB (2), TYPE (3, 1 =
//                   periodic), PER_INT_CAP (4, RO 1), SIZE_CAP (5, RO 1), VAL_SET (6), 32MODE (8),
//                   INT_ROUTE (13:9, only pins in INT_ROUTE_CAP are accepted), FSB bits RO 0,
//                   INT_ROUTE_CAP (63:32).
//   0x108 + 0x20*n  Tn_COMPARATOR (2.3.9): a one-shot timer fires when the counter reaches it;
//                   a periodic one fires and adds the period. In periodic mode a write sets the
//                   period, and also the comparator if VAL_SET was set (VAL_SET then clears), as
//                   QEMU and the Linux driver's two-write sequence expect. 32MODE compares and
//                   accumulates in 32 bits.
//   0x110 + 0x20*n  Tn_FSB_INT_ROUTE: FSB delivery is not supported; reads 0.
//
// Time comes from an injected monotonic clock. Matches are found when the device is evaluated:
// on every register access and on tick() (which svm's wiring calls from a timer thread at
// next_deadline_ns()). A match is "the counter passed the comparator since the last evaluation";
// missed periods of a periodic timer are coalesced into one interrupt, as QEMU does. A comparator
// written behind the counter fires only after the counter wraps, as on hardware (2.3.9.2.1).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "devices/bus_device.h"

namespace svm {

class Hpet final : public BusDevice {
public:
    static constexpr uint64_t kSize = 0x400;
    static constexpr int kMaxTimers = 32;

    struct Config {
        int timers = 3;                   // 3-32 comparators
        uint64_t period_fs = 10000000;    // counter tick in femtoseconds (10 ns = 100 MHz)
        uint32_t route_cap = 0x00f00000;  // I/O APIC pins a timer may use (bit n = pin n)
        uint32_t legacy_irq0 = 0;         // where LEG_RT_CNF sends timer 0 and timer 1
        uint32_t legacy_irq1 = 8;
    };

    // Drives interrupt line `line` (an ISA IRQ / GSI) to `level`. Edge-triggered interrupts are a
    // true-then-false pulse. Called with the device lock held: it must not call back into the
    // HPET.
    using IrqOut = std::function<void(uint32_t line, bool level)>;

    // `clock_ns`: monotonic nanoseconds. `on_reprogram` (may be empty) is called without the
    // device lock after every register write, so a timer thread can recompute its deadline.
    Hpet(Config config, std::function<uint64_t()> clock_ns, IrqOut irq,
         std::function<void()> on_reprogram);

    // ^BusDevice
    // Any size and alignment is accepted, byte lane by byte lane (the specification asks for
    // aligned 32- and 64-bit accesses). Offsets without a register read 0 and ignore writes.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // Fires every comparator the counter passed since the last evaluation. Thread-safe.
    void tick();
    // The clock time (ns, the injected clock's epoch) at which the next enabled comparator
    // fires, or std::nullopt if none will (counter halted or no timer with INT_ENB).
    std::optional<uint64_t> next_deadline_ns();

    // True while LEG_RT_CNF is set: timers 0 and 1 own ISA IRQ 0 and 8, and the PIT and RTC are
    // disconnected from those lines (HPET 1.0a, 2.3.5). Lock-free: the RTC asks it on its IRQ path.
    bool legacy_replacement() const { return legacy_.load(std::memory_order_relaxed); }

private:
    struct Timer {
        uint64_t config = 0;  // the writable bits of Tn_CONF_CAP
        uint64_t comparator = ~0ull;
        uint64_t period = 0;
    };

    uint64_t counter_locked(uint64_t now) const;
    void advance_locked(uint64_t now);
    void fire_locked(int index);
    // The line timer `index` drives, or -1 when its route is not connected.
    int line_locked(int index) const;
    void update_lines_locked();

    uint64_t read_register_locked(uint64_t reg);
    void write_register_locked(uint64_t reg, uint64_t value, uint64_t lanes, uint64_t now);
    void write_timer_config_locked(Timer& t, uint64_t value, uint64_t lanes);
    void write_comparator_locked(Timer& t, uint64_t value, uint64_t lanes);

    const Config config_;
    const std::function<uint64_t()> clock_ns_;
    const IrqOut irq_;
    const std::function<void()> on_reprogram_;

    std::mutex mutex_;  // guards everything below; irq_ is called with it held
    bool enabled_ = false;
    std::atomic<bool> legacy_{false};  // written under mutex_, read lock-free
    uint64_t counter_base_ = 0;        // counter value at base_ns_ (the frozen value while halted)
    uint64_t base_ns_ = 0;
    uint64_t last_counter_ = 0;  // counter value at the last evaluation
    uint32_t status_ = 0;        // GINTR_STA
    uint32_t driven_ = 0;        // lines currently asserted by this HPET
    std::vector<Timer> timers_;
};

}  // namespace svm
