// Position-independent Limine executables (PROTOCOL.md "Memory Layout at Entry"): the slide, the
// R_X86_64_RELATIVE relocations, --kaslr, and --boot limine for an ELF64 without requests.
#include <elf.h>
#include <gtest/gtest.h>
#include <svm/limine_protocol.h>

#include <set>

#include "core/loader/elf_relocations.h"
#include "core/loader/kernel_image.h"
#include "core/loader/limine_loader.h"
#include "test_images.h"

namespace svm {
namespace {

using test::Bytes;
using test::peek;

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

constexpr uint64_t kHhdm = 0xffff800000000000ull;
constexpr uint64_t kSlideToTop = 0xffffffff80000000ull;  // for an executable linked at 0
// Offsets in .data (linked at 0x1000).
constexpr uint64_t kTag = 0x00, kHhdmRequest = 0x40, kEntryRequest = 0x90, kPointer = 0xe0,
                   kRela = 0x100;

struct Rela {
    uint64_t offset;
    uint32_t type;
    int64_t addend;
};

// A PIE linked at 0: .text at 0 (entry 0x10), .data at 0x1000 holding a base revision tag, an
// HHDM request, an entry point request whose `entry` member is relocated, a pointer that is
// relocated, and the RELA table; a PT_DYNAMIC names the table.
Bytes pie(const std::vector<Rela>& relocations) {
    Bytes data(0x200, 0);
    {
        test::poke(data, kTag, 0xf9562b2d5c95a6c8ull);
        test::poke(data, kTag + 8, 0x6a7b384944536bdcull);
        test::poke(data, kTag + 16, uint64_t{6});
        uint64_t hhdm[4] = {SVM_LIMINE_COMMON_MAGIC0, SVM_LIMINE_COMMON_MAGIC1, SVM_LIMINE_ID_HHDM};
        test::poke(data, kHhdmRequest, hhdm);
        uint64_t entry[4] = {SVM_LIMINE_COMMON_MAGIC0, SVM_LIMINE_COMMON_MAGIC1,
                             SVM_LIMINE_ID_ENTRY_POINT};
        test::poke(data, kEntryRequest, entry);
    }
    for (size_t i = 0; i < relocations.size(); ++i) {
        Elf64_Rela r{relocations[i].offset, ELF64_R_INFO(0, relocations[i].type),
                     relocations[i].addend};
        test::poke(data, kRela + i * sizeof(Elf64_Rela), r);
    }
    Bytes dynamic;
    for (Elf64_Dyn d : {Elf64_Dyn{DT_RELA, {0x1000 + kRela}},
                        Elf64_Dyn{DT_RELASZ, {relocations.size() * sizeof(Elf64_Rela)}},
                        Elf64_Dyn{DT_RELAENT, {sizeof(Elf64_Rela)}}, Elf64_Dyn{DT_NULL, {0}}}) {
        Bytes entry(sizeof d);
        test::poke(entry, 0, d);
        dynamic.insert(dynamic.end(), entry.begin(), entry.end());
    }
    Bytes file = test::make_elf64({{0x0, 0x0, test::pattern(0x100, 3), 0x100},
                                   {0x1000, 0x1000, data, 0x1000},
                                   {0x3000, 0x3000, dynamic, dynamic.size()}},
                                  0x10);
    test::poke(file, offsetof(Elf64_Ehdr, e_type), uint16_t{ET_DYN});
    test::poke(file, test::phdr_offset(true, 2), uint32_t{PT_DYNAMIC});
    return file;
}

class LiminePieTest : public ::testing::Test {
protected:
    Result<KernelImage> load(const Bytes& file) {
        return load_kernel("/boot/pie.elf", file, memory_, options_);
    }
    uint64_t phys(const KernelImage& image, uint64_t vaddr) const {
        for (const auto& m : image.mappings)
            if (vaddr >= m.vaddr && vaddr - m.vaddr < m.size) return m.paddr + vaddr - m.vaddr;
        ADD_FAILURE() << "unmapped " << std::hex << vaddr;
        return 0;
    }
    uint64_t u64(uint64_t gpa) const { return peek<uint64_t>(memory_, gpa); }

