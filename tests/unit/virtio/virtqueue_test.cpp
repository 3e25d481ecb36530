// The split virtqueue with well-formed rings: chains direct, indirect and mixed, the used ring,
// index wraparound, reset, and the buffer copy helpers.
#include <array>
#include <vector>

#include "tests/unit/virtio/virtqueue_fixture.h"

namespace svm::virtio::test {
namespace {

TEST_F(VirtqueueTest, EmptyQueueHasNothing) {
    start(8);
    EXPECT_FALSE(queue_.has_available(memory_));
    auto popped = queue_.pop(memory_);
    ASSERT_TRUE(popped);
    EXPECT_FALSE(popped->has_value());
}

TEST_F(VirtqueueTest, DisabledQueueHasNothing) {
    EXPECT_FALSE(queue_.enabled());
    EXPECT_FALSE(queue_.has_available(memory_));
    auto popped = queue_.pop(memory_);
    ASSERT_TRUE(popped);
    EXPECT_FALSE(popped->has_value());
    EXPECT_FALSE(queue_.should_interrupt(memory_));
    EXPECT_FALSE(queue_.push_used(memory_, 0, 0));
}

TEST_F(VirtqueueTest, DirectChainSplitsReadableAndWritable) {
    TestDriver& d = start(8);
    const uint16_t head = d.add_chain(
        {{0x20000, 16, false}, {0x20100, 512, false}, {0x20400, 1, true}, {0x20500, 64, true}});
    EXPECT_TRUE(queue_.has_available(memory_));
    Chain chain = pop_chain();
    EXPECT_EQ(chain.head, head);
    ASSERT_EQ(chain.readable.size(), 2u);
    ASSERT_EQ(chain.writable.size(), 2u);
    EXPECT_EQ(chain.readable[0].gpa, 0x20000u);
    EXPECT_EQ(chain.readable[1].len, 512u);
    EXPECT_EQ(chain.writable[0].gpa, 0x20400u);
    EXPECT_EQ(chain.writable[1].len, 64u);
    EXPECT_EQ(chain.readable_bytes(), 528u);
    EXPECT_EQ(chain.writable_bytes(), 65u);
    EXPECT_FALSE(queue_.has_available(memory_));
}

TEST_F(VirtqueueTest, ChainOrderFollowsNextNotTableOrder) {
    TestDriver& d = start(8);
    d.write_desc(5, 0x30000, 4, kDescNext, 2);
    d.write_desc(2, 0x31000, 8, kDescNext | kDescWrite, 7);
    d.write_desc(7, 0x32000, 12, kDescWrite, 0);
    d.make_available(5);
    Chain chain = pop_chain();
    EXPECT_EQ(chain.head, 5);
    ASSERT_EQ(chain.readable.size(), 1u);
    ASSERT_EQ(chain.writable.size(), 2u);
    EXPECT_EQ(chain.writable[0].gpa, 0x31000u);
    EXPECT_EQ(chain.writable[1].gpa, 0x32000u);
}

TEST_F(VirtqueueTest, ChainAsLongAsTheQueueIsAccepted) {
    TestDriver& d = start(4);
    d.add_chain({{0x20000, 1}, {0x20010, 1}, {0x20020, 1, true}, {0x20030, 1, true}});
    Chain chain = pop_chain();
    EXPECT_EQ(chain.readable.size() + chain.writable.size(), 4u);
}

TEST_F(VirtqueueTest, ZeroLengthAndEndOfRamBuffersAreAccepted) {
    TestDriver& d = start(8);
    d.add_chain({{0x20000, 0}, {kRamSize - 8, 8, true}, {kRamSize, 0, true}});
    Chain chain = pop_chain();
    ASSERT_EQ(chain.writable.size(), 2u);
    EXPECT_EQ(chain.writable[0].gpa, kRamSize - 8);
}

TEST_F(VirtqueueTest, IndirectChain) {
    TestDriver& d = start(8, false, true);
    const uint16_t head = d.add_indirect(0x40000, {{0x20000, 32}, {0x21000, 100, true}});
    Chain chain = pop_chain();
    EXPECT_EQ(chain.head, head);
    ASSERT_EQ(chain.readable.size(), 1u);
    ASSERT_EQ(chain.writable.size(), 1u);
    EXPECT_EQ(chain.readable[0].gpa, 0x20000u);
    EXPECT_EQ(chain.writable[0].len, 100u);
}

TEST_F(VirtqueueTest, IndirectTableLongerThanTheQueue) {
    // The table bounds its own chain (2.7.5.3): 64 entries behind a queue of 2.
    TestDriver& d = start(2, false, true);
    std::vector<TestBuffer> buffers;
    for (uint32_t i = 0; i < 64; ++i) buffers.push_back({0x20000 + 16ull * i, 16, i >= 32});
    d.add_indirect(0x40000, buffers);
    Chain chain = pop_chain();
    EXPECT_EQ(chain.readable.size(), 32u);
    EXPECT_EQ(chain.writable.size(), 32u);
}

TEST_F(VirtqueueTest, IndirectTableFollowsNextInsideTheTable) {
    TestDriver& d = start(8, false, true);
    d.write_table_desc(0x40000, 0, 0x20000, 1, kDescNext, 2);
    d.write_table_desc(0x40000, 1, 0x99999999, 1, 0, 0);  // skipped
    d.write_table_desc(0x40000, 2, 0x21000, 2, kDescWrite, 0);
    d.write_desc(0, 0x40000, 48, kDescIndirect, 0);
    d.make_available(0);
    Chain chain = pop_chain();
    ASSERT_EQ(chain.readable.size(), 1u);
    ASSERT_EQ(chain.writable.size(), 1u);
    EXPECT_EQ(chain.writable[0].gpa, 0x21000u);
}

TEST_F(VirtqueueTest, WriteFlagOnTheIndirectDescriptorIsIgnored) {
    // 2.7.5.3.2: "The device MUST ignore the write-only flag ... that refers to an indirect table."
    TestDriver& d = start(8, false, true);
    d.write_table_desc(0x40000, 0, 0x20000, 4, 0, 0);
    d.write_desc(3, 0x40000, 16, kDescIndirect | kDescWrite, 0);
    d.make_available(3);
    Chain chain = pop_chain();
    ASSERT_EQ(chain.readable.size(), 1u);
    EXPECT_TRUE(chain.writable.empty());
}

TEST_F(VirtqueueTest, DirectDescriptorsThenAnIndirectTable) {
    // 2.7.5.3.2: "zero or more normal chained descriptors followed by a single descriptor with
    // flags&VIRTQ_DESC_F_INDIRECT".
    TestDriver& d = start(8, false, true);
    const std::array<TestBuffer, 2> direct{{{0x20000, 8}, {0x20100, 8}}};
    const std::array<TestBuffer, 2> indirect{{{0x20200, 8}, {0x20300, 8, true}}};
    const uint16_t head = d.add_mixed(direct, 0x40000, indirect);
    Chain chain = pop_chain();
    EXPECT_EQ(chain.head, head);
    ASSERT_EQ(chain.readable.size(), 3u);
    ASSERT_EQ(chain.writable.size(), 1u);
    EXPECT_EQ(chain.readable[2].gpa, 0x20200u);
    EXPECT_EQ(chain.writable[0].gpa, 0x20300u);
}

TEST_F(VirtqueueTest, DirectAndIndirectChainsMixInOneQueue) {
    TestDriver& d = start(8, false, true);
    d.add_chain({{0x20000, 8}});
    d.add_indirect(0x40000, {{0x21000, 8, true}});
    d.add_chain({{0x22000, 8}, {0x23000, 8, true}});
    EXPECT_EQ(pop_chain().readable.at(0).gpa, 0x20000u);
    EXPECT_EQ(pop_chain().writable.at(0).gpa, 0x21000u);
    Chain third = pop_chain();
    EXPECT_EQ(third.readable.at(0).gpa, 0x22000u);
    EXPECT_EQ(third.writable.at(0).gpa, 0x23000u);
    EXPECT_FALSE(queue_.has_available(memory_));
}

TEST_F(VirtqueueTest, PushUsedWritesTheElementThenTheIndex) {
    TestDriver& d = start(4);
    const uint16_t a = d.add_chain({{0x20000, 8, true}});
    const uint16_t b = d.add_chain({{0x21000, 8, true}});
    pop_chain();
    pop_chain();
    ASSERT_TRUE(queue_.push_used(memory_, b, 5));
    ASSERT_TRUE(queue_.push_used(memory_, a, 7));
    EXPECT_EQ(d.used_idx(), 2);
    auto first = d.take_used();
    auto second = d.take_used();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->id, b);
    EXPECT_EQ(first->len, 5u);
    EXPECT_EQ(second->id, a);
    EXPECT_EQ(second->len, 7u);
    EXPECT_FALSE(d.take_used());
}

TEST_F(VirtqueueTest, IndicesWrapPast65535) {
    // 2.7.6 / 2.7.8: idx is free-running mod 2^16; the rings are indexed by idx mod size.
    TestDriver& d = start(4);
    for (uint32_t i = 0; i < 70000; ++i) {
        const uint16_t head = d.add_chain({{0x20000 + (i % 16) * 16ull, 16, true}});
        Chain chain = pop_chain();
        ASSERT_EQ(chain.head, head) << "at " << i;
        ASSERT_EQ(chain.writable.at(0).gpa, 0x20000 + (i % 16) * 16ull);
        ASSERT_TRUE(queue_.push_used(memory_, head, i));
        auto used = d.take_used();
        ASSERT_TRUE(used);
        ASSERT_EQ(used->id, head);
        ASSERT_EQ(used->len, i);
    }
    EXPECT_EQ(d.avail_idx(), static_cast<uint16_t>(70000));
    EXPECT_EQ(d.used_idx(), static_cast<uint16_t>(70000));
    EXPECT_FALSE(queue_.has_available(memory_));
}

TEST_F(VirtqueueTest, FullRingAcrossTheWrap) {
    // A full ring of `size` chains whose indices straddle 65535 -> 0. The device starts at 0, so
    // bring both sides to 65532 one chain at a time (a jump of more than `size` is an error).
    TestDriver& d = start(8);
    for (uint32_t i = 0; i < 65532; ++i) {
        d.add_chain({{0x20000, 1}});
        ASSERT_TRUE(queue_.push_used(memory_, pop_chain().head, 0));
    }
    for (int i = 0; i < 8; ++i) d.add_chain({{0x30000ull + i, 1}});
    EXPECT_EQ(d.avail_idx(), 4);  // 65532 + 8, wrapped
    EXPECT_TRUE(queue_.has_available(memory_));
    for (int i = 0; i < 8; ++i) EXPECT_EQ(pop_chain().readable.at(0).gpa, 0x30000ull + i);
    EXPECT_FALSE(queue_.has_available(memory_));
}

TEST_F(VirtqueueTest, ResetForgetsIndicesAndLayout) {
    TestDriver& d = start(8);
    d.add_chain({{0x20000, 1}});
    pop_chain();
    ASSERT_TRUE(queue_.push_used(memory_, 0, 0));
    queue_.reset();
    EXPECT_FALSE(queue_.enabled());
    EXPECT_EQ(queue_.layout().size, 0);
    EXPECT_FALSE(queue_.has_available(memory_));
    // Re-enabled on a freshly zeroed ring, the device starts again from index 0.
    TestDriver& again = start(8);
    again.add_chain({{0x21000, 1}});
    EXPECT_EQ(pop_chain().readable.at(0).gpa, 0x21000u);
    ASSERT_TRUE(queue_.push_used(memory_, 0, 3));
    EXPECT_EQ(again.used_idx(), 1);
}

TEST_F(VirtqueueTest, ChainIsReadOnceIntoACopy) {
    // Rewriting the descriptors after pop() does not change the chain already returned.
    TestDriver& d = start(8);
    d.add_chain({{0x20000, 8}});
    Chain chain = pop_chain();
    d.write_desc(0, 0x50000, 99, 0, 0);
    EXPECT_EQ(chain.readable.at(0).gpa, 0x20000u);
    EXPECT_EQ(chain.readable.at(0).len, 8u);
}

TEST_F(VirtqueueTest, ReadFromGathersAcrossBuffers) {
    TestDriver& d = start(8);
    const std::array<uint8_t, 4> a{1, 2, 3, 4};
    const std::array<uint8_t, 3> b{5, 6, 7};
    d.add_chain({{d.alloc_with(a), 4}, {d.alloc_with(b), 3}, {d.alloc(4), 4, true}});
    Chain chain = pop_chain();
    std::array<uint8_t, 8> out{};
    auto n = read_from(memory_, chain, 0, out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 7u);
    EXPECT_EQ(out, (std::array<uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 0}));
    std::array<uint8_t, 3> mid{};
    n = read_from(memory_, chain, 3, mid);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 3u);
    EXPECT_EQ(mid, (std::array<uint8_t, 3>{4, 5, 6}));
    n = read_from(memory_, chain, 7, mid);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 0u);
}

