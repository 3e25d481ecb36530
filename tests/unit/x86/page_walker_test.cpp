#include "core/x86_64/page_walker.h"

#include <gtest/gtest.h>

#include <array>

namespace svm {
namespace {

using namespace x86;

constexpr uint64_t P = 1, W = 2, U = 4, PS = 0x80, NX = 1ull << 63;

class PageWalker : public ::testing::Test {
protected:
    void put32(uint64_t gpa, uint32_t value) { ASSERT_TRUE(mem.write_obj(gpa, value)); }
    void put64(uint64_t gpa, uint64_t value) { ASSERT_TRUE(mem.write_obj(gpa, value)); }
    Translation ok(const PagingRegs& regs, uint64_t linear) {
        auto t = translate(mem, regs, linear);
        EXPECT_TRUE(t) << t.error().message;
        return t ? *t : Translation{};
    }
    std::string fails(const PagingRegs& regs, uint64_t linear) {
        auto t = translate(mem, regs, linear);
        EXPECT_FALSE(t) << "linear " << std::hex << linear << " translated to " << t->gpa;
        return t ? std::string() : t.error().message;
    }

    // 4-level tables: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000, plus a higher-half branch.
    PagingRegs level4() {
        put64(0x1000, 0x2000 | P | W | U);
        put64(0x2000, 0x3000 | P | W | U);
        put64(0x3000, 0x4000 | P | W | U);
        put64(0x4000 + 2 * 8, 0x8000 | P | W);
        put64(0x4000 + 4 * 8, 0x7FF0'0000'0000'A000ull | P | W);  // ignored/PK bits set
        put64(0x4000 + 5 * 8, 0xB000 | P);
        put64(0x4000 + 6 * 8, 0xD000 | P | W);
        put64(0x3000 + 1 * 8, 0x200000 | PS | P | W | U);
        put64(0x3000 + 3 * 8, 0x1000'0000 | P | W);  // a page table outside RAM
        put64(0x2000 + 1 * 8, 0x4000'0000 | PS | P | W | U);
        put64(0x1000 + 0x1ff * 8, 0x5000 | P | W);
        put64(0x5000 + 0x1fe * 8, 0x6000 | P | W);
        put64(0x6000, 0x7000 | P | W);
        put64(0x7000, 0x9000 | P | NX);
        return {CR0_PE | CR0_PG, 0x1000, CR4_PAE, EFER_LME | EFER_LMA | EFER_NXE};
    }

    GuestMemory mem = GuestMemory::create(8 << 20).value();
};

TEST_F(PageWalker, ModeSelection) {
    EXPECT_EQ(paging_mode({CR0_PE, 0, CR4_PAE, 0}), PagingMode::None);
    EXPECT_EQ(paging_mode({CR0_PE | CR0_PG, 0, CR4_PSE, 0}), PagingMode::Bits32);
    EXPECT_EQ(paging_mode({CR0_PE | CR0_PG, 0, CR4_PAE, 0}), PagingMode::Pae);
    EXPECT_EQ(paging_mode({CR0_PE | CR0_PG, 0, CR4_PAE, EFER_LMA}), PagingMode::Level4);
    EXPECT_EQ(paging_mode({CR0_PE | CR0_PG, 0, CR4_PAE | CR4_LA57, EFER_LMA}), PagingMode::Level5);
    CpuState s;
    s.cr0 = 1;
    s.cr3 = 2;
    s.cr4 = 3;
    s.efer = 4;
    auto regs = PagingRegs::from(s);
    EXPECT_EQ(regs.cr0, 1u);
    EXPECT_EQ(regs.cr3, 2u);
    EXPECT_EQ(regs.cr4, 3u);
    EXPECT_EQ(regs.efer, 4u);
}

TEST_F(PageWalker, PagingOffIsIdentityTruncatedTo32Bits) {
    auto t = ok({CR0_PE, 0, 0, 0}, 0x1'0000'1234);
    EXPECT_EQ(t.gpa, 0x1234u);
    EXPECT_TRUE(t.steps.empty());
    EXPECT_EQ(describe_walk(t), "paging off: linear 0x1234 = physical 0x1234\n");
}

TEST_F(PageWalker, Bits32With4KAnd4MPages) {
    put32(0x1000, 0x2000 | P | W | U);
    put32(0x2000 + 5 * 4, 0x7000 | P | U);
    put32(0x1000 + 1 * 4, 0x400000 | PS | P | W);
    put32(0x1000 + 2 * 4, 0x400000 | (0x3 << 13) | PS | P);  // PSE-36: physical bits 33:32 = 3
    PagingRegs regs{CR0_PE | CR0_PG, 0x1000, CR4_PSE, 0};

    auto t = ok(regs, 0x5123);
    EXPECT_EQ(t.gpa, 0x7123u);
    EXPECT_EQ(t.page_size, 4096u);
    EXPECT_FALSE(t.writable);
    EXPECT_TRUE(t.user);
    EXPECT_TRUE(t.executable);
    ASSERT_EQ(t.steps.size(), 2u);
    EXPECT_EQ(t.steps[0].level, 2);
    EXPECT_EQ(t.steps[0].entry_gpa, 0x1000u);
    EXPECT_EQ(t.steps[1].level, 1);
    EXPECT_EQ(t.steps[1].entry_gpa, 0x2014u);
    EXPECT_EQ(t.steps[1].entry, 0x7005u);

    t = ok(regs, 0x412345);
    EXPECT_EQ(t.gpa, 0x412345u);
    EXPECT_EQ(t.page_size, 4u << 20);
    EXPECT_TRUE(t.writable);
    EXPECT_FALSE(t.user);
    EXPECT_EQ(ok(regs, 0x812345).gpa, 0x3'0041'2345u);
    // Bits 63:32 of the linear address are dropped outside long mode.
    EXPECT_EQ(ok(regs, 0xABCD'0000'0000'5123).gpa, 0x7123u);

    EXPECT_NE(fails(regs, 0xC000'0000).find("PDE[0x300] @0x1c00 = 0x0 is not present"),
              std::string::npos);
    EXPECT_NE(fails(regs, 0x6000).find("PTE[0x6]"), std::string::npos);
    // Without CR4.PSE the PS bit is ignored and the PDE points to a page table (empty here).
    regs.cr4 = 0;
    EXPECT_NE(fails(regs, 0x412345).find("PTE[0x12]"), std::string::npos);
}

TEST_F(PageWalker, PaeWith4KAnd2MPagesAndNx) {
    put64(0x1020, 0x2000 | P);  // PDPT at CR3[31:5] = 0x1020, not page-aligned
    put64(0x1038, 0x3000 | P);
    put64(0x2000, 0x4000 | P | W);
    put64(0x4008, 0x9000 | P | W | NX);
    put64(0x3000 + 0x1ff * 8, 0x600000 | PS | P | W | U);
    PagingRegs regs{CR0_PE | CR0_PG, 0x1020, CR4_PAE, EFER_NXE};

    auto t = ok(regs, 0x1abc);
    EXPECT_EQ(t.gpa, 0x9abcu);
    EXPECT_FALSE(t.executable);
    EXPECT_TRUE(t.writable);
    ASSERT_EQ(t.steps.size(), 3u);
    EXPECT_EQ(t.steps[0].level, 3);
    EXPECT_EQ(t.steps[0].entry_gpa, 0x1020u);
    regs.efer = 0;  // XD is only honoured with EFER.NXE
    EXPECT_TRUE(ok(regs, 0x1abc).executable);

    t = ok(regs, 0xFFE0'1234);
    EXPECT_EQ(t.gpa, 0x601234u);
    EXPECT_EQ(t.page_size, 2u << 20);
    EXPECT_EQ(t.steps[0].entry_gpa, 0x1038u);
    EXPECT_NE(fails(regs, 0x4000'0000).find("PDPTE[0x1] @0x1028"), std::string::npos);
    EXPECT_NE(fails(regs, 0x20'0000).find("PDE[0x1] @0x2008"), std::string::npos);
}

TEST_F(PageWalker, Level4With4K2MAnd1GPages) {
    auto regs = level4();
    auto t = ok(regs, 0x2010);
    EXPECT_EQ(t.gpa, 0x8010u);
    EXPECT_EQ(t.page_size, 4096u);
    EXPECT_TRUE(t.writable);
    EXPECT_FALSE(t.user);
    EXPECT_TRUE(t.executable);
    ASSERT_EQ(t.steps.size(), 4u);
    EXPECT_EQ(t.steps[3].entry_gpa, 0x4010u);

    t = ok(regs, 0x200005);
    EXPECT_EQ(t.gpa, 0x200005u);
    EXPECT_EQ(t.page_size, 2u << 20);
    EXPECT_TRUE(t.user);
    EXPECT_EQ(t.steps.size(), 3u);

    t = ok(regs, 0x4012'3456);
    EXPECT_EQ(t.gpa, 0x4012'3456u);
    EXPECT_EQ(t.page_size, 1u << 30);
    EXPECT_EQ(t.steps.size(), 2u);

    // Bits 62:52 of an entry are not address bits.
    EXPECT_EQ(ok(regs, 0x4abc).gpa, 0xAabcu);

    t = ok(regs, 0xFFFF'FFFF'8000'0123);
    EXPECT_EQ(t.gpa, 0x9123u);
    EXPECT_FALSE(t.executable);
    EXPECT_FALSE(t.writable);
    EXPECT_EQ(t.steps[0].index, 0x1ffu);
    EXPECT_EQ(t.steps[1].index, 0x1feu);
}

TEST_F(PageWalker, Level4NotPresentAtEachLevelAndBadAddresses) {
    auto regs = level4();
    EXPECT_NE(fails(regs, 0x80'0000'0000).find("PML4E[0x1] @0x1008 = 0x0 is not present"),
              std::string::npos);
    EXPECT_NE(fails(regs, 0x8000'0000).find("PDPTE[0x2] @0x2010"), std::string::npos);
    EXPECT_NE(fails(regs, 0x40'0000).find("PDE[0x2] @0x3010"), std::string::npos);
    EXPECT_NE(fails(regs, 0x3000).find("PTE[0x3] @0x4018"), std::string::npos);
    EXPECT_NE(fails(regs, 0x8000'0000'0000).find("not canonical"), std::string::npos);
    EXPECT_NE(fails(regs, 0x60'0000).find("outside guest RAM"), std::string::npos);
    // A CR3 outside RAM is a translation error too, never a crash.
    regs.cr3 = 0xFFFF'F000;
    EXPECT_NE(fails(regs, 0).find("PML4E[0x0] at physical 0xfffff000 lies outside guest RAM"),
              std::string::npos);
}

TEST_F(PageWalker, Level5) {
    put64(0x1000 + 1 * 8, 0x2000 | P | W);
    put64(0x2000, 0x3000 | P | W);
    put64(0x3000, 0x4000 | P | W);
    put64(0x4000, 0x5000 | P | W);
    put64(0x5000, 0x6000 | P | W);
    PagingRegs regs{CR0_PE | CR0_PG, 0x1000, CR4_PAE | CR4_LA57, EFER_LME | EFER_LMA};
    auto t = ok(regs, 0x0001'0000'0000'0042);
    EXPECT_EQ(t.gpa, 0x6042u);
    ASSERT_EQ(t.steps.size(), 5u);
    EXPECT_EQ(t.steps[0].level, 5);
    EXPECT_EQ(t.steps[0].index, 1u);
    EXPECT_NE(fails(regs, 0x0100'0000'0000'0000).find("not canonical for 5-level"),
              std::string::npos);
    EXPECT_NE(fails(regs, 0).find("PML5E[0x0]"), std::string::npos);
    // The same address is not canonical with 4-level paging.
    regs.cr4 = CR4_PAE;
    EXPECT_FALSE(translate(mem, regs, 0x0001'0000'0000'0042));
}

TEST_F(PageWalker, DescribeWalk) {
    auto regs = level4();
    EXPECT_EQ(describe_walk(ok(regs, 0x2010)),
              "PML4E[0x0] @0x1000 = 0x2007 P W U\n"
              "PDPTE[0x0] @0x2000 = 0x3007 P W U\n"
              "PDE[0x0] @0x3000 = 0x4007 P W U\n"
              "PTE[0x2] @0x4010 = 0x8003 P W\n"
              "=> 4 KiB page, linear 0x2010 -> physical 0x8010 (W S X)\n");
    EXPECT_EQ(describe_walk(ok(regs, 0xFFFF'FFFF'8000'0000)),
              "PML4E[0x1ff] @0x1ff8 = 0x5003 P W\n"
              "PDPTE[0x1fe] @0x5ff0 = 0x6003 P W\n"
              "PDE[0x0] @0x6000 = 0x7003 P W\n"
              "PTE[0x0] @0x7000 = 0x8000000000009001 P NX\n"
              "=> 4 KiB page, linear 0xffffffff80000000 -> physical 0x9000 (R S NX)\n");
    EXPECT_NE(describe_walk(ok(regs, 0x4000'0000)).find("PDPTE[0x1] @0x2008 = 0x40000087 P W U PS"),
              std::string::npos);
}

TEST_F(PageWalker, ReadLinearAcrossPagesAndPartial) {
    auto regs = level4();
    // Linear 0x5ffe..0x6001 spans two pages at non-adjacent physical 0xBffe and 0xD000.
    put32(0xBffc, 0x4433'2211);
    put32(0xD000, 0x8877'6655);
    std::array<uint8_t, 4> four{};
    EXPECT_EQ(read_linear(mem, regs, 0x5ffe, four).value(), 4u);
    EXPECT_EQ(four, (std::array<uint8_t, 4>{0x33, 0x44, 0x55, 0x66}));

    // Linear 0x2ff8..0x3007: the second page (PTE[3]) is not present: 8 bytes read.
    put64(0x8ff8, 0x0807'0605'0403'0201);
    std::array<uint8_t, 16> sixteen{};
    EXPECT_EQ(read_linear(mem, regs, 0x2ff8, sixteen).value(), 8u);
    EXPECT_EQ(sixteen[0], 1);
    EXPECT_EQ(sixteen[7], 8);
    EXPECT_EQ(sixteen[8], 0);

    auto none = read_linear(mem, regs, 0x3000, four);
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("PTE[0x3]"), std::string::npos);
    // A page outside RAM (the 1 GiB page at 1 GiB) reads nothing.
    auto outside = read_linear(mem, regs, 0x4000'0000, four);
    ASSERT_FALSE(outside);
    EXPECT_NE(outside.error().message.find("outside guest RAM"), std::string::npos);
    EXPECT_EQ(read_linear(mem, regs, 0x3000, std::span<uint8_t>()).value(), 0u);
}

TEST_F(PageWalker, WriteLinearIgnoresReadOnlyAndStopsAtUnmapped) {
    auto regs = level4();
    const std::array<uint8_t, 4> data{0xde, 0xad, 0xbe, 0xef};
    // PTE[5] (0xB000) is read-only: the debugger writes anyway.
    EXPECT_EQ(write_linear(mem, regs, 0x5ffe, data).value(), 4u);
    EXPECT_EQ(mem.read_obj<uint16_t>(0xBffe).value(), 0xadde);
    EXPECT_EQ(mem.read_obj<uint16_t>(0xD000).value(), 0xefbe);
    EXPECT_EQ(write_linear(mem, regs, 0x2ffe, data).value(), 2u);
    EXPECT_EQ(mem.read_obj<uint16_t>(0x8ffe).value(), 0xadde);
    EXPECT_FALSE(write_linear(mem, regs, 0x3000, data));
}

}  // namespace
}  // namespace svm
