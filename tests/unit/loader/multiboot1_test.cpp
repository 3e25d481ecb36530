// Multiboot 1 loading. The information structure is parsed back with the offsets of Multiboot
// 0.6.96 section 3.3 (not svm's structs), so a layout mistake shows.
#include <elf.h>
#include <gtest/gtest.h>

#include "core/loader/kernel_image.h"
#include "core/loader/memory_map.h"
#include "test_images.h"

namespace svm {
namespace {

using test::Bytes;
using test::peek;
using test::TestSegment;

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

constexpr uint32_t kInfo = SVM_BOOT_INFO_ADDR;

class Multiboot1Test : public ::testing::Test {
protected:
    Result<KernelImage> load(const Bytes& file) {
        return load_kernel("kernel", file, memory_, options_);
    }
    std::string load_error(const Bytes& file) {
        auto image = load(file);
        EXPECT_FALSE(image);
        return image ? "" : image.error().message;
    }
    // An ELF32 kernel at 0x100000 whose first bytes are a Multiboot header with `flags`.
    static Bytes elf32_kernel(uint32_t flags, bool with_symtab = false) {
        Bytes code = test::concat(test::mb1_header(flags), test::pattern(0x100, 9));
        return test::make_elf32({{0x100000, 0x100000, code, 0x3000}}, 0x10000C, with_symtab);
    }
    uint32_t info(uint32_t offset) const { return peek<uint32_t>(memory_, kInfo + offset); }

    GuestMemory memory_ = test::garbage_memory();
    LoadOptions options_;
};

TEST_F(Multiboot1Test, ElfKernelGetsTheMultibootHandoff) {
    options_.cmdline = "console=com1 debug";
    auto image = load(elf32_kernel(0x3));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "multiboot1");
    EXPECT_EQ(image->mode, CpuMode::Protected);
    EXPECT_EQ(image->entry, 0x10000Cu);
    EXPECT_EQ(image->eax, 0x2BADB002u);
    EXPECT_EQ(image->ebx, kInfo);
    EXPECT_TRUE(image->is_elf);
    EXPECT_EQ(peek<uint32_t>(memory_, 0x100000), 0x1BADB002u);  // the image is in place
    EXPECT_EQ(peek<uint32_t>(memory_, 0x102FFC), 0u);           // and its BSS zeroed

