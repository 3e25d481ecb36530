#include "devices/virtio/virtqueue.h"

#include <atomic>
#include <bit>

namespace svm::virtio {

// Virtio 1.x rings are little-endian (2.7 "Split Virtqueues", le16/le32/le64); svm runs on x86-64
// and reads them as host integers.
static_assert(std::endian::native == std::endian::little);

namespace {

// 2.7.5 "The Virtqueue Descriptor Table": struct virtq_desc and its flags.
struct Descriptor {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(Descriptor) == 16);
constexpr uint16_t kDescNext = 1;
constexpr uint16_t kDescWrite = 2;
constexpr uint16_t kDescIndirect = 4;

// 2.7.6 avail->flags and 2.7.8 used->flags (used without VIRTIO_F_RING_EVENT_IDX: 2.7.7, 2.7.10).
constexpr uint16_t kAvailNoInterrupt = 1;
constexpr uint16_t kUsedNoNotify = 1;

constexpr uint32_t kMaxQueueSize = 32768;
// The longest indirect table svm follows: 2.7.5.3.1 bounds a chain by the queue size, and the
// largest queue has 32768 entries.
constexpr uint32_t kMaxIndirectEntries = 32768;
constexpr uint64_t kMaxChainBytes = 1ull << 32;  // 2.7.5.2: "longer than 2^32 bytes in total"

// Byte offsets inside the driver area (struct virtq_avail, 2.7.6) and the device area
// (struct virtq_used, 2.7.8) of a queue of `size` entries.
constexpr uint64_t kAvailIdx = 2;
constexpr uint64_t avail_ring(uint32_t slot) {
    return 4 + 2ull * slot;
}
constexpr uint64_t used_event(uint16_t size) {
    return avail_ring(size);
}
constexpr uint64_t kUsedIdx = 2;
constexpr uint64_t used_ring(uint32_t slot) {
    return 4 + 8ull * slot;
}
constexpr uint64_t avail_event(uint16_t size) {
    return used_ring(size);
}

uint64_t desc_bytes(uint16_t size) {
    return 16ull * size;
}
uint64_t avail_bytes(uint16_t size) {
    return 6 + 2ull * size;
}
uint64_t used_bytes(uint16_t size) {
    return 6 + 8ull * size;
}

// The ring indices are shared with vCPUs running the driver, so they are read and written as
// atomics: an acquire load of avail->idx orders the ring and descriptor reads after it
// (2.7.13.3.1: the driver writes the ring entry before idx), and a release store of used->idx
// orders the used element before it (2.7.8.2). enable() checked the alignment atomics need.
Result<uint16_t> load_acquire(const GuestMemory& memory, uint64_t gpa) {
    auto bytes = TRY(memory.span(gpa, 2));
    auto* p = reinterpret_cast<uint16_t*>(const_cast<uint8_t*>(bytes.data()));
    return std::atomic_ref<uint16_t>(*p).load(std::memory_order_acquire);
}

Result<void> store_release(GuestMemory& memory, uint64_t gpa, uint16_t value) {
    auto bytes = TRY(memory.span(gpa, 2));
    std::atomic_ref<uint16_t>(*reinterpret_cast<uint16_t*>(bytes.data()))
        .store(value, std::memory_order_release);
    return {};
}

// 2.7.7 (used_event) and 2.7.10 (avail_event): the other side asked to be told once the index
// moves past `event`, i.e. when `event` lies in [old, new) (mod 2^16) for the entries just added.
bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx) {
    return static_cast<uint16_t>(new_idx - event - 1) < static_cast<uint16_t>(new_idx - old_idx);
}

// Collects a chain's buffers in order, checking each as it comes (2.7.4.2, 2.7.5.2).
class ChainBuilder {
public:
    ChainBuilder(const GuestMemory& memory, Chain& chain) : memory_(memory), chain_(chain) {}

