// Loading Limine executables: placement, mappings, the base revision acknowledgement and the
// responses, read back from guest memory with the layouts of PROTOCOL.md (plain offsets here,
// not svm's structs, so a layout mistake shows).
#include "core/loader/limine_loader.h"

#include <gtest/gtest.h>

#include <ctime>

#include "core/loader/kernel_image.h"
#include "core/loader/memory_map.h"
#include "core/x86_64/boot_page_tables.h"
#include "test_images.h"

namespace svm {
namespace {

using test::Bytes;
using test::peek;

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

constexpr uint64_t kBase = 0xffffffff80000000ull;
constexpr uint64_t kHhdm = 0xffff800000000000ull;
constexpr uint64_t kMagic0 = 0xc7b1dd30df4c8b88ull, kMagic1 = 0x0a82e883a194f07bull;

struct Id {
    uint64_t a, b;
};
constexpr Id kInfo{0xf55038d8e2a1202full, 0x279426fcf5f59740ull};
constexpr Id kHhdmReq{0x48dcf1cb8ad2b852ull, 0x63984e959a98244bull};
constexpr Id kMemmap{0x67cf3d9d378a806full, 0xe304acdfc50c3c62ull};
constexpr Id kExecAddr{0x71ba76863cc55f63ull, 0xb2644a48c516a487ull};
constexpr Id kExecFile{0xad97e90e83f1ed67ull, 0x31eb5d1c5ff23b69ull};
constexpr Id kFirmware{0x8c2f75d90bef28a8ull, 0x7045a4688eac00c3ull};
constexpr Id kPaging{0x95c1a0edab0944cbull, 0xa4e5cb3842f7488aull};
constexpr Id kDate{0x502746e184c088aaull, 0xfbc5ec83e6327893ull};
constexpr Id kRsdp{0xc5e77b6b397e7b43ull, 0x27637845accdcf3cull};
constexpr Id kEntry{0x13d86c035a1cd3e1ull, 0x2b0caa89d8f3026aull};
constexpr Id kStack{0x224ef0460a8e8926ull, 0xe1cb0fc25f46ea3dull};
constexpr Id kFramebuffer{0x9d5827dcd881dd75ull, 0xa3148604f6fab11bull};

// A template-like executable: .text at 0xffffffff80000000 (entry +0x10), .data on the next
// page holding the base revision tag at +0 and one 0x50-byte request slot per id from +0x40,
// then BSS.
class LimineLoaderTest : public ::testing::Test {
protected:
    Bytes executable(std::optional<uint64_t> revision, const std::vector<Id>& ids,
                     std::vector<uint64_t> extra = {}) {
        Bytes data(0x40 + 0x50 * ids.size(), 0);
        if (revision) {
            test::poke(data, 0, 0xf9562b2d5c95a6c8ull);
            test::poke(data, 8, 0x6a7b384944536bdcull);
            test::poke(data, 16, *revision);
        }
        for (size_t i = 0; i < ids.size(); ++i) {
            size_t off = 0x40 + 0x50 * i;
            test::poke(data, off, kMagic0);
            test::poke(data, off + 8, kMagic1);
            test::poke(data, off + 16, ids[i].a);
            test::poke(data, off + 24, ids[i].b);
            for (size_t j = 0; j < extra.size() && i == ids.size() - 1; ++j)
                test::poke(data, off + 32 + 8 * j, extra[j]);  // revision, response, fields
        }
        std::vector<test::TestSegment> segments{
            {kBase, 0x1000, test::pattern(0x100, 7), 0x100},
            {kBase + 0x1000, 0x2000, data, 0x3000},
        };
        return test::make_elf64(segments, kBase + 0x10);
    }
    // The guest-virtual address of request slot `i` (of .data).
    static uint64_t slot(size_t i) { return kBase + 0x1000 + 0x40 + 0x50 * i; }