TEST_F(VirtqueueTest, WriteToScattersAcrossBuffers) {
    TestDriver& d = start(8);
    const uint64_t w1 = d.alloc(2), w2 = d.alloc(3);
    d.add_chain({{d.alloc(4), 4}, {w1, 2, true}, {w2, 3, true}});
    Chain chain = pop_chain();
    const std::array<uint8_t, 6> in{9, 8, 7, 6, 5, 4};
    auto n = write_to(memory_, chain, 1, in);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 4u);
    std::array<uint8_t, 2> got1{};
    std::array<uint8_t, 3> got2{};
    ASSERT_TRUE(memory_.read(w1, got1));
    ASSERT_TRUE(memory_.read(w2, got2));
    EXPECT_EQ(got1, (std::array<uint8_t, 2>{0, 9}));
    EXPECT_EQ(got2, (std::array<uint8_t, 3>{8, 7, 6}));
}

TEST_F(VirtqueueTest, CopyHelpersRejectBuffersOutsideRam) {
    Chain chain;
    chain.readable.push_back({kRamSize - 2, 4});
    chain.writable.push_back({kRamSize + 4096, 4});
    std::array<uint8_t, 4> bytes{};
    EXPECT_FALSE(read_from(memory_, chain, 0, bytes));
    EXPECT_FALSE(write_to(memory_, chain, 0, bytes));
}

}  // namespace
}  // namespace svm::virtio::test

