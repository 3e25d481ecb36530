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
    log_unclaimed(addr, data.size(), false);
    return false;
}

bool Bus::write(uint64_t addr, std::span<const uint8_t> data) {
    if (const Range* range = find(addr, data.size())) {
        range->device->write(addr - range->base, data);
        return true;
    }
    log_unclaimed(addr, data.size(), true);
    return false;
}

void Bus::log_unclaimed(uint64_t addr, size_t size, bool is_write) {
    std::lock_guard lock(log_mutex_);
    if (logged_.size() > kMaxLoggedAddresses || !logged_.insert(addr).second) return;
    if (logged_.size() > kMaxLoggedAddresses) {
        log::info("{}: more unclaimed addresses; no longer logging them", name_);
        return;
    }
    log::info("{}: guest {} {} byte(s) at {:#x}, where no device is ({})", name_,
              is_write ? "wrote" : "read", size, addr, is_write ? "ignored" : "reads as all-ones");
}

}  // namespace svm
