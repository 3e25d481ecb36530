// An address bus (I/O ports or MMIO) on which devices register ranges and see offsets.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "devices/bus_device.h"

namespace svm {

// How often the guest touched one address where no device is (Bus::unclaimed_accesses()).
struct UnclaimedAccess {
    uint64_t addr = 0;
    uint64_t reads = 0;
    uint64_t writes = 0;
    uint8_t size = 0;  // bytes of the most recent access
    uint64_t total() const { return reads + writes; }
};

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
    // addresses, and counted (see unclaimed_accesses()). Returns true if a device handled it.
    // Thread-safe once every range is added; the unclaimed path takes no lock.
    bool read(uint64_t addr, std::span<uint8_t> data);
    bool write(uint64_t addr, std::span<const uint8_t> data);

    // The unclaimed addresses the guest accessed, with counts, busiest first: what the guest was
    // polling when a run ends by --timeout or a signal (docs/machine.md, "Diagnostics"). Holds at
    // most kCounterSlots addresses, the first ones seen; accesses to later ones are only counted
    // in unclaimed_overflow(). Thread-safe; counts taken while vCPUs run may be a little stale.
    std::vector<UnclaimedAccess> unclaimed_accesses() const;
    uint64_t unclaimed_overflow() const { return overflow_.load(std::memory_order_relaxed); }

    const std::string& name() const { return name_; }

    static constexpr size_t kMaxLoggedAddresses = 32;
    static constexpr size_t kCounterSlots = 64;

private:
    struct Range {
        uint64_t base;
        uint64_t length;
        std::shared_ptr<BusDevice> device;
        std::string name;
    };

    // Returns the range holding [addr, addr + size), or nullptr.
    const Range* find(uint64_t addr, uint64_t size) const;
    // Counts an unclaimed access and logs the first one at each address.
    void note_unclaimed(uint64_t addr, size_t size, bool is_write);

    // One address's counters. `key` is addr + 1 (0 = free slot); it is claimed once with a
    // compare-exchange and never changes afterwards, so counting is lock-free.
    struct CounterSlot {
        std::atomic<uint64_t> key{0};
        std::atomic<uint64_t> reads{0};
        std::atomic<uint64_t> writes{0};
        std::atomic<uint8_t> size{0};
    };

    std::string name_;
    std::map<uint64_t, Range> ranges_;  // keyed by base

    std::array<CounterSlot, kCounterSlots> counters_;  // open addressing, linear probing
    std::atomic<size_t> counters_used_{0};
    std::atomic<uint64_t> overflow_{0};
};

}  // namespace svm
