#include "core/bus.h"

#include <algorithm>

#include "core/log.h"

namespace svm {

Result<void> Bus::add(uint64_t base, uint64_t length, std::shared_ptr<BusDevice> device,
                      std::string device_name) {
    if (length == 0) return error("{} bus: device {} has an empty range", name_, device_name);
    if (base + length < base)
        return error("{} bus: device {} range {:#x}+{:#x} overflows", name_, device_name, base,
                     length);
    if (!device) return error("{} bus: device {} is null", name_, device_name);
    uint64_t end = base + length;
    // The first range starting at or after `base` and the one before it are the only candidates.
    auto next = ranges_.lower_bound(base);
    if (next != ranges_.end() && next->second.base < end)
        return error("{} bus: device {} at {:#x}+{:#x} overlaps {} at {:#x}+{:#x}", name_,
                     device_name, base, length, next->second.name, next->second.base,
                     next->second.length);
    if (next != ranges_.begin()) {
        const Range& prev = std::prev(next)->second;
        if (prev.base + prev.length > base)
            return error("{} bus: device {} at {:#x}+{:#x} overlaps {} at {:#x}+{:#x}", name_,
                         device_name, base, length, prev.name, prev.base, prev.length);
    }
    ranges_.emplace(base, Range{base, length, std::move(device), std::move(device_name)});
    return {};
}

const Bus::Range* Bus::find(uint64_t addr, uint64_t size) const {
    auto it = ranges_.upper_bound(addr);
    if (it == ranges_.begin()) return nullptr;
    const Range& range = std::prev(it)->second;
    uint64_t offset = addr - range.base;
    if (offset >= range.length || size > range.length - offset) return nullptr;
    return &range;
}

bool Bus::read(uint64_t addr, std::span<uint8_t> data) {
    if (const Range* range = find(addr, data.size())) {
        range->device->read(addr - range->base, data);
        return true;
    }
    std::fill(data.begin(), data.end(), 0xff);
    note_unclaimed(addr, data.size(), false);
    return false;
}

bool Bus::write(uint64_t addr, std::span<const uint8_t> data) {
    if (const Range* range = find(addr, data.size())) {
        range->device->write(addr - range->base, data);
        return true;
    }
    note_unclaimed(addr, data.size(), true);
    return false;
}

void Bus::note_unclaimed(uint64_t addr, size_t size, bool is_write) {
    const uint64_t key = addr + 1;  // an address of ~0 shares slot key 0's meaning: never counted
    if (key == 0) return;
    // Fibonacci hashing spreads nearby ports (0x1F0-0x1F7) over the table.
    const size_t start = static_cast<size_t>((addr * 0x9E3779B97F4A7C15ull) >> 58) % kCounterSlots;
    for (size_t probe = 0; probe < kCounterSlots; ++probe) {
        CounterSlot& slot = counters_[(start + probe) % kCounterSlots];
        uint64_t seen = slot.key.load(std::memory_order_acquire);
        bool claimed_now = false;
        if (seen == 0) {
            claimed_now = slot.key.compare_exchange_strong(seen, key, std::memory_order_acq_rel);
            if (claimed_now) seen = key;
        }
        if (seen != key) continue;
        (is_write ? slot.writes : slot.reads).fetch_add(1, std::memory_order_relaxed);
        slot.size.store(static_cast<uint8_t>(size), std::memory_order_relaxed);
        if (!claimed_now) return;
        // First access at this address: log it, for the first kMaxLoggedAddresses addresses.
        const size_t used = counters_used_.fetch_add(1, std::memory_order_relaxed) + 1;
        if (used == kMaxLoggedAddresses + 1)
            log::info("{}: more unclaimed addresses; no longer logging them", name_);
        if (used <= kMaxLoggedAddresses)
            log::info("{}: guest {} {} byte(s) at {:#x}, where no device is ({})", name_,
                      is_write ? "wrote" : "read", size, addr,
                      is_write ? "ignored" : "reads as all-ones");
        return;
    }
    overflow_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<UnclaimedAccess> Bus::unclaimed_accesses() const {
    std::vector<UnclaimedAccess> out;
    for (const CounterSlot& slot : counters_) {
        uint64_t key = slot.key.load(std::memory_order_acquire);
        if (key == 0) continue;
        out.push_back({key - 1, slot.reads.load(std::memory_order_relaxed),
                       slot.writes.load(std::memory_order_relaxed),
                       slot.size.load(std::memory_order_relaxed)});
    }
    std::sort(out.begin(), out.end(), [](const UnclaimedAccess& a, const UnclaimedAccess& b) {
        return a.total() != b.total() ? a.total() > b.total() : a.addr < b.addr;
    });
    return out;
}

}  // namespace svm