    uint32_t flags = info(0);
    EXPECT_EQ(flags & 0x24D, 0x24Du);  // mem, cmdline, mods, mmap, boot_loader_name
    EXPECT_EQ(flags & (1u << 11 | 1u << 12 | 1u << 10 | 1u << 7), 0u);  // no video/APM/drives
    EXPECT_EQ(info(4), 0x70000u / 1024);                                // mem_lower
    EXPECT_EQ(info(8), (64u << 20) / 1024 - 1024);                      // mem_upper
    // The kernel's name first, as qemu -kernel passes it.
    EXPECT_EQ(test::peek_string(memory_, info(16)), "kernel console=com1 debug");
    EXPECT_EQ(info(20), 0u);  // mods_count
    EXPECT_EQ(test::peek_string(memory_, info(64)), "svm");
}

TEST_F(Multiboot1Test, MemoryMapMatchesTheBaseMap) {
    ASSERT_TRUE(load(elf32_kernel(0x2)));
    auto expected = base_memory_map(memory_.size());
    uint32_t length = info(44), address = info(48);
    ASSERT_EQ(length, expected.size() * 24);
    for (const auto& range : expected) {
        EXPECT_EQ(peek<uint32_t>(memory_, address), 20u);  // size excludes itself
        EXPECT_EQ(peek<uint64_t>(memory_, address + 4), range.base);
        EXPECT_EQ(peek<uint64_t>(memory_, address + 12), range.length);
        EXPECT_EQ(peek<uint32_t>(memory_, address + 20), range.type == SVM_MEM_RAM ? 1u : 2u);
        address += 24;
    }
}

TEST_F(Multiboot1Test, EmptyCommandLineIsStillPassed) {
    ASSERT_TRUE(load(elf32_kernel(0)));
    EXPECT_TRUE(info(0) & (1u << 2));
    EXPECT_EQ(test::peek_string(memory_, info(16)), "kernel");
}

TEST_F(Multiboot1Test, ModulesArePageAlignedAfterTheKernelInOrder) {
    Bytes first = test::pattern(5000, 1), second = test::pattern(17, 2);
    options_.modules = {{test::write_temp_file("mb1_first", first), "initrd root=/"},
                        {test::write_temp_file("mb1_second", second), "second"}};
    auto image = load(elf32_kernel(0x1));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_EQ(info(20), 2u);
    uint32_t mods = info(24);
    // The kernel ends at 0x103000; modules follow on 4 KiB boundaries.
    EXPECT_EQ(peek<uint32_t>(memory_, mods + 0), 0x103000u);
    EXPECT_EQ(peek<uint32_t>(memory_, mods + 4), 0x103000u + 5000);
    EXPECT_EQ(test::peek_string(memory_, peek<uint32_t>(memory_, mods + 8)), "initrd root=/");
    EXPECT_EQ(peek<uint32_t>(memory_, mods + 16), 0x105000u);
    EXPECT_EQ(peek<uint32_t>(memory_, mods + 20), 0x105000u + 17);
    EXPECT_EQ(test::peek_string(memory_, peek<uint32_t>(memory_, mods + 24)), "second");
    EXPECT_EQ(test::peek_bytes(memory_, 0x103000, first.size()), first);
    EXPECT_EQ(test::peek_bytes(memory_, 0x105000, second.size()), second);
    ASSERT_EQ(image->loaded.size(), 3u);
    EXPECT_FALSE(image->loaded[0].is_module);
    EXPECT_TRUE(image->loaded[1].is_module);
    EXPECT_EQ(image->loaded[2].base, 0x105000u);
    EXPECT_EQ(image->loaded[2].size, 17u);
}

TEST_F(Multiboot1Test, MissingModuleIsAnErrorNamingIt) {
    options_.modules = {{"/nonexistent/svm-initrd.img", "initrd"}};
    EXPECT_CONTAINS(load_error(elf32_kernel(0)), "/nonexistent/svm-initrd.img");
}

TEST_F(Multiboot1Test, AoutKludgeLoadsToTheEndOfFileWithBss) {
    // header_addr 0x200010: the header is 16 bytes into the file, so loading starts at offset 0.
    Bytes file = test::concat(test::pattern(16, 4), test::mb1_header(1u << 16, 0x200010, 0x200000,
                                                                     0, 0x204000, 0x200040));
    file = test::concat(file, test::pattern(0x100, 6));
    auto image = load(file);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_FALSE(image->is_elf);
    EXPECT_EQ(image->entry, 0x200040u);
    EXPECT_EQ(test::peek_bytes(memory_, 0x200000, file.size()), file);
    EXPECT_EQ(test::peek_bytes(memory_, 0x200000 + file.size(), 0x4000 - file.size()),
              Bytes(0x4000 - file.size(), 0));
    EXPECT_EQ(peek<uint8_t>(memory_, 0x204000), 0xCC);
    ASSERT_EQ(image->loaded.size(), 1u);
    EXPECT_EQ(image->loaded[0].size, 0x4000u);
}

TEST_F(Multiboot1Test, AoutKludgeHonoursLoadEndAddrAndHeaderOffset) {
    // The header sits 0x20 into the file; header_addr - load_addr = 0x10 starts loading at
    // file offset 0x10, and load_end_addr takes 0x40 bytes; no BSS (bss_end_addr 0).
    Bytes file = test::concat(test::pattern(0x20, 4), test::mb1_header(1u << 16, 0x300010, 0x300000,
                                                                       0x300040, 0, 0x300000));
    file = test::concat(file, test::pattern(0x100, 6));
    auto image = load(file);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(test::peek_bytes(memory_, 0x300000, 0x40),
              Bytes(file.begin() + 0x10, file.begin() + 0x50));
    EXPECT_EQ(peek<uint8_t>(memory_, 0x300040), 0xCC);
    EXPECT_EQ(image->loaded[0].size, 0x40u);
}

TEST_F(Multiboot1Test, AoutKludgeLoadAddrAboveHeaderAddrIsAnError) {
    Bytes file = test::mb1_header(1u << 16, 0x200000, 0x200010, 0, 0, 0x200000);
    EXPECT_CONTAINS(load_error(file), "load_addr 0x200010 lies above header_addr 0x200000");
}

TEST_F(Multiboot1Test, AoutKludgeLoadEndPastTheFileIsAnError) {
    Bytes file = test::mb1_header(1u << 16, 0x200000, 0x200000, 0x210000, 0, 0x200000);
    EXPECT_CONTAINS(load_error(file), "past the end of the 32-byte file");
}

TEST_F(Multiboot1Test, HeaderTakesPrecedenceOverElf64) {
    Bytes code = test::concat(test::mb1_header(0), test::pattern(0x40, 9));
    auto image = load(test::make_elf64({{0x100000, 0x100000, code, 0x1000}}, 0x10000C));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "multiboot1");
    EXPECT_EQ(image->mode, CpuMode::Protected);
    EXPECT_EQ(image->eax, 0x2BADB002u);
}