    Result<void> add(const Descriptor& desc) {
        if (!memory_.contains(desc.addr, desc.len))
            return error("virtqueue chain at head {}: buffer {:#x}+{:#x} is outside guest RAM",
                         chain_.head, desc.addr, desc.len);
        total_ += desc.len;
        if (total_ > kMaxChainBytes)
            return error("virtqueue chain at head {} is longer than 4 GiB in total", chain_.head);
        if (desc.flags & kDescWrite) {
            chain_.writable.push_back({desc.addr, desc.len});
        } else {
            // 2.7.4.2: "The driver MUST place any device-writable descriptor elements after any
            // device-readable descriptor elements."
            if (!chain_.writable.empty())
                return error(
                    "virtqueue chain at head {} has a device-readable descriptor after a "
                    "device-writable one",
                    chain_.head);
            chain_.readable.push_back({desc.addr, desc.len});
        }
        return {};
    }

private:
    const GuestMemory& memory_;
    Chain& chain_;
    uint64_t total_ = 0;  // at most (32768 + 32768) * (2^32 - 1): no overflow
};

// Follows the indirect table `desc` points at (2.7.5.3): its entries start at index 0 and chain
// with NEXT inside the table.
Result<void> walk_indirect(const GuestMemory& memory, const Descriptor& desc, uint16_t head,
                           ChainBuilder& builder) {
    // 2.7.5.3.1: the table holds whole descriptors, and a chain is at most a queue long.
    if (desc.len == 0 || desc.len % 16 != 0)
        return error(
            "virtqueue chain at head {} has an indirect table of {} bytes (not a non-zero "
            "multiple of 16)",
            head, desc.len);
    const uint32_t entries = desc.len / 16;
    if (entries > kMaxIndirectEntries)
        return error("virtqueue chain at head {} has an indirect table of {} entries, more than {}",
                     head, entries, kMaxIndirectEntries);
    if (!memory.contains(desc.addr, desc.len))
        return error("virtqueue chain at head {}: indirect table {:#x}+{:#x} is outside guest RAM",
                     head, desc.addr, desc.len);
    uint32_t index = 0;
    for (uint32_t count = 1;; ++count) {
        if (count > entries)
            return error(
                "virtqueue chain at head {}: the chain in its indirect table is longer than the "
                "table's {} entries (a loop)",
                head, entries);
        const auto entry = TRY(memory.read_obj<Descriptor>(desc.addr + 16ull * index));
        // 2.7.5.3.1: "The driver MUST NOT set the VIRTQ_DESC_F_INDIRECT flag within an indirect
        // descriptor (ie. only one table per descriptor)."
        if (entry.flags & kDescIndirect)
            return error(
                "virtqueue chain at head {} has an indirect descriptor inside an indirect table",
                head);
        TRY(builder.add(entry));
        if (!(entry.flags & kDescNext)) return {};
        if (entry.next >= entries)
            return error(
                "virtqueue chain at head {}: indirect descriptor {} chains to {}, past the "
                "table's {} entries",
                head, index, entry.next, entries);
        index = entry.next;
    }
}

}  // namespace

uint64_t Chain::readable_bytes() const {
    uint64_t total = 0;
    for (const Buffer& b : readable) total += b.len;
    return total;
}

uint64_t Chain::writable_bytes() const {
    uint64_t total = 0;
    for (const Buffer& b : writable) total += b.len;
    return total;
}

Result<size_t> read_from(const GuestMemory& memory, const Chain& chain, uint64_t offset,
                         std::span<uint8_t> out) {
    size_t done = 0;
    for (const Buffer& b : chain.readable) {
        if (done == out.size()) break;
        if (offset >= b.len) {
            offset -= b.len;
            continue;
        }
        const uint64_t n = std::min<uint64_t>(b.len - offset, out.size() - done);
        TRY(memory.read(b.gpa + offset, out.subspan(done, n)));
        done += n;
        offset = 0;
    }
    return done;
}

