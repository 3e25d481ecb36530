#include <elf.h>
#include <gtest/gtest.h>

#include <cstddef>

#include "core/loader/kernel_image.h"
#include "test_images.h"

namespace svm {
namespace {

using test::Bytes;
using test::TestSegment;

class ElfTest : public ::testing::Test {
protected:
    Result<KernelImage> load(const Bytes& file) {
        return load_kernel("kernel.elf", file, memory_, LoadOptions{});
    }
    // Loads `file`, expects an error, and returns its message.
    std::string load_error(const Bytes& file) {
        auto image = load(file);
        EXPECT_FALSE(image);
        return image ? "" : image.error().message;
    }
    GuestMemory memory_ = test::garbage_memory();
};

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST_F(ElfTest, Elf64LoadsSegmentsAtPaddrAndZeroesBss) {
    std::vector<TestSegment> segments{{0x100000, 0x100000, test::pattern(0x300, 1), 0x2000},
                                      {0x400000, 0x400000, test::pattern(0x80, 2), 0x80}};
    auto image = load(test::make_elf64(segments, 0x100010));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "elf64");
    EXPECT_EQ(image->mode, CpuMode::Long);
    EXPECT_EQ(image->entry, 0x100010u);
    EXPECT_TRUE(image->is_elf);
    EXPECT_TRUE(image->mappings.empty());
    EXPECT_EQ(test::peek_bytes(memory_, 0x100000, 0x300), segments[0].data);
    EXPECT_EQ(test::peek_bytes(memory_, 0x100300, 0x1D00), Bytes(0x1D00, 0));  // BSS
    EXPECT_EQ(test::peek<uint8_t>(memory_, 0x102000), 0xCC);
    EXPECT_EQ(test::peek_bytes(memory_, 0x400000, 0x80), segments[1].data);
    ASSERT_EQ(image->loaded.size(), 2u);
    EXPECT_EQ(image->loaded[0].base, 0x100000u);
    EXPECT_EQ(image->loaded[0].size, 0x2000u);
    EXPECT_EQ(image->loaded[1].base, 0x400000u);
}

TEST_F(ElfTest, Elf64HigherHalfSegmentsBecomeMappings) {
    std::vector<TestSegment> segments{
        {0xFFFFFFFF80100000, 0x100000, test::pattern(0x100, 1), 0x3000}};
    auto image = load(test::make_elf64(segments, 0xFFFFFFFF80100040));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->entry, 0xFFFFFFFF80100040u);  // runs at its virtual entry
    ASSERT_EQ(image->mappings.size(), 1u);
    EXPECT_EQ(image->mappings[0].vaddr, 0xFFFFFFFF80100000u);
    EXPECT_EQ(image->mappings[0].paddr, 0x100000u);
    EXPECT_EQ(image->mappings[0].size, 0x3000u);
    EXPECT_EQ(test::peek_bytes(memory_, 0x100000, 0x100), segments[0].data);
}

TEST_F(ElfTest, Elf32StartsInProtectedModeAtTheTranslatedEntry) {
    std::vector<TestSegment> segments{{0xC0100000, 0x100000, test::pattern(0x40, 5), 0x1000}};
    auto image = load(test::make_elf32(segments, 0xC0100020));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "elf32");
    EXPECT_EQ(image->mode, CpuMode::Protected);
    EXPECT_EQ(image->entry, 0x100020u);  // paging is off: p_vaddr -> p_paddr, as GRUB does
    EXPECT_TRUE(image->mappings.empty());
    EXPECT_EQ(test::peek_bytes(memory_, 0x100000, 0x40), segments[0].data);
    EXPECT_EQ(test::peek<uint32_t>(memory_, 0x100FFC), 0u);
}

TEST_F(ElfTest, Elf32IdentityEntryIsUnchanged) {
    auto image = load(test::make_elf32({{0x200000, 0x200000, test::pattern(16, 1), 16}}, 0x200004));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->entry, 0x200004u);
}

TEST_F(ElfTest, TruncatedHeaderIsAnError) {
    Bytes file = test::make_elf64({{0x100000, 0x100000, {1}, 1}}, 0x100000);
    file.resize(52);
    EXPECT_CONTAINS(load_error(file), "ELF header is truncated (52 of 64 bytes)");
}

TEST_F(ElfTest, ElfMagicWithABrokenClassIsAnErrorNotAFlatBinary) {
    Bytes file = test::make_elf64({{0x100000, 0x100000, {1}, 1}}, 0x100000);
    file[EI_CLASS] = 7;
    EXPECT_CONTAINS(load_error(file), "ELF class 7");
}

TEST_F(ElfTest, WrongMachineIsAnError) {
    Bytes file = test::make_elf64({{0x100000, 0x100000, {1}, 1}}, 0x100000);
    test::poke(file, offsetof(Elf64_Ehdr, e_machine), uint16_t{EM_AARCH64});
    EXPECT_CONTAINS(load_error(file), "machine 183 is not x86-64");
}

TEST_F(ElfTest, SharedObjectIsAnError) {
    Bytes file = test::make_elf32({{0x100000, 0x100000, {1}, 1}}, 0x100000);
    test::poke(file, offsetof(Elf32_Ehdr, e_type), uint16_t{ET_DYN});
    EXPECT_CONTAINS(load_error(file), "not ET_EXEC");
}

TEST_F(ElfTest, TruncatedProgramHeaderTableIsAnError) {
    Bytes file = test::make_elf64({{0x100000, 0x100000, {}, 0x10}}, 0x100000);
    file.resize(test::phdr_offset(true, 0) + 20);
    EXPECT_CONTAINS(load_error(file),
                    "program header table (e_phoff 0x40, 1 entries of 56 bytes) "
                    "is truncated");
}

