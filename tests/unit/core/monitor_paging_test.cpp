#include <gtest/gtest.h>

#include "core/debug/monitor/page_mappings.h"
#include "core/debug/monitor/paging_info.h"

namespace svm {
namespace {

using namespace x86;

constexpr uint64_t P = 1, W = 2, U = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100, NX = 1ull << 63;

class MonitorPaging : public ::testing::Test {
protected:
    void put32(uint64_t gpa, uint32_t value) { ASSERT_TRUE(mem.write_obj(gpa, value)); }
    void put64(uint64_t gpa, uint64_t value) { ASSERT_TRUE(mem.write_obj(gpa, value)); }

    // 4-level tables: 4 KiB pages (two merge, one read-only and XD), two adjacent 2 MiB pages, a
    // 1 GiB user page and a higher-half 2 MiB page.
    PagingRegs level4() {
        put64(0x1000, 0x2000 | P | W | U);  // PML4[0]
        put64(0x2000, 0x3000 | P | W | U);  // PDPT[0]
        put64(0x3000, 0x4000 | P | W | U);  // PD[0]
        put64(0x4000 + 1 * 8, 0x5000 | P | W | U | A | D);
        put64(0x4000 + 2 * 8, 0x6000 | P | W | U);
        put64(0x4000 + 3 * 8, 0x7000 | P | NX);
        put64(0x3000 + 1 * 8, 0x200000 | P | W | PS | G);
        put64(0x3000 + 2 * 8, 0x400000 | P | W | PS);
        put64(0x2000 + 1 * 8, 0x40000000 | P | W | U | PS);  // 1 GiB
        put64(0x1000 + 511 * 8, 0x8000 | P | W);
        put64(0x8000 + 510 * 8, 0x9000 | P | W);
        put64(0x9000, 0x0 | P | W | PS | NX);
        return {CR0_PE | CR0_PG, 0x1000, CR4_PAE, EFER_LME | EFER_LMA | EFER_NXE};
    }