TEST_F(Multiboot1Test, HigherHalfElfEntryIsTranslated) {
    Bytes code = test::concat(test::mb1_header(0), test::pattern(0x40, 9));
    auto image = load(test::make_elf32({{0xC0100000, 0x100000, code, 0x1000}}, 0xC010000C));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->entry, 0x10000Cu);
}

TEST_F(Multiboot1Test, ElfSectionTableAndSymbolsArePassed) {
    auto image = load(elf32_kernel(0, true));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_TRUE(info(0) & (1u << 5));
    EXPECT_EQ(info(28), 4u);                  // num
    EXPECT_EQ(info(32), sizeof(Elf32_Shdr));  // size
    EXPECT_EQ(info(40), 3u);                  // shndx
    uint32_t table = info(36);
    EXPECT_GE(table, SVM_BOOT_INFO_ADDR);
    EXPECT_LT(table, SVM_BOOT_INFO_END);
    auto strtab = peek<Elf32_Shdr>(memory_, table + 2 * sizeof(Elf32_Shdr));
    EXPECT_EQ(strtab.sh_type, uint32_t{SHT_STRTAB});
    ASSERT_NE(strtab.sh_addr, 0u);  // loaded by svm, as GRUB does
    EXPECT_EQ(test::peek_bytes(memory_, strtab.sh_addr, strtab.sh_size), test::test_strtab());
    auto symtab = peek<Elf32_Shdr>(memory_, table + sizeof(Elf32_Shdr));
    auto main_symbol = peek<Elf32_Sym>(memory_, symtab.sh_addr + sizeof(Elf32_Sym));
    EXPECT_EQ(main_symbol.st_value, 0x10000Cu);
}

TEST_F(Multiboot1Test, VideoModeFlagIsAcceptedAndIgnoredWithoutADisplay) {
    auto image = load(elf32_kernel(0x4));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(info(0) & (1u << 11 | 1u << 12), 0u);
    EXPECT_FALSE(image->video);
}

// A Multiboot header with the video flag (bit 2) and its graphics fields at offset 32
// (section 3.1.4); the a.out-kludge fields in between are zero (unused without bit 16).
Bytes mb1_video_header(uint32_t flags, uint32_t mode_type, uint32_t width, uint32_t height,
                       uint32_t depth) {
    Bytes header = test::concat(test::mb1_header(flags | 0x4), Bytes(20, 0));
    for (uint32_t field : {mode_type, width, height, depth}) {
        Bytes word(4);
        test::poke(word, 0, field);
        header = test::concat(header, word);
    }
    return header;
}

class Multiboot1VideoTest : public Multiboot1Test {
protected:
    Multiboot1VideoTest() { options_.display = DisplayCaps{}; }
    static Bytes video_kernel(uint32_t mode_type, uint32_t width, uint32_t height, uint32_t depth) {
        Bytes code = test::concat(mb1_video_header(0x3, mode_type, width, height, depth),
                                  test::pattern(0x100, 9));
        return test::make_elf32({{0x100000, 0x100000, code, 0x3000}}, 0x10000C);
    }
    uint8_t info8(uint32_t offset) const { return peek<uint8_t>(memory_, kInfo + offset); }
};

