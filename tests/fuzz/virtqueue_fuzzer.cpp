// libFuzzer target: the device side of a split virtqueue (devices/virtio/virtqueue.h) against a
// driver that writes anything: a random layout and size inside a small guarded guest RAM, random
// features, random descriptors, rings and indices. It checks that svm never touches memory
// outside guest RAM (the guards fault), that a call writes only where it may (pop, has_available
// and should_interrupt write nothing; push_used and set_notification only the device area;
// write_to only the chain's writable buffers), that every chain pop() returns lies in RAM and is
// bounded in length, that pop() follows the available index exactly (nothing when it has not
// moved, an error when it moved more than the queue size, the same error again after one), that
// push_used() publishes what it was given, and that a final drain ends within one ring's worth of
// chains.
//
// Input: a header, then operations until the input ends:
//   header: u8 RAM size code, u8 queue size form (bit 7 set: then a raw u16, else 1 << (form %
//   16)),
//           3 x (u8 form, u64) for desc, avail, used (see read_address), u8 features (bit 0
//           EVENT_IDX, bit 1 INDIRECT_DESC)
//   0 u16 gpa, u8 n, n bytes                       the driver writes bytes anywhere
//   1 u16 index, ADDRESS, u8 len form, u16 flags, u16 next   writes a descriptor (len form: bit 7
//                                                  set: then a u32, else the form itself)
//   2 u16 head                                     makes head available (ring entry, then idx + 1)
//   3 u16 idx                                      writes avail->idx
//   4                                              pop
//   5 u8 which, u32 written                        push_used of an in-flight chain (or a raw head)
//   6                                              should_interrupt
//   7 u8 on                                        set_notification
//   8                                              has_available
//   9 u8 which, u16 offset, u16 length, u8 write   read_from / write_to an in-flight chain
//   10 u16 flags, u16 used_event                   avail->flags and used_event
//   11 u8 features                                 reset, then enable again
// ADDRESS: u8 form, then 0: a u16 (inside RAM, any alignment); 1: a u16 aligned down to 16;
// 2: a u64; 3: RAM size minus a u8.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/log.h"
#include "devices/virtio/virtqueue.h"
#include "tests/fuzz/common/check.h"
#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/common/guarded_memory.h"

using namespace svm;
using namespace svm::virtio;

namespace {

constexpr uint64_t kRamSizes[] = {0x4000, 0x10000};
// The most buffers one chain can hold: a full direct chain, then a full indirect table.
constexpr size_t kMaxBuffers = 32768 + 32768;
constexpr size_t kMaxInFlight = 64;  // chains kept for push_used / the copy helpers
constexpr size_t kMaxCopy = 4096;

uint64_t read_address(fuzz::FuzzInput& in, uint64_t ram) {
    switch (in.u8() % 4) {
        case 0:
            return in.u16() % ram;
        case 1:
            return (in.u16() % ram) & ~uint64_t{15};
        case 2:
            return in.u64();
        default:
            return ram - in.u8();
    }
}

// A copy of guest RAM before a call, to see what the call wrote. One buffer serves every
// snapshot (they never overlap), so taking one costs a memcpy and no allocation.
class Snapshot {
public:
    explicit Snapshot(const GuestMemory& memory) : size_(memory.size()) {
        static std::vector<uint8_t> buffer;
        buffer.resize(size_);
        std::memcpy(buffer.data(), memory.host_base_for_kvm(), size_);
        bytes_ = buffer.data();
    }