    GuestMemory mem = GuestMemory::create(8 << 20).value();
};

TEST_F(MonitorPaging, InfoMemMergesRunsOfEqualRights) {
    EXPECT_EQ(format_info_mem(mem, level4()),
              "0000000000001000-0000000000003000 0000000000002000 urw\n"
              "0000000000003000-0000000000004000 0000000000001000 -r-\n"
              "0000000000200000-0000000000600000 0000000000400000 -rw\n"
              "0000000040000000-0000000080000000 0000000040000000 urw\n"
              "ffffffff80000000-ffffffff80200000 0000000000200000 -rw\n");
}

TEST_F(MonitorPaging, InfoTlbListsEveryLeafWithQemuLetters) {
    EXPECT_EQ(format_info_tlb(mem, level4()),
              "0000000000001000: 0000000000005000 ---DA--UW\n"
              "0000000000002000: 0000000000006000 -------UW\n"
              "0000000000003000: 0000000000007000 X--------\n"
              "0000000000200000: 0000000000200000 -GP-----W\n"
              "0000000000400000: 0000000000400000 --P-----W\n"
              "0000000040000000: 0000000040000000 --P----UW\n"
              "ffffffff80000000: 0000000000000000 X-P-----W\n");
}

TEST_F(MonitorPaging, WalkVisitsLeavesNotPages) {
    int leaves = 0;
    EXPECT_EQ(for_each_mapping(mem, level4(), [&](const PageMapping&) { return ++leaves, true; }),
              PagingMode::Level4);
    EXPECT_EQ(leaves, 7);  // the 1 GiB page is one leaf, empty entries cost nothing
    int first_two = 0;
    for_each_mapping(mem, level4(), [&](const PageMapping&) { return ++first_two < 2; });
    EXPECT_EQ(first_two, 2);  // fn returning false stops the walk
}

TEST_F(MonitorPaging, OutputIsCapped) {
    EXPECT_EQ(format_info_tlb(mem, level4(), 2),
              "0000000000001000: 0000000000005000 ---DA--UW\n"
              "0000000000002000: 0000000000006000 -------UW\n"
              "... (5 more lines)\n");
    EXPECT_EQ(format_info_mem(mem, level4(), 4).substr(4 * 55), "... (1 more lines)\n");
}

TEST_F(MonitorPaging, PagingOff) {
    PagingRegs off{CR0_PE, 0, 0, 0};
    EXPECT_EQ(format_info_mem(mem, off), "PG disabled\n");
    EXPECT_EQ(format_info_tlb(mem, off), "PG disabled\n");
    EXPECT_EQ(format_gva2gpa(mem, off, 0x1234), "gpa: 0x1234\n");
}

TEST_F(MonitorPaging, Bits32With4MiBPages) {
    put32(0x1000, 0x2000 | P | W | U);
    put32(0x2000 + 1 * 4, 0x3000 | P | W | U);
    put32(0x1000 + 1 * 4, 0x400000 | P | W | PS);
    PagingRegs regs{CR0_PE | CR0_PG, 0x1000, CR4_PSE, 0};
    EXPECT_EQ(format_info_mem(mem, regs),
              "0000000000001000-0000000000002000 0000000000001000 urw\n"
              "0000000000400000-0000000000800000 0000000000400000 -rw\n");
    EXPECT_EQ(format_info_tlb(mem, regs),
              "0000000000001000: 0000000000003000 -------UW\n"
              "0000000000400000: 0000000000400000 --P-----W\n");
}

TEST_F(MonitorPaging, PaeWithXd) {
    put64(0x1000 + 3 * 8, 0x2000 | P);                        // PDPTE[3]: no R/W or U/S bits
    put64(0x2000 + 511 * 8, 0x600000 | P | W | U | PS | NX);  // 2 MiB at 0xffe00000
    PagingRegs regs{CR0_PE | CR0_PG, 0x1000, CR4_PAE, EFER_NXE};
    EXPECT_EQ(format_info_mem(mem, regs),
              "00000000ffe00000-0000000100000000 0000000000200000 urw\n");
    EXPECT_EQ(format_info_tlb(mem, regs), "00000000ffe00000: 0000000000600000 X-P----UW\n");
}

TEST_F(MonitorPaging, Level5IsSignExtendedFromBit56) {
    put64(0x1000 + 1 * 8, 0x2000 | P | W);    // PML5[1]
    put64(0x2000, 0x3000 | P | W);            // PML4[0]
    put64(0x3000, 0x0 | P | W | PS);          // PDPT[0]: 1 GiB
    put64(0x1000 + 511 * 8, 0x4000 | P | W);  // PML5[511]
    put64(0x4000 + 511 * 8, 0x5000 | P | W);  // PML4[511]
    put64(0x5000 + 511 * 8, 0x0 | P | PS);    // PDPT[511]: 1 GiB, read-only
    PagingRegs regs{CR0_PE | CR0_PG, 0x1000, CR4_PAE | CR4_LA57, EFER_LME | EFER_LMA};
    EXPECT_EQ(format_info_mem(mem, regs),
              "0001000000000000-0001000040000000 0000000040000000 -rw\n"
              "ffffffffc0000000-0000000000000000 0000000040000000 -r-\n");
}

TEST_F(MonitorPaging, Gva2Gpa) {
    PagingRegs regs = level4();
    EXPECT_EQ(format_gva2gpa(mem, regs, 0x1234), "gpa: 0x5234\n");
    EXPECT_EQ(format_gva2gpa(mem, regs, 0x0), "Unmapped\n");
    EXPECT_EQ(format_gva2gpa(mem, regs, 0xffffffff80001234), "gpa: 0x1234\n");
    EXPECT_EQ(format_gva2gpa(mem, regs, 0x0000800000000000), "Unmapped\n");  // non-canonical
}

}  // namespace
}  // namespace svm
