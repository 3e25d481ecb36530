// The filtering database of a learning Ethernet switch (IEEE 802.1D-2004, 7.9 "The Filtering
// Database", simplified): which port each source MAC address was last seen on, forgotten after
// an ageing time without traffic (7.9.2; the standard's default is 300 s), with a bounded number
// of entries. When the table is full, new addresses are not learned (as Linux's bridge does with
// fdb_max_learned): frames for them are flooded, so the network still works, only less quietly.
//
// Not thread-safe: the switch guards it with its own lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>

namespace svm::virtio {

class MacTable {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    MacTable(size_t max_entries, std::chrono::nanoseconds ageing)
        : max_entries_(max_entries), ageing_(ageing) {}

    // Records that `mac` (6 bytes) was the source of a frame from `port` at `now`: a new entry,
    // a refreshed one, or one that moved to another port (a station moved). Returns false if the
    // address is new and the table is full even after expired entries are dropped.
    bool learn(std::span<const uint8_t, 6> mac, uint32_t port, TimePoint now);
    // The port `mac` was learned on, unless it was never learned or has aged out (and is then
    // forgotten).
    std::optional<uint32_t> lookup(std::span<const uint8_t, 6> mac, TimePoint now);
    // Forgets every address learned on `port` (it went away or stopped).
    void forget_port(uint32_t port);

    size_t size() const { return entries_.size(); }

private:
    struct Entry {
        uint32_t port;
        TimePoint last_seen;
    };
    static uint64_t key(std::span<const uint8_t, 6> mac);
    bool expired(const Entry& entry, TimePoint now) const {
        return now - entry.last_seen >= ageing_;
    }

    size_t max_entries_;
    std::chrono::nanoseconds ageing_;
    std::unordered_map<uint64_t, Entry> entries_;
};

}  // namespace svm::virtio