namespace svm::virtio::test {
namespace {

// The write observer (what fires gdb watchpoints on device writes) hears exactly the bytes the
// device says it wrote, buffer by buffer, then the used element, and survives a reset.
TEST_F(VirtqueueTest, WriteObserverHearsTheWrittenPrefixAndTheUsedElement) {
    std::vector<std::pair<uint64_t, uint64_t>> seen;
    queue_.set_write_observer([&](uint64_t gpa, uint64_t length) { seen.emplace_back(gpa, length); });
    TestDriver& d = start(8);
    const uint64_t in = d.alloc(16), a = d.alloc(100), b = d.alloc(100), c = d.alloc(100);
    d.add_chain({{in, 16, false}, {a, 100, true}, {b, 100, true}, {c, 100, true}});
    Chain chain = pop_chain();
    ASSERT_TRUE(queue_.push_used(memory_, chain, 150));
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], (std::pair<uint64_t, uint64_t>{a, 100}));
    EXPECT_EQ(seen[1], (std::pair<uint64_t, uint64_t>{b, 50}));
    EXPECT_EQ(seen[2], (std::pair<uint64_t, uint64_t>{d.layout().used + 4, 8}));  // ring[0]

    // After a reset and a new layout the observer is still there; nothing written: only the
    // used element.
    seen.clear();
    queue_.reset();
    TestDriver& again = start(8);
    again.add_chain({{again.alloc(8), 8, true}});
    chain = pop_chain();
    ASSERT_TRUE(queue_.push_used(memory_, chain, 0));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].second, 8u);
}

}  // namespace
}  // namespace svm::virtio::test
