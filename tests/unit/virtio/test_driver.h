// The driver side of a split virtqueue (OASIS virtio 1.2, 2.7 "Split Virtqueues"), for tests of
// devices/virtio: it lays a queue out in a GuestMemory, writes descriptor chains (direct and
// indirect) and makes them available, and reads back what the device put in the used ring. It
// writes exactly what the test asks, so tests can also craft malformed rings with the low-level
// calls (write_desc, make_available, set_avail_idx).
//
// A failure to write guest memory here is a broken test, not a device bug: it aborts.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <vector>

#include "core/guest_memory.h"
#include "devices/virtio/virtqueue.h"

namespace svm::virtio::test {

// 2.7.5 "The Virtqueue Descriptor Table": struct virtq_desc flags.
constexpr uint16_t kDescNext = 1;
constexpr uint16_t kDescWrite = 2;
constexpr uint16_t kDescIndirect = 4;
// 2.7.6 "The Virtqueue Available Ring" / 2.7.8 "The Virtqueue Used Ring" flags.
constexpr uint16_t kAvailNoInterrupt = 1;
constexpr uint16_t kUsedNoNotify = 1;

// One buffer of a chain the test adds: guest-physical, `len` bytes, device-writable or not.
struct TestBuffer {
    uint64_t gpa = 0;
    uint32_t len = 0;
    bool writable = false;
};

// One used-ring element (struct virtq_used_elem).
struct UsedElem {
    uint32_t id = 0;
    uint32_t len = 0;
};

class TestDriver {
public:
    // A well-formed layout for a queue of `size` entries starting at `base` (4 KiB-aligned
    // parts: descriptor table, then the driver area, then the device area).
    static QueueLayout layout_at(uint64_t base, uint16_t size);
    // The first byte past the three parts of `layout` (where test data can start).
    static uint64_t layout_end(const QueueLayout& layout);

    // Zeroes the queue's three parts in `memory`. Chains take descriptors round-robin from 0;
    // alloc() hands out buffers from `data_base` on (default: 4 KiB past the queue).
    TestDriver(GuestMemory& memory, const QueueLayout& layout, uint64_t data_base = 0);

    const QueueLayout& layout() const { return layout_; }
    GuestMemory& memory() { return memory_; }

    // Adds a chain of direct descriptors holding `buffers` in order (the caller puts readable
    // ones first for a well-formed chain) and makes it available. Returns its head index.
    uint16_t add_chain(std::span<const TestBuffer> buffers);
    uint16_t add_chain(std::initializer_list<TestBuffer> buffers) {
        return add_chain(std::span(buffers.begin(), buffers.size()));
    }
    // Writes `buffers` as an indirect table at `table_gpa` (16-aligned), then adds one
    // descriptor with VIRTQ_DESC_F_INDIRECT pointing at it (2.7.5.3) and makes it available.
    uint16_t add_indirect(uint64_t table_gpa, std::span<const TestBuffer> buffers);
    uint16_t add_indirect(uint64_t table_gpa, std::initializer_list<TestBuffer> buffers) {
        return add_indirect(table_gpa, std::span(buffers.begin(), buffers.size()));
    }
    // A chain of `direct` descriptors whose last one points at an indirect table at
    // `table_gpa` holding `indirect` (2.7.5.3.2: a device handles "zero or more normal chained
    // descriptors followed by a single descriptor with VIRTQ_DESC_F_INDIRECT"). Returns the head.
    uint16_t add_mixed(std::span<const TestBuffer> direct, uint64_t table_gpa,
                       std::span<const TestBuffer> indirect);

    // Low level: writes descriptor `index` of the descriptor table (or of a table at `table`).
    void write_desc(uint16_t index, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
    void write_table_desc(uint64_t table, uint32_t index, uint64_t addr, uint32_t len,
                          uint16_t flags, uint16_t next);
    // Puts `head` into avail->ring[avail_idx % size], then publishes avail_idx + 1.
    void make_available(uint16_t head);
    // Writes avail->ring[slot % size] without publishing it.
    void write_avail_ring(uint16_t slot, uint16_t head);
    // The index the driver has published / publishes `idx` as avail->idx.
    uint16_t avail_idx() const { return avail_idx_; }
    void set_avail_idx(uint16_t idx);
    void set_avail_flags(uint16_t flags);
    // used_event, the last avail-ring entry (2.7.6; meaningful with EVENT_IDX).
    void set_used_event(uint16_t idx);
    // The descriptor index the next chain starts at (they are taken round-robin).
    void set_next_desc(uint16_t index) { next_desc_ = index % layout_.size; }

    // The device area as the driver reads it.
    uint16_t used_idx() const;
    uint16_t used_flags() const;
    uint16_t avail_event() const;  // the last used-ring entry (2.7.8; meaningful with EVENT_IDX)
    UsedElem used_elem(uint16_t slot) const;  // used->ring[slot % size]
    // The next used element the test has not taken yet, or nullopt if used->idx has not moved.
    std::optional<UsedElem> take_used();

    // A buffer of `len` bytes from the data area (16-aligned), filled with zeroes.
    uint64_t alloc(uint32_t len);
    // A buffer holding `bytes`.
    uint64_t alloc_with(std::span<const uint8_t> bytes);

private:
    uint16_t write_direct(std::span<const TestBuffer> buffers, bool last_has_next);

    GuestMemory& memory_;
    QueueLayout layout_;
    uint16_t next_desc_ = 0;
    uint16_t avail_idx_ = 0;
    uint16_t last_used_ = 0;
    uint64_t data_next_ = 0;
};

}  // namespace svm::virtio::test
