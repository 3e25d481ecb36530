#include "core/guest_memory.h"

#include <gtest/gtest.h>

#include <array>

namespace svm {
namespace {

TEST(GuestMemory, RejectsBadSizes) {
    EXPECT_FALSE(GuestMemory::create(0));
    EXPECT_FALSE(GuestMemory::create(4095));
}

TEST(GuestMemory, BoundsAreOverflowSafe) {
    auto mem = GuestMemory::create(0x10000).value();
    EXPECT_TRUE(mem.contains(0, 0x10000));
    EXPECT_TRUE(mem.contains(0x10000, 0));
    EXPECT_FALSE(mem.contains(0x10000, 1));
    EXPECT_FALSE(mem.contains(0xffff, 2));
    EXPECT_FALSE(mem.contains(1, ~0ull));
    EXPECT_FALSE(mem.contains(~0ull, 2));
    EXPECT_FALSE(mem.span(0xfff0, 0x20));
}

TEST(GuestMemory, ReadWriteRoundTripAndRefuseOutOfRange) {
    auto mem = GuestMemory::create(0x2000).value();
    ASSERT_TRUE(mem.write_obj<uint32_t>(0x1ffc, 0xdeadbeef));
    EXPECT_EQ(mem.read_obj<uint32_t>(0x1ffc).value(), 0xdeadbeefu);
    EXPECT_FALSE(mem.write_obj<uint64_t>(0x1ffc, 1));
    // A refused write changes nothing.
    EXPECT_EQ(mem.read_obj<uint32_t>(0x1ffc).value(), 0xdeadbeefu);
    std::array<uint8_t, 16> buf{};
    EXPECT_FALSE(mem.read(0x1ff8, buf));
    ASSERT_TRUE(mem.fill(0x100, 0xab, 4));
    EXPECT_EQ(mem.read_obj<uint32_t>(0x100).value(), 0xababababu);
}

}  // namespace
}  // namespace svm
