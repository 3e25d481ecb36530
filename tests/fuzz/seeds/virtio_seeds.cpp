// Seeds for the virtqueue target: what a virtio driver does with a split queue (2.7.13 "Supplying
// Buffers to The Device"): direct and indirect chains, EVENT_IDX notification suppression, and a
// looping chain, in virtqueue_fuzzer.cpp's format.
#include <array>
#include <cstdint>
#include <cstring>

#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/seeds/seeds.h"

namespace svm::fuzz::seeds {

namespace {

constexpr uint16_t kNext = 1, kWrite = 2, kIndirect = 4;

// virtqueue_fuzzer's header and operations.
class QueueOps {
public:
    // 64 KiB of RAM, a queue of 1 << log2_size entries at desc/avail/used, the features.
    QueueOps(uint8_t log2_size, uint64_t desc, uint64_t avail, uint64_t used, uint8_t features) {
        w_.u8(1).u8(log2_size);
        for (uint64_t gpa : {desc, avail, used}) w_.u8(2).u64(gpa);
        w_.u8(features);
    }
    QueueOps& poke(uint16_t gpa, std::span<const uint8_t> bytes) {
        w_.u8(0).u16(gpa).sized_bytes(bytes);
        return *this;
    }
    // An indirect table entry (or any struct virtq_desc) written at `gpa`.
    QueueOps& poke_desc(uint16_t gpa, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        std::array<uint8_t, 16> d{};
        std::memcpy(&d[0], &addr, 8);
        std::memcpy(&d[8], &len, 4);
        std::memcpy(&d[12], &flags, 2);
        std::memcpy(&d[14], &next, 2);
        return poke(gpa, d);
    }
    QueueOps& desc(uint16_t index, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        w_.u8(1).u16(index).u8(2).u64(addr).u8(0x80).u32(len).u16(flags).u16(next);
        return *this;
    }
    QueueOps& avail(uint16_t head) {
        op(2).u16(head);
        return *this;
    }
    QueueOps& avail_idx(uint16_t idx) {
        op(3).u16(idx);
        return *this;
    }
    QueueOps& pop() {
        op(4);
        return *this;
    }
    QueueOps& push(uint8_t which, uint32_t written) {
        op(5).u8(which).u32(written);
        return *this;
    }
    QueueOps& interrupt() {
        op(6);
        return *this;
    }
    QueueOps& notify(bool on) {
        op(7).u8(on);
        return *this;
    }
    QueueOps& available() {
        op(8);
        return *this;
    }
    QueueOps& copy(uint8_t which, uint16_t offset, uint16_t length, bool write) {
        op(9).u8(which).u16(offset).u16(length).u8(write);
        return *this;
    }
    QueueOps& flags_event(uint16_t flags, uint16_t used_event) {
        op(10).u16(flags).u16(used_event);
        return *this;
    }
    QueueOps& reenable(uint8_t features) {
        op(11).u8(features);
        return *this;
    }
    const std::vector<uint8_t>& data() const { return w_.data(); }

private:
    FuzzWriter& op(uint8_t code) { return w_.u8(code); }
    FuzzWriter w_;
};

}  // namespace

void virtio_seeds(const Sink& sink) {
    // A block-style request: header, data, status byte; completed and signalled.
    QueueOps direct(3, 0x1000, 0x2000, 0x3000, 0);
    direct.desc(0, 0x8000, 16, kNext, 1).desc(1, 0x9000, 512, kNext | kWrite, 2);
    direct.desc(2, 0xa000, 1, kWrite, 0).avail(0).available().pop().copy(0, 0, 16, false);
    direct.copy(0, 0, 513, true).push(0, 513).interrupt().available();
    sink("virtqueue", "direct", direct.data());

    // Indirect tables, one after two direct descriptors.
    QueueOps indirect(4, 0x1000, 0x2000, 0x3000, 2);
    indirect.poke_desc(0x4000, 0x8000, 16, kNext, 1).poke_desc(0x4010, 0x9000, 64, kWrite, 0);
    indirect.desc(0, 0x4000, 32, kIndirect, 0).avail(0);
    indirect.poke_desc(0x5000, 0xa000, 8, kWrite, 0);
    indirect.desc(1, 0x8100, 8, kNext, 2).desc(2, 0x8200, 8, kNext, 3);
    indirect.desc(3, 0x5000, 16, kIndirect, 0).avail(1);
    indirect.pop().pop().copy(1, 0, 8, true).push(1, 8).push(0, 64).interrupt();
    sink("virtqueue", "indirect", indirect.data());

    // EVENT_IDX: disable, drain, re-enable, check again; used_event moves the interrupt.
    QueueOps event(3, 0x1000, 0x2000, 0x3000, 3);
    for (uint16_t i = 0; i < 4; ++i) event.desc(i, 0x8000 + 0x100u * i, 0x100, kWrite, 0).avail(i);
    event.notify(false).pop().pop().flags_event(0, 1).push(0, 1).interrupt().push(0, 1);
    event.interrupt().notify(true).available().pop().pop().available().push(0, 1).push(0, 1);
    event.interrupt();
    sink("virtqueue", "event-idx", event.data());

    // A loop, an avail index jump, then a reset and a good chain.
    QueueOps broken(2, 0x1000, 0x2000, 0x3000, 1);
    broken.desc(0, 0x8000, 8, kNext, 1).desc(1, 0x8000, 8, kNext, 0).avail(0).pop().pop();
    broken.avail_idx(100).pop().reenable(1).avail_idx(0).desc(0, 0x8000, 8, 0, 0).avail(0).pop();
    sink("virtqueue", "malformed", broken.data());
}

}  // namespace svm::fuzz::seeds
