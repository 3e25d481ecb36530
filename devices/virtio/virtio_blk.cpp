#include "devices/virtio/virtio_blk.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "core/log.h"

namespace svm::virtio {

static_assert(std::endian::native == std::endian::little,
              "virtio 1.x structures are little-endian");
static_assert(offsetof(VirtioBlkConfig, blk_size) == 20);
static_assert(offsetof(VirtioBlkConfig, writeback) == 32);
static_assert(offsetof(VirtioBlkConfig, max_discard_sectors) == 36);
static_assert(offsetof(VirtioBlkConfig, write_zeroes_may_unmap) == 56);

namespace {

constexpr uint64_t kHeaderBytes = 16;   // struct virtio_blk_req: le32 type, reserved; le64 sector
constexpr uint64_t kSegmentBytes = 16;  // struct virtio_blk_discard_write_zeroes

struct [[gnu::packed]] RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(RequestHeader) == kHeaderBytes);

struct [[gnu::packed]] Segment {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
};
static_assert(sizeof(Segment) == kSegmentBytes);

// The host views of `bytes` bytes of `buffers`, starting `skip` bytes in. Every buffer of a
// popped chain is guest RAM (SplitQueue::pop checked it), so span() failing is a broken
// invariant of the queue, reported as an error all the same.
Result<std::vector<std::span<uint8_t>>> views(GuestMemory& memory,
                                              const std::vector<Buffer>& buffers, uint64_t skip,
                                              uint64_t bytes) {
    std::vector<std::span<uint8_t>> out;
    for (const Buffer& buffer : buffers) {
        if (bytes == 0) break;
        if (skip >= buffer.len) {
            skip -= buffer.len;
            continue;
        }
        uint64_t len = std::min<uint64_t>(buffer.len - skip, bytes);
        out.push_back(TRY(memory.span(buffer.gpa + skip, len)));
        skip = 0;
        bytes -= len;
    }
    return out;
}

}  // namespace

VirtioBlk::VirtioBlk(BlockImage image, std::string serial)
    : image_(std::move(image)), serial_(std::move(serial)) {
    SVM_ASSERT(serial_.size() <= kBlockIdBytes);
    config_.capacity = image_.sectors();
    // size_max is meaningful only with VIRTIO_BLK_F_SIZE_MAX, which is not offered: any segment
    // size works.
    config_.seg_max = kSegMax;
    // 512 even with O_DIRECT on a 4 KiB-sector host disk: the guest's logical sector size is
    // part of its disk format (partition tables), and BlockImage handles unaligned I/O.
    config_.blk_size = kSectorSize;
    config_.num_queues = 1;
    if (image_.discard_supported()) {
        config_.max_discard_sectors = kMaxDiscardSectors;
        config_.max_discard_seg = kMaxDiscardSegments;
        config_.discard_sector_alignment = 4096 / kSectorSize;  // the usual file system block
    }
    if (image_.write_zeroes_supported()) {
        config_.max_write_zeroes_sectors = kMaxWriteZeroesSectors;
        config_.max_write_zeroes_seg = kMaxDiscardSegments;
        config_.write_zeroes_may_unmap = image_.discard_supported() ? 1 : 0;
    }
}

uint64_t VirtioBlk::device_features() const {
    uint64_t features = kFeatureVersion1 | kFeatureIndirectDesc | kFeatureEventIdx |
                        kBlkFeatureSegMax | kBlkFeatureBlkSize | kBlkFeatureFlush;
    if (image_.read_only()) features |= kBlkFeatureRo;
    if (image_.discard_supported()) features |= kBlkFeatureDiscard;
    if (image_.write_zeroes_supported()) features |= kBlkFeatureWriteZeroes;
    return features;
}

void VirtioBlk::read_config(uint32_t offset, std::span<uint8_t> out) const {
    auto bytes = reinterpret_cast<const uint8_t*>(&config_);
    for (size_t i = 0; i < out.size(); ++i) {
        uint64_t at = uint64_t{offset} + i;
        out[i] = at < sizeof(config_) ? bytes[at] : 0;
    }
}

Result<void> VirtioBlk::activate(const DeviceContext& context) {
    return activation_.activate(context, 1, "virtio-blk " + image_.path());
}

