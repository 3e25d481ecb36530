// The virtio-mmio transport (virtio 1.2, 4.2): identity registers, the 3.1.1 initialisation
// sequence register by register with virtio-rng and virtio-blk, requests through QueueNotify,
// the interrupt status and line, feature negotiation, reset and DEVICE_NEEDS_RESET.
#include "devices/virtio/virtio_mmio.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_rng.h"
#include "tests/unit/virtio/virtio_mmio_fixture.h"

namespace svm::virtio::test {
namespace {

constexpr uint64_t kRngFeatures = kFeatureVersion1 | kFeatureIndirectDesc | kFeatureEventIdx;

// A 64 KiB raw image holding i % 251, removed at the end.
class TempImage {
public:
    TempImage() {
        int fd = ::mkstemp(path_.data());
        std::vector<uint8_t> data(kBytes);
        for (size_t i = 0; i < kBytes; ++i) data[i] = static_cast<uint8_t>(i % 251);
        EXPECT_EQ(::pwrite(fd, data.data(), data.size(), 0), ssize_t(kBytes));
        ::close(fd);
    }
    ~TempImage() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }
    static constexpr size_t kBytes = 64 * 1024;

private:
    std::string path_ = "/tmp/svm-virtio-mmio-XXXXXX";
};

TEST(VirtioMmioLayout, SlotsAvoidTakenAddressesAndIrqs) {
    // The --compat symphony window (pc_layout.h kCompatStringWindow) and the I/O APIC.
    EXPECT_GE(mmio_slot_base(0), 0xfeb00000u + 0x1000);
    EXPECT_LE(mmio_slot_base(kMmioSlots - 1) + kMmioSlotSize, 0xfec00000u);
    EXPECT_EQ(mmio_slot_base(1) - mmio_slot_base(0), 0x200u);
    const std::set<uint32_t> taken = {0, 1, 2, 4, 8, 9, 12};
    std::set<uint32_t> seen;
    for (uint32_t irq : kMmioIrqs) {
        EXPECT_LT(irq, 16u);
        EXPECT_FALSE(taken.contains(irq)) << irq;
        EXPECT_TRUE(seen.insert(irq).second) << "IRQ " << irq << " twice";
    }
    EXPECT_EQ(VirtioMmio::kQueueNotifyOffset, 0x50u);
}

TEST_F(VirtioMmioTest, IdentityRegisters) {
    attach(std::make_shared<VirtioRng>());
    EXPECT_EQ(rd(M::kMagicValueOffset), 0x74726976u);
    EXPECT_EQ(rd(M::kVersionOffset), 2u);
    EXPECT_EQ(rd(M::kDeviceIdOffset), 4u);
    EXPECT_EQ(rd(M::kVendorIdOffset), 0x004d5653u);
    uint8_t vendor[4];
    mmio_->read(M::kVendorIdOffset, vendor);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(vendor), 3), "SVM");
    EXPECT_EQ(device_features(), kRngFeatures);
    wr(M::kDeviceFeaturesSelOffset, 2);
    EXPECT_EQ(rd(M::kDeviceFeaturesOffset), 0u);
    wr(M::kQueueSelOffset, 0);
    EXPECT_EQ(rd(M::kQueueNumMaxOffset), VirtioRng::kQueueSize);
    EXPECT_EQ(rd(M::kQueueReadyOffset), 0u);
    EXPECT_EQ(rd(M::kStatusOffset), 0u);
    EXPECT_EQ(rd(M::kInterruptStatusOffset), 0u);
    EXPECT_EQ(rd(M::kConfigGenerationOffset), 0u);
    EXPECT_EQ(rd(M::kQueueResetOffset), 0u);
    // 4.2.2: no shared memory regions, whatever SHMSel says.
    for (uint32_t sel : {0u, 1u, 255u}) {
        wr(M::kShmSelOffset, sel);
        EXPECT_EQ(rd(M::kShmLenLowOffset), ~0u);
        EXPECT_EQ(rd(M::kShmLenHighOffset), ~0u);
    }
    EXPECT_EQ(mmio_->warnings_logged(), 0u);
}

