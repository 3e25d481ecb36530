// ACPI PM1 event/control blocks and the PM timer (ACPI 6.4, 4.8.3.1-4.8.3.3).
#include "devices/legacy/acpi_pm.h"

#include <utility>

namespace svm {
namespace {

constexpr uint64_t kStatus = 0;   // PM1_STS, 2 bytes
constexpr uint64_t kEnable = 2;   // PM1_EN, 2 bytes
constexpr uint64_t kControl = 4;  // PM1_CNT, 2 bytes
constexpr uint64_t kTimer = 8;    // PM_TMR, 4 bytes
constexpr unsigned kTimerMsb = 23;

}  // namespace

AcpiPm::AcpiPm(std::function<uint64_t()> clock_ns, uint8_t s5_type, std::function<void()> power_off)
    : clock_ns_(std::move(clock_ns)),
      start_ns_(clock_ns_()),
      control_(s5_type, std::move(power_off)) {}

uint64_t AcpiPm::ticks() const {
    uint64_t elapsed = clock_ns_() - start_ns_;
    // 128-bit product: elapsed nanoseconds times 3.58 MHz overflows 64 bits after ~85 minutes.
    return static_cast<uint64_t>(static_cast<unsigned __int128>(elapsed) * kTimerHz /
                                 1'000'000'000u);
}

uint32_t AcpiPm::timer() const {
    return static_cast<uint32_t>(ticks() & kTimerMask);
}

uint16_t AcpiPm::status_locked(uint64_t ticks) const {
    // TMR_STS is set by every change of bit 23, i.e. whenever ticks >> 23 moved on since the
    // guest last cleared it.
    return (ticks >> kTimerMsb) != tmr_sts_epoch_ ? kTmrSts : 0;
}

void AcpiPm::read(uint64_t offset, std::span<uint8_t> data) {
    uint64_t now = ticks();
    uint16_t control = control_.value();
    uint16_t status, enable;
    {
        std::lock_guard lock(mutex_);
        status = status_locked(now);
        enable = enable_;
    }
    auto timer = static_cast<uint32_t>(now & kTimerMask);
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        uint8_t b = 0xff;
        if (at < kEnable) {
            b = static_cast<uint8_t>(status >> (8 * (at - kStatus)));
        } else if (at < kControl) {
            b = static_cast<uint8_t>(enable >> (8 * (at - kEnable)));
        } else if (at < kControl + 2) {
            b = static_cast<uint8_t>(control >> (8 * (at - kControl)));
        } else if (at < kTimer) {
            b = 0;
        } else if (at < kSize) {
            b = static_cast<uint8_t>(timer >> (8 * (at - kTimer)));
        }
        data[i] = b;
    }
}

void AcpiPm::write(uint64_t offset, std::span<const uint8_t> data) {
    uint64_t now = ticks();
    bool control_written = false;
    uint16_t control = control_.value();
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size(); ++i) {
            uint64_t at = offset + i;
            uint8_t b = data[i];
            if (at == kStatus) {
                // Write-1-to-clear (ACPI 6.4, 4.8.3.1.1); only TMR_STS exists.
                if (b & kTmrSts) tmr_sts_epoch_ = now >> kTimerMsb;
            } else if (at == kEnable || at == kEnable + 1) {
                unsigned shift = static_cast<unsigned>(8 * (at - kEnable));
                uint16_t merged =
                    static_cast<uint16_t>((enable_ & ~(0xffu << shift)) | (unsigned{b} << shift));
                enable_ = merged & kEnableMask;
            } else if (at == kControl || at == kControl + 1) {
                unsigned shift = static_cast<unsigned>(8 * (at - kControl));
                control =
                    static_cast<uint16_t>((control & ~(0xffu << shift)) | (unsigned{b} << shift));
                control_written = true;
            }
        }
    }
    // Outside mutex_: a power-off request calls back into the machine.
    if (control_written) control_.write_value(control);
}

}  // namespace svm