Result<size_t> write_to(GuestMemory& memory, const Chain& chain, uint64_t offset,
                        std::span<const uint8_t> in) {
    size_t done = 0;
    for (const Buffer& b : chain.writable) {
        if (done == in.size()) break;
        if (offset >= b.len) {
            offset -= b.len;
            continue;
        }
        const uint64_t n = std::min<uint64_t>(b.len - offset, in.size() - done);
        TRY(memory.write(b.gpa + offset, in.subspan(done, n)));
        done += n;
        offset = 0;
    }
    return done;
}

Result<void> SplitQueue::enable(const GuestMemory& memory, const QueueLayout& layout,
                                bool event_idx, bool indirect) {
    reset();
    // 2.7: "Queue Size ... is always a power of 2. The maximum Queue Size value is 32768."
    if (layout.size == 0 || layout.size > kMaxQueueSize || !std::has_single_bit(layout.size))
        return error("virtqueue size {} is not a power of 2 in [1, 32768]", layout.size);
    // 2.7, table "Virtqueue Part Alignment".
    if (layout.desc % 16 != 0)
        return error("virtqueue descriptor table at {:#x} is not 16-byte aligned", layout.desc);
    if (layout.avail % 2 != 0)
        return error("virtqueue driver area at {:#x} is not 2-byte aligned", layout.avail);
    if (layout.used % 4 != 0)
        return error("virtqueue device area at {:#x} is not 4-byte aligned", layout.used);
    const struct {
        const char* name;
        uint64_t gpa, len;
    } parts[] = {{"descriptor table", layout.desc, desc_bytes(layout.size)},
                 {"driver area", layout.avail, avail_bytes(layout.size)},
                 {"device area", layout.used, used_bytes(layout.size)}};
    for (const auto& part : parts)
        if (!memory.contains(part.gpa, part.len))
            return error("virtqueue {} {:#x}+{:#x} is outside guest RAM", part.name, part.gpa,
                         part.len);
    layout_ = layout;
    event_idx_ = event_idx;
    indirect_ = indirect;
    enabled_ = true;
    return {};
}

void SplitQueue::reset() {
    WriteObserver observer = std::move(observer_);
    *this = SplitQueue();
    observer_ = std::move(observer);
}

Result<std::optional<Chain>> SplitQueue::pop(const GuestMemory& memory) {
    if (!enabled_) return std::nullopt;
    const uint16_t size = layout_.size;
    const uint16_t avail_idx = TRY(load_acquire(memory, layout_.avail + kAvailIdx));
    const uint16_t pending = static_cast<uint16_t>(avail_idx - last_avail_);
    // 2.7.6: idx only ever moves forward by the entries the driver added, and there are at most
    // `size` of them in the ring.
    if (pending > size)
        return error("virtqueue available index moved from {} to {}, more than the queue size {}",
                     last_avail_, avail_idx, size);
    if (pending == 0) return std::nullopt;

    const uint32_t slot = last_avail_ & (size - 1u);
    const auto head = TRY(memory.read_obj<uint16_t>(layout_.avail + avail_ring(slot)));
    if (head >= size)
        return error(
            "virtqueue available ring entry {} names descriptor {}, past the queue size {}", slot,
            head, size);

    Chain chain;
    chain.head = head;
    ChainBuilder builder(memory, chain);
    uint16_t index = head;
    for (uint32_t count = 1;; ++count) {
        // 2.7.5.3.1: a chain is at most the queue size long (2.7.5.2: loops are forbidden).
        if (count > size)
            return error("virtqueue chain at head {} is longer than the queue size {} (a loop)",
                         head, size);
        // Each descriptor is read once, into a copy: the guest may rewrite the table meanwhile.
        const auto desc = TRY(memory.read_obj<Descriptor>(layout_.desc + 16ull * index));
        if (desc.flags & kDescIndirect) {
            // 2.7.5.3.1: only with VIRTIO_F_INDIRECT_DESC, and never with NEXT; 2.7.5.3.2: the
            // device ignores WRITE on it and handles direct descriptors before it.
            if (!indirect_)
                return error(
                    "virtqueue chain at head {} uses an indirect descriptor, but "
                    "VIRTIO_F_INDIRECT_DESC was not negotiated",
                    head);
            if (desc.flags & kDescNext)
                return error("virtqueue chain at head {} has an indirect descriptor with NEXT set",
                             head);
            TRY(walk_indirect(memory, desc, head, builder));
            break;
        }
        TRY(builder.add(desc));
        if (!(desc.flags & kDescNext)) break;
        if (desc.next >= size)
            return error("virtqueue descriptor {} chains to descriptor {}, past the queue size {}",
                         index, desc.next, size);
        index = desc.next;
    }
    last_avail_ = static_cast<uint16_t>(last_avail_ + 1);
    return chain;
}

