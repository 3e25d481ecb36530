// virtio-blk (OASIS virtio 1.2, 5.2 "Block Device") over a raw disk image (BlockImage): one
// request queue; IN, OUT, FLUSH, GET_ID, DISCARD and WRITE_ZEROES (5.2.6).
//
// Requests run synchronously on the transport's I/O thread, but each goes through three steps
// that an asynchronous back-end (io_uring) would keep: parse() checks the chain once into a
// BlkRequest, execute() does the I/O and yields a status, complete() writes the status byte and
// returns the chain. Only complete() touches the used ring.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "devices/virtio/block_image.h"
#include "devices/virtio/virtio_device.h"

namespace svm::virtio {

// Feature bits (5.2.3).
constexpr uint64_t kBlkFeatureSizeMax = 1ull << 1;       // VIRTIO_BLK_F_SIZE_MAX
constexpr uint64_t kBlkFeatureSegMax = 1ull << 2;        // VIRTIO_BLK_F_SEG_MAX
constexpr uint64_t kBlkFeatureRo = 1ull << 5;            // VIRTIO_BLK_F_RO
constexpr uint64_t kBlkFeatureBlkSize = 1ull << 6;       // VIRTIO_BLK_F_BLK_SIZE
constexpr uint64_t kBlkFeatureFlush = 1ull << 9;         // VIRTIO_BLK_F_FLUSH
constexpr uint64_t kBlkFeatureDiscard = 1ull << 13;      // VIRTIO_BLK_F_DISCARD
constexpr uint64_t kBlkFeatureWriteZeroes = 1ull << 14;  // VIRTIO_BLK_F_WRITE_ZEROES

// Request types (5.2.6 struct virtio_blk_req, type).
constexpr uint32_t kBlkTypeIn = 0;
constexpr uint32_t kBlkTypeOut = 1;
constexpr uint32_t kBlkTypeFlush = 4;
constexpr uint32_t kBlkTypeGetId = 8;
constexpr uint32_t kBlkTypeDiscard = 11;
constexpr uint32_t kBlkTypeWriteZeroes = 13;

// Request status (5.2.6, status).
constexpr uint8_t kBlkStatusOk = 0;
constexpr uint8_t kBlkStatusIoErr = 1;
constexpr uint8_t kBlkStatusUnsupp = 2;

// struct virtio_blk_discard_write_zeroes flags (5.2.6).
constexpr uint32_t kBlkFlagUnmap = 1;

// struct virtio_blk_config (5.2.4), as it lies in the configuration space (little-endian; the
// host is x86-64). Fields past write_zeroes_may_unmap (secure erase, zoned) read as zero.
struct [[gnu::packed]] VirtioBlkConfig {
    uint64_t capacity;  // in 512-byte sectors, whatever blk_size says
    uint32_t size_max;
    uint32_t seg_max;
    uint16_t cylinders;  // struct virtio_blk_geometry
    uint8_t heads;
    uint8_t sectors;
    uint32_t blk_size;
    uint8_t physical_block_exp;  // struct virtio_blk_topology
    uint8_t alignment_offset;
    uint16_t min_io_size;
    uint32_t opt_io_size;
    uint8_t writeback;
    uint8_t unused0;
    uint16_t num_queues;
    uint32_t max_discard_sectors;
    uint32_t max_discard_seg;
    uint32_t discard_sector_alignment;
    uint32_t max_write_zeroes_sectors;
    uint32_t max_write_zeroes_seg;
    uint8_t write_zeroes_may_unmap;
    uint8_t unused1[3];
    uint32_t max_secure_erase_sectors;
    uint32_t max_secure_erase_seg;
    uint32_t secure_erase_sector_alignment;
};
static_assert(sizeof(VirtioBlkConfig) == 72);

class VirtioBlk final : public VirtioDevice {
public:
    static constexpr uint16_t kQueueSize = 256;
    // Limits the config space advertises (5.2.4); a discard or write-zeroes segment above them
    // fails with IOERR. Write-zeroes may fall back to writing zeroes on the I/O thread, so it is
    // kept to 64 MiB per segment.
    static constexpr uint32_t kSegMax = kQueueSize - 2;  // the header and status take two
    static constexpr uint32_t kMaxDiscardSectors = 1u << 22;
    static constexpr uint32_t kMaxWriteZeroesSectors = 1u << 17;
    static constexpr uint32_t kMaxDiscardSegments = 32;

    // `serial` (at most kBlockIdBytes bytes) is what GET_ID returns.
    VirtioBlk(BlockImage image, std::string serial);

    const BlockImage& image() const { return image_; }
    const VirtioBlkConfig& config() const { return config_; }

    // ^VirtioDevice
    uint32_t device_id() const override { return kDeviceBlock; }
    uint64_t device_features() const override;
    uint16_t num_queues() const override { return 1; }
    uint16_t queue_max_size(uint16_t) const override { return kQueueSize; }
    void read_config(uint32_t offset, std::span<uint8_t> out) const override;
    Result<void> activate(const DeviceContext& context) override;
    void notify(uint16_t index) override;
    void reset() override;

private:
    // A request parsed once from its chain (5.2.6): the header's fields, and where the data and
    // the status byte lie. The data is the readable bytes after the 16-byte header (OUT,
    // DISCARD, WRITE_ZEROES) or the writable bytes before the status byte (IN, GET_ID).
    struct BlkRequest {
        Chain chain;
        uint32_t type = 0;
        uint64_t sector = 0;
        uint64_t out_bytes = 0;  // readable data after the header
        uint64_t in_bytes = 0;   // writable data before the status byte
    };
    // What a request came to: the status byte (5.2.6). The used length does not depend on it
    // (complete() reports every writable byte up to the status).
    struct Outcome {
        uint8_t status = kBlkStatusOk;
    };

    // Returns nullopt (after needs_reset) for a chain with no room for the header or status.
    std::optional<BlkRequest> parse(Chain chain);
    Outcome execute(const BlkRequest& request);
    Outcome read(const BlkRequest& request);
    Outcome write(const BlkRequest& request);
    Outcome get_id(const BlkRequest& request);
    Outcome discard_or_zero(const BlkRequest& request);
    // Writes the status byte, returns the chain through the used ring. False if the device
    // failed (needs_reset was called).
    bool complete(const BlkRequest& request, Outcome outcome);
    void fail(const std::string& why);
    bool negotiated(uint64_t feature) const;

    BlockImage image_;
    std::string serial_;
    VirtioBlkConfig config_{};
    Activation activation_;
    bool logged_ro_ = false;  // a write to the read-only image was logged since the last reset
    bool logged_io_ = false;  // an I/O error was logged since the last reset
};

}  // namespace svm::virtio
