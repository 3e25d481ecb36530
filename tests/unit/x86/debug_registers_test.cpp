#include "core/x86_64/debug_registers.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

TEST(DebugRegisters, ExecuteBreakpointsOnlyEnableTheirSlot) {
    std::array<DebugRegisterSlot, 4> slots{};
    slots[0] = {0xffffffff80100000, true};
    slots[2] = {0x7c00, true};
    auto dr = debug_register_values(slots);
    EXPECT_EQ(dr[0], 0xffffffff80100000u);
    EXPECT_EQ(dr[2], 0x7c00u);
    EXPECT_EQ(dr[7], 0x11u);  // L0 | L2, R/W and LEN 00
}

TEST(DebugRegisters, DataBreakpointsEncodeKindAndLength) {
    std::array<DebugRegisterSlot, 4> slots{};
    slots[1] = {0x1000, true, false, DebugRegisterSlot::Kind::Write, 4};
    slots[3] = {0x2008, true, false, DebugRegisterSlot::Kind::Access, 8};
    auto dr = debug_register_values(slots);
    EXPECT_EQ(dr[1], 0x1000u);
    EXPECT_EQ(dr[3], 0x2008u);
    // L1 (bit 2), L3 (bit 6); slot 1: R/W 01, LEN 11 at bits 20-23; slot 3: R/W 11, LEN 10 at 28-31.
    EXPECT_EQ(dr[7], (1u << 2) | (1u << 6) | (0xdu << 20) | (0xbu << 28));
}

TEST(DebugRegisters, NothingUsedIsAllZero) {
    auto dr = debug_register_values({});
    for (uint64_t v : dr) EXPECT_EQ(v, 0u);
}

}  // namespace
}  // namespace svm
