// The ACPI fixed hardware of svm's PC at ports 0x600-0x60B, laid out as on QEMU's q35 machine and
// described by svm's FADT (ACPI 6.4, 4.8 "ACPI Hardware Features"):
//   0x600 PM1_STS  (16 bits) status, write-1-to-clear. Only TMR_STS (bit 0) is ever set: when
//                  bit 23 of the PM timer changes (ACPI 6.4, 4.8.3.3 "Power Management Timer").
//   0x602 PM1_EN   (16 bits) enables TMR_EN (0), GBL_EN (5), PWRBTN_EN (8), SLPBTN_EN (9),
//                  RTC_EN (10): stored and read back. No SCI is raised (FIXME: deliver an SCI on
//                  IRQ 9 for TMR_STS & TMR_EN; no kernel svm targets relies on it).
//   0x604 PM1_CNT  (16 bits) control: SLP_EN with SLP_TYP = \_S5 (0) powers off; see
//                  devices/legacy/power_off_port.h.
//   0x606          reserved, reads 0.
//   0x608 PM_TMR   (32-bit read) the 24-bit power management timer counting at 3.579545 MHz
//                  from power-on (TMR_VAL_EXT = 0 in the FADT); bits 31:24 read 0. Read-only.
// The timer is derived from an injected monotonic clock, so it never drifts from wall time and a
// unit test can step it.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>

#include "devices/bus_device.h"
#include "devices/legacy/power_off_port.h"

namespace svm {

class AcpiPm final : public BusDevice {
public:
    static constexpr uint64_t kSize = 0xc;
    static constexpr uint64_t kTimerHz = 3579545;  // ACPI 6.4, 4.8.3.3
    static constexpr uint32_t kTimerMask = 0x00ffffff;
    static constexpr uint16_t kTmrSts = 0x0001;
    static constexpr uint16_t kEnableMask = 0x0721;

    // `clock_ns`: a monotonic clock in nanoseconds (any epoch); the timer reads 0 at
    // construction. `s5_type`: PM1_CNT.SLP_TYP for soft-off. `power_off` is called without the
    // device lock when the guest requests soft-off.
    AcpiPm(std::function<uint64_t()> clock_ns, uint8_t s5_type, std::function<void()> power_off);

    // ^BusDevice
    // Byte-granular: any access size at any offset reads/writes those bytes of the registers
    // above. Writes to PM_TMR and the reserved bytes are ignored.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // The PM timer value now (24 bits).
    uint32_t timer() const;

private:
    // PM timer ticks since construction (not wrapped).
    uint64_t ticks() const;
    uint16_t status_locked(uint64_t ticks) const;

    const std::function<uint64_t()> clock_ns_;
    const uint64_t start_ns_;
    PowerOffPort control_;

    mutable std::mutex mutex_;    // a leaf lock; guards the two fields below
    uint64_t tmr_sts_epoch_ = 0;  // ticks >> 23 when TMR_STS was last cleared
    uint16_t enable_ = 0;
};

}  // namespace svm