TEST_F(VirtioMmioTest, TransportMasksFeaturesItDoesNotImplement) {
    attach_fake();
    EXPECT_EQ(device_features(), kFeatureVersion1 | kFeatureEventIdx | kFeatureIndirectDesc |
                                     FakeDevice::kOfferedBit3);
}

TEST_F(VirtioMmioTest, RngInitSequenceAndRequest) {
    attach(std::make_shared<VirtioRng>());
    // 3.1.1 step by step, reading back what a driver reads.
    wr(M::kStatusOffset, 0);
    EXPECT_EQ(rd(M::kStatusOffset), 0u);
    wr(M::kStatusOffset, kStatusAcknowledge);
    EXPECT_EQ(rd(M::kStatusOffset), kStatusAcknowledge);
    wr(M::kStatusOffset, kStatusAcknowledge | kStatusDriver);
    EXPECT_EQ(rd(M::kStatusOffset), uint32_t{kStatusAcknowledge | kStatusDriver});
    const uint64_t offered = device_features();
    write_driver_features(offered);
    wr(M::kStatusOffset, kStatusFeaturesNegotiated);
    EXPECT_EQ(rd(M::kStatusOffset), kStatusFeaturesNegotiated);
    driver_.emplace(memory_, TestDriver::layout_at(kQueue0Base, 16));
    setup_queue(0, driver_->layout());
    wr(M::kQueueSelOffset, 1);
    EXPECT_EQ(rd(M::kQueueNumMaxOffset), 0u);  // the only queue is 0
    wr(M::kStatusOffset, kStatusLive);
    EXPECT_EQ(rd(M::kStatusOffset), kStatusLive);
    EXPECT_FALSE(line_);

    const uint64_t a = driver_->alloc(64);
    driver_->add_chain({{a, 64, true}});
    wr(M::kQueueNotifyOffset, 0);
    auto used = driver_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, 64u);
    EXPECT_EQ(rd(M::kInterruptStatusOffset), M::kInterruptUsedBuffer);
    EXPECT_TRUE(line_);
    wr(M::kInterruptAckOffset, M::kInterruptUsedBuffer);
    EXPECT_EQ(rd(M::kInterruptStatusOffset), 0u);
    EXPECT_FALSE(line_);
    EXPECT_EQ(edges_, (std::vector<bool>{true, false}));
    EXPECT_EQ(mmio_->warnings_logged(), 0u);
}

TEST_F(VirtioMmioTest, NotifyQueueFromAnotherThreadEntryPoint) {
    attach(std::make_shared<VirtioRng>());
    ASSERT_EQ(bring_up(kRngFeatures), kStatusLive);
    const uint64_t a = driver_->alloc(16);
    driver_->add_chain({{a, 16, true}});
    mmio_->notify_queue(0);  // what the ioeventfd's I/O thread will call
    EXPECT_TRUE(driver_->take_used());
    EXPECT_TRUE(line_);
}

// One virtio-blk request (5.2.6): header, data, status byte.
struct BlkReply {
    uint8_t status = 0xff;
    bool used = false;
};