Result<void> SplitQueue::push_used(GuestMemory& memory, uint16_t head, uint32_t written) {
    if (!enabled_) return error("virtqueue is not enabled");
    // 2.7.8: struct virtq_used_elem { le32 id; le32 len; }, then idx moves past it.
    const struct { uint32_t id, len; } elem{head, written};
    const uint32_t slot = used_idx_ & (layout_.size - 1u);
    TRY(memory.write_obj(layout_.used + used_ring(slot), elem));
    used_idx_ = static_cast<uint16_t>(used_idx_ + 1);
    return store_release(memory, layout_.used + kUsedIdx, used_idx_);
}

Result<void> SplitQueue::push_used(GuestMemory& memory, const Chain& chain, uint32_t written) {
    const uint32_t slot = used_idx_ & (layout_.size - 1u);
    TRY(push_used(memory, chain.head, written));
    if (!observer_) return {};
    uint64_t left = written;
    for (const Buffer& b : chain.writable) {
        if (left == 0) break;
        const uint64_t n = std::min<uint64_t>(b.len, left);
        observer_(b.gpa, n);
        left -= n;
    }
    observer_(layout_.used + used_ring(slot), 8);
    return {};
}

bool SplitQueue::should_interrupt(const GuestMemory& memory) {
    if (!enabled_) return false;
    const uint16_t old_idx = signalled_used_;
    signalled_used_ = used_idx_;
    if (old_idx == used_idx_) return false;
    // Order the used->idx store before the read of the driver's used_event or flags, against the
    // driver's "write used_event, then re-read used->idx" (2.7.7, 2.7.14): without a full fence
    // both sides could read the old value and the interrupt would be lost.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (event_idx_) {
        auto event = memory.read_obj<uint16_t>(layout_.avail + used_event(layout_.size));
        return !event || need_event(*event, used_idx_, old_idx);
    }
    auto flags = memory.read_obj<uint16_t>(layout_.avail);
    return !flags || !(*flags & kAvailNoInterrupt);
}

Result<void> SplitQueue::set_notification(GuestMemory& memory, bool enabled) {
    if (!enabled_) return {};
    if (event_idx_) {
        // 2.7.10: the driver notifies once avail->idx passes avail_event. Disabling leaves it
        // where it is: once the driver is past it, it stops notifying.
        if (enabled)
            TRY(memory.write_obj<uint16_t>(layout_.used + avail_event(layout_.size), last_avail_));
    } else {
        // 2.7.10 without EVENT_IDX: VIRTQ_USED_F_NO_NOTIFY.
        TRY(memory.write_obj<uint16_t>(layout_.used, enabled ? 0 : kUsedNoNotify));
    }
    // Order that write before the has_available() that must follow it (see the header), against
    // the driver's "write avail->idx, then read avail_event or flags".
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return {};
}

bool SplitQueue::has_available(const GuestMemory& memory) const {
    if (!enabled_) return false;
    auto idx = load_acquire(memory, layout_.avail + kAvailIdx);
    return idx && *idx != last_avail_;
}

}  // namespace svm::virtio