TEST_F(Multiboot1VideoTest, LinearModeFillsTheFramebufferFields) {
    auto image = load(video_kernel(0, 1024, 768, 32));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_TRUE(image->video);
    EXPECT_EQ(image->video->kind, VideoMode::Kind::Linear);
    EXPECT_EQ(info(0) & (1u << 12), 1u << 12);                    // framebuffer
    EXPECT_EQ(info(0) & (1u << 11), 0u);                          // no VBE information
    EXPECT_EQ(peek<uint64_t>(memory_, kInfo + 88), 0xFD000000u);  // framebuffer_addr
    EXPECT_EQ(info(96), 4096u);                                   // pitch
    EXPECT_EQ(info(100), 1024u);                                  // width
    EXPECT_EQ(info(104), 768u);                                   // height
    EXPECT_EQ(info8(108), 32u);                                   // bpp
    EXPECT_EQ(info8(109), 1u);                                    // type: RGB
    EXPECT_EQ(test::peek_bytes(memory_, kInfo + 110, 6), (Bytes{16, 8, 8, 8, 0, 8}));
    EXPECT_EQ(test::peek_bytes(memory_, kInfo + 72, 16), Bytes(16, 0));  // VBE fields
    EXPECT_EQ(test::peek_string(memory_, info(64)), "svm");              // the rest is intact
}

TEST_F(Multiboot1VideoTest, SixteenBitModeHasItsFieldLayout) {
    ASSERT_TRUE(load(video_kernel(0, 640, 480, 16)));
    EXPECT_EQ(info(96), 1280u);
    EXPECT_EQ(test::peek_bytes(memory_, kInfo + 110, 6), (Bytes{11, 5, 5, 6, 0, 5}));
}

TEST_F(Multiboot1VideoTest, TextModeTypeGetsEgaText) {
    auto image = load(video_kernel(1, 0, 0, 0));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_TRUE(image->video);
    EXPECT_EQ(image->video->kind, VideoMode::Kind::EgaText);
    EXPECT_TRUE(info(0) & (1u << 12));
    EXPECT_EQ(peek<uint64_t>(memory_, kInfo + 88), 0xB8000u);
    EXPECT_EQ(info(96), 160u);
    EXPECT_EQ(info(100), 80u);
    EXPECT_EQ(info(104), 25u);
    EXPECT_EQ(info8(108), 16u);
    EXPECT_EQ(info8(109), 2u);  // EGA text
}

TEST_F(Multiboot1VideoTest, EightBitModePointsAtThePalette) {
    ASSERT_TRUE(load(video_kernel(0, 320, 200, 8)));
    EXPECT_EQ(info8(109), 0u);  // indexed
    uint32_t palette = peek<uint32_t>(memory_, kInfo + 110);
    EXPECT_EQ(peek<uint16_t>(memory_, kInfo + 114), 256u);
    EXPECT_GE(palette, SVM_BOOT_INFO_ADDR);
    EXPECT_LE(palette + 768, SVM_BOOT_INFO_END);
    EXPECT_EQ(test::peek_bytes(memory_, palette, 6), (Bytes{0, 0, 0, 0, 0, 0xAA}));
}

TEST_F(Multiboot1VideoTest, SizesAreClampedAndAnOddDepthGets32) {
    ASSERT_TRUE(load(video_kernel(0, 100000, 100000, 7)));
    EXPECT_EQ(info(100), 2560u);
    EXPECT_EQ(info(104), 1600u);
    EXPECT_EQ(info8(108), 32u);
}

TEST_F(Multiboot1VideoTest, HostileVideoFieldsNeverFail) {
    for (uint32_t value : {0u, 1u, 0x80000000u, 0xFFFFFFFFu}) {
        ASSERT_TRUE(load(video_kernel(0, value, value, value))) << value;
        EXPECT_LE(uint64_t(info(96)) * info(104), 16u << 20);
    }
}

TEST_F(Multiboot1VideoTest, UnknownModeTypeIsAnError) {
    EXPECT_CONTAINS(load_error(video_kernel(2, 0, 0, 0)), "video mode_type 2");
    EXPECT_CONTAINS(load_error(video_kernel(0xFFFFFFFF, 0, 0, 0)), "video mode_type 4294967295");
}

TEST_F(Multiboot1VideoTest, HeaderTruncatedBeforeTheVideoFieldsIsAnError) {
    // An a.out-kludge image whose file ends with the 32-byte header.
    Bytes file = test::mb1_header((1u << 16) | 0x4, 0x200000, 0x200000, 0, 0, 0x200000);
    EXPECT_CONTAINS(load_error(file), "video mode flag (bit 2) is truncated");
}

TEST_F(Multiboot1VideoTest, KernelWithoutTheVideoFlagGetsNone) {
    auto image = load(elf32_kernel(0x3));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_FALSE(image->video);
    EXPECT_EQ(info(0) & (1u << 12), 0u);
}