TEST_F(VirtioMmioTest, BlkInitConfigAndRoundTrip) {
    TempImage file;
    DiskConfig config;
    config.path = file.path();
    auto image = BlockImage::open(config);
    ASSERT_TRUE(image) << image.error().message;
    attach(std::make_shared<VirtioBlk>(std::move(*image), "mmio-serial"));
    EXPECT_EQ(rd(M::kDeviceIdOffset), 2u);

    // Capacity (5.2.4) at 0x100, read as a driver would: two 32-bit halves, and as one 64-bit.
    const uint64_t sectors = TempImage::kBytes / 512;
    EXPECT_EQ(rd(M::kConfigOffset), sectors);
    EXPECT_EQ(rd(M::kConfigOffset + 4), 0u);
    EXPECT_EQ(rd_n(M::kConfigOffset, 8), sectors);
    EXPECT_EQ(rd_n(M::kConfigOffset, 1), sectors & 0xff);
    EXPECT_EQ(rd_n(M::kConfigOffset, 2), sectors);

    const uint64_t offered = device_features();
    EXPECT_TRUE(offered & kFeatureVersion1);
    ASSERT_EQ(bring_up(offered), kStatusLive);

    auto request = [&](uint32_t type, uint64_t sector, uint64_t data, uint32_t len,
                       bool device_writes) {
        struct {
            uint32_t type, reserved;
            uint64_t sector;
        } header{type, 0, sector};
        const uint64_t h = driver_->alloc_with(
            std::span(reinterpret_cast<const uint8_t*>(&header), sizeof(header)));
        const uint64_t status = driver_->alloc(1);
        EXPECT_TRUE(memory_.write_obj<uint8_t>(status, 0xff));
        if (len) {
            driver_->add_chain({{h, 16, false}, {data, len, device_writes}, {status, 1, true}});
        } else {
            driver_->add_chain({{h, 16, false}, {status, 1, true}});
        }
        wr(M::kQueueNotifyOffset, 0);
        BlkReply reply;
        reply.used = driver_->take_used().has_value();
        reply.status = memory_.read_obj<uint8_t>(status).value();
        return reply;
    };

    std::vector<uint8_t> pattern(1024);
    for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<uint8_t>(i * 13 + 5);
    const uint64_t out = driver_->alloc_with(pattern);
    auto wrote = request(kBlkTypeOut, 8, out, 1024, false);
    EXPECT_TRUE(wrote.used);
    EXPECT_EQ(wrote.status, kBlkStatusOk);
    EXPECT_TRUE(line_);
    ack_all();
    EXPECT_FALSE(line_);

    auto flushed = request(kBlkTypeFlush, 0, 0, 0, false);
    EXPECT_TRUE(flushed.used);
    EXPECT_EQ(flushed.status, kBlkStatusOk);

    const uint64_t in = driver_->alloc(1024);
    auto read = request(kBlkTypeIn, 8, in, 1024, true);
    EXPECT_TRUE(read.used);
    EXPECT_EQ(read.status, kBlkStatusOk);
    std::vector<uint8_t> back(1024);
    ASSERT_TRUE(memory_.read(in, back));
    EXPECT_EQ(back, pattern);
    EXPECT_EQ(mmio_->warnings_logged(), 0u);
}

TEST_F(VirtioMmioTest, InterruptStatusBitsAreAckedSeparately) {
    auto fake = attach_fake();
    ASSERT_EQ(bring_up(kFeatureVersion1), kStatusLive);
    fake->context.interrupt(0);
    fake->context.interrupt(0);  // still one bit, no second edge
    EXPECT_EQ(rd(M::kInterruptStatusOffset), M::kInterruptUsedBuffer);
    fake->context.needs_reset("test");
    EXPECT_EQ(rd(M::kInterruptStatusOffset), M::kInterruptUsedBuffer | M::kInterruptConfigChange);
    EXPECT_EQ(edges_, std::vector<bool>{true});
    wr(M::kInterruptAckOffset, M::kInterruptUsedBuffer);
    EXPECT_TRUE(line_);
    EXPECT_EQ(rd(M::kInterruptStatusOffset), M::kInterruptConfigChange);
    wr(M::kInterruptAckOffset, 0);  // acks nothing
    EXPECT_TRUE(line_);
    wr(M::kInterruptAckOffset, M::kInterruptConfigChange);
    EXPECT_FALSE(line_);
    EXPECT_EQ(edges_, (std::vector<bool>{true, false}));
    fake->context.interrupt(0);
    EXPECT_EQ(edges_, (std::vector<bool>{true, false, true}));
}

