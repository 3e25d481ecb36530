// A read-only MMIO window that holds one NUL-terminated string the guest may read byte by byte
// (Hypervisor-Symphony's "exit counts by type" answer, --compat symphony). svm publishes strings
// here instead of writing them into guest RAM the guest did not offer.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "devices/bus_device.h"

namespace svm {

class StringWindow final : public BusDevice {
public:
    // `size` is the window's length in bytes; a longer string is cut to size - 1 bytes.
    explicit StringWindow(uint64_t size) : size_(size) {}

    // Replaces the contents with `text` and a NUL. Thread-safe.
    void set(const std::string& text);

    // ^BusDevice
    // Bytes past the string read as 0. Writes are ignored.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t, std::span<const uint8_t>) override {}

private:
    const uint64_t size_;
    std::mutex mutex_;  // guards text_
    std::string text_;
};

}  // namespace svm