    // Checks that every byte that changed lies in one of `allowed`.
    void check_changes(const GuestMemory& memory, std::span<const fuzz::GpaRange> allowed,
                       const char* call) const {
        const uint8_t* now = memory.host_base_for_kvm();
        constexpr uint64_t kChunk = 256;
        for (uint64_t chunk = 0; chunk < size_; chunk += kChunk) {
            if (std::memcmp(now + chunk, bytes_ + chunk, kChunk) == 0) continue;
            for (uint64_t gpa = chunk; gpa < chunk + kChunk; ++gpa) {
                if (now[gpa] == bytes_[gpa]) continue;
                const bool ok =
                    std::any_of(allowed.begin(), allowed.end(),
                                [&](const fuzz::GpaRange& r) { return r.contains(gpa); });
                FUZZ_CHECK(ok, "{} wrote guest RAM at {:#x}, outside what it may write", call, gpa);
            }
        }
    }

private:
    uint64_t size_;
    const uint8_t* bytes_;
};

class Harness {
public:
    Harness(GuestMemory& memory, const QueueLayout& layout) : memory_(memory), layout_(layout) {}

    void enable(uint8_t features) {
        queue_.reset();
        in_flight_.clear();
        broken_.reset();
        popped_ = pushed_ = 0;
        enabled_ = queue_.enable(memory_, layout_, features & 1, features & 2).has_value();
        FUZZ_CHECK(enabled_ == queue_.enabled(), "enable() and enabled() disagree");
        if (enabled_) {
            const uint16_t size = layout_.size;
            FUZZ_CHECK(size != 0 && (size & (size - 1)) == 0 && size <= 32768,
                       "enabled with size {}", size);
            FUZZ_CHECK(layout_.desc % 16 == 0 && layout_.avail % 2 == 0 && layout_.used % 4 == 0,
                       "enabled a misaligned layout");
            FUZZ_CHECK(memory_.contains(layout_.desc, 16ull * size) &&
                           memory_.contains(layout_.avail, 6 + 2ull * size) &&
                           memory_.contains(layout_.used, 6 + 8ull * size),
                       "enabled a layout outside RAM");
        }
    }

    // Returns false once pop() has nothing more (or failed).
    bool pop() {
        Snapshot before(memory_);
        auto result = queue_.pop(memory_);
        before.check_changes(memory_, {}, "pop");
        if (!enabled_) {
            FUZZ_CHECK(result && !*result, "a disabled queue popped something");
            return false;
        }
        if (broken_) {
            // A rejected chain is not consumed: the same error until reset.
            FUZZ_CHECK(!result && result.error().message == *broken_,
                       "pop after '{}' did not fail the same way", *broken_);
            return false;
        }
        const uint16_t avail_idx = read_u16(layout_.avail + 2);
        const uint16_t pending = static_cast<uint16_t>(avail_idx - popped_);
        if (!result) {
            broken_ = result.error().message;
            FUZZ_CHECK(pending != 0, "pop failed with nothing pending: {}", *broken_);
            return false;
        }
        FUZZ_CHECK(pending <= layout_.size, "pop accepted avail idx {} after {} pops (size {})",
                   avail_idx, popped_, layout_.size);
        if (!*result) {
            FUZZ_CHECK(pending == 0, "pop found nothing with {} pending", pending);
            return false;
        }
        FUZZ_CHECK(pending != 0, "pop returned a chain with nothing pending");
        const Chain& chain = **result;
        check_chain(chain);
        popped_ = static_cast<uint16_t>(popped_ + 1);
        if (in_flight_.size() < kMaxInFlight) in_flight_.push_back(chain);
        return true;
    }

    void push_used(uint8_t which, uint32_t written) {
        if (!enabled_) return;
        uint16_t head = which;
        if (!in_flight_.empty() && which < 0x80) {
            const size_t i = which % in_flight_.size();
            head = in_flight_[i].head;
            in_flight_.erase(in_flight_.begin() + static_cast<std::ptrdiff_t>(i));
        }
        Snapshot before(memory_);
        auto result = queue_.push_used(memory_, head, written);
        FUZZ_CHECK(result.has_value(), "push_used failed: {}", result.error().message);
        const fuzz::GpaRange used{layout_.used, 6 + 8ull * layout_.size};
        before.check_changes(memory_, std::span(&used, 1), "push_used");
        const uint64_t slot = layout_.used + 4 + 8ull * (pushed_ % layout_.size);
        pushed_ = static_cast<uint16_t>(pushed_ + 1);
        FUZZ_CHECK(read_u16(layout_.used + 2) == pushed_, "used idx is not {}", pushed_);
        uint32_t elem[2];
        FUZZ_CHECK(memory_.read(slot, std::span(reinterpret_cast<uint8_t*>(elem), 8)).has_value(),
                   "used slot unreadable");
        FUZZ_CHECK(elem[0] == head && elem[1] == written, "used element is ({}, {}), not ({}, {})",
                   elem[0], elem[1], head, written);
    }