TEST_F(VirtioMmioTest, ActivationGetsQueuesAndNegotiatedFeatures) {
    auto fake = attach_fake();
    negotiate(kFeatureVersion1 | kFeatureEventIdx | FakeDevice::kOfferedBit3);
    driver_.emplace(memory_, TestDriver::layout_at(kQueue0Base, 32));
    setup_queue(0, driver_->layout());  // queue 1 left off, as a driver may
    EXPECT_EQ(fake->activations, 0);
    wr(M::kStatusOffset, kStatusLive);
    ASSERT_EQ(fake->activations, 1);
    EXPECT_EQ(fake->context.features,
              kFeatureVersion1 | kFeatureEventIdx | FakeDevice::kOfferedBit3);
    EXPECT_EQ(fake->context.memory, &memory_);
    ASSERT_EQ(fake->context.queues.size(), 2u);
    EXPECT_TRUE(fake->context.queues[0].enabled());
    EXPECT_EQ(fake->context.queues[0].layout().size, 32);
    EXPECT_EQ(fake->context.queues[0].layout().avail, driver_->layout().avail);
    EXPECT_FALSE(fake->context.queues[1].enabled());
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_EQ(fake->notified, std::vector<uint16_t>{0});
    // Queue 1 made ready after DRIVER_OK goes live at once.
    setup_queue(1, TestDriver::layout_at(kQueue1Base, 8));
    EXPECT_TRUE(fake->context.queues[1].enabled());
    wr(M::kQueueNotifyOffset, 1);
    EXPECT_EQ(fake->notified, (std::vector<uint16_t>{0, 1}));
    // QueueReady 0 takes a queue down (Linux's del_vq), and its notifications are dropped.
    wr(M::kQueueSelOffset, 1);
    wr(M::kQueueReadyOffset, 0);
    EXPECT_EQ(rd(M::kQueueReadyOffset), 0u);
    EXPECT_FALSE(fake->context.queues[1].enabled());
    wr(M::kQueueNotifyOffset, 1);
    EXPECT_EQ(fake->notified.size(), 2u);
    // Both changes of a running device's queue went through the device (change_queues), which
    // saw them happen inside its call: virtio-net holds its receive thread off there.
    ASSERT_GE(fake->queue_changes.size(), 2u);
    EXPECT_EQ(fake->queue_changes[fake->queue_changes.size() - 2],
              (std::pair<bool, bool>{false, true}));
    EXPECT_EQ(fake->queue_changes.back(), (std::pair<bool, bool>{true, false}));
}

TEST_F(VirtioMmioTest, FeaturesOkRefusedWithoutVersion1) {
    attach(std::make_shared<VirtioRng>());
    EXPECT_EQ(negotiate(kFeatureEventIdx), uint32_t{kStatusAcknowledge | kStatusDriver});
    // DRIVER_OK without FEATURES_OK is refused too; the device never starts.
    wr(M::kStatusOffset, kStatusAcknowledge | kStatusDriver | kStatusDriverOk);
    EXPECT_EQ(rd(M::kStatusOffset), uint32_t{kStatusAcknowledge | kStatusDriver});
    // The driver may try again with fewer features without a reset (3.1.1 step 6 says reset,
    // but nothing breaks if it does not).
    write_driver_features(kFeatureVersion1);
    wr(M::kStatusOffset, kStatusFeaturesNegotiated);
    EXPECT_EQ(rd(M::kStatusOffset), kStatusFeaturesNegotiated);
}

TEST_F(VirtioMmioTest, FeaturesOkRefusedForBitsNotOffered) {
    attach(std::make_shared<VirtioRng>());
    EXPECT_FALSE(negotiate(kRngFeatures | 1) & kStatusFeaturesOk);             // a device bit
    EXPECT_FALSE(negotiate(kRngFeatures | (1ull << 34)) & kStatusFeaturesOk);  // packed
    // A bit past 63 (DriverFeaturesSel 2) is never offered.
    wr(M::kStatusOffset, 0);
    wr(M::kStatusOffset, kStatusAcknowledge | kStatusDriver);
    write_driver_features(kRngFeatures);
    wr(M::kDriverFeaturesSelOffset, 2);
    wr(M::kDriverFeaturesOffset, 1);
    wr(M::kStatusOffset, kStatusFeaturesNegotiated);
    EXPECT_FALSE(rd(M::kStatusOffset) & kStatusFeaturesOk);
    // Reset forgets it.
    EXPECT_EQ(negotiate(kRngFeatures), kStatusFeaturesNegotiated);
    EXPECT_EQ(negotiate(kFeatureVersion1), kStatusFeaturesNegotiated);  // a subset is fine
}

