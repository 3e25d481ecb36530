// A QEMU isa-debug-exit compatible exit port: a guest's test harness writes a value and the VM
// ends with status (value << 1) | 1, so a guest can never fake a clean exit 0. svm registers it at
// port 0xF4 with size 4, QEMU's usual `-device isa-debug-exit,iobase=0xf4,iosize=0x04`.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "devices/bus_device.h"

namespace svm {

class DebugExit final : public BusDevice {
public:
    // The port and range size svm registers it at.
    static constexpr uint64_t kPort = 0xf4;
    static constexpr uint64_t kSize = 4;

    // `on_exit` is called with the exit code for every write; it may be called from several vCPU
    // threads at once and must be thread-safe. It decides how the VM stops.
    explicit DebugExit(std::function<void(int exit_code)> on_exit);

    // Returns the exit code QEMU computes for written value `value`: (value << 1) | 1, truncated
    // to int as QEMU's exit() call does. The process exit status then keeps its low 8 bits.
    static int exit_code_for(uint64_t value);

    // ^BusDevice
    // Reads return 0.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    // Takes `data` (1, 2 or 4 bytes) as a little-endian value v and calls on_exit((v << 1) | 1).
    // As in QEMU, the offset within the range is not decoded.
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    // No mutable state, so no lock.
    const std::function<void(int exit_code)> on_exit_;
};

}  // namespace svm
