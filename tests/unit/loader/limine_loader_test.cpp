// Loading Limine executables: placement, mappings, the base revision acknowledgement and the
// responses, read back from guest memory with the layouts of PROTOCOL.md (plain offsets here,
// not svm's structs, so a layout mistake shows). limine_responses_test.cpp covers each feature
// in depth.
#include "core/loader/limine_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>

#include "core/loader/kernel_image.h"
#include "core/loader/memory_map.h"
#include "core/x86_64/boot_page_tables.h"
#include "limine_test_fixture.h"
#include "test_images.h"

namespace svm {
namespace {

using namespace test;

using LimineLoaderTest = LimineTest;

TEST_F(LimineLoaderTest, TemplateLikeExecutableLoadsInsteadOfOutsideRam) {
    auto image = load(executable(3, std::vector<Id>{}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "limine");
    EXPECT_EQ(image->mode, CpuMode::Long);
    EXPECT_EQ(image->entry, kLimineBase + 0x10);
    EXPECT_FALSE(image->ebx);
    ASSERT_TRUE(image->limine);
    EXPECT_EQ(image->limine->base_revision, 3u);
}

TEST_F(LimineLoaderTest, SegmentsArePhysicallyContiguousAboveOneMiB) {
    Bytes file = executable(3, std::vector<Id>{});
    auto image = load(file);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(phys(*image, kLimineBase), kLiminePhysicalBase);
    EXPECT_EQ(phys(*image, kLimineBase + 0x1000), kLiminePhysicalBase + 0x1000);
    EXPECT_EQ(peek_bytes(memory_, kLiminePhysicalBase, 0x100), pattern(0x100, 7));
    EXPECT_EQ(u64(kLiminePhysicalBase + 0x3ff8), 0u);  // BSS zeroed
    // The two segments, the copy of the file, then svm's bootloader-reclaimable region.
    ASSERT_EQ(image->loaded.size(), 4u);
    EXPECT_EQ(image->loaded[0].base, kLiminePhysicalBase);
    EXPECT_FALSE(image->loaded[0].is_module);
    const LoadedRange& copy = image->loaded[2];
    EXPECT_TRUE(copy.is_module);
    EXPECT_EQ(copy.base % 4096, 0u);
    EXPECT_EQ(copy.size, file.size());
    const LoadedRange& region = image->loaded.back();
    EXPECT_FALSE(region.is_module);
    EXPECT_EQ(region.base, (copy.base + copy.size + 4095) / 4096 * 4096);
    EXPECT_EQ(region.base, image->limine->page_table_pool);
    EXPECT_EQ(image->limine->page_table_pages, kLiminePageTablePages);
    // Page tables, the parking-loop page, one page of MP information, one 64 KiB stack.
    EXPECT_EQ(region.size, (kLiminePageTablePages + 2) * 4096 + kLimineDefaultStack);
}

TEST_F(LimineLoaderTest, MappingsHoldTheExecutableThenTheHhdmOfTheRevision) {
    auto image = load(executable(3, std::vector<Id>{}));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_GE(image->mappings.size(), 2u);
    EXPECT_EQ(image->mappings[0].vaddr, kLimineBase);
    EXPECT_EQ(image->mappings[0].paddr, kLiminePhysicalBase);
    EXPECT_EQ(image->mappings[1].vaddr, kLimineBase + 0x1000);
    EXPECT_EQ(image->mappings[1].size, 0x3000u);
    EXPECT_EQ(phys(*image, kLimineBase + 0x3fff), kLiminePhysicalBase + 0x3fff);
    // The rest is the HHDM the responses writer fixed, each mapping HHDM + paddr -> paddr.
    const auto& hhdm = image->limine->hhdm;
    ASSERT_FALSE(hhdm.empty());
    ASSERT_EQ(image->mappings.size(), 2 + hhdm.size());
    for (size_t i = 0; i < hhdm.size(); ++i) {
        EXPECT_EQ(image->mappings[2 + i].vaddr, hhdm[i].vaddr);
        EXPECT_EQ(hhdm[i].vaddr, kHhdm + hhdm[i].paddr);
        EXPECT_EQ(hhdm[i].paddr % 4096, 0u);
        EXPECT_EQ(hhdm[i].size % 4096, 0u);
    }
    // Base revision 3 drops the direct map of all of [0, 4 GiB): no mapping spans all RAM.
    for (const auto& m : hhdm) EXPECT_LT(m.size, memory_.size());
}

TEST_F(LimineLoaderTest, RevisionTwoHhdmCoversTheFirstFourGiB) {
    auto image = load(executable(2, std::vector<Id>{}));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_EQ(image->limine->hhdm.size(), 1u);  // 64 MiB of RAM, all below 4 GiB
    EXPECT_EQ(image->limine->hhdm[0].vaddr, kHhdm);
    EXPECT_EQ(image->limine->hhdm[0].paddr, 0u);
    EXPECT_EQ(image->limine->hhdm[0].size, 1ull << 32);
}

TEST_F(LimineLoaderTest, BootPageTablesFitTheLiminePool) {
    for (uint64_t revision : {0, 3, 6}) {
        SCOPED_TRACE(revision);
        auto image = load(executable(revision, std::vector<Id>{}));
        ASSERT_TRUE(image) << image.error().message;
        auto cr3 = build_boot_page_tables(memory_, image->mappings, image->limine->page_table_pool,
                                          image->limine->page_table_pages);
        ASSERT_TRUE(cr3) << cr3.error().message;
        EXPECT_EQ(*cr3, image->limine->page_table_pool);
    }
}

TEST_F(LimineLoaderTest, LowerHalfExecutableIsRefused) {
    Bytes data(0x100, 0);
    poke(data, 0, kRevisionMagic0);
    poke(data, 8, kRevisionMagic1);
    auto file = make_elf64({{0x200000, 0x200000, data, 0x100}}, 0x200000);
    auto image = load(file);
    ASSERT_FALSE(image);
    EXPECT_CONTAINS(image.error().message, "top 2 GiB");
}

TEST_F(LimineLoaderTest, SupportedBaseRevisionIsAcknowledged) {
    auto image = load(executable(3, std::vector<Id>{}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t tag = phys(*image, kLimineBase + 0x1000);
    EXPECT_EQ(u64(tag), kRevisionMagic0);
    EXPECT_EQ(u64(tag + 8), 3u);   // the revision svm booted with
    EXPECT_EQ(u64(tag + 16), 0u);  // supported
}

TEST_F(LimineLoaderTest, UnsupportedBaseRevisionIsRefused) {
    auto image = load(executable(7, std::vector<Id>{}));
    ASSERT_FALSE(image);
    EXPECT_CONTAINS(image.error().message, "base revision 7");
    EXPECT_CONTAINS(image.error().message, "0 to 6");
}

TEST_F(LimineLoaderTest, HhdmBootloaderInfoFirmwarePagingAndAddress) {
    auto image = load(executable(3, {kHhdmReq, kInfo, kFirmware, kPaging, kExecAddr}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t hhdm = response(*image, slot(0));
    ASSERT_NE(hhdm, 0u);
    EXPECT_EQ(u64(hhdm), 0u);  // response revision
    EXPECT_EQ(u64(hhdm + 8), kHhdm);
    uint64_t info = response(*image, slot(1));
    EXPECT_EQ(str(u64(info + 8)), "svm");
    EXPECT_EQ(str(u64(info + 16)), "1");
    EXPECT_EQ(u64(response(*image, slot(2)) + 8), 0u);  // x86 BIOS
    EXPECT_EQ(u64(response(*image, slot(3)) + 8), 0u);  // 4-level
    uint64_t address = response(*image, slot(4));
    EXPECT_EQ(u64(address + 8), kLiminePhysicalBase);
    EXPECT_EQ(u64(address + 16), kLimineBase);
    // Responses lie in svm's boot information area.
    EXPECT_GE(hhdm, image->layout.boot_info);
    EXPECT_LT(hhdm, image->layout.boot_info + kBootInfoSize);
}

TEST_F(LimineLoaderTest, UnknownRequestsAndAFramebufferWithoutDisplayStayNull) {
    auto image = load(executable(3, {Id{0x1234, 0x5678}, kFramebuffer}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(response(*image, slot(0)), 0u);
    EXPECT_EQ(response(*image, slot(1)), 0u);
    EXPECT_FALSE(image->video);
}

TEST_F(LimineLoaderTest, MemoryMapIsSortedAlignedAndTyped) {
    auto image = load(executable(3, {kMemmap}));
    ASSERT_TRUE(image) << image.error().message;
    auto map = memmap_at(response(*image, slot(0)));
    ASSERT_GT(map.size(), 3u);
    uint64_t next = 0;
    for (size_t i = 0; i < map.size(); ++i) {
        const auto& e = map[i];
        EXPECT_EQ(e.base, next) << "entry " << i;  // sorted, contiguous, non-overlapping
        next = e.base + e.length;
        if (e.type == kUsable || e.type == kReclaimable) {
            EXPECT_EQ(e.base % 4096, 0u) << "entry " << i;
            EXPECT_EQ(e.length % 4096, 0u) << "entry " << i;
        }
    }
    EXPECT_EQ(next, memory_.size());
    EXPECT_EQ(type_at(map, kLiminePhysicalBase), kExecutable);
    EXPECT_EQ(type_at(map, image->layout.boot_info), kReclaimable);
    EXPECT_EQ(type_at(map, image->loaded.back().base), kReclaimable);
    // From base revision 3 on, [0, 0x1000) may be usable: svm's base map has RAM there.
    EXPECT_EQ(type_at(map, 0), kUsable);
}

TEST_F(LimineLoaderTest, MemoryMapListsRangesLoadedAfterTheExecutable) {
    auto image = place_kernel("k", executable(3, {kMemmap}), memory_, options_);
    ASSERT_TRUE(image) << image.error().message;
    image->loaded.push_back(LoadedRange{0x1000000, 0x2000, false});  // a --load-file
    image->layout = plan_boot_layout(memory_.size(), image->loaded, 0).value();
    ASSERT_TRUE(write_boot_info(*image, memory_, {}));
    auto map = memmap_at(response(*image, slot(0)));
    bool found = false;
    for (const auto& e : map)
        if (e.base <= 0x1000000 && 0x1002000 <= e.base + e.length) found = e.type == kExecutable;
    EXPECT_TRUE(found);
}

TEST_F(LimineLoaderTest, MemoryMapFunctionKeepsLoadedOverReserved) {
    BootLayout layout;
    std::vector<LoadedRange> loaded{{0x200000, 0x3000, false}};
    auto base = base_memory_map(64 << 20, layout.reserved);
    // Base revision 2: [0, 0x1000) is never usable.
    LimineMapInputs extra;
    extra.base_revision = 2;
    auto map = limine_memory_map(base, loaded, layout, extra);
    ASSERT_FALSE(map.empty());
    EXPECT_EQ(map[0].base, 0u);
    EXPECT_EQ(map[0].type, kReserved);
    EXPECT_EQ(map[0].length, 0x1000u);
    for (size_t i = 1; i < map.size(); ++i) EXPECT_NE(map[i].type, map[i - 1].type);
    auto it = std::ranges::find(map, 0x200000ull, &svm_limine_memmap_entry::base);
    ASSERT_NE(it, map.end());
    EXPECT_EQ(it->type, kExecutable);
    EXPECT_EQ(it->length, 0x3000u);
    // Base revision 3: the same page is usable.
    extra.base_revision = 3;
    map = limine_memory_map(base, loaded, layout, extra);
    EXPECT_EQ(map[0].base, 0u);
    EXPECT_EQ(map[0].type, kUsable);
}

TEST_F(LimineLoaderTest, ExecutableFileAndDate) {
    options_.cmdline = "quiet";
    Bytes file = executable(3, {kExecFile, kDate});
    auto image = load(file);
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    uint64_t f = from_hhdm(u64(resp + 8));
    uint64_t contents = from_hhdm(u64(f + 8));
    EXPECT_EQ(contents % 4096, 0u);
    EXPECT_EQ(u64(f + 16), file.size());
    // The copy is the file as it was (the base revision tag not yet acknowledged in it).
    EXPECT_EQ(peek_bytes(memory_, contents, file.size()), file);
    // "File Structure": the path within the volume, which is the kernel's host directory.
    EXPECT_EQ(str(u64(f + 24)), "/kernel");
    EXPECT_EQ(str(u64(f + 32)), "quiet");
    int64_t date = peek<int64_t>(memory_, response(*image, slot(1)) + 8);
    EXPECT_LE(std::abs(date - static_cast<int64_t>(std::time(nullptr))), 60);
}

TEST_F(LimineLoaderTest, RsdpIsTheMachinesRsdpPhysicalInRevisionThree) {
    Bytes file = executable(3, {kRsdp});
    auto image = load_with_rsdp(file, 0xF5A20);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(u64(response(*image, slot(0)) + 8), 0xF5A20u);
}

TEST_F(LimineLoaderTest, EntryPointRequestMovesTheEntry) {
    auto image = load(executable(3, {kEntry}, {0, 0, kLimineBase + 0x40}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->entry, kLimineBase + 0x40);
    EXPECT_NE(response(*image, slot(0)), 0u);
    auto bad = load(executable(3, {kEntry}, {0, 0, 0x1000}));
    ASSERT_FALSE(bad);
    EXPECT_CONTAINS(bad.error().message, "outside every loaded segment");
}

TEST_F(LimineLoaderTest, StackSizeRequestIsAlwaysAnswered) {
    for (uint64_t size : {0x4000ull, 0x100000ull}) {
        SCOPED_TRACE(size);
        auto image = load(executable(3, {kStack}, {0, 0, size}));
        ASSERT_TRUE(image) << image.error().message;
        uint64_t resp = response(*image, slot(0));
        ASSERT_NE(resp, 0u);
        EXPECT_EQ(u64(resp), 0u);  // response revision
        // svm's stacks have the requested size, at least 64 KiB.
        EXPECT_EQ(image->loaded.back().size,
                  (kLiminePageTablePages + 2) * 4096 + std::max<uint64_t>(size, 0x10000));
    }
}

TEST_F(LimineLoaderTest, FiveLevelPagingMinimumIsRefusedWithoutLa57) {
    options_.la57 = false;
    auto image = load(executable(3, {kPaging}, {1, 0, 1, 1, 1}));
    ASSERT_FALSE(image);
    EXPECT_CONTAINS(image.error().message, "no 5-level paging (LA57)");
}

TEST_F(LimineLoaderTest, FiveLevelPagingWhereTheCpuHasIt) {
    // A revision 1 paging mode request (the last slot): mode 1 preferred, max 1, min 0.
    constexpr uint64_t kHhdm5 = 0xff00000000000000ull;
    options_.la57 = true;
    auto image = load(executable(3, {kHhdmReq, kPaging}, {1, 0, 1, 1, 0}));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_TRUE(image->limine);
    EXPECT_EQ(image->limine->paging_levels, 5);
    const uint64_t paging_response = u64(phys(*image, slot(1)) + 40);
    ASSERT_GE(paging_response, kHhdm5);
    EXPECT_EQ(u64(paging_response - kHhdm5 + 8), 1u);  // 5-level
    // The HHDM moves to the 57-bit higher half; the response says so.
    const uint64_t hhdm_response = u64(phys(*image, slot(0)) + 40);
    ASSERT_GE(hhdm_response, kHhdm5);
    EXPECT_EQ(u64(hhdm_response - kHhdm5 + 8), kHhdm5);
    EXPECT_GE(image->limine->rsp, kHhdm5);
    // The page tables are 5-level: the page walker finds the executable and the HHDM through them.
    auto cr3 = build_boot_page_tables(memory_, image->mappings, image->limine->page_table_pool,
                                      image->limine->page_table_pages, 5);
    ASSERT_TRUE(cr3) << cr3.error().message;
    PagingRegs regs{};
    regs.cr0 = 0x80010011;
    regs.cr3 = *cr3;
    regs.cr4 = 0x20 | (1u << 12);
    regs.efer = 0xd00;
    auto t = translate(memory_, regs, kHhdm5 + image->layout.boot_info);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->gpa, image->layout.boot_info);
    EXPECT_EQ(t->mode, PagingMode::Level5);
    auto k = translate(memory_, regs, kLimineBase + 0x1000);
    ASSERT_TRUE(k) << k.error().message;
    EXPECT_EQ(k->gpa, kLiminePhysicalBase + 0x1000);
    // Without LA57 the same request gets 4-level paging.
    options_.la57 = false;
    memory_ = test::garbage_memory();
    auto four = load(executable(3, {kHhdmReq, kPaging}, {1, 0, 1, 1, 0}));
    ASSERT_TRUE(four) << four.error().message;
    EXPECT_EQ(four->limine->paging_levels, 4);
    EXPECT_EQ(u64(response(*four, slot(1)) + 8), 0u);
}

TEST_F(LimineLoaderTest, ModulesGetFileResponses) {
    options_.modules.push_back({write_temp_file("limine_mod", pattern(100, 4)), "ignored"});
    options_.modules.back().args = options_.modules.back().path + " arg=1";
    auto image = load(executable(3, {kModule}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_EQ(u64(resp + 8), 1u);
    uint64_t f = from_hhdm(u64(from_hhdm(u64(resp + 16))));
    EXPECT_EQ(peek_bytes(memory_, from_hhdm(u64(f + 8)), 100), pattern(100, 4));
    EXPECT_EQ(str(u64(f + 32)), "arg=1");
}

}  // namespace
}  // namespace svm
