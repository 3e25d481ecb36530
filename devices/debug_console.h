// The port 0xE9 debug console, the Bochs/QEMU convention ("port E9 hack"): a guest writes a byte to
// the port and it appears on the console, with no UART to set up. Guests detect it by reading the
// port, which returns 0xE9.
#pragma once

#include <cstdint>
#include <span>

#include "devices/bus_device.h"

namespace svm {

class DebugConsole final : public BusDevice {
public:
    // The value a read of the port returns, by which guests detect the console.
    static constexpr uint8_t kReadback = 0xe9;

    // `output` receives each written byte, one byte per call. It must be thread-safe.
    explicit DebugConsole(OutputSink output);

    // ^BusDevice
    // At offset 0 the first byte reads 0xE9; any other byte reads 0xFF (only offset 0 exists).
    void read(uint64_t offset, std::span<uint8_t> data) override;
    // At offset 0 sends the low byte of the value to the OutputSink; anything else is ignored.
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    // No mutable state, so no lock: concurrency is the OutputSink's (it is thread-safe).
    const OutputSink output_;
};

}  // namespace svm
