// An address bus (I/O ports or MMIO) on which devices register ranges and see offsets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>

#include "core/result.h"
#include "devices/bus_device.h"

namespace svm {

class Bus {
public:
    explicit Bus(std::string name) : name_(std::move(name)) {}

    // Registers `device` for [base, base + length). Returns an error for a zero length, a range
    // that overflows 64 bits, or one that overlaps a range already registered. Call before any
    // vCPU runs: the range map is not locked.
    Result<void> add(uint64_t base, uint64_t length, std::shared_ptr<BusDevice> device,
                     std::string device_name);

    // Routes an access to the device whose range holds all of [addr, addr + data.size()), passing
    // the offset. An access that hits no device (or straddles a range's end) reads as all-ones and
    // is ignored on write; it is logged once per address, for at most kMaxLoggedAddresses
    // addresses. Returns true if a device handled it.
    bool read(uint64_t addr, std::span<uint8_t> data);
    bool write(uint64_t addr, std::span<const uint8_t> data);

    static constexpr size_t kMaxLoggedAddresses = 32;

private:
    struct Range {
        uint64_t base;
        uint64_t length;
        std::shared_ptr<BusDevice> device;
        std::string name;
    };

    // Returns the range holding [addr, addr + size), or nullptr.
    const Range* find(uint64_t addr, uint64_t size) const;
    void log_unclaimed(uint64_t addr, size_t size, bool is_write);

    std::string name_;
    std::map<uint64_t, Range> ranges_;  // keyed by base

    std::mutex log_mutex_;  // guards logged_
    std::set<uint64_t> logged_;
};

}  // namespace svm
