// A GuestMemory with one split virtqueue laid out by the test driver, for the virtqueue tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "devices/virtio/virtqueue.h"
#include "tests/unit/virtio/test_driver.h"

namespace svm::virtio::test {

constexpr uint64_t kRamSize = 1ull << 20;
constexpr uint64_t kQueueBase = 0x1000;

class VirtqueueTest : public ::testing::Test {
protected:
    VirtqueueTest() : memory_(GuestMemory::create(kRamSize).value()) {}

    // Lays out a queue of `size` entries at kQueueBase and enables it.
    TestDriver& start(uint16_t size, bool event_idx = false, bool indirect = false) {
        driver_.emplace(memory_, TestDriver::layout_at(kQueueBase, size));
        auto enabled = queue_.enable(memory_, driver_->layout(), event_idx, indirect);
        EXPECT_TRUE(enabled) << enabled.error().message;
        return *driver_;
    }

    // Pops one chain, expecting one.
    Chain pop_chain() {
        auto popped = queue_.pop(memory_);
        EXPECT_TRUE(popped) << popped.error().message;
        EXPECT_TRUE(popped && popped->has_value());
        return popped && *popped ? **popped : Chain{};
    }

    // Pops, expecting exactly the error `message`.
    void expect_pop_error(const std::string& message) {
        auto popped = queue_.pop(memory_);
        ASSERT_FALSE(popped) << "pop succeeded";
        EXPECT_EQ(popped.error().message, message);
    }

    GuestMemory memory_;
    SplitQueue queue_;
    std::optional<TestDriver> driver_;
};

}  // namespace svm::virtio::test
