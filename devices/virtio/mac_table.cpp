#include "devices/virtio/mac_table.h"

#include <iterator>

namespace svm::virtio {

uint64_t MacTable::key(std::span<const uint8_t, 6> mac) {
    uint64_t k = 0;
    for (uint8_t byte : mac) k = k << 8 | byte;
    return k;
}

bool MacTable::learn(std::span<const uint8_t, 6> mac, uint32_t port, TimePoint now) {
    const uint64_t k = key(mac);
    if (auto it = entries_.find(k); it != entries_.end()) {
        it->second = {port, now};
        return true;
    }
    if (entries_.size() >= max_entries_) {
        std::erase_if(entries_, [&](const auto& item) { return expired(item.second, now); });
        if (entries_.size() >= max_entries_) return false;
    }
    entries_.emplace(k, Entry{port, now});
    return true;
}

std::optional<uint32_t> MacTable::lookup(std::span<const uint8_t, 6> mac, TimePoint now) {
    auto it = entries_.find(key(mac));
    if (it == entries_.end()) return std::nullopt;
    if (expired(it->second, now)) {
        entries_.erase(it);
        return std::nullopt;
    }
    return it->second.port;
}

void MacTable::forget_port(uint32_t port) {
    std::erase_if(entries_, [port](const auto& item) { return item.second.port == port; });
}

}  // namespace svm::virtio
