#include "core/loader/memory_map.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

TEST(MemoryMap, BaseMapSplitsRamAroundTheReservedRange) {
    auto map = base_memory_map(64 << 20);
    ASSERT_EQ(map.size(), 3u);
    EXPECT_EQ(map[0].base, 0u);
    EXPECT_EQ(map[0].length, 0x70000u);
    EXPECT_EQ(map[0].type, SVM_MEM_RAM);
    EXPECT_EQ(map[1].base, 0x70000u);
    EXPECT_EQ(map[1].length, 0x90000u);
    EXPECT_EQ(map[1].type, SVM_MEM_RESERVED);
    EXPECT_EQ(map[2].base, 0x100000u);
    EXPECT_EQ(map[2].length, (64u << 20) - 0x100000u);
    EXPECT_EQ(map[2].type, SVM_MEM_RAM);
}

TEST(MemoryMap, SmallRamIsClippedAndHasNoEmptyRanges) {
    // 512 KiB: the default machine table address is past the end, so it moves to low RAM.
    auto map = base_memory_map(0x80000);
    uint64_t cursor = 0;
    for (const auto& r : map) {
        EXPECT_EQ(r.base, cursor);
        EXPECT_GT(r.length, 0u);
        cursor += r.length;
    }
    EXPECT_EQ(cursor, 0x80000u);
    EXPECT_EQ(map.back().base, 0x70000u);
    EXPECT_EQ(map.back().type, SVM_MEM_RESERVED);
}

TEST(MemoryMap, MultibootMemUpperStopsAt4GiB) {
    EXPECT_EQ(multiboot_mem_upper_kib(base_memory_map(64 << 20)), 63u * 1024);
    EXPECT_EQ(multiboot_mem_upper_kib(base_memory_map(uint64_t(8) << 30)),
              (uint64_t(4) << 20) - 1024);
    EXPECT_EQ(multiboot_mem_upper_kib(base_memory_map(0x80000)), 0u);
}

TEST(MemoryMap, MultibootMemLowerEndsAtTheFirstReservedByte) {
    EXPECT_EQ(multiboot_mem_lower_kib(base_memory_map(64 << 20)), 0x70000u / 1024);
    // svm's stack moved to 0x1000: RAM from 0 ends there.
    std::vector<svm_mem_range> reserved{{0x1000, 0x10000, SVM_MEM_RESERVED, 0}};
    EXPECT_EQ(multiboot_mem_lower_kib(base_memory_map(64 << 20, reserved)), 4u);
}

TEST(MemoryMap, MemUpperStopsAtAnAreaSvmMovedAboveOneMiB) {
    std::vector<svm_mem_range> reserved{{0xA0000, 0x60000, SVM_MEM_RESERVED, 0},
                                        {0x300000, 0x1000, SVM_MEM_RESERVED, 0}};
    EXPECT_EQ(multiboot_mem_upper_kib(base_memory_map(64 << 20, reserved)), 2u * 1024);
}

TEST(MemoryMap, LoadedRangesPaintOverRamAndTheLegacyHole) {
    // GNU ld's headers segment at 0xFF000 sits in the legacy hole: the machine table calls it
    // kernel, not reserved.
    std::vector<LoadedRange> loaded{
        {0xFF000, 0x1000, false}, {0x100000, 0x2001, false}, {0x200000, 0x10, true}};
    auto map = overlay_loaded(base_memory_map(64 << 20), loaded);
    ASSERT_EQ(map.size(), 6u);
    EXPECT_EQ(map[1].base, 0x70000u);
    EXPECT_EQ(map[1].length, 0x8F000u);
    EXPECT_EQ(map[1].type, SVM_MEM_RESERVED);
    EXPECT_EQ(map[2].base, 0xFF000u);
    EXPECT_EQ(map[2].length, 0x4000u);  // both kernel ranges, whole pages, merged
    EXPECT_EQ(map[2].type, SVM_MEM_KERNEL);
    EXPECT_EQ(map[3].type, SVM_MEM_RAM);
    EXPECT_EQ(map[4].base, 0x200000u);
    EXPECT_EQ(map[4].length, 0x1000u);
    EXPECT_EQ(map[4].type, SVM_MEM_MODULE);
    EXPECT_EQ(map[5].type, SVM_MEM_RAM);
    uint64_t cursor = 0;
    for (const auto& r : map) {
        EXPECT_EQ(r.base, cursor);
        cursor += r.length;
    }
    EXPECT_EQ(cursor, 64u << 20);
}

}  // namespace
}  // namespace svm
