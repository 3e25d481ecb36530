// Every malformed ring and chain the virtqueue rejects (virtqueue.h, SplitQueue::enable and pop),
// each with its exact error. A rejected chain is not consumed: pop() reports it again.
#include <vector>

#include "tests/unit/virtio/virtqueue_fixture.h"

namespace svm::virtio::test {
namespace {

// start(8) puts the descriptor table at 0x1000, the driver area at 0x2000, the device area at
// 0x3000.
constexpr uint64_t kTable = 0x40000;

std::string enable_error(GuestMemory& memory, const QueueLayout& layout) {
    SplitQueue queue;
    auto result = queue.enable(memory, layout, true, true);
    if (result) return "enabled";
    EXPECT_FALSE(queue.enabled());
    return result.error().message;
}

TEST_F(VirtqueueTest, SizeMustBeAPowerOf2UpTo32768) {
    for (uint16_t size : {0, 3, 6, 100, 32767, 32769, 49152, 65535}) {
        QueueLayout layout = TestDriver::layout_at(kQueueBase, 1);
        layout.size = size;
        EXPECT_EQ(enable_error(memory_, layout),
                  fmt::format("virtqueue size {} is not a power of 2 in [1, 32768]", size));
    }
    for (uint16_t size : {1, 2, 256, 32768})
        EXPECT_EQ(enable_error(memory_, TestDriver::layout_at(kQueueBase, size)), "enabled")
            << size;
}

TEST_F(VirtqueueTest, PartsMustBeAligned) {
    QueueLayout layout = TestDriver::layout_at(kQueueBase, 8);
    layout.desc += 8;
    EXPECT_EQ(enable_error(memory_, layout),
              "virtqueue descriptor table at 0x1008 is not 16-byte aligned");
    layout = TestDriver::layout_at(kQueueBase, 8);
    layout.avail += 1;
    EXPECT_EQ(enable_error(memory_, layout),
              "virtqueue driver area at 0x2001 is not 2-byte aligned");
    layout = TestDriver::layout_at(kQueueBase, 8);
    layout.used += 2;
    EXPECT_EQ(enable_error(memory_, layout),
              "virtqueue device area at 0x3002 is not 4-byte aligned");
}

TEST_F(VirtqueueTest, PartsMustLieInRam) {
    QueueLayout layout = TestDriver::layout_at(kQueueBase, 8);
    layout.desc = kRamSize - 0x70;  // 0x80 bytes: straddles the end
    EXPECT_EQ(enable_error(memory_, layout),
              "virtqueue descriptor table 0xfff90+0x80 is outside guest RAM");
    layout = TestDriver::layout_at(kQueueBase, 8);
    layout.avail = kRamSize - 0x14;  // 0x16 bytes
    EXPECT_EQ(enable_error(memory_, layout),
              "virtqueue driver area 0xfffec+0x16 is outside guest RAM");
    layout = TestDriver::layout_at(kQueueBase, 8);
    layout.used = ~uint64_t{3};  // gpa + len overflows
    EXPECT_EQ(enable_error(memory_, layout),
              "virtqueue device area 0xfffffffffffffffc+0x46 is outside guest RAM");
    layout = TestDriver::layout_at(kQueueBase, 8);
    layout.avail = kRamSize + 0x1000;
    EXPECT_EQ(enable_error(memory_, layout),
              "virtqueue driver area 0x101000+0x16 is outside guest RAM");
}

TEST_F(VirtqueueTest, FailedEnableLeavesTheQueueOff) {
    start(8);
    QueueLayout bad = TestDriver::layout_at(kQueueBase, 8);
    bad.size = 5;
    EXPECT_FALSE(queue_.enable(memory_, bad, false, false));
    EXPECT_FALSE(queue_.enabled());
}

TEST_F(VirtqueueTest, AvailIndexJumpingPastTheSize) {
    TestDriver& d = start(8);
    d.set_avail_idx(9);
    expect_pop_error("virtqueue available index moved from 0 to 9, more than the queue size 8");
    EXPECT_TRUE(queue_.has_available(memory_));
}

TEST_F(VirtqueueTest, AvailIndexMovingBackwards) {
    TestDriver& d = start(8);
    d.add_chain({{0x20000, 1}});
    d.add_chain({{0x20000, 1}});
    pop_chain();
    pop_chain();
    d.set_avail_idx(1);
    expect_pop_error("virtqueue available index moved from 2 to 1, more than the queue size 8");
}

TEST_F(VirtqueueTest, AvailIndexExactlyTheSizeAhead) {
    TestDriver& d = start(8);
    for (int i = 0; i < 8; ++i) d.add_chain({{0x20000, 1}});
    for (int i = 0; i < 8; ++i) pop_chain();
    auto popped = queue_.pop(memory_);
    ASSERT_TRUE(popped);
    EXPECT_FALSE(popped->has_value());
}

TEST_F(VirtqueueTest, AvailRingNamesADescriptorPastTheSize) {
    TestDriver& d = start(8);
    d.write_desc(0, 0x20000, 1, 0, 0);
    d.make_available(8);
    expect_pop_error("virtqueue available ring entry 0 names descriptor 8, past the queue size 8");
    expect_pop_error("virtqueue available ring entry 0 names descriptor 8, past the queue size 8");
}

TEST_F(VirtqueueTest, NextPastTheSize) {
    TestDriver& d = start(8);
    d.write_desc(2, 0x20000, 1, kDescNext, 0xffff);
    d.make_available(2);
    expect_pop_error("virtqueue descriptor 2 chains to descriptor 65535, past the queue size 8");
}

TEST_F(VirtqueueTest, LoopOfTwo) {
    TestDriver& d = start(8);
    d.write_desc(0, 0x20000, 1, kDescNext, 1);
    d.write_desc(1, 0x20000, 1, kDescNext, 0);
    d.make_available(0);
    expect_pop_error("virtqueue chain at head 0 is longer than the queue size 8 (a loop)");
}

TEST_F(VirtqueueTest, DescriptorChainedToItself) {
    TestDriver& d = start(8);
    d.write_desc(5, 0x20000, 1, kDescNext | kDescWrite, 5);
    d.make_available(5);
    expect_pop_error("virtqueue chain at head 5 is longer than the queue size 8 (a loop)");
}

TEST_F(VirtqueueTest, ChainThroughEveryDescriptorAndAround) {
    // Longer than the queue: 0 -> 1 -> 2 -> 3 -> 0 on a queue of 4.
    TestDriver& d = start(4);
    for (uint16_t i = 0; i < 4; ++i) d.write_desc(i, 0x20000, 1, kDescNext, (i + 1) % 4);
    d.make_available(1);
    expect_pop_error("virtqueue chain at head 1 is longer than the queue size 4 (a loop)");
}

TEST_F(VirtqueueTest, LoopOnTheLargestQueueEnds) {
    TestDriver& d = start(32768);
    for (uint32_t i = 0; i < 32768; ++i)
        d.write_desc(static_cast<uint16_t>(i), 0x20000, 1, kDescNext,
                     static_cast<uint16_t>((i + 1) % 32768));
    d.make_available(0);
    expect_pop_error("virtqueue chain at head 0 is longer than the queue size 32768 (a loop)");
}

TEST_F(VirtqueueTest, ReadableAfterWritable) {
    TestDriver& d = start(8);
    d.add_chain({{0x20000, 1}, {0x21000, 1, true}, {0x22000, 1}});
    expect_pop_error(
        "virtqueue chain at head 0 has a device-readable descriptor after a device-writable one");
}

TEST_F(VirtqueueTest, ReadableInAnIndirectTableAfterWritableDirect) {
    TestDriver& d = start(8, false, true);
    const std::vector<TestBuffer> direct{{0x20000, 1, true}};
    const std::vector<TestBuffer> indirect{{0x21000, 1}};
    d.add_mixed(direct, kTable, indirect);
    expect_pop_error(
        "virtqueue chain at head 0 has a device-readable descriptor after a device-writable one");
}

TEST_F(VirtqueueTest, ReadableAfterWritableInsideAnIndirectTable) {
    TestDriver& d = start(8, false, true);
    d.add_indirect(kTable, {{0x20000, 1, true}, {0x21000, 1}});
    expect_pop_error(
        "virtqueue chain at head 0 has a device-readable descriptor after a device-writable one");
}

TEST_F(VirtqueueTest, IndirectWithoutTheFeature) {
    TestDriver& d = start(8, true, false);
    d.add_indirect(kTable, {{0x20000, 1}});
    expect_pop_error(
        "virtqueue chain at head 0 uses an indirect descriptor, but VIRTIO_F_INDIRECT_DESC was "
        "not negotiated");
}

TEST_F(VirtqueueTest, IndirectWithNext) {
    TestDriver& d = start(8, false, true);
    d.write_table_desc(kTable, 0, 0x20000, 1, 0, 0);
    d.write_desc(0, kTable, 16, kDescIndirect | kDescNext, 1);
    d.write_desc(1, 0x21000, 1, 0, 0);
    d.make_available(0);
    expect_pop_error("virtqueue chain at head 0 has an indirect descriptor with NEXT set");
}

TEST_F(VirtqueueTest, NestedIndirectTable) {
    TestDriver& d = start(8, false, true);
    d.write_table_desc(kTable + 0x100, 0, 0x20000, 1, 0, 0);
    d.write_table_desc(kTable, 0, 0x21000, 1, kDescNext, 1);
    d.write_table_desc(kTable, 1, kTable + 0x100, 16, kDescIndirect, 0);
    d.write_desc(0, kTable, 32, kDescIndirect, 0);
    d.make_available(0);
    expect_pop_error(
        "virtqueue chain at head 0 has an indirect descriptor inside an indirect table");
}

TEST_F(VirtqueueTest, IndirectTableSizes) {
    TestDriver& d = start(8, false, true);
    for (uint32_t len : {0u, 8u, 24u, 17u}) {
        d.write_desc(0, kTable, len, kDescIndirect, 0);
        d.set_avail_idx(0);
        d.make_available(0);
        expect_pop_error(fmt::format(
            "virtqueue chain at head 0 has an indirect table of {} bytes (not a non-zero "
            "multiple of 16)",
            len));
    }
    d.write_desc(0, 0, 16 * 32769, kDescIndirect, 0);
    expect_pop_error(
        "virtqueue chain at head 0 has an indirect table of 32769 entries, more than 32768");
}

TEST_F(VirtqueueTest, IndirectTableOfTheLargestSizeIsAccepted) {
    TestDriver& d = start(8, false, true);
    // 32768 entries chained in order: the longest table svm follows.
    for (uint32_t i = 0; i + 1 < 32768; ++i)
        d.write_table_desc(0x40000, i, 0x20000, 1, kDescNext, static_cast<uint16_t>(i + 1));
    d.write_table_desc(0x40000, 32767, 0x20000, 1, 0, 0);
    d.write_desc(0, 0x40000, 16 * 32768, kDescIndirect, 0);
    d.make_available(0);
    EXPECT_EQ(pop_chain().readable.size(), 32768u);
}

TEST_F(VirtqueueTest, IndirectTableOutsideRam) {
    TestDriver& d = start(8, false, true);
    d.write_desc(0, kRamSize - 16, 32, kDescIndirect, 0);
    d.make_available(0);
    expect_pop_error("virtqueue chain at head 0: indirect table 0xffff0+0x20 is outside guest RAM");
    d.write_desc(0, ~uint64_t{15}, 32, kDescIndirect, 0);
    expect_pop_error(
        "virtqueue chain at head 0: indirect table 0xfffffffffffffff0+0x20 is outside guest RAM");
}

TEST_F(VirtqueueTest, IndirectTableLoop) {
    TestDriver& d = start(8, false, true);
    d.write_table_desc(kTable, 0, 0x20000, 1, kDescNext, 1);
    d.write_table_desc(kTable, 1, 0x20000, 1, kDescNext, 0);
    d.write_desc(0, kTable, 32, kDescIndirect, 0);
    d.make_available(0);
    expect_pop_error(
        "virtqueue chain at head 0: the chain in its indirect table is longer than the table's 2 "
        "entries (a loop)");
}

TEST_F(VirtqueueTest, IndirectNextPastTheTable) {
    TestDriver& d = start(8, false, true);
    d.write_table_desc(kTable, 0, 0x20000, 1, kDescNext, 1);
    d.write_table_desc(kTable, 1, 0x20000, 1, kDescNext, 2);
    d.write_table_desc(kTable, 2, 0x20000, 1, 0, 0);  // in memory, but not in the table
    d.write_desc(0, kTable, 32, kDescIndirect, 0);
    d.make_available(0);
    expect_pop_error(
        "virtqueue chain at head 0: indirect descriptor 1 chains to 2, past the table's 2 entries");
}

TEST_F(VirtqueueTest, BufferPastRam) {
    TestDriver& d = start(8);
    d.add_chain({{0x20000, 1}, {kRamSize, 1, true}});
    expect_pop_error("virtqueue chain at head 0: buffer 0x100000+0x1 is outside guest RAM");
}

TEST_F(VirtqueueTest, BufferStraddlingTheEndOfRam) {
    TestDriver& d = start(8);
    d.add_chain({{kRamSize - 0x10, 0x11}});
    expect_pop_error("virtqueue chain at head 0: buffer 0xffff0+0x11 is outside guest RAM");
}

TEST_F(VirtqueueTest, BufferWhoseEndOverflows) {
    TestDriver& d = start(8);
    d.add_chain({{~uint64_t{0} - 4, 16, true}});
    expect_pop_error(
        "virtqueue chain at head 0: buffer 0xfffffffffffffffb+0x10 is outside guest RAM");
}

TEST_F(VirtqueueTest, BufferPastRamInAnIndirectTable) {
    TestDriver& d = start(8, false, true);
    d.add_indirect(kTable, {{0x20000, 1}, {0x7fffffff000, 0x2000, true}});
    expect_pop_error("virtqueue chain at head 0: buffer 0x7fffffff000+0x2000 is outside guest RAM");
}

TEST_F(VirtqueueTest, ChainLongerThan4GiB) {
    // 4097 buffers of all of RAM each: every one is RAM, the sum is not a valid chain (2.7.5.2).
    TestDriver& d = start(8, false, true);
    std::vector<TestBuffer> buffers(4097, TestBuffer{0, static_cast<uint32_t>(kRamSize), false});
    d.add_indirect(kTable, buffers);
    expect_pop_error("virtqueue chain at head 0 is longer than 4 GiB in total");
}

TEST_F(VirtqueueTest, ErrorDoesNotConsumeTheChain) {
    TestDriver& d = start(8);
    d.add_chain({{kRamSize, 1}});
    d.add_chain({{0x20000, 1}});
    expect_pop_error("virtqueue chain at head 0: buffer 0x100000+0x1 is outside guest RAM");
    expect_pop_error("virtqueue chain at head 0: buffer 0x100000+0x1 is outside guest RAM");
    EXPECT_TRUE(queue_.has_available(memory_));
}

}  // namespace
}  // namespace svm::virtio::test