    void should_interrupt() {
        Snapshot before(memory_);
        (void)queue_.should_interrupt(memory_);
        before.check_changes(memory_, {}, "should_interrupt");
    }

    void set_notification(bool on) {
        Snapshot before(memory_);
        auto result = queue_.set_notification(memory_, on);
        FUZZ_CHECK(result.has_value(), "set_notification failed: {}", result.error().message);
        const fuzz::GpaRange used{layout_.used, 6 + 8ull * layout_.size};
        before.check_changes(memory_, enabled_ ? std::span(&used, 1) : std::span(&used, 0),
                             "set_notification");
    }

    void has_available() {
        Snapshot before(memory_);
        const bool any = queue_.has_available(memory_);
        before.check_changes(memory_, {}, "has_available");
        if (enabled_)
            FUZZ_CHECK(any == (read_u16(layout_.avail + 2) != popped_),
                       "has_available() is {} with avail idx {} after {} pops", any,
                       read_u16(layout_.avail + 2), popped_);
        else
            FUZZ_CHECK(!any, "a disabled queue has buffers available");
    }

    void copy(uint8_t which, uint16_t offset, uint16_t length, bool write) {
        if (in_flight_.empty()) return;
        const Chain& chain = in_flight_[which % in_flight_.size()];
        std::vector<uint8_t> bytes(std::min<size_t>(length, kMaxCopy), 0xa5);
        if (write) {
            std::vector<fuzz::GpaRange> allowed;
            for (const Buffer& b : chain.writable) allowed.push_back({b.gpa, b.len});
            Snapshot before(memory_);
            auto n = write_to(memory_, chain, offset, bytes);
            FUZZ_CHECK(n.has_value(), "write_to failed: {}", n.error().message);
            before.check_changes(memory_, allowed, "write_to");
            FUZZ_CHECK(
                *n == std::min<uint64_t>(bytes.size(),
                                         chain.writable_bytes() -
                                             std::min<uint64_t>(offset, chain.writable_bytes())),
                "write_to wrote {} bytes", *n);
        } else {
            auto n = read_from(memory_, chain, offset, bytes);
            FUZZ_CHECK(n.has_value(), "read_from failed: {}", n.error().message);
            FUZZ_CHECK(
                *n == std::min<uint64_t>(bytes.size(),
                                         chain.readable_bytes() -
                                             std::min<uint64_t>(offset, chain.readable_bytes())),
                "read_from read {} bytes", *n);
        }
    }

    // Pops until the queue is empty or fails: at most one ring's worth, since nothing writes
    // guest RAM meanwhile (pop() writes nothing).
    void drain() {
        for (uint32_t count = 0;; ++count) {
            if (!pop()) return;
            FUZZ_CHECK(count < layout_.size, "drained more than {} chains", layout_.size);
        }
    }

    // Guest RAM changed: a chain pop() rejected may now be different.
    void memory_changed() { broken_.reset(); }

private:
    uint16_t read_u16(uint64_t gpa) const {
        auto value = memory_.read_obj<uint16_t>(gpa);
        FUZZ_CHECK(value.has_value(), "ring index at {:#x} unreadable", gpa);
        return *value;
    }

    void check_chain(const Chain& chain) const {
        FUZZ_CHECK(chain.head < layout_.size, "chain head {} >= size {}", chain.head, layout_.size);
        FUZZ_CHECK(chain.readable.size() + chain.writable.size() <= kMaxBuffers,
                   "chain of {} buffers", chain.readable.size() + chain.writable.size());
        for (const auto* list : {&chain.readable, &chain.writable})
            for (const Buffer& b : *list)
                FUZZ_CHECK(memory_.contains(b.gpa, b.len), "chain buffer {:#x}+{:#x} is not RAM",
                           b.gpa, b.len);
        FUZZ_CHECK(chain.readable_bytes() + chain.writable_bytes() <= (1ull << 32),
                   "chain of {} bytes", chain.readable_bytes() + chain.writable_bytes());
    }

