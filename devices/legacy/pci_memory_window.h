// The part of the MMIO bus where PCI memory BARs live (the "PCI hole" between the end of RAM and
// the fixed chipset addresses): one BusDevice for the whole window that routes each access to the
// BAR that currently decodes it. The guest may move a BAR or turn memory decoding off at any time
// (PCI Local Bus Specification 3.0, 6.2.2 "Command register" and 6.2.5.1 "Address Maps"), while
// the machine's Bus is fixed once vCPUs run; the window is the part that changes.
//
// An access that hits no BAR reads all-ones and is dropped (a master abort), as on the Bus; it is
// counted and logged once. Two BARs programmed to overlap are undefined behaviour in PCI: the
// one mapped first keeps decoding the overlap, and the overlap is logged once.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>

#include "devices/bus_device.h"

namespace svm {

class PciMemoryWindow final : public BusDevice {
public:
    // The window covers guest-physical [base, base + size); offsets on the bus are from `base`.
    PciMemoryWindow(uint64_t base, uint64_t size) : base_(base), size_(size) {}

    uint64_t base() const { return base_; }
    uint64_t size() const { return size_; }

    // Maps BAR `key` (any id unique per BAR) of `length` bytes at guest-physical `address`,
    // replacing where that BAR was before; `device` then sees offsets from `address`. Returns
    // false (and leaves the BAR unmapped) if the range does not lie inside the window: a guest
    // that moves a BAR elsewhere loses access to it until it moves it back. Thread-safe.
    bool map(uint64_t key, uint64_t address, uint64_t length, std::shared_ptr<BusDevice> device,
             std::string name);
    // Unmaps BAR `key` (memory decoding turned off). Thread-safe; unknown keys are ignored.
    void unmap(uint64_t key);

    // Accesses that hit no BAR (for tests and the run summary).
    uint64_t unclaimed() const { return unclaimed_.load(std::memory_order_relaxed); }

    // ^BusDevice
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    struct Bar {
        uint64_t address;  // guest-physical
        uint64_t length;
        std::shared_ptr<BusDevice> device;
        std::string name;
    };
    // The device decoding an access of `size` bytes at window offset `offset`, and the offset
    // into its BAR; no device (and the guest-physical address) if no BAR holds it all.
    struct Route {
        std::shared_ptr<BusDevice> device;
        uint64_t offset;
    };
    Route route(uint64_t offset, size_t size) const;
    // The BAR holding [address, address + size), or nullptr. Requires mutex_ (shared).
    const Bar* find(uint64_t address, uint64_t size) const;
    void note_unclaimed(uint64_t address, bool is_write);

    const uint64_t base_;
    const uint64_t size_;
    mutable std::shared_mutex mutex_;
    std::map<uint64_t, Bar> bars_;  // by key
    std::atomic<uint64_t> unclaimed_{0};
    std::atomic<bool> logged_unclaimed_{false};
    std::atomic<bool> logged_overlap_{false};
};

}  // namespace svm