void VirtioBlk::reset() {
    // Requests complete synchronously inside notify(), so none is in flight here.
    activation_.reset();
    logged_ro_ = false;
    logged_io_ = false;
}

void VirtioBlk::fail(const std::string& why) {
    activation_.fail(why);
}

bool VirtioBlk::negotiated(uint64_t feature) const {
    return activation_.negotiated(feature);
}

void VirtioBlk::notify(uint16_t index) {
    if (index != 0) return;
    activation_.drain(0, [this](Chain chain) {
        auto request = parse(std::move(chain));
        return request && complete(*request, execute(*request));
    });
}

std::optional<VirtioBlk::BlkRequest> VirtioBlk::parse(Chain chain) {
    // 5.2.6: a request is the header (device-readable), data, and a final device-writable status
    // byte. Without room for both the device cannot even say the request failed.
    if (chain.readable_bytes() < kHeaderBytes) {
        fail(fmt::format("request {} has {} readable bytes, less than the 16-byte header",
                         chain.head, chain.readable_bytes()));
        return std::nullopt;
    }
    if (chain.writable_bytes() < 1) {
        fail(fmt::format("request {} has no device-writable status byte", chain.head));
        return std::nullopt;
    }
    RequestHeader header{};
    auto copied = read_from(activation_.memory(), chain, 0,
                            std::span(reinterpret_cast<uint8_t*>(&header), sizeof(header)));
    if (!copied || *copied != sizeof(header)) {
        fail(fmt::format("request {}: cannot read the header", chain.head));
        return std::nullopt;
    }
    BlkRequest request;
    request.type = header.type;
    request.sector = header.sector;
    request.out_bytes = chain.readable_bytes() - kHeaderBytes;
    request.in_bytes = chain.writable_bytes() - 1;
    request.chain = std::move(chain);
    return request;
}

VirtioBlk::Outcome VirtioBlk::execute(const BlkRequest& request) {
    switch (request.type) {
        case kBlkTypeIn:
            return read(request);
        case kBlkTypeOut:
            return write(request);
        case kBlkTypeFlush:
            if (!negotiated(kBlkFeatureFlush)) return {kBlkStatusUnsupp};
            if (auto r = image_.flush(); !r) {
                log::error("{}", r.error().message);
                return {kBlkStatusIoErr};
            }
            return {};
        case kBlkTypeGetId:
            return get_id(request);
        case kBlkTypeDiscard:
        case kBlkTypeWriteZeroes:
            return discard_or_zero(request);
        default:
            return {kBlkStatusUnsupp};
    }
}

VirtioBlk::Outcome VirtioBlk::read(const BlkRequest& request) {
    // A driver MUST NOT submit a read past capacity or of a partial sector (5.2.6.1): IOERR.
    uint64_t bytes = request.in_bytes;
    if (bytes % kSectorSize != 0 || request.sector > image_.sectors() ||
        bytes / kSectorSize > image_.sectors() - request.sector) {
        return {kBlkStatusIoErr};
    }
    auto parts = views(activation_.memory(), request.chain.writable, 0, bytes);
    if (!parts) return {kBlkStatusIoErr};
    if (auto r = image_.read(request.sector, *parts); !r) {
        if (!std::exchange(logged_io_, true)) log::error("{}", r.error().message);
        return {kBlkStatusIoErr};
    }
    // The data reached guest RAM through host views; complete()'s push_used(chain) tells the
    // write observer (gdb watchpoints) which bytes changed.
    return {kBlkStatusOk};
}

VirtioBlk::Outcome VirtioBlk::write(const BlkRequest& request) {
    uint64_t bytes = request.out_bytes;
    if (image_.read_only()) {
        // 5.2.6.2: with VIRTIO_BLK_F_RO offered a write fails with IOERR and writes nothing.
        if (!std::exchange(logged_ro_, true)) {
            log::info(
                "{} is read-only: the guest's write to sector {} failed (logged once per "
                "device reset)",
                image_.path(), request.sector);
        }
        return {kBlkStatusIoErr};
    }
    if (bytes % kSectorSize != 0 || request.sector > image_.sectors() ||
        bytes / kSectorSize > image_.sectors() - request.sector) {
        return {kBlkStatusIoErr};
    }
    auto parts = views(activation_.memory(), request.chain.readable, kHeaderBytes, bytes);
    if (!parts) return {kBlkStatusIoErr};
    std::vector<std::span<const uint8_t>> in(parts->begin(), parts->end());
    if (auto r = image_.write(request.sector, in); !r) {
        if (!std::exchange(logged_io_, true)) log::error("{}", r.error().message);
        return {kBlkStatusIoErr};
    }
    return {};
}

