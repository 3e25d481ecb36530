// Counts of VM exits, by KVM exit reason and by I/O port, for the EXIT_COUNT hypercall and
// --trace-exits. Updated by every vCPU thread with relaxed atomics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace svm {

class ExitStats {
public:
    static constexpr size_t kReasons = 64;

    void count(uint32_t reason) {
        total_.fetch_add(1, std::memory_order_relaxed);
        by_reason_[reason < kReasons ? reason : kReasons - 1].fetch_add(1,
                                                                        std::memory_order_relaxed);
    }
    void count_port(uint16_t port) { by_port_[port].fetch_add(1, std::memory_order_relaxed); }

    uint64_t total() const { return total_.load(std::memory_order_relaxed); }
    uint64_t reason(uint32_t r) const {
        return by_reason_[r < kReasons ? r : kReasons - 1].load(std::memory_order_relaxed);
    }

    // The exit count for an SVM_EXITS_* kind (see <svm/hypercall.h>), or -1 if unknown.
    int64_t for_hypercall_kind(uint64_t kind) const;

    // A table for --trace-exits: each exit reason with its count, then the busiest ports.
    std::string format_table() const;

private:
    std::atomic<uint64_t> total_{0};
    std::array<std::atomic<uint64_t>, kReasons> by_reason_{};
    std::array<std::atomic<uint64_t>, 65536> by_port_{};
};

// KVM's name for an exit reason ("IO", "MMIO", "HLT", ...).
const char* exit_reason_name(uint32_t reason);

}  // namespace svm
