// Seeds for the virtio_device target: what a Linux driver does with virtio-blk (5.2.6 requests:
// write, read, flush, GET_ID, discard, write-zeroes) and virtio-net (5.1.6: a transmit, receive
// buffers, frames with and without MRG_RXBUF), on both image kinds, plus a malformed request
// and a reset, in virtio_device_fuzzer.cpp's format.
#include <array>
#include <cstdint>
#include <cstring>

#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/seeds/seeds.h"

namespace svm::fuzz::seeds {

namespace {

constexpr uint16_t kNext = 1, kWrite = 2, kIndirect = 4;
constexpr uint8_t kIn = 0, kOut = 1, kFlush = 2, kGetId = 3, kDiscard = 4, kWriteZeroes = 5;

// virtio_device_fuzzer's header and operations. Queue q lies at 0x1000 + 0x3000 * q: the
// descriptor table, then the avail ring 0x1000 on, then the used ring 0x2000 on.
class DeviceOps {
public:
    // `setup` as the target reads it; every queue has 1 << log2_size entries.
    DeviceOps(uint8_t setup, uint16_t features, int queues, uint8_t log2_size) {
        w_.u8(setup).u16(features);
        for (int q = 0; q < queues; ++q) {
            w_.u8(log2_size);
            for (uint64_t part = 0; part < 3; ++part)
                w_.u8(2).u64(0x1000 + 0x3000 * q + 0x1000 * part);
        }
    }
    DeviceOps& poke(uint16_t gpa, std::span<const uint8_t> bytes) {
        w_.u8(0).u16(gpa).sized_bytes(bytes);
        return *this;
    }
    DeviceOps& poke_desc(uint16_t gpa, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        std::array<uint8_t, 16> d{};
        std::memcpy(&d[0], &addr, 8);
        std::memcpy(&d[8], &len, 4);
        std::memcpy(&d[12], &flags, 2);
        std::memcpy(&d[14], &next, 2);
        return poke(gpa, d);
    }
    DeviceOps& desc(uint8_t queue, uint16_t index, uint64_t addr, uint32_t len, uint16_t flags,
                    uint16_t next) {
        w_.u8(1).u8(queue).u16(index).u8(2).u64(addr).u8(0x80).u32(len).u16(flags).u16(next);
        return *this;
    }
    DeviceOps& avail(uint8_t queue, uint16_t head) {
        w_.u8(2).u8(queue).u16(head);
        return *this;
    }
    DeviceOps& notify(uint8_t queue) {
        w_.u8(4).u8(queue);
        return *this;
    }
    // A frame of `len` bytes from the host; its first bytes an Ethernet header.
    DeviceOps& frame(uint32_t len) {
        static constexpr uint8_t kEthernet[] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52,
                                                0x55, 0x0a, 0x00, 0x02, 0x02, 0x08, 0x00};
        w_.u8(5).u8(0x80).u32(len).sized_bytes(kEthernet);
        return *this;
    }
    DeviceOps& request(uint16_t gpa, uint8_t type, uint8_t sector) {
        w_.u8(6).u16(gpa).u8(type).u8(sector);
        return *this;
    }
    DeviceOps& segment(uint16_t gpa, uint8_t sector, uint32_t count, uint32_t flags) {
        w_.u8(7).u16(gpa).u8(sector).u32(count).u32(flags);
        return *this;
    }
    DeviceOps& reset(uint16_t features) {
        w_.u8(8).u16(features);
        return *this;
    }
    DeviceOps& flags_event(uint8_t queue, uint16_t flags, uint16_t used_event) {
        w_.u8(9).u8(queue).u16(flags).u16(used_event);
        return *this;
    }
    // QueueReady: queue `queue` down (ready false) or up again at `base` (desc, then avail
    // 0x1000 on, then used 0x2000 on) with 1 << log2_size entries.
    DeviceOps& queue_ready(uint8_t queue, bool ready, uint8_t log2_size, uint64_t base) {
        w_.u8(10).u8(queue).u8(ready).u8(log2_size);
        for (uint64_t part = 0; part < 3; ++part) w_.u8(2).u64(base + 0x1000 * part);
        return *this;
    }
    // A three-descriptor block request at descriptors `first`..: the header at `header`, `len`
    // data bytes at `data` (device-writable if `in`), the status byte at `status`.
    DeviceOps& blk_chain(uint16_t first, uint16_t header, uint16_t data, uint32_t len, bool in,
                         uint16_t status) {
        desc(0, first, header, 16, kNext, first + 1);
        desc(0, first + 1, data, len, static_cast<uint16_t>(kNext | (in ? kWrite : 0)), first + 2);
        desc(0, first + 2, status, 1, kWrite, 0);
        return avail(0, first);
    }
    const std::vector<uint8_t>& data() const { return w_.data(); }

private:
    FuzzWriter w_;
};

}  // namespace

