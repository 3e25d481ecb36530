#include "core/x86_64/boot_page_tables.h"

#include <gtest/gtest.h>

#include <array>

#include "core/x86_64/page_walker.h"
#include "svm/machine.h"

namespace svm {
namespace {

using namespace x86;

constexpr uint64_t MiB2 = 2ull << 20;

class BootPageTables : public ::testing::Test {
protected:
    PagingRegs build(std::span<const VirtualMapping> mappings) {
        auto cr3 = build_boot_page_tables(mem, mappings);
        EXPECT_TRUE(cr3) << cr3.error().message;
        EXPECT_EQ(cr3.value_or(0), SVM_PAGE_TABLES_ADDR);
        return {CR0_PE | CR0_PG, cr3.value_or(0), CR4_PAE, EFER_LME | EFER_LMA};
    }
    uint64_t gpa(const PagingRegs& regs, uint64_t linear) {
        auto t = translate(mem, regs, linear);
        EXPECT_TRUE(t) << t.error().message;
        return t ? t->gpa : ~0ull;
    }
    std::string fails(std::span<const VirtualMapping> mappings) {
        auto cr3 = build_boot_page_tables(mem, mappings);
        EXPECT_FALSE(cr3);
        return cr3 ? std::string() : cr3.error().message;
    }

