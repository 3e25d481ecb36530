// virtio-rng (virtio 1.2, 5.4) driven through the test driver's rings.
#include "devices/virtio/virtio_rng.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/unit/virtio/test_driver.h"

namespace svm::virtio::test {
namespace {

class VirtioRngTest : public ::testing::Test {
protected:
    VirtioRngTest() : memory_(GuestMemory::create(1ull << 20).value()) {}

    void start(VirtioRng& rng, uint64_t features) {
        driver_.emplace(memory_, TestDriver::layout_at(0x1000, 8));
        queues_[0].reset();
        ASSERT_TRUE(queues_[0].enable(memory_, driver_->layout(),
                                      (features & kFeatureEventIdx) != 0,
                                      (features & kFeatureIndirectDesc) != 0));
        DeviceContext context;
        context.memory = &memory_;
        context.queues = queues_;
        context.features = features;
        context.interrupt = [this](uint16_t) { ++interrupts_; };
        context.needs_reset = [this](const std::string& why) { resets_.push_back(why); };
        ASSERT_TRUE(rng.activate(context));
    }

    std::vector<uint8_t> bytes_at(uint64_t gpa, size_t len) {
        std::vector<uint8_t> out(len);
        EXPECT_TRUE(memory_.read(gpa, out));
        return out;
    }

    GuestMemory memory_;
    SplitQueue queues_[1];
    std::optional<TestDriver> driver_;
    int interrupts_ = 0;
    std::vector<std::string> resets_;
};

TEST_F(VirtioRngTest, IdentityAndEmptyConfig) {
    VirtioRng rng;
    EXPECT_EQ(rng.device_id(), 4u);
    EXPECT_EQ(rng.num_queues(), 1);
    EXPECT_TRUE(rng.device_features() & kFeatureVersion1);
    uint8_t config[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    rng.read_config(0, config);
    for (uint8_t b : config) EXPECT_EQ(b, 0);
}

TEST_F(VirtioRngTest, FillsWritableBuffersFromGetrandom) {
    VirtioRng rng;
    start(rng, rng.device_features());
    uint64_t a = driver_->alloc(64), b = driver_->alloc(4096);
    driver_->add_chain({{a, 64, true}, {b, 4096, true}});
    rng.notify(0);
    auto used = driver_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, 64u + 4096);
    // 4160 random bytes are all zero with probability 2^-33280.
    auto first = bytes_at(a, 64), second = bytes_at(b, 4096);
    EXPECT_NE(first, std::vector<uint8_t>(64, 0));
    EXPECT_NE(second, std::vector<uint8_t>(4096, 0));
    EXPECT_EQ(interrupts_, 1);
    EXPECT_TRUE(resets_.empty());
}

TEST_F(VirtioRngTest, SourceFillsInChainOrderThroughIndirectTables) {
    VirtioRng rng([](std::span<uint8_t> out) {
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i);
        return true;
    });
    start(rng, rng.device_features());
    uint64_t a = driver_->alloc(3), b = driver_->alloc(5);
    driver_->add_indirect(driver_->alloc(32), {{a, 3, true}, {b, 5, true}});
    rng.notify(0);
    auto used = driver_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, 8u);
    EXPECT_EQ(bytes_at(a, 3), (std::vector<uint8_t>{0, 1, 2}));
    EXPECT_EQ(bytes_at(b, 5), (std::vector<uint8_t>{3, 4, 5, 6, 7}));
}

TEST_F(VirtioRngTest, LargeBuffersGetAtMostTheCap) {
    VirtioRng rng;
    start(rng, rng.device_features());
    uint64_t a = driver_->alloc(VirtioRng::kMaxBytesPerRequest + 4096);
    driver_->add_chain({{a, VirtioRng::kMaxBytesPerRequest + 4096, true}});
    rng.notify(0);
    auto used = driver_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, VirtioRng::kMaxBytesPerRequest);
}

TEST_F(VirtioRngTest, FailingSourceReturnsEmptyBuffers) {
    VirtioRng rng([](std::span<uint8_t>) { return false; });
    start(rng, rng.device_features());
    uint64_t a = driver_->alloc(16);
    driver_->add_chain({{a, 16, true}});
    rng.notify(0);
    auto used = driver_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, 0u);
    EXPECT_TRUE(resets_.empty());
}

TEST_F(VirtioRngTest, BatchWithEventIdx) {
    VirtioRng rng;
    start(rng, rng.device_features());
    driver_->set_used_event(1);
    for (int i = 0; i < 2; ++i) {
        uint64_t a = driver_->alloc(16);
        driver_->add_chain({{a, 16, true}});
    }
    rng.notify(0);
    EXPECT_EQ(driver_->used_idx(), 2);
    EXPECT_EQ(interrupts_, 1);
    EXPECT_EQ(driver_->avail_event(), 2);
    uint64_t a = driver_->alloc(16);
    driver_->add_chain({{a, 16, true}});
    rng.notify(0);
    EXPECT_EQ(interrupts_, 1);  // used_event 1 already passed
}

TEST_F(VirtioRngTest, BadRingNeedsResetOnce) {
    VirtioRng rng;
    start(rng, rng.device_features());
    driver_->write_desc(0, 0x20000, 16, kDescWrite | kDescNext, 200);
    driver_->make_available(0);
    rng.notify(0);
    rng.notify(0);
    EXPECT_EQ(resets_.size(), 1u);
    EXPECT_FALSE(driver_->take_used());
    rng.reset();
    start(rng, rng.device_features());
    uint64_t a = driver_->alloc(16);
    driver_->add_chain({{a, 16, true}});
    rng.notify(0);
    EXPECT_TRUE(driver_->take_used());
}

TEST_F(VirtioRngTest, IgnoredBeforeActivationAndAfterReset) {
    VirtioRng rng;
    rng.notify(0);  // no context: nothing to touch
    start(rng, rng.device_features());
    rng.reset();
    uint64_t a = driver_->alloc(16);
    driver_->add_chain({{a, 16, true}});
    rng.notify(0);
    EXPECT_FALSE(driver_->take_used());
}

}  // namespace
}  // namespace svm::virtio::test