VirtioBlk::Outcome VirtioBlk::get_id(const BlkRequest& request) {
    // 5.2.6: up to VIRTIO_BLK_ID_BYTES of serial, NUL-padded (no NUL if it is 20 bytes long).
    uint8_t id[kBlockIdBytes] = {};
    std::memcpy(id, serial_.data(), serial_.size());
    size_t n = static_cast<size_t>(std::min<uint64_t>(request.in_bytes, kBlockIdBytes));
    auto written = write_to(activation_.memory(), request.chain, 0, std::span(id, n));
    if (!written) return {kBlkStatusIoErr};
    return {kBlkStatusOk};
}

VirtioBlk::Outcome VirtioBlk::discard_or_zero(const BlkRequest& request) {
    bool discard = request.type == kBlkTypeDiscard;
    if (image_.read_only()) return write(request);  // IOERR and the read-only log line
    if (!negotiated(discard ? kBlkFeatureDiscard : kBlkFeatureWriteZeroes)) {
        return {kBlkStatusUnsupp};
    }
    // The data is an array of struct virtio_blk_discard_write_zeroes. Check every segment before
    // acting on any, so a bad request changes nothing.
    if (request.out_bytes == 0 || request.out_bytes % kSegmentBytes != 0 ||
        request.out_bytes / kSegmentBytes > kMaxDiscardSegments) {
        return {kBlkStatusIoErr};
    }
    std::vector<Segment> segments(request.out_bytes / kSegmentBytes);
    auto copied = read_from(
        activation_.memory(), request.chain, kHeaderBytes,
        std::span(reinterpret_cast<uint8_t*>(segments.data()), segments.size() * sizeof(Segment)));
    if (!copied || *copied != request.out_bytes) return {kBlkStatusIoErr};
    uint32_t max_sectors = discard ? kMaxDiscardSectors : kMaxWriteZeroesSectors;
    for (const Segment& s : segments) {
        // 5.2.6.2: UNSUPP for an unknown flag, and for unmap on a discard.
        if ((s.flags & ~kBlkFlagUnmap) != 0 || (discard && (s.flags & kBlkFlagUnmap))) {
            return {kBlkStatusUnsupp};
        }
        if (s.num_sectors > max_sectors || s.sector > image_.sectors() ||
            s.num_sectors > image_.sectors() - s.sector) {
            return {kBlkStatusIoErr};
        }
    }
    for (const Segment& s : segments) {
        auto r = discard ? image_.discard(s.sector, s.num_sectors)
                         : image_.write_zeroes(s.sector, s.num_sectors, s.flags & kBlkFlagUnmap);
        if (!r) {
            if (!std::exchange(logged_io_, true)) log::error("{}", r.error().message);
            return {kBlkStatusIoErr};
        }
    }
    return {};
}

bool VirtioBlk::complete(const BlkRequest& request, Outcome outcome) {
    // The status byte is the chain's last writable byte (5.2.6).
    uint8_t status = outcome.status;
    auto written =
        write_to(activation_.memory(), request.chain, request.in_bytes, std::span(&status, 1));
    if (!written || *written != 1) {
        fail(fmt::format("request {}: cannot write the status byte", request.chain.head));
        return false;
    }
    // len covers every writable byte up to and including the status (2.7.8.2: the driver relies
    // on no byte past len), whatever the outcome, as QEMU reports it.
    const auto used = static_cast<uint32_t>(request.in_bytes + 1);
    if (auto r = activation_.queue(0).push_used(activation_.memory(), request.chain, used);
        !r) {
        fail(r.error().message);
        return false;
    }
    return true;
}

}  // namespace svm::virtio
