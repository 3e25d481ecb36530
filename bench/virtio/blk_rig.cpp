#include "bench/virtio/blk_rig.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/unique_fd.h"
#include "devices/legacy/pci_msix_table.h"
#include "devices/virtio/block_image.h"
#include "devices/virtio/virtio_blk.h"

namespace svm::bench {

namespace {

using virtio::VirtioPci;

constexpr uint64_t kRamBytes = 4ull << 20;
constexpr uint64_t kBarBase = 0xfebf0000;  // a multiple of VirtioPci::kBarSize
constexpr uint64_t kQueueBase = 0x10000;
constexpr uint16_t kQueueVector = 1;  // MSI-X vector of queue 0; config changes get none
constexpr uint64_t kMsiAddress = 0xfee00000;

// struct virtio_blk_req's device-readable header (virtio 1.2, 5.2.6).
struct BlkHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(BlkHeader) == 16);

[[noreturn]] void broken(const std::string& what) {
    std::fprintf(stderr, "blk_overhead: broken benchmark: %s\n", what.c_str());
    std::abort();
}

}  // namespace

BlkRig::BlkRig(GuestMemory memory, std::shared_ptr<VirtioPci> pci, uint64_t blocks)
    : memory_(std::move(memory)), pci_(std::move(pci)), blocks_(blocks) {}

Result<std::unique_ptr<BlkRig>> BlkRig::create(const std::string& path,
                                               std::function<void()> on_interrupt) {
    virtio::DiskConfig disk;
    disk.path = path;
    auto image = TRY(virtio::BlockImage::open(disk));
    const uint64_t blocks = image.sectors() * virtio::kSectorSize / kBlockBytes;
    if (blocks == 0) return error("{}: smaller than one 4 KiB block", path);
    auto device = std::make_shared<virtio::VirtioBlk>(std::move(image), "blk-bench");
    auto memory = TRY(GuestMemory::create(kRamBytes));

    virtio::VirtioPciConfig config;
    config.bar_address = kBarBase;
    config.on_bar_change = [](uint64_t, bool) {};
    config.msi = [on_interrupt = std::move(on_interrupt)](uint64_t, uint32_t) { on_interrupt(); };
    config.intx = [](bool) {};
    // The transport keeps a reference to guest memory, so the memory must not move after this:
    // the rig owns it and the transport is created against the rig's copy.
    auto rig = std::make_unique<BlkRig>(std::move(memory), nullptr, blocks);
    rig->pci_ = TRY(VirtioPci::create(device, rig->memory_, std::move(config)));
    TRY(rig->initialise());
    return rig;
}

uint64_t BlkRig::bar(uint64_t offset, unsigned size) {
    uint8_t bytes[8] = {};
    pci_->read(offset, std::span(bytes, size));
    uint64_t value = 0;
    for (unsigned i = 0; i < size; ++i) value |= uint64_t{bytes[i]} << (8 * i);
    return value;
}

