// The virtio-mmio transport (virtio 1.2, 4.2) against drivers that break 4.2.2.2: wrong widths,
// read-only and write-only registers, absent queues, queue registers written while ready,
// illegal status transitions, and random garbage from one and from several threads. None may
// crash svm or wedge the device: each is ignored, logged once, and a reset recovers.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "devices/virtio/virtio_mmio.h"
#include "devices/virtio/virtio_rng.h"
#include "tests/unit/virtio/virtio_mmio_fixture.h"

namespace svm::virtio::test {
namespace {

constexpr uint64_t kRngFeatures = kFeatureVersion1 | kFeatureIndirectDesc | kFeatureEventIdx;

class VirtioMmioBadAccessTest : public VirtioMmioTest {
protected:
    // Runs `access` twice and checks it was logged exactly once.
    template <typename F>
    void expect_logged_once(F access) {
        const size_t before = mmio_->warnings_logged();
        access();
        EXPECT_EQ(mmio_->warnings_logged(), before + 1);
        access();
        EXPECT_EQ(mmio_->warnings_logged(), before + 1);
    }

    // The device still works end to end: bring it up and complete one request.
    void expect_recovers() {
        ASSERT_EQ(bring_up(kRngFeatures), kStatusLive);
        ack_all();
        const uint64_t a = driver_->alloc(32);
        driver_->add_chain({{a, 32, true}});
        wr(M::kQueueNotifyOffset, 0);
        auto used = driver_->take_used();
        ASSERT_TRUE(used);
        EXPECT_EQ(used->len, 32u);
        EXPECT_TRUE(line_);
        ack_all();
        EXPECT_FALSE(line_);
    }
};

TEST_F(VirtioMmioBadAccessTest, WrongWidthsReadZeroAndAreIgnored) {
    attach(std::make_shared<VirtioRng>());
    expect_logged_once([&] { EXPECT_EQ(rd_n(M::kMagicValueOffset, 1), 0u); });
    expect_logged_once([&] { EXPECT_EQ(rd_n(M::kVersionOffset, 2), 0u); });
    expect_logged_once([&] { EXPECT_EQ(rd_n(M::kDeviceIdOffset, 8), 0u); });
    // Misaligned: counted against the register it falls in.
    expect_logged_once([&] { EXPECT_EQ(rd_n(M::kDeviceFeaturesOffset + 2, 4), 0u); });
    expect_logged_once([&] { EXPECT_EQ(rd_n(M::kVendorIdOffset, 1), 0u); });
    // Writes of the wrong width change nothing.
    expect_logged_once([&] { wr_n(M::kStatusOffset, 1, kStatusAcknowledge); });
    EXPECT_EQ(rd(M::kStatusOffset), 0u);
    expect_logged_once([&] { wr_n(M::kQueueSelOffset, 8, 0x100000000ull); });
    EXPECT_EQ(rd(M::kQueueNumMaxOffset), VirtioRng::kQueueSize);  // QueueSel still 0
    expect_logged_once([&] { wr_n(M::kQueueNotifyOffset, 2, 0); });
    expect_recovers();
}

TEST_F(VirtioMmioBadAccessTest, WritesToReadOnlyRegistersAreIgnored) {
    attach(std::make_shared<VirtioRng>());
    for (uint64_t offset :
         {M::kMagicValueOffset, M::kVersionOffset, M::kDeviceIdOffset, M::kVendorIdOffset,
          M::kDeviceFeaturesOffset, M::kQueueNumMaxOffset, M::kInterruptStatusOffset,
          M::kShmLenLowOffset, M::kShmLenHighOffset, M::kShmBaseLowOffset, M::kShmBaseHighOffset,
          M::kConfigGenerationOffset}) {
        expect_logged_once([&] { wr(offset, 0x12345678); });
    }
    EXPECT_EQ(rd(M::kMagicValueOffset), M::kMagic);
    EXPECT_EQ(rd(M::kVersionOffset), 2u);
    EXPECT_EQ(rd(M::kDeviceIdOffset), 4u);
    EXPECT_EQ(rd(M::kQueueNumMaxOffset), VirtioRng::kQueueSize);
    EXPECT_EQ(rd(M::kInterruptStatusOffset), 0u);
    EXPECT_FALSE(line_);
    EXPECT_EQ(rd(M::kConfigGenerationOffset), 0u);
}

TEST_F(VirtioMmioBadAccessTest, ReadsOfWriteOnlyAndUnassignedOffsetsReturnZero) {
    attach(std::make_shared<VirtioRng>());
    for (uint64_t offset :
         {M::kDeviceFeaturesSelOffset, M::kDriverFeaturesOffset, M::kDriverFeaturesSelOffset,
          M::kQueueSelOffset, M::kQueueNumOffset, M::kQueueNotifyOffset, M::kInterruptAckOffset,
          M::kQueueDescLowOffset, M::kQueueDescHighOffset, M::kQueueDriverLowOffset,
          M::kQueueDriverHighOffset, M::kQueueDeviceLowOffset, M::kQueueDeviceHighOffset,
          M::kShmSelOffset, uint64_t{0x018}, uint64_t{0x0f0}}) {
        expect_logged_once([&] { EXPECT_EQ(rd(offset), 0u) << offset; });
    }
    // The legacy (version 1) registers: GuestPageSize, QueueAlign, QueuePFN (4.2.4).
    for (uint64_t offset : {0x028, 0x03c, 0x040}) {
        expect_logged_once([&] {
            wr(offset, 4096);
            EXPECT_EQ(rd(offset), 0u);
        });
    }
    expect_logged_once([&] { wr(M::kQueueResetOffset, 1); });
    EXPECT_EQ(rd(M::kQueueResetOffset), 0u);
}

TEST_F(VirtioMmioBadAccessTest, OutOfRangeQueueSel) {
    auto fake = attach_fake();
    negotiate(kFeatureVersion1);
    for (uint32_t sel : {2u, 0xffffu, 0x10000u, 0xffffffffu}) {
        wr(M::kQueueSelOffset, sel);
        EXPECT_EQ(rd(M::kQueueNumMaxOffset), 0u);
        EXPECT_EQ(rd(M::kQueueReadyOffset), 0u);
    }
    wr(M::kQueueSelOffset, 2);
    expect_logged_once([&] { wr(M::kQueueNumOffset, 8); });
    expect_logged_once([&] { wr(M::kQueueDescLowOffset, 0x1000); });
    expect_logged_once([&] { wr(M::kQueueReadyOffset, 1); });
    EXPECT_EQ(rd(M::kQueueReadyOffset), 0u);
    // Nothing leaked into the real queues; the device starts with neither ready.
    wr(M::kStatusOffset, kStatusLive);
    EXPECT_EQ(rd(M::kStatusOffset), kStatusLive);
    ASSERT_EQ(fake->activations, 1);
    EXPECT_FALSE(fake->context.queues[0].enabled());
    EXPECT_FALSE(fake->context.queues[1].enabled());
    expect_logged_once([&] { wr(M::kQueueNotifyOffset, 2); });
    wr(M::kQueueNotifyOffset, 0xffffffff);
    wr(M::kQueueNotifyOffset, 0);  // queue 0 exists but is not ready
    EXPECT_TRUE(fake->notified.empty());
}

TEST_F(VirtioMmioBadAccessTest, QueueRegistersWrittenAfterQueueReadyAreIgnored) {
    attach(std::make_shared<VirtioRng>());
    negotiate(kRngFeatures);
    driver_.emplace(memory_, TestDriver::layout_at(kQueue0Base, 16));
    setup_queue(0, driver_->layout());
    // Garbage into every layout register of the ready queue: all ignored, each logged once.
    for (uint64_t offset : {M::kQueueNumOffset, M::kQueueDescLowOffset, M::kQueueDescHighOffset,
                            M::kQueueDriverLowOffset, M::kQueueDriverHighOffset,
                            M::kQueueDeviceLowOffset, M::kQueueDeviceHighOffset}) {
        expect_logged_once([&] { wr(offset, 0xdead0003); });
    }
    wr(M::kQueueReadyOffset, 1);  // already ready: no change
    expect_logged_once([&] { wr(M::kQueueReadyOffset, 7); });
    EXPECT_EQ(rd(M::kQueueReadyOffset), 1u);
    // The original layout is the one that goes live.
    wr(M::kStatusOffset, kStatusLive);
    EXPECT_EQ(rd(M::kStatusOffset), kStatusLive);
    const uint64_t a = driver_->alloc(16);
    driver_->add_chain({{a, 16, true}});
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_TRUE(driver_->take_used());
}

TEST_F(VirtioMmioBadAccessTest, IllegalStatusWrites) {
    auto fake = attach_fake();
    ASSERT_EQ(negotiate(kFeatureVersion1), kStatusFeaturesNegotiated);
    // Clearing bits other than by writing 0 (2.1.2) is ignored.
    expect_logged_once([&] { wr(M::kStatusOffset, kStatusAcknowledge); });
    EXPECT_EQ(rd(M::kStatusOffset), kStatusFeaturesNegotiated);
    wr(M::kStatusOffset, 0x100 | kStatusFeaturesNegotiated);  // not an 8-bit value
    EXPECT_EQ(rd(M::kStatusOffset), kStatusFeaturesNegotiated);
    // The driver cannot set DEVICE_NEEDS_RESET itself.
    wr(M::kStatusOffset, kStatusFeaturesNegotiated | kStatusDeviceNeedsReset);
    EXPECT_EQ(rd(M::kStatusOffset), kStatusFeaturesNegotiated);
    // FAILED (3.1.1 step 8's alternative) is stored.
    wr(M::kStatusOffset, kStatusFeaturesNegotiated | kStatusFailed);
    EXPECT_EQ(rd(M::kStatusOffset), uint32_t{kStatusFeaturesNegotiated | kStatusFailed});
    EXPECT_EQ(fake->activations, 0);
    // Notifications before DRIVER_OK go nowhere.
    wr(M::kQueueNotifyOffset, 0);
    EXPECT_TRUE(fake->notified.empty());
}

TEST_F(VirtioMmioBadAccessTest, GarbageStormThenReset) {
    attach(std::make_shared<VirtioRng>());
    std::mt19937_64 random(20261130);
    // Mostly plausible registers with random values (so the storm reaches DRIVER_OK, live queues
    // and notifications now and then), the rest anywhere in the window at any width.
    const uint64_t hot[] = {M::kStatusOffset,         M::kQueueReadyOffset,
                            M::kQueueNotifyOffset,    M::kQueueSelOffset,
                            M::kQueueNumOffset,       M::kQueueDescLowOffset,
                            M::kQueueDriverLowOffset, M::kQueueDeviceLowOffset,
                            M::kDriverFeaturesOffset, M::kDriverFeaturesSelOffset,
                            M::kInterruptAckOffset};
    const size_t widths[] = {1, 2, 4, 8};
    for (int i = 0; i < 200000; ++i) {
        const uint64_t r = random();
        uint64_t value = random();
        if (r & 1) value &= 0xff;                   // small values hit the interesting cases
        if ((r >> 1) % 16 == 0) value &= 0x3fffff;  // addresses inside guest RAM
        uint64_t offset;
        size_t width;
        if ((r >> 8) % 2 == 0) {
            offset = hot[(r >> 16) % std::size(hot)];
            width = 4;
        } else {
            width = widths[(r >> 16) % 4];
            offset = (r >> 24) % (M::kWindowSize - width + 1);  // the bus never crosses the end
        }
        if ((r >> 40) % 2 == 0) {
            wr_n(offset, width, value);
        } else {
            rd_n(offset, width);
        }
    }
    // Every register logged at most once: one bit per 32-bit register, config and features.
    EXPECT_LE(mmio_->warnings_logged(), M::kWindowSize / 4 + 2);
    wr(M::kStatusOffset, 0);
    EXPECT_EQ(rd(M::kStatusOffset), 0u);
    EXPECT_EQ(rd(M::kInterruptStatusOffset), 0u);
    EXPECT_FALSE(line_);
    expect_recovers();
}

TEST_F(VirtioMmioBadAccessTest, ConcurrentGarbageFromSeveralVcpus) {
    attach(std::make_shared<VirtioRng>());
    ASSERT_EQ(bring_up(kRngFeatures), kStatusLive);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([this, t] {
            std::mt19937_64 random(t);
            for (int i = 0; i < 20000; ++i) {
                const uint64_t r = random();
                uint8_t bytes[4];
                const uint32_t value = static_cast<uint32_t>(r >> 32) & 0xff;
                std::memcpy(bytes, &value, 4);
                const uint64_t offset = (r % (M::kWindowSize / 4)) * 4;
                if (offset == M::kStatusOffset && value == 0) continue;  // resets come later
                if (r & (1ull << 20)) {
                    mmio_->write(offset, bytes);
                } else {
                    mmio_->read(offset, bytes);
                }
                if (t == 0 && i % 64 == 0) mmio_->notify_queue(0);  // the I/O thread's path
            }
        });
    }
    for (auto& thread : threads) thread.join();
    wr(M::kStatusOffset, 0);
    EXPECT_FALSE(line_);
    expect_recovers();
}

}  // namespace
}  // namespace svm::virtio::test
