// A virtio-blk device behind svm's real virtio-pci transport, with a driver of 4 KiB reads on
// the other side, for bench/virtio/blk_overhead: what a guest's virtio-blk driver exercises, minus
// the VM exit itself (no KVM). The driver follows OASIS virtio 1.2 with VIRTIO_F_RING_EVENT_IDX
// as Linux's drivers/virtio/virtio_ring.c does: it notifies only when vring_need_event() says the
// device asked for it (2.7.10), and asks for one interrupt per batch through used_event (2.7.7).
//
// A failure here (the transport refusing the features, a request that did not complete with
// VIRTIO_BLK_S_OK, data that is not the block asked for) is a broken benchmark: it aborts with a
// message rather than printing figures for work that was not done.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/guest_memory.h"
#include "core/result.h"
#include "devices/virtio/virtio_pci.h"
#include "tests/unit/virtio/test_driver.h"

namespace svm::bench {

// include/uapi/linux/virtio_ring.h vring_need_event(): true if the other side asked (through
// `event`) to be told about the index moving from `old_idx` to `new_idx`.
inline bool vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx) {
    return static_cast<uint16_t>(new_idx - event - 1) < static_cast<uint16_t>(new_idx - old_idx);
}

class BlkRig {
public:
    static constexpr uint32_t kBlockBytes = 4096;
    static constexpr uint16_t kMaxBatch = 64;
    static constexpr uint16_t kQueueEntries = 256;

    // Opens the raw image `path` (its 4 KiB blocks must start with their block index as a
    // little-endian uint64: make_pattern_image() writes that), puts a VirtioBlk on it behind a
    // VirtioPci, enables MSI-X and initialises the device through the BAR (3.1.1) with
    // VERSION_1 | RING_EVENT_IDX. `on_interrupt` runs for every MSI-X message the transport
    // sends (on the thread that completed the request). Returns an error if any step fails.
    static Result<std::unique_ptr<BlkRig>> create(const std::string& path,
                                                  std::function<void()> on_interrupt);

    // Makes `count` (<= kMaxBatch) reads of 4 KiB available, of blocks first_block,
    // first_block + 1, ... (modulo the image's blocks), asking for one interrupt when the last
    // of them is used. Returns true if the driver must notify the device (vring_need_event on
    // avail_event), which it counts in notifications().
    bool submit(uint16_t count, uint64_t first_block);
    // Writes the queue's doorbell in the BAR, as the guest's MMIO write (and the VM exit it
    // causes) delivers it: the device runs on this thread.
    void notify_through_bar();
    // The transport's entry for an ioeventfd's I/O thread.
    void notify_from_io_thread() { pci_->notify_queue(0); }
    // True once every request submitted so far is in the used ring.
    bool all_used() const;
    // Takes the `count` used entries of the last submit() and checks each status and block.
    void reap(uint16_t count);

    uint64_t blocks() const { return blocks_; }
    uint64_t notifications() const { return notifications_; }
    uint64_t requests() const { return requests_; }

    BlkRig(GuestMemory memory, std::shared_ptr<virtio::VirtioPci> pci, uint64_t blocks);

private:
    uint64_t bar(uint64_t offset, unsigned size);
    void set_bar(uint64_t offset, uint64_t value, unsigned size);
    Result<void> initialise();

    GuestMemory memory_;
    std::shared_ptr<virtio::VirtioPci> pci_;
    std::optional<virtio::test::TestDriver> driver_;
    uint64_t blocks_ = 0;
    uint64_t header_gpa_ = 0;  // kMaxBatch 16-byte headers
    uint64_t status_gpa_ = 0;  // kMaxBatch status bytes
    uint64_t data_gpa_ = 0;    // kMaxBatch 4 KiB buffers
    uint64_t pending_blocks_[kMaxBatch] = {};
    uint16_t used_seen_ = 0;  // used entries reaped
    uint64_t notifications_ = 0;
    uint64_t requests_ = 0;
};

// Creates `path` with `mib` MiB whose 4 KiB block N starts with N (uint64, little-endian), and
// leaves it in the page cache (it is written, then read once). Returns an error naming errno.
Result<void> make_pattern_image(const std::string& path, uint64_t mib);

}  // namespace svm::bench
