// A virtio-mmio transport (devices/virtio/virtio_mmio.h) driven register by register as a guest
// driver would (virtio 1.2, 3.1.1 and 4.2.3), for the virtio-mmio tests. FakeDevice stands in
// for a device where a test needs to see or provoke what the transport does to it.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/virtio/virtio_mmio.h"
#include "tests/unit/virtio/test_driver.h"

namespace svm::virtio::test {

constexpr uint64_t kMmioRam = 4ull << 20;
constexpr uint64_t kQueue0Base = 0x10000;  // TestDriver::layout_at(kQueue0Base, n)
constexpr uint64_t kQueue1Base = 0x40000;
constexpr uint8_t kStatusFeaturesNegotiated =
    kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk;
constexpr uint8_t kStatusLive = kStatusFeaturesNegotiated | kStatusDriverOk;

// Two queues (64 and 8 entries), a 16-byte configuration space holding 0x10..0x1F, and hooks.
class FakeDevice final : public VirtioDevice {
public:
    static constexpr uint64_t kOfferedBit3 = 1ull << 3;
    static constexpr uint64_t kRingPacked = 1ull << 34;  // offered here, masked by the transport

    uint32_t device_id() const override { return 42; }
    uint64_t device_features() const override {
        return kFeatureVersion1 | kFeatureEventIdx | kFeatureIndirectDesc | kOfferedBit3 |
               kRingPacked;
    }
    uint16_t num_queues() const override { return 2; }
    uint16_t queue_max_size(uint16_t index) const override { return index == 0 ? 64 : 8; }
    void read_config(uint32_t offset, std::span<uint8_t> out) const override {
        for (size_t i = 0; i < out.size(); ++i) {
            out[i] = offset + i < 16 ? static_cast<uint8_t>(0x10 + offset + i) : 0;
        }
    }
    void write_config(uint32_t offset, std::span<const uint8_t> in) override {
        config_writes.push_back({offset, std::vector<uint8_t>(in.begin(), in.end())});
    }
    Result<void> activate(const DeviceContext& c) override {
        ++activations;
        context = c;
        if (fail_activate) return error("fake: cannot run with these features");
        return {};
    }
    void notify(uint16_t index) override { notified.push_back(index); }
    // Records, for each change the transport makes to a queue, whether queue 1 was enabled
    // before and after it (the change must run inside this call).
    void change_queues(const std::function<void()>& change) override {
        const bool before = !context.queues.empty() && context.queues[1].enabled();
        change();
        const bool after = !context.queues.empty() && context.queues[1].enabled();
        queue_changes.push_back({before, after});
    }
    // Keeps the context on purpose: a late callback from an old activation must be ignored.
    void reset() override { ++resets; }

    struct ConfigWrite {
        uint32_t offset;
        std::vector<uint8_t> bytes;
    };
    DeviceContext context;
    bool fail_activate = false;
    int activations = 0;
    int resets = 0;
    std::vector<uint16_t> notified;
    std::vector<std::pair<bool, bool>> queue_changes;
    std::vector<ConfigWrite> config_writes;
};

class VirtioMmioTest : public ::testing::Test {
protected:
    using M = VirtioMmio;

    VirtioMmioTest() : memory_(GuestMemory::create(kMmioRam).value()) {}

    void attach(std::shared_ptr<VirtioDevice> device) {
        device_ = device;
        mmio_ = std::make_unique<VirtioMmio>(
            std::move(device), memory_,
            [this](bool level) {
                line_ = level;
                edges_.push_back(level);
            },
            "virtio-mmio.test");
    }
    std::shared_ptr<FakeDevice> attach_fake() {
        auto fake = std::make_shared<FakeDevice>();
        attach(fake);
        return fake;
    }

