// Notification suppression on the split virtqueue: used-buffer notifications (2.7.7: the
// NO_INTERRUPT flag, or used_event with VIRTIO_F_RING_EVENT_IDX), available-buffer notifications
// (2.7.10: the NO_NOTIFY flag, or avail_event), and the disable / drain / re-enable / re-check
// loop.
#include "tests/unit/virtio/virtqueue_fixture.h"

namespace svm::virtio::test {
namespace {

TEST_F(VirtqueueTest, InterruptAfterEachBatchWithoutEventIdx) {
    TestDriver& d = start(8);
    EXPECT_FALSE(queue_.should_interrupt(memory_));  // nothing used yet
    d.add_chain({{0x20000, 1, true}});
    ASSERT_TRUE(queue_.push_used(memory_, pop_chain().head, 1));
    EXPECT_TRUE(queue_.should_interrupt(memory_));
    EXPECT_FALSE(queue_.should_interrupt(memory_));  // nothing new since
}

TEST_F(VirtqueueTest, NoInterruptFlag) {
    TestDriver& d = start(8);
    d.set_avail_flags(kAvailNoInterrupt);
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));
    EXPECT_FALSE(queue_.should_interrupt(memory_));
    d.set_avail_flags(0);
    EXPECT_FALSE(queue_.should_interrupt(memory_));  // those entries were already answered for
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));
    EXPECT_TRUE(queue_.should_interrupt(memory_));
}

TEST_F(VirtqueueTest, NoNotifyFlag) {
    TestDriver& d = start(8);
    ASSERT_TRUE(queue_.set_notification(memory_, false));
    EXPECT_EQ(d.used_flags(), kUsedNoNotify);
    EXPECT_EQ(d.avail_event(), 0);
    ASSERT_TRUE(queue_.set_notification(memory_, true));
    EXPECT_EQ(d.used_flags(), 0);
}

TEST_F(VirtqueueTest, EventIdxInterruptsWhenUsedEventIsPassed) {
    TestDriver& d = start(8, true);
    d.set_used_event(0);
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));  // used idx 0 -> 1 passes event 0
    EXPECT_TRUE(queue_.should_interrupt(memory_));
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));  // 1 -> 2: event 0 already passed
    EXPECT_FALSE(queue_.should_interrupt(memory_));
    d.set_used_event(4);
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));  // 2 -> 3: not yet at 4
    EXPECT_FALSE(queue_.should_interrupt(memory_));
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));  // 3 -> 4: entry 4 not yet written
    EXPECT_FALSE(queue_.should_interrupt(memory_));
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));  // 4 -> 6 in one batch: passes 4
    EXPECT_TRUE(queue_.should_interrupt(memory_));
}

TEST_F(VirtqueueTest, EventIdxIgnoresTheNoInterruptFlag) {
    // 2.7.7: with EVENT_IDX the device ignores the flags field and uses used_event.
    TestDriver& d = start(8, true);
    d.set_avail_flags(kAvailNoInterrupt);
    d.set_used_event(0);
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));
    EXPECT_TRUE(queue_.should_interrupt(memory_));
}

TEST_F(VirtqueueTest, EventIdxAcrossTheWrap) {
    TestDriver& d = start(8, true);
    d.set_used_event(40000);  // far from the indices below: no interrupts
    for (uint32_t i = 0; i < 65534; ++i) ASSERT_TRUE(queue_.push_used(memory_, 0, 0));
    // Not checked since 0: the batch 0 -> 65534 passed 40000.
    EXPECT_TRUE(queue_.should_interrupt(memory_));
    d.set_used_event(65535);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue_.push_used(memory_, 0, 0));  // 65534 -> 1
    EXPECT_TRUE(queue_.should_interrupt(memory_));
    d.set_used_event(0);  // behind: 1 -> 3 does not pass it
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(queue_.push_used(memory_, 0, 0));
    EXPECT_FALSE(queue_.should_interrupt(memory_));
    d.set_used_event(3);  // 3 -> 4 passes 3
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));
    EXPECT_TRUE(queue_.should_interrupt(memory_));
    EXPECT_EQ(d.used_idx(), 4);
}

TEST_F(VirtqueueTest, EventIdxAvailEvent) {
    TestDriver& d = start(8, true);
    for (int i = 0; i < 3; ++i) d.add_chain({{0x20000, 1}});
    ASSERT_TRUE(queue_.set_notification(memory_, false));
    for (int i = 0; i < 3; ++i) pop_chain();
    EXPECT_EQ(d.avail_event(), 0);  // disabling leaves it behind the driver
    EXPECT_EQ(d.used_flags(), 0);   // and never uses the flag with EVENT_IDX
    ASSERT_TRUE(queue_.set_notification(memory_, true));
    EXPECT_EQ(d.avail_event(), 3);  // notify when avail idx passes 3
    EXPECT_EQ(d.used_flags(), 0);
    EXPECT_FALSE(queue_.has_available(memory_));
}

TEST_F(VirtqueueTest, DrainLoopSeesBuffersAddedBeforeReEnabling) {
    // The device's loop: disable, drain, re-enable, check once more (virtqueue.h).
    TestDriver& d = start(8, true);
    d.add_chain({{0x20000, 1}});
    ASSERT_TRUE(queue_.set_notification(memory_, false));
    pop_chain();
    d.add_chain({{0x21000, 1}});  // the driver sees avail_event 0 behind it: no notification
    ASSERT_TRUE(queue_.set_notification(memory_, true));
    ASSERT_TRUE(queue_.has_available(memory_));  // so the device must look again
    EXPECT_EQ(pop_chain().readable.at(0).gpa, 0x21000u);
    ASSERT_TRUE(queue_.set_notification(memory_, true));
    EXPECT_EQ(d.avail_event(), 2);
    EXPECT_FALSE(queue_.has_available(memory_));
}

TEST_F(VirtqueueTest, InterruptWhenTheRingCannotBeRead) {
    start(8, true);
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));
    // A memory too small to hold the driver area (as if RAM had shrunk under the queue).
    auto small = GuestMemory::create(0x1000).value();
    EXPECT_TRUE(queue_.should_interrupt(small));
    EXPECT_FALSE(queue_.should_interrupt(small));
    EXPECT_FALSE(queue_.has_available(small));
    auto popped = queue_.pop(small);
    EXPECT_FALSE(popped);
}

TEST_F(VirtqueueTest, NotificationCallsOnADisabledQueueDoNothing) {
    EXPECT_TRUE(queue_.set_notification(memory_, true));
    EXPECT_FALSE(queue_.should_interrupt(memory_));
}

}  // namespace
}  // namespace svm::virtio::test