    Result<KernelImage> load(const Bytes& file) {
        return load_kernel("/boot/kernel", file, memory_, options_);
    }
    // The physical address of a guest-virtual one, through the image's mappings.
    uint64_t phys(const KernelImage& image, uint64_t vaddr) const {
        for (const auto& m : image.mappings)
            if (vaddr >= m.vaddr && vaddr - m.vaddr < m.size) return m.paddr + vaddr - m.vaddr;
        ADD_FAILURE() << "unmapped " << std::hex << vaddr;
        return 0;
    }
    // The response pointer of the request at `vaddr`, as a physical address (0 if NULL).
    uint64_t response(const KernelImage& image, uint64_t vaddr) const {
        uint64_t pointer = peek<uint64_t>(memory_, phys(image, vaddr) + 40);
        if (pointer == 0) return 0;
        EXPECT_GE(pointer, kHhdm);
        return pointer - kHhdm;
    }
    uint64_t u64(uint64_t gpa) const { return peek<uint64_t>(memory_, gpa); }

    GuestMemory memory_ = test::garbage_memory();
    LoadOptions options_;
};

TEST_F(LimineLoaderTest, TemplateLikeExecutableLoadsInsteadOfOutsideRam) {
    auto image = load(executable(3, {}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "limine");
    EXPECT_EQ(image->mode, CpuMode::Long);
    EXPECT_EQ(image->entry, kBase + 0x10);
    EXPECT_FALSE(image->ebx);
}

TEST_F(LimineLoaderTest, SegmentsArePhysicallyContiguousAboveOneMiB) {
    auto image = load(executable(3, {}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(phys(*image, kBase), kLiminePhysicalBase);
    EXPECT_EQ(phys(*image, kBase + 0x1000), kLiminePhysicalBase + 0x1000);
    EXPECT_EQ(test::peek_bytes(memory_, kLiminePhysicalBase, 0x100), test::pattern(0x100, 7));
    EXPECT_EQ(u64(kLiminePhysicalBase + 0x3ff8), 0u);  // BSS zeroed
    ASSERT_GE(image->loaded.size(), 3u);               // two segments, the file copy
    EXPECT_EQ(image->loaded[0].base, kLiminePhysicalBase);
    EXPECT_FALSE(image->loaded[0].is_module);
    EXPECT_TRUE(image->loaded.back().is_module);
    EXPECT_EQ(image->loaded.back().base % 4096, 0u);
}

TEST_F(LimineLoaderTest, MappingsHoldTheExecutableAndTheHhdm) {
    auto image = load(executable(3, {}));
    ASSERT_TRUE(image) << image.error().message;
    bool hhdm = false;
    for (const auto& m : image->mappings)
        if (m.vaddr == kHhdm) {
            hhdm = true;
            EXPECT_EQ(m.paddr, 0u);
            EXPECT_EQ(m.size, memory_.size());
        }
    EXPECT_TRUE(hhdm);
    EXPECT_EQ(phys(*image, kBase + 0x3fff), kLiminePhysicalBase + 0x3fff);
}

TEST_F(LimineLoaderTest, BootPageTablesFitTheDefaultPool) {
    auto image = load(executable(3, {}));
    ASSERT_TRUE(image) << image.error().message;
    auto cr3 = build_boot_page_tables(memory_, image->mappings, image->layout.page_tables,
                                      kBootPageTablePages);
    EXPECT_TRUE(cr3) << cr3.error().message;
}

TEST_F(LimineLoaderTest, LowerHalfExecutableIsRefused) {
    Bytes data(0x100, 0);
    test::poke(data, 0, 0xf9562b2d5c95a6c8ull);
    test::poke(data, 8, 0x6a7b384944536bdcull);
    auto file = test::make_elf64({{0x200000, 0x200000, data, 0x100}}, 0x200000);
    auto image = load(file);
    ASSERT_FALSE(image);
    EXPECT_CONTAINS(image.error().message, "top 2 GiB");
}

TEST_F(LimineLoaderTest, SupportedBaseRevisionIsAcknowledged) {
    auto image = load(executable(3, {}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t tag = phys(*image, kBase + 0x1000);
    EXPECT_EQ(u64(tag), 0xf9562b2d5c95a6c8ull);
    EXPECT_EQ(u64(tag + 8), 3u);   // the revision svm booted with
    EXPECT_EQ(u64(tag + 16), 0u);  // supported
}

TEST_F(LimineLoaderTest, UnsupportedBaseRevisionIsLeftUnchanged) {
    auto image = load(executable(7, {}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t tag = phys(*image, kBase + 0x1000);
    EXPECT_EQ(u64(tag + 8), kLimineMaxBaseRevision);
    EXPECT_EQ(u64(tag + 16), 7u);
}

TEST_F(LimineLoaderTest, HhdmBootloaderInfoFirmwarePagingAndAddress) {
    auto image = load(executable(3, {kHhdmReq, kInfo, kFirmware, kPaging, kExecAddr}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t hhdm = response(*image, slot(0));
    ASSERT_NE(hhdm, 0u);
    EXPECT_EQ(u64(hhdm + 8), kHhdm);
    uint64_t info = response(*image, slot(1));
    EXPECT_EQ(test::peek_string(memory_, u64(info + 8) - kHhdm), "svm");
    EXPECT_EQ(u64(response(*image, slot(2)) + 8), 0u);  // x86 BIOS
    EXPECT_EQ(u64(response(*image, slot(3)) + 8), 0u);  // 4-level
    uint64_t address = response(*image, slot(4));
    EXPECT_EQ(u64(address + 8), kLiminePhysicalBase);
    EXPECT_EQ(u64(address + 16), kBase);
    // Responses lie in svm's boot information area.
    EXPECT_GE(hhdm, image->layout.boot_info);
    EXPECT_LT(hhdm, image->layout.boot_info + kBootInfoSize);
}

TEST_F(LimineLoaderTest, UnknownAndPhaseTwoRequestsStayNull) {
    auto image = load(executable(3, {Id{0x1234, 0x5678}, kFramebuffer}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(response(*image, slot(0)), 0u);
    EXPECT_EQ(response(*image, slot(1)), 0u);
}

TEST_F(LimineLoaderTest, MemoryMapIsSortedAlignedAndTyped) {
    auto image = load(executable(3, {kMemmap}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    uint64_t count = u64(resp + 8);
    uint64_t array = u64(resp + 16) - kHhdm;
    ASSERT_GT(count, 3u);
    uint64_t next = 0;
    bool saw_exec = false, saw_reclaimable = false;
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t entry = u64(array + 8 * i) - kHhdm;
        uint64_t base = u64(entry), length = u64(entry + 8), type = u64(entry + 16);
        EXPECT_EQ(base, next) << "entry " << i;  // sorted, contiguous, non-overlapping
        next = base + length;
        if (type == 0 || type == 5) {  // usable, bootloader reclaimable: page-aligned
            EXPECT_EQ(base % 4096, 0u);
            EXPECT_EQ(length % 4096, 0u);
        }
        if (type == 0) {
            EXPECT_GE(base, 0x1000u);
        }
        if (type == 6 && base <= kLiminePhysicalBase && kLiminePhysicalBase < next) saw_exec = true;
        if (type == 5 && base <= image->layout.boot_info && image->layout.boot_info < next)
            saw_reclaimable = true;
    }
    EXPECT_EQ(next, memory_.size());
    EXPECT_TRUE(saw_exec);
    EXPECT_TRUE(saw_reclaimable);
}

TEST_F(LimineLoaderTest, MemoryMapListsRangesLoadedAfterTheExecutable) {
    auto image = place_kernel("k", executable(3, {kMemmap}), memory_, options_);
    ASSERT_TRUE(image) << image.error().message;
    image->loaded.push_back(LoadedRange{0x1000000, 0x2000, false});  // a --load-file
    image->layout = plan_boot_layout(memory_.size(), image->loaded, 0).value();
    ASSERT_TRUE(write_boot_info(*image, memory_, {}));
    uint64_t resp = response(*image, slot(0));
    bool found = false;
    for (uint64_t i = 0; i < u64(resp + 8); ++i) {
        uint64_t entry = u64(u64(resp + 16) - kHhdm + 8 * i) - kHhdm;
        if (u64(entry) <= 0x1000000 && 0x1002000 <= u64(entry) + u64(entry + 8))
            found = u64(entry + 16) == SVM_LIMINE_MEMMAP_EXECUTABLE_AND_MODULES;
    }
    EXPECT_TRUE(found);
}

TEST_F(LimineLoaderTest, MemoryMapFunctionKeepsLoadedOverReserved) {
    BootLayout layout;
    std::vector<LoadedRange> loaded{{0x200000, 0x3000, false}};
    auto map = limine_memory_map(base_memory_map(64 << 20, layout.reserved), loaded, layout);
    ASSERT_FALSE(map.empty());
    EXPECT_EQ(map[0].base, 0u);
    EXPECT_EQ(map[0].type, SVM_LIMINE_MEMMAP_RESERVED);
    EXPECT_EQ(map[0].length, 0x1000u);
    for (size_t i = 1; i < map.size(); ++i) EXPECT_NE(map[i].type, map[i - 1].type);
}

TEST_F(LimineLoaderTest, ExecutableFileAndDate) {
    options_.cmdline = "quiet";
    Bytes file = executable(3, {kExecFile, kDate});
    auto image = load(file);
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    uint64_t f = u64(resp + 8) - kHhdm;
    uint64_t contents = u64(f + 8) - kHhdm;
    EXPECT_EQ(contents % 4096, 0u);
    EXPECT_EQ(u64(f + 16), file.size());
    // The copy is the file as it was (the base revision tag not yet acknowledged in it).
    EXPECT_EQ(test::peek_bytes(memory_, contents, file.size()), file);
    EXPECT_EQ(test::peek_string(memory_, u64(f + 24) - kHhdm), "/boot/kernel");
    EXPECT_EQ(test::peek_string(memory_, u64(f + 32) - kHhdm), "quiet");
    int64_t date = peek<int64_t>(memory_, response(*image, slot(1)) + 8);
    EXPECT_LE(std::abs(date - static_cast<int64_t>(std::time(nullptr))), 60);
}

TEST_F(LimineLoaderTest, RsdpIsACopyAtAPhysicalAddressInRevisionThree) {
    auto image = place_kernel("k", executable(3, {kRsdp}), memory_, options_);
    ASSERT_TRUE(image) << image.error().message;
    image->layout = plan_boot_layout(memory_.size(), image->loaded, 0).value();
    Bytes rsdp = test::pattern(36, 9);
    ASSERT_TRUE(write_boot_info(*image, memory_, rsdp));
    uint64_t address = u64(response(*image, slot(0)) + 8);
    EXPECT_LT(address, kHhdm);
    EXPECT_EQ(test::peek_bytes(memory_, address, 36), rsdp);
}

TEST_F(LimineLoaderTest, EntryPointRequestMovesTheEntry) {
    auto image = load(executable(3, {kEntry}, {0, 0, kBase + 0x40}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->entry, kBase + 0x40);
    EXPECT_NE(response(*image, slot(0)), 0u);
    auto bad = load(executable(3, {kEntry}, {0, 0, 0x1000}));
    ASSERT_FALSE(bad);
    EXPECT_CONTAINS(bad.error().message, "outside every loaded segment");
}

TEST_F(LimineLoaderTest, StackSizeAnsweredOnlyWhenTheBootStackIsLargeEnough) {
    auto image = load(executable(3, {kStack}, {0, 0, 0x4000}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_NE(response(*image, slot(0)), 0u);
    image = load(executable(3, {kStack}, {0, 0, 0x100000}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(response(*image, slot(0)), 0u);
}

TEST_F(LimineLoaderTest, FiveLevelPagingMinimumIsRefused) {
    auto image = load(executable(3, {kPaging}, {1, 0, 1, 1, 1}));
    ASSERT_FALSE(image);
    EXPECT_CONTAINS(image.error().message, "4-level paging only");
}

TEST_F(LimineLoaderTest, ModulesGetFileResponses) {
    options_.modules.push_back(
        {test::write_temp_file("limine_mod", test::pattern(100, 4)), "ignored"});
    options_.modules.back().args = options_.modules.back().path + " arg=1";
    Id module{0x3e7e279702be32afull, 0xca1c4f3bd1280ceeull};
    auto image = load(executable(3, {module}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_EQ(u64(resp + 8), 1u);
    uint64_t f = u64(u64(resp + 16) - kHhdm) - kHhdm;
    EXPECT_EQ(test::peek_bytes(memory_, u64(f + 8) - kHhdm, 100), test::pattern(100, 4));
    EXPECT_EQ(test::peek_string(memory_, u64(f + 32) - kHhdm), "arg=1");
}

}  // namespace
}  // namespace svm
