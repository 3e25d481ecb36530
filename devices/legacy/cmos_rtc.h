// The PC's CMOS RAM and real-time clock (a Motorola MC146818A, as in every PC/AT chipset) at
// ports 0x70 (index; bit 7 = NMI disable) and 0x71 (data). OSDev wiki "CMOS" and "RTC";
// MC146818A datasheet (Motorola, 1984): "Address Map", "Registers A-D", "Update Cycle",
// "Interrupts". The memory-size bytes follow the IBM PC/AT CMOS map and QEMU's conventions.
//
// The time comes from an injected clock, so tests control it. Not modelled: the square-wave
// output (SQWE is stored), daylight saving (DSE is stored), the divider's effect (DV bits are
// stored; the clock always runs), and guest-written day-of-week values (always derived from the
// date). A time the guest sets is clamped to 1900-01-01 .. 2199-12-31 23:59:59.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>

#include "devices/bus_device.h"

namespace svm {

class CmosRtc final : public BusDevice {
public:
    // Register offsets: 0 = index port (0x70), 1 = data port (0x71).
    static constexpr uint64_t kIndexOffset = 0;
    static constexpr uint64_t kDataOffset = 1;
    // How long UIP (status A bit 7) is set before each second's update (datasheet, "Update
    // Cycle": 244 us with a 32.768 kHz time base).
    static constexpr int64_t kUipNanoseconds = 244'000;

    // Returns the time the RTC should show, in nanoseconds since 1970-01-01 00:00 of that time
    // scale (UTC, or local time with --rtc localtime). Must be thread-safe and monotonic enough
    // that it does not step backwards by more than a few ms.
    using Clock = std::function<int64_t()>;

    struct Options {
        Clock clock;
        IrqLine irq;           // IRQ 8; called with the device's lock held (must not re-enter)
        uint64_t memory_size;  // guest RAM in bytes from 0 (the -m value), for 0x15-0x18 etc.
        // Called (without the lock) when the next interrupt time may have changed, so a timer
        // thread can re-read next_event(). May be empty.
        std::function<void()> schedule_changed;
    };

    explicit CmosRtc(Options options);

    // ^BusDevice
    // Offset 1 reads the register selected by the last index write (time registers as of the
    // clock's current time, status C clearing its flags); offset 0 reads 0xFF (the index
    // register is write-only). Other offsets read 0xFF.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    // Offset 0 selects a register (bits 6:0) and sets the NMI-disable bit (bit 7); offset 1
    // writes the selected register.
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // Raises the periodic, alarm and update-ended flags that came due by the clock's current
    // time and drives IRQ 8. Thread-safe; the timer thread calls it at next_event().
    void tick();
    // The clock time (same scale as Clock) at which tick() next has something to raise, or
    // std::nullopt if no enabled interrupt can fire before the guest does something (no
    // interrupt enabled, or IRQ 8 already asserted until status C is read).
    std::optional<int64_t> next_event() const;

    // The NMI-disable bit of the last index write (stored only: svm raises no NMIs).
    bool nmi_disabled() const;
    // The raw CMOS byte at `index` (0-127) without side effects (tests, the debugger).
    uint8_t peek(uint8_t index) const;

private:
    struct Fields {
        int second, minute, hour;  // hour 0-23
        int day, month, year;      // day 1-31, month 1-12, full year
        int weekday;               // 1-7, Sunday = 1
    };

    int64_t now_locked() const;  // RTC time in ns
    void advance_locked(int64_t now);
    bool alarm_matches_locked(int64_t second) const;
    void update_irq_locked();
    Fields current_fields_locked(int64_t now) const;
    static Fields fields_at(int64_t second);
    static int64_t seconds_of(const Fields& f);
    uint8_t encode_locked(int value) const;
    int decode_locked(uint8_t value) const;
    uint8_t encode_hour_locked(int hour) const;
    int decode_hour_locked(uint8_t value) const;
    uint8_t read_register_locked(uint8_t index, int64_t now);
    // Returns whether the interrupt schedule may have changed.
    bool write_register_locked(uint8_t index, uint8_t value, int64_t now);
    void write_time_field_locked(uint8_t index, uint8_t value, int64_t now);
    uint64_t periodic_hz_locked() const;  // 0 = periodic interrupt off (rate 0)

    const Options options_;

    // Lock order: mutex_ is a leaf, held while calling options_.irq (which must not re-enter).
    mutable std::mutex mutex_;
    std::array<uint8_t, 128> ram_{};
    uint8_t index_ = 0;
    bool nmi_disabled_ = false;
    int64_t offset_ns_ = 0;  // RTC time minus clock time (guest set the time)
    int64_t last_ns_ = 0;    // RTC time up to which events were processed
    Fields frozen_{};        // the time registers while SET (status B bit 7) is set
    uint8_t flags_ = 0;      // status C bits 6:4 (PF, AF, UF)
    bool irq_level_ = false;
};

}  // namespace svm