    GuestMemory mem = GuestMemory::create(16 << 20).value();
};

TEST_F(BootPageTables, IdentityMapsLow4GiBWith2MiBPages) {
    ASSERT_TRUE(mem.fill(SVM_PAGE_TABLES_ADDR, 0xff, kBootPageTablePoolPages * 4096));
    auto regs = build({});
    for (uint64_t addr = 0; addr < (4ull << 30); addr += MiB2) {
        auto first = translate(mem, regs, addr);
        ASSERT_TRUE(first) << first.error().message;
        EXPECT_EQ(first->gpa, addr);
        EXPECT_EQ(first->page_size, MiB2);
        EXPECT_TRUE(first->writable);
        EXPECT_FALSE(first->user);
        EXPECT_TRUE(first->executable);
        ASSERT_EQ(gpa(regs, addr + MiB2 - 1), addr + MiB2 - 1);
    }
    // Nothing else is mapped, and the used pool pages were zeroed first.
    EXPECT_FALSE(translate(mem, regs, 4ull << 30));
    EXPECT_FALSE(translate(mem, regs, 0xFFFF'FFFF'8000'0000));
    EXPECT_EQ(mem.read_obj<uint64_t>(SVM_PAGE_TABLES_ADDR + 8).value(), 0u);
}

TEST_F(BootPageTables, HigherHalfKernelFitsAndMapsEveryByte) {
    // A typical higher-half kernel: 0xFFFFFFFF80100000 -> 1 MiB, 5.5 MiB long (4 KiB pages at the
    // unaligned ends, 2 MiB pages in between).
    const VirtualMapping kernel{0xFFFF'FFFF'8010'0000, 0x10'0000, 0x58'0000};
    auto regs = build(std::span(&kernel, 1));
    for (uint64_t off = 0; off < kernel.size; off += 4096) {
        ASSERT_EQ(gpa(regs, kernel.vaddr + off), kernel.paddr + off);
        ASSERT_EQ(gpa(regs, kernel.vaddr + off + 4095), kernel.paddr + off + 4095);
    }
    EXPECT_EQ(translate(mem, regs, 0xFFFF'FFFF'8010'0000).value().page_size, 4096u);
    EXPECT_EQ(translate(mem, regs, 0xFFFF'FFFF'8020'0000).value().page_size, MiB2);
    EXPECT_EQ(translate(mem, regs, 0xFFFF'FFFF'8060'0000).value().page_size, 4096u);
    EXPECT_FALSE(translate(mem, regs, 0xFFFF'FFFF'8000'0000));
    EXPECT_FALSE(translate(mem, regs, kernel.vaddr + kernel.size));
    // The identity map is still there.
    EXPECT_EQ(gpa(regs, 0x1234'5678), 0x1234'5678u);
}

TEST_F(BootPageTables, UnalignedMappingMapsEveryByte) {
    const VirtualMapping m{0xFFFF'8000'0000'1234, 0x30'1234, 0x3000};
    auto regs = build(std::span(&m, 1));
    for (uint64_t off = 0; off < m.size; ++off) ASSERT_EQ(gpa(regs, m.vaddr + off), m.paddr + off);
    // Widened to whole pages: the rest of the first and last page is mapped too.
    EXPECT_EQ(gpa(regs, 0xFFFF'8000'0000'1000), 0x30'1000u);
    EXPECT_EQ(gpa(regs, 0xFFFF'8000'0000'4fff), 0x30'4fffu);
    EXPECT_FALSE(translate(mem, regs, 0xFFFF'8000'0000'5000));
}

TEST_F(BootPageTables, MappingsOverrideTheIdentityMap) {
    const std::array<VirtualMapping, 2> maps{{
        {0x4000'0000, 0x20'0000, 4 << 20},  // 2 MiB aligned: two 2 MiB pages
        {0x1000, 0x5000, 0x2000},           // splits the first 2 MiB identity page
    }};
    auto regs = build(maps);
    auto t = translate(mem, regs, 0x4012'3456);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->gpa, 0x32'3456u);
    EXPECT_EQ(t->page_size, MiB2);
    EXPECT_EQ(gpa(regs, 0x403F'FFFF), 0x5F'FFFFu);
    EXPECT_EQ(gpa(regs, 0x4040'0000), 0x4040'0000u);  // identity again after the mapping

    EXPECT_EQ(gpa(regs, 0x1000), 0x5000u);
    EXPECT_EQ(gpa(regs, 0x2fff), 0x6fffu);
    // The rest of the split 2 MiB page keeps its identity mapping, now with 4 KiB pages.
    EXPECT_EQ(gpa(regs, 0x0), 0x0u);
    EXPECT_EQ(gpa(regs, 0x3000), 0x3000u);
    EXPECT_EQ(gpa(regs, 0x1F'FFFF), 0x1F'FFFFu);
    EXPECT_EQ(translate(mem, regs, 0x3000).value().page_size, 4096u);
    EXPECT_EQ(translate(mem, regs, 0x20'0000).value().page_size, MiB2);
}

TEST_F(BootPageTables, RejectsBadMappings) {
    const VirtualMapping non_canonical{0x0000'8000'0000'0000, 0, 0x1000};
    EXPECT_NE(fails(std::span(&non_canonical, 1)).find("not canonical"), std::string::npos);
    const VirtualMapping across_hole{0x0000'7FFF'FFFF'F000, 0, 0x2000};
    EXPECT_NE(fails(std::span(&across_hole, 1)).find("not canonical"), std::string::npos);
    const VirtualMapping overflow{0xFFFF'FFFF'FFFF'F000, 0, 0x2000};
    EXPECT_NE(fails(std::span(&overflow, 1)).find("overflows"), std::string::npos);
    const VirtualMapping physical_overflow{0x1000, 0xF'FFFF'FFFF'F000, 0x2000};
    EXPECT_NE(fails(std::span(&physical_overflow, 1)).find("physical"), std::string::npos);
    const VirtualMapping misaligned{0x1000, 0x2001, 0x10};
    EXPECT_NE(fails(std::span(&misaligned, 1)).find("offsets"), std::string::npos);
}

TEST_F(BootPageTables, SaysHowManyPagesWhenThePoolRunsOut) {
    // Five 4 KiB mappings in five different PML4 slots need a PDPT, a PD and a PT each:
    // 6 pages for the identity map + 15 = 21.
    std::array<VirtualMapping, 5> maps{};
    for (size_t i = 0; i < maps.size(); ++i)
        maps[i] = {0xFFFF'8000'0000'0000 + i * (1ull << 39), 0x10'0000, 0x1000};
    auto message = fails(maps);
    EXPECT_NE(message.find("need 21 pages"), std::string::npos) << message;
    EXPECT_NE(message.find("holds 14"), std::string::npos) << message;
    // Two fit (6 + 6 = 12 pages); three need 15, one more than the pool below the EBDA's page.
    EXPECT_TRUE(build_boot_page_tables(mem, std::span(maps).first(2)));
    EXPECT_FALSE(build_boot_page_tables(mem, std::span(maps).first(3)));
}

TEST_F(BootPageTables, AMovedPoolHoldsTheTablesAndCr3PointsThere) {
    auto cr3 = build_boot_page_tables(mem, {}, 0x200000, 14);
    ASSERT_TRUE(cr3) << cr3.error().message;
    EXPECT_EQ(*cr3, 0x200000u);
    // PML4[0] -> the PDPT in the next pool page.
    EXPECT_EQ(mem.read_obj<uint64_t>(0x200000).value() & ~0xfffull, 0x201000u);
}

}  // namespace
}  // namespace svm
