// The interface between a bus and a device model. Devices know nothing of KVM.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

namespace svm {

// A device mapped on the I/O-port bus or the MMIO bus. It sees offsets from the start of the range
// it was registered for, never absolute addresses, so a model can be driven register by register
// from a unit test. An access is 1, 2, 4 or 8 bytes and never crosses the end of the range (the bus
// guarantees it). Calls may come from several vCPU threads at once: a device serialises itself.
class BusDevice {
public:
    virtual ~BusDevice() = default;

    // Fills `data` with the value read at `offset` (little-endian).
    virtual void read(uint64_t offset, std::span<uint8_t> data) = 0;

    // Handles a write of `data` (little-endian) at `offset`.
    virtual void write(uint64_t offset, std::span<const uint8_t> data) = 0;
};

// Where a device sends bytes for the user to see (the console). Must be thread-safe; one call is
// written as one unit, never interleaved with another call's bytes.
using OutputSink = std::function<void(std::span<const uint8_t>)>;

// An interrupt line a device drives: true = asserted, false = deasserted. Level semantics; the
// machine wiring decides how it reaches the interrupt controller.
using IrqLine = std::function<void(bool asserted)>;

}  // namespace svm
