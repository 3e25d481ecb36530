#include "core/debug/software_breakpoints.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace svm {
namespace {

class SoftwareBreakpointsTest : public ::testing::Test {
protected:
    SoftwareBreakpointsTest() : memory(GuestMemory::create(0x10000).value()) {
        std::array<uint8_t, 4> code = {0x55, 0x48, 0x89, 0xe5};
        EXPECT_TRUE(memory.write(0x1000, code));
    }
    uint8_t at(uint64_t gpa) { return memory.read_obj<uint8_t>(gpa).value(); }

    GuestMemory memory;
    SoftwareBreakpoints bps;
};

TEST_F(SoftwareBreakpointsTest, InsertWritesInt3AndRemoveRestores) {
    ASSERT_TRUE(bps.insert(memory, 0x1001));
    EXPECT_EQ(at(0x1001), 0xcc);
    EXPECT_TRUE(bps.contains(0x1001));
    ASSERT_TRUE(bps.remove(memory, 0x1001));
    EXPECT_EQ(at(0x1001), 0x48);
    EXPECT_FALSE(bps.contains(0x1001));
    EXPECT_FALSE(bps.remove(memory, 0x1001));
    EXPECT_FALSE(bps.insert(memory, 0x10000));  // outside RAM
}

TEST_F(SoftwareBreakpointsTest, InsertionsAreCounted) {
    ASSERT_TRUE(bps.insert(memory, 0x1000));
    ASSERT_TRUE(bps.insert(memory, 0x1000));
    ASSERT_TRUE(bps.remove(memory, 0x1000));
    EXPECT_EQ(at(0x1000), 0xcc);
    ASSERT_TRUE(bps.remove(memory, 0x1000));
    EXPECT_EQ(at(0x1000), 0x55);
}

TEST_F(SoftwareBreakpointsTest, ReadsHideBreakpointBytes) {
    ASSERT_TRUE(bps.insert(memory, 0x1000));
    ASSERT_TRUE(bps.insert(memory, 0x1003));
    std::array<uint8_t, 4> buf{};
    ASSERT_TRUE(memory.read(0x1000, buf));
    EXPECT_EQ(buf[0], 0xcc);
    bps.hide(0x1000, buf);
    EXPECT_EQ(buf, (std::array<uint8_t, 4>{0x55, 0x48, 0x89, 0xe5}));
    // A window that starts after a breakpoint is not affected by it.
    std::array<uint8_t, 2> tail{};
    ASSERT_TRUE(memory.read(0x1002, tail));
    bps.hide(0x1002, tail);
    EXPECT_EQ(tail, (std::array<uint8_t, 2>{0x89, 0xe5}));
}

TEST_F(SoftwareBreakpointsTest, DebuggerWritesUpdateTheSavedByte) {
    ASSERT_TRUE(bps.insert(memory, 0x1001));
    std::array<uint8_t, 2> patch = {0x90, 0x90};
    ASSERT_TRUE(bps.write_through(memory, 0x1000, patch));
    EXPECT_EQ(at(0x1000), 0x90);
    EXPECT_EQ(at(0x1001), 0xcc);  // still armed
    ASSERT_TRUE(bps.remove(memory, 0x1001));
    EXPECT_EQ(at(0x1001), 0x90);  // the debugger's byte, not the old one
}

TEST_F(SoftwareBreakpointsTest, OverwrittenBreakpointsAreRearmed) {
    ASSERT_TRUE(bps.insert(memory, 0x1002));
    ASSERT_TRUE(memory.write_obj<uint8_t>(0x1002, 0x31));  // the guest loads new code there
    EXPECT_EQ(bps.rearm(memory), 1);
    EXPECT_EQ(at(0x1002), 0xcc);
    EXPECT_EQ(bps.rearm(memory), 0);
    ASSERT_TRUE(bps.remove(memory, 0x1002));
    EXPECT_EQ(at(0x1002), 0x31);
}

TEST_F(SoftwareBreakpointsTest, RemoveAllRestoresEverything) {
    ASSERT_TRUE(bps.insert(memory, 0x1000));
    ASSERT_TRUE(bps.insert(memory, 0x1003));
    bps.remove_all(memory);
    EXPECT_TRUE(bps.empty());
    EXPECT_EQ(at(0x1000), 0x55);
    EXPECT_EQ(at(0x1003), 0xe5);
}

// The pages svm maps read-only for breakpoints, and a guest write over one (it arrives through
// on_ram_access as write_through): the written byte becomes the original, the trap byte stays.
TEST(SoftwareBreakpointsPages, GuestWritesKeepTheBreakpoint) {
    GuestMemory memory = GuestMemory::create(0x4000).value();
    SoftwareBreakpoints bps;
    ASSERT_TRUE(bps.insert(memory, 0x1001));
    ASSERT_TRUE(bps.insert(memory, 0x1ff0));
    ASSERT_TRUE(bps.insert(memory, 0x3000));
    EXPECT_EQ(bps.pages(), (std::set<uint64_t>{0x1000, 0x3000}));
    EXPECT_TRUE(bps.any_in(0x1000, 2));
    EXPECT_FALSE(bps.any_in(0x1002, 0xfee));
    EXPECT_TRUE(bps.any_in(0x1002, 0xfef));
    EXPECT_FALSE(bps.any_in(0x3001, 0x100));
    const std::array<uint8_t, 4> code = {0x55, 0x48, 0x89, 0xe5};  // a loader copies code in
    ASSERT_TRUE(bps.write_through(memory, 0x1000, code));
    EXPECT_EQ(memory.read_obj<uint8_t>(0x1001).value(), 0xcc);
    std::array<uint8_t, 4> seen{};
    ASSERT_TRUE(memory.read(0x1000, seen));
    bps.hide(0x1000, seen);
    EXPECT_EQ(seen, code);
}

// KVM-PVM hosts: ICEBP (0xF1) instead of int3, with the same bookkeeping (the guest's own 0xCC
// bytes are left alone, and a guest write over the breakpoint is re-armed with 0xF1).
TEST(SoftwareBreakpointsIcebp, WritesIcebpAndTreatsInt3AsGuestCode) {
    GuestMemory memory = GuestMemory::create(0x2000).value();
    ASSERT_TRUE(memory.write_obj<uint8_t>(0x1000, 0xcc));
    SoftwareBreakpoints bps(SoftwareBreakpoints::kIcebp);
    EXPECT_EQ(bps.opcode(), 0xf1);
    ASSERT_TRUE(bps.insert(memory, 0x1000));
    EXPECT_EQ(memory.read_obj<uint8_t>(0x1000).value(), 0xf1);
    std::array<uint8_t, 1> seen{};
    ASSERT_TRUE(memory.read(0x1000, seen));
    bps.hide(0x1000, seen);
    EXPECT_EQ(seen[0], 0xcc);                              // the guest's own int3
    ASSERT_TRUE(memory.write_obj<uint8_t>(0x1000, 0x90));  // the guest loads new code there
    EXPECT_EQ(bps.rearm(memory), 1);
    EXPECT_EQ(memory.read_obj<uint8_t>(0x1000).value(), 0xf1);
    ASSERT_TRUE(bps.remove(memory, 0x1000));
    EXPECT_EQ(memory.read_obj<uint8_t>(0x1000).value(), 0x90);
}

}  // namespace
}  // namespace svm