void virtio_device_seeds(const Sink& sink) {
    // virtio-blk on a writable memfd, every feature: write sector 3, read it back into another
    // buffer, flush, GET_ID, discard and write-zeroes two segments, write sector 10.
    DeviceOps blk(0, 0xffff, 1, 5);
    blk.request(0x8000, kOut, 3).request(0x8010, kIn, 3).request(0x8020, kFlush, 0);
    blk.request(0x8030, kGetId, 0).request(0x8040, kDiscard, 0).request(0x8050, kWriteZeroes, 0);
    blk.segment(0x8100, 8, 8, 0).segment(0x8110, 40, 16, 1);
    blk.blk_chain(0, 0x8000, 0x9000, 512, false, 0xa000)
        .blk_chain(3, 0x8010, 0x9400, 512, true, 0xa001);
    blk.notify(0);
    blk.desc(0, 6, 0x8020, 16, kNext, 7).desc(0, 7, 0xa002, 1, kWrite, 0).avail(0, 6);
    blk.blk_chain(8, 0x8030, 0x9800, 20, true, 0xa003).notify(0);
    blk.desc(0, 11, 0x8040, 16, kNext, 12).desc(0, 12, 0x8100, 16, kNext, 13);
    blk.desc(0, 13, 0xa004, 1, kWrite, 0).avail(0, 11);
    blk.desc(0, 14, 0x8050, 16, kNext, 15).desc(0, 15, 0x8110, 16, kNext, 16);
    blk.desc(0, 16, 0xa005, 1, kWrite, 0).avail(0, 14).notify(0);
    // A write with header and data in one buffer, as some drivers lay it out.
    blk.request(0xb000, kOut, 10).desc(0, 17, 0xb000, 16 + 512, kNext, 18);
    blk.desc(0, 18, 0xa006, 1, kWrite, 0).avail(0, 17).notify(0);
    sink("virtio_device", "blk", blk.data());

    // Read-only, cache=none on /tmp, 256 KiB: an unaligned multi-buffer read through O_DIRECT's
    // bounce buffer, a refused write and discard, a read past the end; EVENT_IDX and indirect.
    DeviceOps ro(2 | 4 | 8, 0xffff, 1, 3);
    ro.request(0x8000, kIn, 5).request(0x8010, kOut, 1).request(0x8020, kIn, 70);
    ro.poke_desc(0x7000, 0x8000, 16, kNext, 1).poke_desc(0x7010, 0x9003, 200, kNext | kWrite, 2);
    ro.poke_desc(0x7020, 0x20001, 824, kNext | kWrite, 3).poke_desc(0x7030, 0xa000, 1, kWrite, 0);
    ro.desc(0, 0, 0x7000, 64, kIndirect, 0).avail(0, 0);
    ro.blk_chain(1, 0x8010, 0x9400, 512, false, 0xa001)
        .blk_chain(4, 0x8020, 0x9800, 512, true, 0xa002);
    ro.flags_event(0, 0, 2).notify(0);
    sink("virtio_device", "blk-ro-direct", ro.data());

    // Malformed: a request without a status byte (needs_reset), ignored notifies, then a reset
    // and a good read.
    DeviceOps bad(0, 0x3, 1, 2);
    bad.request(0x8000, kIn, 0).desc(0, 0, 0x8000, 16, kNext, 1).desc(0, 1, 0x9000, 512, 0, 0);
    bad.avail(0, 0).notify(0).notify(0).notify(3).reset(0x3);
    bad.desc(0, 1, 0x9000, 512, kNext | kWrite, 2).desc(0, 2, 0xa000, 1, kWrite, 0);
    bad.avail(0, 0).notify(0);
    sink("virtio_device", "blk-malformed", bad.data());

    // virtio-net with MRG_RXBUF: four 1 KiB receive buffers, a transmit of header and frame in
    // two buffers, a 60-byte frame in one buffer and a 2000-byte frame across two.
    DeviceOps net(1, 0xffff, 2, 3);
    for (uint16_t i = 0; i < 4; ++i)
        net.desc(0, i, 0x8000 + 0x400u * i, 0x400, kWrite, 0).avail(0, i);
    net.notify(0).frame(60).frame(2000);
    net.desc(1, 0, 0xc000, 12, kNext, 1).desc(1, 1, 0xc100, 60, 0, 0).avail(1, 0).notify(1);
    sink("virtio_device", "net-mrg", net.data());

    // virtio-net without MRG_RXBUF (features 0x13: EVENT_IDX, INDIRECT, MAC, STATUS): a frame
    // too big for a buffer is dropped, a small one fits; a transmit over kMaxFrameBytes.
    DeviceOps plain(1, 0x13, 2, 2);
    plain.desc(0, 0, 0x8000, 1526, kWrite, 0).avail(0, 0).frame(1600).frame(1514);
    plain.desc(1, 0, 0x4000, 0x8010, kNext, 1).desc(1, 1, 0x4000, 0x8010, 0, 0).avail(1, 0);
    plain.flags_event(1, 0, 0).notify(1).frame(65536 + 10);
    sink("virtio_device", "net-plain", plain.data());

    // The receive queue taken down while it holds chains for a frame too big for them (MRG_RXBUF:
    // two 1 KiB buffers, a 4000-byte frame), then brought up again smaller elsewhere, with one
    // buffer and a frame that fits.
    DeviceOps change(1, 0xffff, 2, 3);
    change.desc(0, 5, 0x8000, 0x400, kWrite, 0).desc(0, 6, 0x8400, 0x400, kWrite, 0);
    change.avail(0, 5).avail(0, 6).frame(4000).queue_ready(0, false, 3, 0x1000);
    change.queue_ready(0, true, 1, 0xd000).desc(0, 1, 0x9000, 0x800, kWrite, 0).avail(0, 1);
    change.frame(100).notify(0);
    sink("virtio_device", "net-queue-change", change.data());
}

}  // namespace svm::fuzz::seeds