    uint32_t rd(uint64_t offset) {
        uint8_t bytes[4];
        mmio_->read(offset, bytes);
        uint32_t value;
        std::memcpy(&value, bytes, 4);
        return value;
    }
    void wr(uint64_t offset, uint32_t value) {
        uint8_t bytes[4];
        std::memcpy(bytes, &value, 4);
        mmio_->write(offset, bytes);
    }
    // A read or write of `size` bytes (1, 2, 4 or 8), little-endian.
    uint64_t rd_n(uint64_t offset, size_t size) {
        uint8_t bytes[8] = {};
        mmio_->read(offset, std::span(bytes, size));
        uint64_t value;
        std::memcpy(&value, bytes, 8);
        return value;
    }
    void wr_n(uint64_t offset, size_t size, uint64_t value) {
        uint8_t bytes[8];
        std::memcpy(bytes, &value, 8);
        mmio_->write(offset, std::span<const uint8_t>(bytes, size));
    }

    uint64_t device_features() {
        wr(M::kDeviceFeaturesSelOffset, 0);
        uint64_t low = rd(M::kDeviceFeaturesOffset);
        wr(M::kDeviceFeaturesSelOffset, 1);
        return low | uint64_t{rd(M::kDeviceFeaturesOffset)} << 32;
    }
    void write_driver_features(uint64_t features) {
        wr(M::kDriverFeaturesSelOffset, 0);
        wr(M::kDriverFeaturesOffset, static_cast<uint32_t>(features));
        wr(M::kDriverFeaturesSelOffset, 1);
        wr(M::kDriverFeaturesOffset, static_cast<uint32_t>(features >> 32));
    }
    // 3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK. Returns the status read
    // back (FEATURES_OK is set only if the device accepted).
    uint32_t negotiate(uint64_t features) {
        wr(M::kStatusOffset, 0);
        wr(M::kStatusOffset, kStatusAcknowledge);
        wr(M::kStatusOffset, kStatusAcknowledge | kStatusDriver);
        write_driver_features(features);
        wr(M::kStatusOffset, kStatusFeaturesNegotiated);
        return rd(M::kStatusOffset);
    }
    // 4.2.3.2: QueueSel, QueueNum, the three addresses, QueueReady.
    void setup_queue(uint32_t index, const QueueLayout& layout) {
        wr(M::kQueueSelOffset, index);
        EXPECT_EQ(rd(M::kQueueReadyOffset), 0u);
        EXPECT_GE(rd(M::kQueueNumMaxOffset), layout.size);
        wr(M::kQueueNumOffset, layout.size);
        wr(M::kQueueDescLowOffset, static_cast<uint32_t>(layout.desc));
        wr(M::kQueueDescHighOffset, static_cast<uint32_t>(layout.desc >> 32));
        wr(M::kQueueDriverLowOffset, static_cast<uint32_t>(layout.avail));
        wr(M::kQueueDriverHighOffset, static_cast<uint32_t>(layout.avail >> 32));
        wr(M::kQueueDeviceLowOffset, static_cast<uint32_t>(layout.used));
        wr(M::kQueueDeviceHighOffset, static_cast<uint32_t>(layout.used >> 32));
        wr(M::kQueueReadyOffset, 1);
        EXPECT_EQ(rd(M::kQueueReadyOffset), 1u);
    }
    // The whole of 3.1.1 with queue 0 laid out at kQueue0Base (`size` entries) and a test driver
    // for it. Returns the final status.
    uint32_t bring_up(uint64_t features, uint16_t size = 16) {
        negotiate(features);
        driver_.emplace(memory_, TestDriver::layout_at(kQueue0Base, size));
        setup_queue(0, driver_->layout());
        wr(M::kStatusOffset, kStatusLive);
        return rd(M::kStatusOffset);
    }
    void ack_all() { wr(M::kInterruptAckOffset, rd(M::kInterruptStatusOffset)); }

    // Declared before mmio_: its destructor resets the device, whose callbacks may still reach
    // the line.
    GuestMemory memory_;
    bool line_ = false;
    std::vector<bool> edges_;
    std::shared_ptr<VirtioDevice> device_;
    std::unique_ptr<VirtioMmio> mmio_;
    std::optional<TestDriver> driver_;
};

}  // namespace svm::virtio::test