void BlkRig::set_bar(uint64_t offset, uint64_t value, unsigned size) {
    uint8_t bytes[8];
    for (unsigned i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
    pci_->write(offset, std::span(bytes, size));
}

// Device initialisation (virtio 1.2, 3.1.1) through the common configuration (4.1.4.3), then
// MSI-X (PCI 3.0, 6.8.2) with queue 0 on vector 1.
Result<void> BlkRig::initialise() {
    // MSI-X enable: bit 15 of Message Control, the high byte at capability + 3.
    const uint8_t control_high = pci_->read_config(VirtioPci::kMsixCap + 3);
    pci_->write_config(VirtioPci::kMsixCap + 3,
                       control_high | static_cast<uint8_t>(MsixTable::kControlEnable >> 8));
    const uint64_t entry = VirtioPci::kMsixTableOffset + 16ull * kQueueVector;
    set_bar(entry, kMsiAddress, 8);
    set_bar(entry + 8, 0x40, 4);
    set_bar(entry + 12, 0, 4);  // unmasked

    set_bar(VirtioPci::kDeviceStatus, 0, 1);
    set_bar(VirtioPci::kDeviceStatus, virtio::kStatusAcknowledge, 1);
    set_bar(VirtioPci::kDeviceStatus, virtio::kStatusAcknowledge | virtio::kStatusDriver, 1);
    set_bar(VirtioPci::kDeviceFeatureSelect, 0, 4);
    uint64_t offered = bar(VirtioPci::kDeviceFeature, 4);
    set_bar(VirtioPci::kDeviceFeatureSelect, 1, 4);
    offered |= bar(VirtioPci::kDeviceFeature, 4) << 32;
    const uint64_t wanted = virtio::kFeatureVersion1 | virtio::kFeatureEventIdx;
    if ((offered & wanted) != wanted)
        return error("the device does not offer VERSION_1 and RING_EVENT_IDX ({:#x})", offered);
    set_bar(VirtioPci::kDriverFeatureSelect, 0, 4);
    set_bar(VirtioPci::kDriverFeature, static_cast<uint32_t>(wanted), 4);
    set_bar(VirtioPci::kDriverFeatureSelect, 1, 4);
    set_bar(VirtioPci::kDriverFeature, wanted >> 32, 4);
    const uint8_t features_ok =
        virtio::kStatusAcknowledge | virtio::kStatusDriver | virtio::kStatusFeaturesOk;
    set_bar(VirtioPci::kDeviceStatus, features_ok, 1);
    if (!(bar(VirtioPci::kDeviceStatus, 1) & virtio::kStatusFeaturesOk))
        return error("the transport refused FEATURES_OK");
    set_bar(VirtioPci::kConfigMsixVector, VirtioPci::kNoVector, 2);

    set_bar(VirtioPci::kQueueSelect, 0, 2);
    if (bar(VirtioPci::kQueueSize, 2) < kQueueEntries)
        return error("queue 0 holds fewer than {} entries", kQueueEntries);
    set_bar(VirtioPci::kQueueSize, kQueueEntries, 2);
    driver_.emplace(memory_, virtio::test::TestDriver::layout_at(kQueueBase, kQueueEntries));
    const virtio::QueueLayout& layout = driver_->layout();
    set_bar(VirtioPci::kQueueDesc, layout.desc, 8);
    set_bar(VirtioPci::kQueueDriver, layout.avail, 8);
    set_bar(VirtioPci::kQueueDevice, layout.used, 8);
    set_bar(VirtioPci::kQueueMsixVector, kQueueVector, 2);
    set_bar(VirtioPci::kQueueEnable, 1, 2);
    set_bar(VirtioPci::kDeviceStatus, features_ok | virtio::kStatusDriverOk, 1);
    const uint8_t status = static_cast<uint8_t>(bar(VirtioPci::kDeviceStatus, 1));
    if (!(status & virtio::kStatusDriverOk) || (status & virtio::kStatusDeviceNeedsReset))
        return error("the device did not accept DRIVER_OK (status {:#x})", status);

    header_gpa_ = driver_->alloc(16 * kMaxBatch);
    status_gpa_ = driver_->alloc(kMaxBatch);
    data_gpa_ = (driver_->alloc(kBlockBytes * (kMaxBatch + 1)) + kBlockBytes - 1) &
                ~uint64_t{kBlockBytes - 1};
    return {};
}

bool BlkRig::submit(uint16_t count, uint64_t first_block) {
    if (count == 0 || count > kMaxBatch) broken("batch size out of range");
    virtio::test::TestDriver& d = *driver_;
    const uint16_t old_idx = d.avail_idx();
    // 2.7.7: interrupt once the last request of this batch is used (used_event = its index).
    d.set_used_event(static_cast<uint16_t>(used_seen_ + count - 1));
    for (uint16_t i = 0; i < count; ++i) {
        const uint64_t block = (first_block + i) % blocks_;
        pending_blocks_[i] = block;
        const BlkHeader header{virtio::kBlkTypeIn, 0, block * (kBlockBytes / virtio::kSectorSize)};
        if (!memory_.write_obj(header_gpa_ + 16ull * i, header)) broken("header write");
        if (!memory_.write_obj<uint8_t>(status_gpa_ + i, 0xff)) broken("status write");
        const virtio::test::TestBuffer chain[] = {
            {header_gpa_ + 16ull * i, sizeof(BlkHeader), false},
            {data_gpa_ + uint64_t{kBlockBytes} * i, kBlockBytes, true},
            {status_gpa_ + i, 1, true},
        };
        d.add_chain(chain);
    }
    requests_ += count;
    // 2.7.10 / virtqueue_kick_prepare_split(): publish avail->idx, full fence, then read
    // avail_event; notify only if the device asked to hear about [old_idx, new_idx).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    const bool notify = vring_need_event(d.avail_event(), d.avail_idx(), old_idx);
    if (notify) ++notifications_;
    return notify;
}

void BlkRig::notify_through_bar() {
    set_bar(VirtioPci::notify_address(0), 0, 2);
}

bool BlkRig::all_used() const {
    return driver_->used_idx() == driver_->avail_idx();
}

void BlkRig::reap(uint16_t count) {
    for (uint16_t i = 0; i < count; ++i) {
        auto elem = driver_->take_used();
        if (!elem) broken("a request was not completed");
        // Chains are added in order and the device completes them in order; the data buffer of
        // request i holds block pending_blocks_[i].
        auto status = memory_.read_obj<uint8_t>(status_gpa_ + i);
        auto first = memory_.read_obj<uint64_t>(data_gpa_ + uint64_t{kBlockBytes} * i);
        if (!status || *status != virtio::kBlkStatusOk) broken("a read did not return OK");
        if (!first || *first != pending_blocks_[i]) broken("a read returned the wrong block");
        if (elem->len < kBlockBytes) broken("a read wrote fewer than 4 KiB");
    }
    used_seen_ = static_cast<uint16_t>(used_seen_ + count);
}

Result<void> make_pattern_image(const std::string& path, uint64_t mib) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) return error("{}: cannot create: {}", path, std::strerror(errno));
    std::vector<uint8_t> chunk(1 << 20);
    const uint64_t blocks_per_chunk = chunk.size() / BlkRig::kBlockBytes;
    for (uint64_t c = 0; c < mib; ++c) {
        for (uint64_t b = 0; b < blocks_per_chunk; ++b) {
            const uint64_t block = c * blocks_per_chunk + b;
            std::memcpy(chunk.data() + b * BlkRig::kBlockBytes, &block, sizeof block);
        }
        if (::pwrite(fd.get(), chunk.data(), chunk.size(), static_cast<off_t>(c << 20)) !=
            static_cast<ssize_t>(chunk.size()))
            return error("{}: write failed: {}", path, std::strerror(errno));
    }
    // Read it once so both the device and the pread baseline start from a warm page cache.
    for (uint64_t c = 0; c < mib; ++c) {
        if (::pread(fd.get(), chunk.data(), chunk.size(), static_cast<off_t>(c << 20)) !=
            static_cast<ssize_t>(chunk.size()))
            return error("{}: read failed: {}", path, std::strerror(errno));
    }
    return {};
}

}  // namespace svm::bench