TEST_F(Multiboot1VideoTest, FramebufferOverlappingRamIsAnError) {
    options_.display->lfb_address = 0x2000000;
    EXPECT_CONTAINS(load_error(video_kernel(0, 0, 0, 0)), "overlaps guest RAM");
}

TEST_F(Multiboot1Test, VideoFlagWithoutADisplayIsIgnored) {
    auto image = load(test::make_elf32(
        {{0x100000, 0x100000, test::concat(mb1_video_header(0, 7, 1, 1, 1), Bytes(16, 0)), 0x1000}},
        0x100000));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_FALSE(image->video);
    EXPECT_EQ(info(0) & (1u << 12), 0u);
}

TEST_F(Multiboot1Test, BadChecksumIsAnError) {
    Bytes file = elf32_kernel(0);
    uint64_t header = test::segment_data_offset(false, {{0, 0, {}, 0}}, 0);
    test::poke(file, header + 8, uint32_t{0x12345678});
    EXPECT_CONTAINS(load_error(file), "Multiboot header checksum is wrong");
}

TEST_F(Multiboot1Test, UnsupportedRequiredFlagIsAnError) {
    EXPECT_CONTAINS(load_error(elf32_kernel(1u << 3)), "requires feature bit 3");
}

TEST_F(Multiboot1Test, UnknownOptionalFlagIsIgnored) {
    EXPECT_TRUE(load(elf32_kernel(1u << 20)));
}

TEST_F(Multiboot1Test, NonElfWithoutAoutKludgeIsAnError) {
    Bytes file = test::concat(test::mb1_header(0), test::pattern(64, 1));
    EXPECT_CONTAINS(load_error(file), "must be an ELF image");
}

TEST_F(Multiboot1Test, HeaderBeyondTheFirst8KiBIsNotFound) {
    LoadOptions flat;
    Bytes file = test::concat(Bytes(8192, 0x90), test::mb1_header(0));
    auto image = load_kernel("kernel", file, memory_, flat);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "flat");
}

TEST_F(Multiboot1Test, BootInfoLargerThanItsAreaIsAnError) {
    options_.cmdline = std::string(0x10000, 'x');
    EXPECT_CONTAINS(load_error(elf32_kernel(0)), "boot info area");
}

}  // namespace
}  // namespace svm

namespace svm {
namespace {

// A kernel segment on svm's default boot information area: the information moves to free RAM,
// EBX follows it, and the memory map marks the new place reserved and the segment usable.
TEST(Multiboot1Layout, BootInfoMovesAroundASegmentAt0x83000) {
    GuestMemory memory = test::garbage_memory();
    Bytes code = test::concat(test::mb1_header(0x3), test::pattern(0x100, 9));
    Bytes file = test::make_elf32(
        {{0x100000, 0x100000, code, 0x1000}, {0x83000, 0x83000, test::pattern(0x10, 3), 0x1000}},
        0x10000C);
    auto image = load_kernel("k", file, memory, LoadOptions{});
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_TRUE(image->ebx);
    const uint32_t info = *image->ebx;
    EXPECT_NE(info, uint32_t{SVM_BOOT_INFO_ADDR});
    EXPECT_EQ(info, image->layout.boot_info);
    EXPECT_EQ(peek<uint8_t>(memory, 0x83000), test::pattern(0x10, 3)[0]);  // segment intact
    EXPECT_EQ(test::peek_string(memory, peek<uint32_t>(memory, info + 16)), "k");
    // mem_lower ends at the first reserved byte: the relocated information at 0x1000.
    EXPECT_EQ(peek<uint32_t>(memory, info + 4), info / 1024);
    uint32_t mmap = peek<uint32_t>(memory, info + 48), mmap_len = peek<uint32_t>(memory, info + 44);
    bool info_reserved = false, segment_usable = false;
    for (uint32_t p = mmap; p < mmap + mmap_len; p += 24) {
        uint64_t base = peek<uint64_t>(memory, p + 4), len = peek<uint64_t>(memory, p + 12);
        uint32_t type = peek<uint32_t>(memory, p + 20);
        if (base <= info && info < base + len) info_reserved = type == 2;
        if (base <= 0x83000 && 0x83000 < base + len) segment_usable = type == 1;
    }
    EXPECT_TRUE(info_reserved);
    EXPECT_TRUE(segment_usable);
}

}  // namespace
}  // namespace svm