TEST_F(VirtioMmioTest, DriverFeaturesFrozenAfterFeaturesOk) {
    auto fake = attach_fake();
    ASSERT_EQ(negotiate(kFeatureVersion1), kStatusFeaturesNegotiated);
    const size_t warnings = mmio_->warnings_logged();
    write_driver_features(kFeatureVersion1 | kFeatureEventIdx);
    EXPECT_EQ(mmio_->warnings_logged(), warnings + 1);
    driver_.emplace(memory_, TestDriver::layout_at(kQueue0Base, 16));
    setup_queue(0, driver_->layout());
    wr(M::kStatusOffset, kStatusLive);
    EXPECT_EQ(fake->context.features, kFeatureVersion1);
}

TEST_F(VirtioMmioTest, ResetClearsEverythingAndAllowsAFreshStart) {
    attach(std::make_shared<VirtioRng>());
    ASSERT_EQ(bring_up(kRngFeatures), kStatusLive);
    const uint64_t a = driver_->alloc(16);
    driver_->add_chain({{a, 16, true}});
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_TRUE(driver_->take_used());
    EXPECT_TRUE(line_);

    wr(M::kStatusOffset, 0);
    EXPECT_EQ(rd(M::kStatusOffset), 0u);
    EXPECT_EQ(rd(M::kInterruptStatusOffset), 0u);
    EXPECT_FALSE(line_);
    wr(M::kQueueSelOffset, 0);
    EXPECT_EQ(rd(M::kQueueReadyOffset), 0u);
    // The device no longer runs the queue: a notification does nothing.
    driver_->add_chain({{a, 16, true}});
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_FALSE(driver_->take_used());

    // A fresh start on a new layout works.
    ASSERT_EQ(bring_up(kRngFeatures, 8), kStatusLive);
    const uint64_t b = driver_->alloc(16);
    driver_->add_chain({{b, 16, true}});
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_TRUE(driver_->take_used());
}

TEST_F(VirtioMmioTest, ResetResetsTheDevice) {
    auto fake = attach_fake();
    ASSERT_EQ(bring_up(kFeatureVersion1), kStatusLive);
    const int resets = fake->resets;
    wr(M::kStatusOffset, 0);
    EXPECT_EQ(fake->resets, resets + 1);
    // A callback from the old activation arriving late changes nothing (FakeDevice kept it).
    fake->context.interrupt(0);
    fake->context.needs_reset("late");
    EXPECT_EQ(rd(M::kInterruptStatusOffset), 0u);
    EXPECT_EQ(rd(M::kStatusOffset), 0u);
    EXPECT_FALSE(line_);
}

TEST_F(VirtioMmioTest, DeviceNeedsResetSetsStatusInterruptAndLogsOnce) {
    auto fake = attach_fake();
    ASSERT_EQ(bring_up(kFeatureVersion1), kStatusLive);
    ::testing::internal::CaptureStderr();
    fake->context.needs_reset("bad chain");
    fake->context.needs_reset("bad chain again");
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("DEVICE_NEEDS_RESET: bad chain"), std::string::npos) << log;
    EXPECT_EQ(log.find("again"), std::string::npos) << log;
    EXPECT_EQ(rd(M::kStatusOffset), uint32_t{kStatusLive | kStatusDeviceNeedsReset});
    EXPECT_EQ(rd(M::kInterruptStatusOffset), M::kInterruptConfigChange);
    EXPECT_TRUE(line_);
    // A driver writing back the status it read (Linux's virtio_add_status) keeps the bit.
    wr(M::kStatusOffset, rd(M::kStatusOffset));
    EXPECT_EQ(rd(M::kStatusOffset), uint32_t{kStatusLive | kStatusDeviceNeedsReset});
    // Reset clears it, and the next failure is logged again.
    ASSERT_EQ(bring_up(kFeatureVersion1), kStatusLive);
    ::testing::internal::CaptureStderr();
    fake->context.needs_reset("second");
    EXPECT_NE(::testing::internal::GetCapturedStderr().find("second"), std::string::npos);
}