    GuestMemory& memory_;
    QueueLayout layout_;
    SplitQueue queue_;
    bool enabled_ = false;
    std::optional<std::string> broken_;  // the error pop() failed with
    uint16_t popped_ = 0;                // chains taken since enable, mod 2^16
    uint16_t pushed_ = 0;                // used entries since enable, mod 2^16
    std::vector<Chain> in_flight_;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    log::g_level = log::Level::Error;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint64_t ram = kRamSizes[in.u8() % 2];
    GuestMemory& memory = fuzz::fresh_memory(ram);

    QueueLayout layout;
    const uint8_t size_form = in.u8();
    layout.size = (size_form & 0x80) ? in.u16() : static_cast<uint16_t>(1u << (size_form % 16));
    layout.desc = read_address(in, ram);
    layout.avail = read_address(in, ram);
    layout.used = read_address(in, ram);
    Harness harness(memory, layout);
    harness.enable(in.u8());

    uint16_t avail_idx = 0;  // the driver's own count, for op 2
    while (!in.empty()) {
        const int op = in.u8() % 12;
        // Guest RAM may change (the device's own writes too, where the parts overlap).
        if (op <= 3 || op == 5 || op == 7 || op == 9 || op == 10) harness.memory_changed();
        switch (op) {
            case 0: {
                const uint64_t gpa = in.u16() % ram;
                auto bytes = in.sized_bytes();
                const size_t n = std::min<uint64_t>(bytes.size(), ram - gpa);
                (void)memory.write(gpa, bytes.first(n));
                break;
            }
            case 1: {
                const uint16_t index = in.u16();
                const uint64_t addr = read_address(in, ram);
                const uint8_t len_form = in.u8();
                const uint32_t len = (len_form & 0x80) ? in.u32() : len_form;
                const uint16_t flags = in.u16();
                const uint16_t next = in.u16();
                if (layout.size == 0) break;
                uint8_t desc[16];
                std::memcpy(desc, &addr, 8);
                std::memcpy(desc + 8, &len, 4);
                std::memcpy(desc + 12, &flags, 2);
                std::memcpy(desc + 14, &next, 2);
                (void)memory.write(layout.desc + 16ull * (index % layout.size), desc);
                break;
            }
            case 2: {
                const uint16_t head = in.u16();
                if (layout.size == 0) break;
                (void)memory.write_obj(layout.avail + 4 + 2ull * (avail_idx % layout.size), head);
                avail_idx = static_cast<uint16_t>(avail_idx + 1);
                (void)memory.write_obj(layout.avail + 2, avail_idx);
                break;
            }
            case 3:
                avail_idx = in.u16();
                (void)memory.write_obj(layout.avail + 2, avail_idx);
                break;
            case 4:
                harness.pop();
                break;
            case 5: {
                const uint8_t which = in.u8();
                harness.push_used(which, in.u32());
                break;
            }
            case 6:
                harness.should_interrupt();
                break;
            case 7:
                harness.set_notification(in.flag());
                break;
            case 8:
                harness.has_available();
                break;
            case 9: {
                const uint8_t which = in.u8();
                const uint16_t offset = in.u16();
                const uint16_t length = in.u16();
                harness.copy(which, offset, length, in.flag());
                break;
            }
            case 10: {
                const uint16_t flags = in.u16();
                const uint16_t used_event = in.u16();
                (void)memory.write_obj(layout.avail, flags);
                (void)memory.write_obj(layout.avail + 4 + 2ull * layout.size, used_event);
                break;
            }
            case 11:
                harness.enable(in.u8());
                break;
        }
    }
    harness.drain();
    return 0;
}
