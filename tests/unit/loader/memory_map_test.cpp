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
    auto map = base_memory_map(0x80000);
    ASSERT_EQ(map.size(), 2u);
    EXPECT_EQ(map[0].length, 0x70000u);
    EXPECT_EQ(map[1].base, 0x70000u);
    EXPECT_EQ(map[1].length, 0x10000u);
    EXPECT_EQ(map[1].type, SVM_MEM_RESERVED);
}

TEST(MemoryMap, MultibootMemUpperStopsAt4GiB) {
    EXPECT_EQ(multiboot_mem_upper_kib(64 << 20), 63u * 1024);
    EXPECT_EQ(multiboot_mem_upper_kib(uint64_t(8) << 30), (uint64_t(4) << 20) - 1024);
    EXPECT_EQ(multiboot_mem_upper_kib(0x80000), 0u);
}

}  // namespace
}  // namespace svm