TEST_F(VirtioMmioTest, MalformedRingFromTheGuestNeedsReset) {
    attach(std::make_shared<VirtioRng>());
    ASSERT_EQ(bring_up(kRngFeatures), kStatusLive);
    // A descriptor whose next index is past the queue (2.7.5).
    driver_->write_desc(0, 0x200000, 16, kDescWrite | kDescNext, 200);
    driver_->make_available(0);
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_TRUE(rd(M::kStatusOffset) & kStatusDeviceNeedsReset);
    EXPECT_TRUE(rd(M::kInterruptStatusOffset) & M::kInterruptConfigChange);
    EXPECT_TRUE(line_);
    ASSERT_EQ(bring_up(kRngFeatures), kStatusLive);
    EXPECT_FALSE(line_);
    const uint64_t a = driver_->alloc(16);
    driver_->add_chain({{a, 16, true}});
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_TRUE(driver_->take_used());
}

TEST_F(VirtioMmioTest, BadQueueLayoutAtDriverOkNeedsResetWithoutStartingTheDevice) {
    auto fake = attach_fake();
    negotiate(kFeatureVersion1);
    QueueLayout layout = TestDriver::layout_at(kQueue0Base, 16);
    layout.desc += 8;  // 2.7: the descriptor table is 16-byte aligned
    setup_queue(0, layout);
    wr(M::kStatusOffset, kStatusLive);
    EXPECT_EQ(rd(M::kStatusOffset), uint32_t{kStatusLive | kStatusDeviceNeedsReset});
    EXPECT_EQ(rd(M::kInterruptStatusOffset), M::kInterruptConfigChange);
    EXPECT_EQ(fake->activations, 0);
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_TRUE(fake->notified.empty());

    // A queue outside RAM and one larger than QueueNumMax fail the same way.
    negotiate(kFeatureVersion1);
    setup_queue(0, TestDriver::layout_at(kMmioRam - 0x1000, 16));
    wr(M::kStatusOffset, kStatusLive);
    EXPECT_TRUE(rd(M::kStatusOffset) & kStatusDeviceNeedsReset);
    negotiate(kFeatureVersion1);
    wr(M::kQueueSelOffset, 1);
    wr(M::kQueueNumOffset, 16);  // max 8
    wr(M::kQueueReadyOffset, 1);
    wr(M::kStatusOffset, kStatusLive);
    EXPECT_TRUE(rd(M::kStatusOffset) & kStatusDeviceNeedsReset);
    EXPECT_EQ(fake->activations, 0);
}

TEST_F(VirtioMmioTest, ActivationFailureNeedsReset) {
    auto fake = attach_fake();
    fake->fail_activate = true;
    EXPECT_EQ(bring_up(kFeatureVersion1), uint32_t{kStatusLive | kStatusDeviceNeedsReset});
    EXPECT_EQ(fake->activations, 1);
    EXPECT_TRUE(line_);
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_TRUE(fake->notified.empty());
    fake->fail_activate = false;
    EXPECT_EQ(bring_up(kFeatureVersion1), kStatusLive);
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_EQ(fake->notified, std::vector<uint16_t>{0});
}

TEST_F(VirtioMmioTest, ConfigSpaceAnyWidthAndWrites) {
    auto fake = attach_fake();
    EXPECT_EQ(rd_n(M::kConfigOffset, 1), 0x10u);
    EXPECT_EQ(rd_n(M::kConfigOffset + 3, 1), 0x13u);
    EXPECT_EQ(rd_n(M::kConfigOffset + 2, 2), 0x1312u);
    EXPECT_EQ(rd_n(M::kConfigOffset + 1, 4), 0x14131211u);  // unaligned: the device decides
    EXPECT_EQ(rd_n(M::kConfigOffset + 8, 8), 0x1f1e1d1c1b1a1918u);
    EXPECT_EQ(rd_n(M::kConfigOffset + 0xf8, 8), 0u);  // past the layout
    wr_n(M::kConfigOffset + 4, 2, 0xbeef);
    ASSERT_EQ(fake->config_writes.size(), 1u);
    EXPECT_EQ(fake->config_writes[0].offset, 4u);
    EXPECT_EQ(fake->config_writes[0].bytes, (std::vector<uint8_t>{0xef, 0xbe}));
    EXPECT_EQ(mmio_->warnings_logged(), 0u);
}

}  // namespace
}  // namespace svm::virtio::test
