// The device side of a split virtqueue (OASIS virtio 1.2, 2.7 "Split Virtqueues"): taking the
// descriptor chains a driver made available, and returning them through the used ring. Every
// address, length and index in the rings comes from the guest and is untrusted: a malformed ring
// or chain is reported as an error, after which the device must enter DEVICE_NEEDS_RESET
// (2.1.2 "Device Status Field"); nothing outside guest RAM is ever read or written, and no ring
// content can make a call loop or allocate without bound.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/guest_memory.h"
#include "core/result.h"

namespace svm::virtio {

// One descriptor's buffer (2.7.5 "The Virtqueue Descriptor Table"): guest-physical, `len` bytes.
struct Buffer {
    uint64_t gpa;
    uint32_t len;
};

// A descriptor chain the driver made available (2.7.13.1): its device-readable buffers, then its
// device-writable ones, in chain order, with indirect tables (2.7.5.3) already followed.
struct Chain {
    uint16_t head = 0;  // the chain's first descriptor index: what push_used() returns
    std::vector<Buffer> readable;
    std::vector<Buffer> writable;

    uint64_t readable_bytes() const;
    uint64_t writable_bytes() const;
};

// Copies from the chain's readable buffers, starting `offset` bytes into them (as if they were
// one array), into `out`. Returns the number of bytes copied (less than out.size() if the buffers
// end first), or an error if a buffer is not guest RAM.
Result<size_t> read_from(const GuestMemory& memory, const Chain& chain, uint64_t offset,
                         std::span<uint8_t> out);
// Copies `in` into the chain's writable buffers, starting `offset` bytes into them. Returns the
// number of bytes written (less than in.size() if the buffers end first), or an error if a buffer
// is not guest RAM.
Result<size_t> write_to(GuestMemory& memory, const Chain& chain, uint64_t offset,
                        std::span<const uint8_t> in);

// Where a queue's three parts are (guest-physical) and how many entries it has: what the driver
// writes through the transport (4.1.4.3 queue_desc/queue_driver/queue_device; 4.2.2 QueueDesc...).
struct QueueLayout {
    uint16_t size = 0;   // entries; a power of 2, at most 32768 (2.7 "Split Virtqueues")
    uint64_t desc = 0;   // descriptor table: 16 * size bytes, 16-byte aligned
    uint64_t avail = 0;  // driver area: 6 + 2 * size bytes, 2-byte aligned
    uint64_t used = 0;   // device area: 6 + 8 * size bytes, 4-byte aligned
};

class SplitQueue {
public:
    // Makes the queue live (the driver set queue_enable / QueueReady) with the negotiated
    // features: VIRTIO_F_RING_EVENT_IDX (2.7.7, 2.7.10) and VIRTIO_F_INDIRECT_DESC (2.7.5.3).
    // Returns an error naming the problem if the size is not a power of 2 in [1, 32768], a part is
    // misaligned (2.7 table "Virtqueue Part Alignment"), or a part does not lie in guest RAM.
    Result<void> enable(const GuestMemory& memory, const QueueLayout& layout, bool event_idx,
                        bool indirect);
    // Back to the state before enable() (device reset, 2.1.2; queue_reset, 2.6.1).
    void reset();
    bool enabled() const { return enabled_; }
    const QueueLayout& layout() const { return layout_; }

    // The next chain the driver made available, or nullopt if there is none (or the queue is not
    // enabled). Returns an error,
    // after which the queue must not be used until reset(), for: an available index that moved
    // more than `size` past the last one seen, a descriptor index >= size, a chain longer than
    // `size` descriptors (a loop), a readable descriptor after a writable one (2.7.4.2), an
    // indirect descriptor when indirect is off, inside an indirect table, with NEXT set, or whose
    // table is empty, not a multiple of 16 bytes or longer than 32768 entries (2.7.5.3.1), a
    // buffer that is not guest RAM, or total lengths above 4 GiB.
    Result<std::optional<Chain>> pop(const GuestMemory& memory);

    // Returns chain `head` to the driver with `written` bytes written into its writable buffers
    // (2.7.8 "The Virtqueue Used Ring"). Errors only if the queue is not enabled or the used ring
    // is not guest RAM.
    Result<void> push_used(GuestMemory& memory, uint16_t head, uint32_t written);
    // The same for `chain`, and also tells the write observer which guest-physical bytes the
    // device wrote: the first `written` bytes of the chain's writable buffers, then the used
    // ring element. Devices use this one.
    Result<void> push_used(GuestMemory& memory, const Chain& chain, uint32_t written);

    // Called with each guest-physical range a device wrote through push_used(chain): the
    // machine's debugger fires gdb watchpoints on them (device writes bypass the page protection
    // watchpoints use). Kept across reset() and enable(). Called on the device's thread.
    using WriteObserver = std::function<void(uint64_t gpa, uint64_t length)>;
    void set_write_observer(WriteObserver observer) { observer_ = std::move(observer); }

    // True if the driver wants an interrupt for the used entries added since the last call:
    // with EVENT_IDX when used_event lies in that span, else unless the driver set
    // VIRTQ_AVAIL_F_NO_INTERRUPT (2.7.7 "Used Buffer Notification Suppression"). Also true if
    // entries were added and the ring cannot be read (the driver then sees the device's state
    // instead).
    bool should_interrupt(const GuestMemory& memory);

    // Asks the driver to notify (or not) when it adds buffers: avail_event = the next index to
    // be seen with EVENT_IDX, else VIRTQ_USED_F_NO_NOTIFY cleared (or set) (2.7.10 "Available
    // Buffer Notification Suppression").
    // A device processing in a loop disables notifications, then re-enables them and checks
    // has_available() once more before it sleeps (set_notification() ends with the full fence
    // that check needs). With EVENT_IDX, avail_event moves only here: a device that pops without
    // re-enabling afterwards stops being notified.
    Result<void> set_notification(GuestMemory& memory, bool enabled);
    // True if the driver has made chains available that pop() has not taken (false if the ring
    // cannot be read).
    bool has_available(const GuestMemory& memory) const;

private:
    QueueLayout layout_{};
    bool enabled_ = false;
    bool event_idx_ = false;
    bool indirect_ = false;
    uint16_t last_avail_ = 0;      // the driver's avail->idx up to which chains were taken
    uint16_t used_idx_ = 0;        // our used->idx
    uint16_t signalled_used_ = 0;  // used->idx when should_interrupt() last answered
    WriteObserver observer_;
};

}  // namespace svm::virtio
