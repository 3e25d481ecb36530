// Port 0x80, the POST code port (OSDev wiki "I/O Ports"; the IBM PC/AT BIOS writes progress codes
// there for a diagnostic card). Kernels write to it for progress codes and, Linux among them, as
// a ~1 µs I/O delay (outb(0x80), arch/x86 "io_delay"). svm stores the last byte written and reads
// return it, as the POST-code latch of Intel chipsets does (QEMU returns 0xFF instead; nothing
// is known to depend on either). Writes are silent: `on_change` hears a new value only when it
// differs from the previous one, so an I/O-delay loop does not flood a log.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>

#include "devices/bus_device.h"

namespace svm {

class PostPort final : public BusDevice {
public:
    // `on_change` (may be empty) is called with the new code, without the device lock.
    explicit PostPort(std::function<void(uint8_t code)> on_change);

    // ^BusDevice
    // Every byte of a read returns the last code (initially 0); a write stores its first byte.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    uint8_t last_code() const;

private:
    const std::function<void(uint8_t)> on_change_;
    mutable std::mutex mutex_;  // a leaf lock; guards code_
    uint8_t code_ = 0;
};

}  // namespace svm
