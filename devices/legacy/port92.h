// Port 0x92, System Control Port A (IBM PS/2 "fast A20 and reset"; OSDev wiki "A20 Line", "Fast
// A20 Gate"; Intel ICH datasheets, "Port 92h"):
//   bit 0  fast reset: writing 1 requests a CPU reset; it reads back 0 (the reset is a pulse);
//   bit 1  fast A20 gate: stored and read back. svm never masks address line 20 (KVM guest memory
//          has no A20 wrap-around), so the bit only reports what the guest last asked for; it
//          reads 1 from power-on, as on machines whose firmware enabled A20 before the kernel.
//   bits 7:2 are stored and read back (chipset-specific on hardware).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>

#include "devices/bus_device.h"

namespace svm {

class Port92 final : public BusDevice {
public:
    static constexpr uint8_t kFastReset = 0x01;
    static constexpr uint8_t kA20 = 0x02;

    // `on_reset` (may be empty) is called without the device lock when bit 0 is written as 1.
    explicit Port92(std::function<void()> on_reset);

    // ^BusDevice (one register; every byte of an access is that register)
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    const std::function<void()> on_reset_;
    std::mutex mutex_;  // a leaf lock; guards value_
    uint8_t value_ = kA20;
};

}  // namespace svm
