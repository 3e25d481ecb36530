// The placement allocator: svm's areas keep their documented addresses when free, move around
// every loaded range that covers them, and never overlap what was loaded.
#include "core/loader/boot_layout.h"

#include <gtest/gtest.h>

#include <vector>

namespace svm {
namespace {

constexpr uint64_t kRam = 64ull << 20;

struct Area {
    const char* name;
    uint64_t base, size;
};

// Every range svm writes for `layout` (the BIOS-area structures included).
std::vector<Area> written(const BootLayout& l) {
    std::vector<Area> out{{"stack", l.stack_base, kBootStackSize},
                          {"machine table", l.machine_table, SVM_MACHINE_TABLE_MAX},
                          {"gdt", l.gdt, kBootGdtSize},
                          {"boot info", l.boot_info, kBootInfoSize},
                          {"acpi", l.acpi, kAcpiAreaSize},
                          {"page tables", l.page_tables, kBootPageTablePages * 0x1000}};
    if (l.bda) out.push_back({"bda", kBdaAddr, kBdaSize});
    if (l.ebda) out.push_back({"ebda", *l.ebda, kEbdaSize});
    if (l.rsdp_copy) out.push_back({"rsdp copy", *l.rsdp_copy, 36});
    if (l.mp_floating) out.push_back({"mp floating", *l.mp_floating, 16});
    if (l.mp_config) out.push_back({"mp config", *l.mp_config, l.mp_config_size});
    return out;
}

bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs) {
    return a < b + bs && b < a + as;
}

// Nothing svm writes overlaps a loaded range or another area, everything is in RAM, and every
// area is inside a reserved range of the layout.
void expect_disjoint(const BootLayout& l, const std::vector<LoadedRange>& loaded) {
    auto areas = written(l);
    for (size_t i = 0; i < areas.size(); ++i) {
        const auto& a = areas[i];
        EXPECT_LE(a.base + a.size, kRam) << a.name;
        for (const auto& r : loaded)
            EXPECT_FALSE(overlap(a.base, a.size, r.base, r.size))
                << a.name << " at " << std::hex << a.base << " overlaps loaded " << r.base;
        for (size_t j = i + 1; j < areas.size(); ++j)
            EXPECT_FALSE(overlap(a.base, a.size, areas[j].base, areas[j].size))
                << a.name << " overlaps " << areas[j].name;
        if (a.name == std::string("bda")) continue;  // the BDA stays RAM, as BIOSes report it
        bool covered = false;
        for (const auto& r : l.reserved)
            covered |= r.base <= a.base && a.base + a.size <= r.base + r.length;
        EXPECT_TRUE(covered) << a.name << " is not reserved in the maps";
    }
}

TEST(BootLayout, NothingLoadedKeepsTheDocumentedAddresses) {
    auto l = plan_boot_layout(kRam, {}, 300).value();
    EXPECT_EQ(l.stack_base, SVM_RESERVED_START);
    EXPECT_EQ(l.stack_top, SVM_BOOT_STACK_TOP);
    EXPECT_EQ(l.machine_table, SVM_MACHINE_TABLE_ADDR);
    EXPECT_EQ(l.gdt, SVM_GDT_ADDR);
    EXPECT_EQ(l.boot_info, SVM_BOOT_INFO_ADDR);
    EXPECT_EQ(l.acpi, SVM_ACPI_ADDR);
    EXPECT_EQ(l.page_tables, SVM_PAGE_TABLES_ADDR);
    EXPECT_EQ(l.ebda, SVM_EBDA_ADDR);
    EXPECT_TRUE(l.bda);
    EXPECT_EQ(l.rsdp_copy, 0xF0000u);
    EXPECT_EQ(l.mp_floating, 0xF0030u);
    EXPECT_EQ(l.mp_config, 0xF0040u);
    ASSERT_EQ(l.reserved.size(), 1u);  // [0x70000, 1 MiB), as before the allocator existed
    EXPECT_EQ(l.reserved[0].base, 0x70000u);
    EXPECT_EQ(l.reserved[0].length, 0x90000u);
    expect_disjoint(l, {});
}

// One kernel segment on each region svm used to own: only the areas it covers move.
TEST(BootLayout, ASegmentOnEachOfSvmsRegionsMovesOnlyThatArea) {
    struct Case {
        uint64_t base;
        uint64_t BootLayout::*moved;
    };
    const Case cases[] = {{0x70000, &BootLayout::stack_base}, {0x80000, &BootLayout::machine_table},
                          {0x82000, &BootLayout::gdt},        {0x83000, &BootLayout::boot_info},
                          {0x90000, &BootLayout::acpi},       {0x91000, &BootLayout::page_tables}};
    for (const auto& c : cases) {
        std::vector<LoadedRange> loaded{{c.base, 0x800, false}};
        auto l = plan_boot_layout(kRam, loaded, 300).value();
        BootLayout defaults;
        EXPECT_NE(l.*c.moved, defaults.*c.moved) << std::hex << c.base;
        for (auto field : {&BootLayout::stack_base, &BootLayout::machine_table, &BootLayout::gdt,
                           &BootLayout::boot_info, &BootLayout::acpi, &BootLayout::page_tables})
            if (field != c.moved) {
                EXPECT_EQ(l.*field, defaults.*field) << std::hex << c.base;
            }
        // The first free low RAM: page 0x1000.
        EXPECT_EQ(l.*c.moved, 0x1000u) << std::hex << c.base;
        expect_disjoint(l, loaded);
    }
}

TEST(BootLayout, GnuLdHeadersAtFF000LeaveEverythingInPlace) {
    std::vector<LoadedRange> loaded{{0xFF000, 0xB4, false}, {0x100000, 0x3000, false}};
    auto l = plan_boot_layout(kRam, loaded, 300).value();
    EXPECT_EQ(l.machine_table, SVM_MACHINE_TABLE_ADDR);
    EXPECT_EQ(l.rsdp_copy, 0xF0000u);
    expect_disjoint(l, loaded);
}

TEST(BootLayout, AFlatImageFrom500ToTheHoleMovesEverythingAboveTheImage) {
    // A 0x9F700-byte image at 0x500 covers all low RAM: svm's areas go above 1 MiB (the EBDA
    // is taken too), the BDA is free, the BIOS-area tables stay in 0xF0000.
    std::vector<LoadedRange> loaded{{0x500, 0x9FB00 - 0x500, false}};
    auto l = plan_boot_layout(kRam, loaded, 300).value();
    EXPECT_GE(l.stack_base, 0x100000u);
    EXPECT_GE(l.machine_table, 0x100000u);
    EXPECT_EQ(l.ebda, SVM_EBDA_ADDR);  // 0x9FC00 is still free
    expect_disjoint(l, loaded);
}

TEST(BootLayout, KernelAt500AndModulesAndLoadFilesAllAvoided) {
    std::vector<LoadedRange> loaded{{0x500, 0x6FB00, false},    // kernel up to 0x70000
                                    {0x70000, 0x30000, false},  // a --load-file over svm's window
                                    {0x100000, 0x5000, false},
                                    {0x105000, 0x2000, true}};  // a module
    auto l = plan_boot_layout(kRam, loaded, 300).value();
    EXPECT_FALSE(l.ebda);  // the load file covers 0x9FC00
    EXPECT_TRUE(l.bda);    // the kernel starts where the BDA ends
    expect_disjoint(l, loaded);
    // Above the highest loaded byte, page-aligned.
    EXPECT_GE(l.stack_base, 0x107000u);
}

TEST(BootLayout, BootSectorAtZeroDisplacesTheBda) {
    std::vector<LoadedRange> loaded{{0x0, 0x600, false}};
    auto l = plan_boot_layout(kRam, loaded, 300).value();
    EXPECT_FALSE(l.bda);
    EXPECT_EQ(l.stack_base, SVM_RESERVED_START);
    expect_disjoint(l, loaded);
}

TEST(BootLayout, BiosAreaTablesMoveAroundSegmentsInTheFSegment) {
    std::vector<LoadedRange> loaded{{0xF0000, 0x100, false}, {0xE0000, 0x10, false}};
    auto l = plan_boot_layout(kRam, loaded, 300).value();
    ASSERT_TRUE(l.rsdp_copy && l.mp_floating && l.mp_config);
    EXPECT_EQ(*l.rsdp_copy % 16, 0u);
    EXPECT_GE(*l.mp_floating, 0xF0000u);  // MP spec 4: the pointer must be in the F segment
    EXPECT_EQ(*l.mp_floating % 16, 0u);
    expect_disjoint(l, loaded);
}

TEST(BootLayout, AFullBiosAreaSkipsItsTablesButBootsAnyway) {
    std::vector<LoadedRange> loaded{{0xE0000, 0x20000, false}};
    auto l = plan_boot_layout(kRam, loaded, 300).value();
    EXPECT_FALSE(l.rsdp_copy);
    EXPECT_FALSE(l.mp_floating);
    EXPECT_FALSE(l.mp_config);
    expect_disjoint(l, loaded);
}

TEST(BootLayout, NoRoomAnywhereNamesTheArea) {
    // 2 MiB of RAM, all of it loaded except the VGA window.
    std::vector<LoadedRange> loaded{{0x0, 0xA0000, false}, {0xC0000, 0x140000, false}};
    auto l = plan_boot_layout(2 << 20, loaded, 300);
    ASSERT_FALSE(l);
    EXPECT_NE(l.error().message.find("no room for svm's boot stack"), std::string::npos)
        << l.error().message;
}

TEST(BootAreaAllocator, TakeInHonoursAlignmentAndBounds) {
    std::vector<LoadedRange> loaded{{0x1000, 0x1001, false}};
    BootAreaAllocator a(kRam, loaded);
    EXPECT_EQ(a.take_in(0x1000, 0x4000, 0x1000, 0x10, 16), 0x2010u);
    EXPECT_EQ(a.take_in(0x1000, 0x4000, 0x1000, 0x10, 16), 0x2020u);
    EXPECT_FALSE(a.take_in(0x1000, 0x2000, 0x1000, 0x10, 16));
    EXPECT_FALSE(a.is_free(0x2010, 1));
    EXPECT_TRUE(a.is_free(0x2030, 1));
}

}  // namespace
}  // namespace svm