    GuestMemory memory_ = test::garbage_memory();
    LoadOptions options_;
};

TEST_F(LiminePieTest, LowerHalfPieIsSlidToTheTopTwoGiBAndRelocated) {
    auto image = load(pie({{0x1000 + kPointer, kRelocX86_64Relative, 0x1234},
                           {0x1000 + kEntryRequest + 48, kRelocX86_64Relative, 0x40}}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "limine");
    // The entry point request's (relocated) entry wins over e_entry + slide.
    EXPECT_EQ(image->entry, kSlideToTop + 0x40);
    EXPECT_EQ(u64(phys(*image, kSlideToTop + 0x1000 + kPointer)), kSlideToTop + 0x1234);
    // Requests are found at their slid addresses and answered there.
    uint64_t response = u64(phys(*image, kSlideToTop + 0x1000 + kHhdmRequest) + 40);
    ASSERT_GE(response, kHhdm);
    EXPECT_EQ(u64(response - kHhdm + 8), kHhdm);
    uint64_t tag = phys(*image, kSlideToTop + 0x1000 + kTag);
    EXPECT_EQ(u64(tag + 8), 6u);
    EXPECT_EQ(u64(tag + 16), 0u);
    // The image keeps its layout: .text then .data one page up, physically contiguous.
    EXPECT_EQ(phys(*image, kSlideToTop + 0x1000), phys(*image, kSlideToTop) + 0x1000);
    EXPECT_EQ(test::peek_bytes(memory_, phys(*image, kSlideToTop), 0x100), test::pattern(0x100, 3));
}

TEST_F(LiminePieTest, KaslrSlidesByMultiplesOfTwoMiBInsideTheTopTwoGiB) {
    options_.kaslr = true;
    std::set<uint64_t> entries;
    for (int i = 0; i < 8; ++i) {
        memory_ = test::garbage_memory();
        auto image = load(pie({{0x1000 + kPointer, kRelocX86_64Relative, 0x1234},
                               {0x1000 + kEntryRequest + 48, kRelocX86_64Relative, 0x10}}));
        ASSERT_TRUE(image) << image.error().message;
        const uint64_t slide = image->entry - 0x10;
        EXPECT_GE(slide, kSlideToTop);
        EXPECT_EQ(slide % (2ull << 20), 0u);
        EXPECT_GT(slide + 0x3000, slide);  // the image does not wrap past 2^64
        EXPECT_EQ(u64(phys(*image, slide + 0x1000 + kPointer)), slide + 0x1234);
        entries.insert(image->entry);
    }
    EXPECT_GT(entries.size(), 1u);  // 8 draws from ~1000 slides
}

TEST_F(LiminePieTest, WithoutKaslrThePlacementIsTheSameEveryTime) {
    const std::vector<Rela> entry = {{0x1000 + kEntryRequest + 48, kRelocX86_64Relative, 0x10}};
    auto a = load(pie(entry));
    ASSERT_TRUE(a) << a.error().message;
    auto b = load(pie(entry));
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(a->entry, b->entry);
    EXPECT_EQ(a->entry, kSlideToTop + 0x10);
}

TEST_F(LiminePieTest, RelocationsSvmCannotApplyAreRefused) {
    auto symbolic = load(pie({{0x1000 + kPointer, R_X86_64_64, 0}}));
    ASSERT_FALSE(symbolic);
    EXPECT_CONTAINS(symbolic.error().message, "R_X86_64_RELATIVE only");
    auto outside = load(pie({{0x9000, kRelocX86_64Relative, 0}}));
    ASSERT_FALSE(outside);
    EXPECT_CONTAINS(outside.error().message, "not inside a loaded segment");
}

TEST_F(LiminePieTest, PlainElfPieIsStillRefusedOutsideLimine) {
    // No request, no tag: not a Limine executable, and svm's ELF loader wants ET_EXEC.
    Bytes file = test::make_elf64({{0x100000, 0x100000, test::pattern(0x100, 1), 0x100}}, 0x100000);
    test::poke(file, offsetof(Elf64_Ehdr, e_type), uint16_t{ET_DYN});
    auto image = load(file);
    ASSERT_FALSE(image);
    EXPECT_CONTAINS(image.error().message, "ET_EXEC");
}

TEST_F(LiminePieTest, BootLimineForcesTheProtocolOnAnElfWithoutRequests) {
    Bytes file = test::make_elf64(
        {{0xffffffff80000000ull, 0x100000, test::pattern(0x100, 1), 0x100}}, 0xffffffff80000000ull);
    auto plain = load(file);
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(plain->format, "elf64");
    EXPECT_FALSE(plain->limine);
    options_.force_limine = true;
    memory_ = test::garbage_memory();
    auto forced = load(file);
    ASSERT_TRUE(forced) << forced.error().message;
    EXPECT_EQ(forced->format, "limine");
    ASSERT_TRUE(forced->limine);
    EXPECT_EQ(forced->limine->base_revision, 0u);  // no tag: revision 0
    auto not_elf = load(test::pattern(512, 2));
    ASSERT_FALSE(not_elf);
    EXPECT_CONTAINS(not_elf.error().message, "--boot limine needs an ELF64");
}

TEST_F(LiminePieTest, EntryOutsideEverySegmentIsRefusedWithoutAnEntryPointRequest) {
    Bytes data(0x100, 0);
    test::poke(data, 0, 0xf9562b2d5c95a6c8ull);
    test::poke(data, 8, 0x6a7b384944536bdcull);
    test::poke(data, 16, uint64_t{6});
    Bytes file = test::make_elf64({{kSlideToTop, 0x100000, data, 0x100}}, kSlideToTop + 0x10000);
    auto image = load(file);
    ASSERT_FALSE(image);
    EXPECT_CONTAINS(image.error().message, "e_entry 0xffffffff80010000 is outside every loaded");
}

}  // namespace
}  // namespace svm