TEST_F(ElfTest, ProgramHeaderTableSizeOverflowIsAnError) {
    Bytes file = test::make_elf64({{0x100000, 0x100000, {1}, 1}}, 0x100000);
    test::poke(file, offsetof(Elf64_Ehdr, e_phoff), uint64_t{0xFFFFFFFFFFFF0000});
    test::poke(file, offsetof(Elf64_Ehdr, e_phnum), uint16_t{0xFFFF});
    test::poke(file, offsetof(Elf64_Ehdr, e_phentsize), uint16_t{0xFFFF});
    EXPECT_CONTAINS(load_error(file), "overflows");
}

TEST_F(ElfTest, SegmentFileBytesPastTheEndOfFileIsAnError) {
    Bytes file = test::make_elf64({{0x100000, 0x100000, test::pattern(64, 1), 64}}, 0x100000);
    test::poke(file, test::phdr_offset(true, 0) + offsetof(Elf64_Phdr, p_filesz), uint64_t{4096});
    test::poke(file, test::phdr_offset(true, 0) + offsetof(Elf64_Phdr, p_memsz), uint64_t{4096});
    EXPECT_CONTAINS(load_error(file), "p_filesz 0x1000 lies past the end");
}

TEST_F(ElfTest, SegmentOffsetNearUint64MaxIsAnError) {
    Bytes file = test::make_elf32({{0x100000, 0x100000, test::pattern(64, 1), 64}}, 0x100000);
    test::poke(file, test::phdr_offset(false, 0) + offsetof(Elf32_Phdr, p_offset),
               uint32_t{0xFFFFFFF0});
    EXPECT_CONTAINS(load_error(file), "segment 0 (p_paddr 0x100000, p_memsz 0x40): p_offset");
}

TEST_F(ElfTest, FileSizeLargerThanMemSizeIsAnError) {
    Bytes file = test::make_elf64({{0x100000, 0x100000, test::pattern(64, 1), 64}}, 0x100000);
    test::poke(file, test::phdr_offset(true, 0) + offsetof(Elf64_Phdr, p_memsz), uint64_t{32});
    EXPECT_CONTAINS(load_error(file), "p_filesz 0x40 larger than p_memsz");
}

TEST_F(ElfTest, SegmentWrappingTheAddressSpaceIsAnError) {
    Bytes file = test::make_elf64({{0x100000, 0x100000, {}, 0x10}}, 0x100000);
    test::poke(file, test::phdr_offset(true, 0) + offsetof(Elf64_Phdr, p_paddr),
               uint64_t{0xFFFFFFFFFFFFFFF8});
    EXPECT_CONTAINS(load_error(file), "wraps around");
}

TEST_F(ElfTest, SegmentOutsideRamIsAnError) {
    std::vector<TestSegment> segments{{0x100000, 0x100000, {1}, 0x1000},
                                      {0x3FFF000, 0x3FFF000, {}, 0x2000}};
    EXPECT_CONTAINS(load_error(test::make_elf64(segments, 0x100000)),
                    "segment 1 (p_paddr 0x3fff000, p_memsz 0x2000) lies outside the 64 MiB of RAM");
}

TEST_F(ElfTest, SegmentInTheVgaWindowIsAnError) {
    EXPECT_CONTAINS(load_error(test::make_elf32({{0xA0000, 0xA0000, {1}, 0x1000}}, 0xA0000)),
                    "segment 0 (p_paddr 0xa0000, p_memsz 0x1000) overlaps the VGA memory window");
}

TEST_F(ElfTest, GnuLdHeaderSegmentBelowOneMiBLoads) {
    // ld -Ttext=0x100000 puts the ELF and program headers in a PT_LOAD at 0xFF000.
    std::vector<TestSegment> segments{{0xFF000, 0xFF000, {0x7f, 'E'}, 0x100},
                                      {0x100000, 0x100000, {1}, 0x1000}};
    auto image = load(test::make_elf32(segments, 0x100000));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(test::peek<uint8_t>(memory_, 0xFF000), 0x7f);
    EXPECT_EQ(image->layout.machine_table, uint64_t{SVM_MACHINE_TABLE_ADDR});
}

TEST_F(ElfTest, SegmentsOnSvmsDefaultAreasLoad) {
    for (uint64_t at : {0x500ull, 0x70000ull, 0x80000ull, 0x83000ull, 0x90000ull, 0x91000ull}) {
        std::vector<TestSegment> segments{{at, at, {0x5A}, 0x800}};
        auto image = load(test::make_elf64(segments, at));
        ASSERT_TRUE(image) << image.error().message;
        EXPECT_EQ(test::peek<uint8_t>(memory_, at), 0x5A);
    }
}

TEST_F(ElfTest, OverlappingSegmentsAreAnError) {
    std::vector<TestSegment> segments{{0x100000, 0x100000, {1}, 0x2000},
                                      {0x101000, 0x101000, {2}, 0x1000}};
    EXPECT_CONTAINS(load_error(test::make_elf64(segments, 0x100000)),
                    "segment 1 (p_paddr 0x101000, p_memsz 0x1000) overlaps segment 0");
}

TEST_F(ElfTest, NonCanonicalVirtualAddressIsAnError) {
    std::vector<TestSegment> segments{{0x0000800000000000, 0x100000, {1}, 0x1000}};
    EXPECT_CONTAINS(load_error(test::make_elf64(segments, 0x100000)), "not canonical");
}

TEST_F(ElfTest, VirtualAddressWithADifferentPageOffsetIsAnError) {
    std::vector<TestSegment> segments{{0xFFFFFFFF80100800, 0x100000, {1}, 0x1000}};
    EXPECT_CONTAINS(load_error(test::make_elf64(segments, 0x100000)), "offset within a 4 KiB page");
}

}  // namespace
}  // namespace svm
