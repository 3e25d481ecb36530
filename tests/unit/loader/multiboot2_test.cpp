// Multiboot 2 loading. The information is parsed back with the layouts of Multiboot 2.0
// section 3.6 (not svm's structs), so a layout mistake shows.
#include <elf.h>
#include <gtest/gtest.h>

#include <map>

#include "core/loader/kernel_image.h"
#include "core/loader/memory_map.h"
#include "test_images.h"

namespace svm {
namespace {

using test::Bytes;
using test::peek;

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

constexpr uint64_t kMbi = SVM_BOOT_INFO_ADDR;
constexpr uint16_t kOptional = 1;

struct Tag {
    uint64_t address;  // of the tag header
    uint32_t size;
};

class Multiboot2Test : public ::testing::Test {
protected:
    Result<KernelImage> load(const Bytes& file) {
        return load_kernel("kernel", file, memory_, options_);
    }
    std::string load_error(const Bytes& file) {
        auto image = load(file);
        EXPECT_FALSE(image);
        return image ? "" : image.error().message;
    }
    // An ELF kernel at 0x100000 whose first bytes are `header`.
    static Bytes elf_kernel(const Bytes& header, bool is64 = false, bool with_symtab = false) {
        Bytes code = test::concat(header, test::pattern(0x80, 3));
        std::vector<test::TestSegment> segments{{0x100000, 0x100000, code, 0x2000}};
        return is64 ? test::make_elf64(segments, 0x100100, with_symtab)
                    : test::make_elf32(segments, 0x100100, with_symtab);
    }
    // Walks the information tags from guest memory; checks alignment and the end tag.
    std::multimap<uint32_t, Tag> tags() const {
        std::multimap<uint32_t, Tag> found;
        uint32_t total = peek<uint32_t>(memory_, kMbi);
        uint64_t address = kMbi + 8;
        while (true) {
            EXPECT_EQ(address % 8, 0u);
            uint32_t type = peek<uint32_t>(memory_, address);
            uint32_t size = peek<uint32_t>(memory_, address + 4);
            if (type == 0) {
                EXPECT_EQ(size, 8u);
                EXPECT_EQ(address + 8 - kMbi, total);  // total_size ends with the end tag
                return found;
            }
            found.emplace(type, Tag{address, size});
            address += (size + 7) & ~7u;
            if (address >= kMbi + total) {
                ADD_FAILURE() << "no end tag within total_size";
                return found;
            }
        }
    }
    Tag tag(uint32_t type) const {
        auto all = tags();
        auto it = all.find(type);
        EXPECT_NE(it, all.end()) << "no tag of type " << type;
        return it == all.end() ? Tag{0, 0} : it->second;
    }

    GuestMemory memory_ = test::garbage_memory();
    LoadOptions options_;
};

TEST_F(Multiboot2Test, ElfKernelGetsTheMultiboot2Handoff) {
    options_.cmdline = "loglevel=7";
    auto image = load(elf_kernel(test::Mb2Header().bytes()));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "multiboot2");
    EXPECT_EQ(image->mode, CpuMode::Protected);
    EXPECT_EQ(image->entry, 0x100100u);
    EXPECT_EQ(image->eax, 0x36D76289u);
    EXPECT_EQ(image->ebx, kMbi);
    EXPECT_EQ(test::peek_string(memory_, tag(1).address + 8), "loglevel=7");
    EXPECT_EQ(test::peek_string(memory_, tag(2).address + 8), "svm");
    Tag meminfo = tag(4);
    EXPECT_EQ(meminfo.size, 16u);
    EXPECT_EQ(peek<uint32_t>(memory_, meminfo.address + 8), 0x70000u / 1024);
    EXPECT_EQ(peek<uint32_t>(memory_, meminfo.address + 12), (64u << 20) / 1024 - 1024);
    EXPECT_EQ(peek<uint32_t>(memory_, tag(21).address + 8), 0x100000u);  // load base address
    EXPECT_EQ(tags().count(3), 0u);                                      // no modules
}

TEST_F(Multiboot2Test, MemoryMapTagMatchesTheBaseMap) {
    ASSERT_TRUE(load(elf_kernel(test::Mb2Header().bytes())));
    Tag mmap = tag(6);
    EXPECT_EQ(peek<uint32_t>(memory_, mmap.address + 8), 24u);  // entry_size
    EXPECT_EQ(peek<uint32_t>(memory_, mmap.address + 12), 0u);  // entry_version
    auto expected = base_memory_map(memory_.size());
    ASSERT_EQ(mmap.size, 16 + 24 * expected.size());
    uint64_t entry = mmap.address + 16;
    for (const auto& range : expected) {
        EXPECT_EQ(peek<uint64_t>(memory_, entry), range.base);
        EXPECT_EQ(peek<uint64_t>(memory_, entry + 8), range.length);
        EXPECT_EQ(peek<uint32_t>(memory_, entry + 16), range.type == SVM_MEM_RAM ? 1u : 2u);
        entry += 24;
    }
}

TEST_F(Multiboot2Test, MachineTagPointsAtTheMachineTable) {
    ASSERT_TRUE(load(elf_kernel(test::Mb2Header().bytes())));
    Tag machine = tag(SVM_MULTIBOOT2_TAG_MACHINE);
    EXPECT_EQ(machine.size, 16u);
    EXPECT_EQ(peek<uint64_t>(memory_, machine.address + 8), uint64_t{SVM_MACHINE_TABLE_ADDR});
}

TEST_F(Multiboot2Test, Elf64KernelStartsInProtectedMode) {
    auto image = load(elf_kernel(test::Mb2Header().bytes(), true));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->mode, CpuMode::Protected);
    EXPECT_TRUE(image->mappings.empty());
    EXPECT_TRUE(image->is_elf);
}

TEST_F(Multiboot2Test, ModuleTagsCarryAddressesAndStrings) {
    Bytes contents = test::pattern(300, 8);
    options_.modules = {{test::write_temp_file("mb2_module", contents), "ramdisk size=300"}};
    auto image = load(elf_kernel(test::Mb2Header().tag(6, 0, {}).bytes()));
    ASSERT_TRUE(image) << image.error().message;
    Tag module = tag(3);
    uint32_t start = peek<uint32_t>(memory_, module.address + 8);
    EXPECT_EQ(start, 0x102000u);  // page-aligned after the kernel's 0x2000 bytes
    EXPECT_EQ(peek<uint32_t>(memory_, module.address + 12), start + 300);
    EXPECT_EQ(test::peek_string(memory_, module.address + 16), "ramdisk size=300");
    EXPECT_EQ(test::peek_bytes(memory_, start, 300), contents);
}

TEST_F(Multiboot2Test, AddressAndEntryTagsLoadANonElfImage) {
    // load_addr -1: load from the start of the file, which puts the header (offset 0) at
    // header_addr.
    Bytes header = test::Mb2Header()
                       .tag(2, 0, {0x200000, 0xFFFFFFFF, 0, 0x203000})
                       .tag(3, 0, {0x200200})
                       .bytes();
    Bytes file = test::concat(header, test::pattern(0x100, 2));
    auto image = load(file);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_FALSE(image->is_elf);
    EXPECT_EQ(image->entry, 0x200200u);
    EXPECT_EQ(test::peek_bytes(memory_, 0x200000, file.size()), file);
    EXPECT_EQ(peek<uint32_t>(memory_, 0x202FFC), 0u);  // BSS up to bss_end_addr
    EXPECT_EQ(peek<uint8_t>(memory_, 0x203000), 0xCC);
}

TEST_F(Multiboot2Test, AddressTagWithoutEntryForNonElfIsAnError) {
    Bytes header = test::Mb2Header().tag(2, 0, {0x200000, 0x200000, 0, 0}).bytes();
    EXPECT_CONTAINS(load_error(test::concat(header, test::pattern(16, 1))), "entry address tag");
}

TEST_F(Multiboot2Test, TakesPrecedenceOverMultiboot1) {
    Bytes headers = test::concat(test::Mb2Header().bytes(), test::mb1_header(0));
    auto image = load(elf_kernel(headers));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "multiboot2");
}

TEST_F(Multiboot2Test, ElfSectionsTagHoldsTheSectionHeaders) {
    ASSERT_TRUE(load(elf_kernel(test::Mb2Header().bytes(), true, true)));
    Tag sections = tag(9);
    EXPECT_EQ(peek<uint32_t>(memory_, sections.address + 8), 4u);                   // num
    EXPECT_EQ(peek<uint32_t>(memory_, sections.address + 12), sizeof(Elf64_Shdr));  // entsize
    EXPECT_EQ(peek<uint32_t>(memory_, sections.address + 16), 3u);                  // shndx
    EXPECT_EQ(sections.size, 20 + 4 * sizeof(Elf64_Shdr));
    auto strtab = peek<Elf64_Shdr>(memory_, sections.address + 20 + 2 * sizeof(Elf64_Shdr));
    ASSERT_NE(strtab.sh_addr, 0u);
    EXPECT_EQ(test::peek_bytes(memory_, strtab.sh_addr, strtab.sh_size), test::test_strtab());
}

TEST_F(Multiboot2Test, BadChecksumIsAnError) {
    Bytes header = test::Mb2Header().bytes();
    test::poke(header, 12, uint32_t{0});
    EXPECT_CONTAINS(load_error(elf_kernel(header)), "Multiboot 2 header checksum is wrong");
}

TEST_F(Multiboot2Test, TagSizeOverflowingTheHeaderIsAnError) {
    Bytes header = test::Mb2Header().tag(4, 0, {0}).bytes();
    test::poke(header, 16 + 4, uint32_t{0x1000});  // the console flags tag's size
    EXPECT_CONTAINS(load_error(elf_kernel(header)),
                    "tag 0 (type 4) size 4096 overflows the header");
}

TEST_F(Multiboot2Test, TagSmallerThanItsHeaderIsAnError) {
    Bytes header = test::Mb2Header().tag(4, 0, {0}).bytes();
    test::poke(header, 16 + 4, uint32_t{4});
    EXPECT_CONTAINS(load_error(elf_kernel(header)), "has size 4, less than 8");
}

TEST_F(Multiboot2Test, RequiredFramebufferIsAnError) {
    Bytes header = test::Mb2Header().tag(5, 0, {1024, 768, 32}).bytes();
    EXPECT_CONTAINS(load_error(elf_kernel(header)), "requires a framebuffer");
}

TEST_F(Multiboot2Test, OptionalFramebufferAndConsoleFlagsAreIgnored) {
    Bytes header = test::Mb2Header()
                       .tag(5, kOptional, {1024, 768, 32})
                       .tag(4, 0, {3})
                       .tag(10, 0, {0, 0, 0, 0})
                       .bytes();
    auto image = load(elf_kernel(header));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(tags().count(8), 0u);  // no framebuffer information
    EXPECT_FALSE(image->video);
}

// The framebuffer information tag (Multiboot 2.0 section 3.6.12, GRUB's multiboot2.h layout:
// a u16 reserved field, colour information at offset 32).
struct FramebufferInfo {
    uint64_t address;
    uint32_t pitch, width, height;
    uint8_t bpp, type;
    uint16_t reserved;
};

class Multiboot2VideoTest : public Multiboot2Test {
protected:
    Multiboot2VideoTest() { options_.display = DisplayCaps{}; }
    FramebufferInfo framebuffer(const Tag& tag) const {
        return FramebufferInfo{
            peek<uint64_t>(memory_, tag.address + 8),  peek<uint32_t>(memory_, tag.address + 16),
            peek<uint32_t>(memory_, tag.address + 20), peek<uint32_t>(memory_, tag.address + 24),
            peek<uint8_t>(memory_, tag.address + 28),  peek<uint8_t>(memory_, tag.address + 29),
            peek<uint16_t>(memory_, tag.address + 30)};
    }
    // The six bytes of RGB field positions and mask sizes.
    Bytes rgb_fields(const Tag& tag) const {
        return test::peek_bytes(memory_, tag.address + 32, 6);
    }
};

TEST_F(Multiboot2VideoTest, RequiredFramebufferGetsTheModeAndATag8) {
    auto image = load(elf_kernel(test::Mb2Header().tag(5, 0, {1024, 768, 32}).bytes()));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_TRUE(image->video);
    EXPECT_EQ(image->video->kind, VideoMode::Kind::Linear);
    EXPECT_EQ(image->video->width, 1024u);
    EXPECT_EQ(image->video->height, 768u);
    EXPECT_EQ(image->video->bpp, 32u);
    EXPECT_EQ(image->video->pitch, 4096u);
    EXPECT_EQ(image->video->address, 0xFD000000u);
    ASSERT_EQ(tags().count(8), 1u);
    Tag tag8 = tag(8);
    EXPECT_EQ(tag8.size, 38u);  // 32 + 6 bytes of colour information
    auto fb = framebuffer(tag8);
    EXPECT_EQ(fb.address, 0xFD000000u);
    EXPECT_EQ(fb.pitch, 4096u);
    EXPECT_EQ(fb.width, 1024u);
    EXPECT_EQ(fb.height, 768u);
    EXPECT_EQ(fb.bpp, 32u);
    EXPECT_EQ(fb.type, 1u);  // RGB
    EXPECT_EQ(fb.reserved, 0u);
    EXPECT_EQ(rgb_fields(tag8), (Bytes{16, 8, 8, 8, 0, 8}));
    EXPECT_EQ(tags().count(SVM_MULTIBOOT2_TAG_MACHINE), 1u);  // the rest is still there
}

TEST_F(Multiboot2VideoTest, OptionalFramebufferWithADisplayGetsOneToo) {
    auto image = load(elf_kernel(test::Mb2Header().tag(5, kOptional, {800, 600, 16}).bytes()));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_TRUE(image->video);
    Tag tag8 = tag(8);
    auto fb = framebuffer(tag8);
    EXPECT_EQ(fb.width, 800u);
    EXPECT_EQ(fb.height, 600u);
    EXPECT_EQ(fb.bpp, 16u);
    EXPECT_EQ(fb.pitch, 1600u);
    EXPECT_EQ(rgb_fields(tag8), (Bytes{11, 5, 5, 6, 0, 5}));
}

TEST_F(Multiboot2VideoTest, FifteenBitModeHasFiveBitFields) {
    ASSERT_TRUE(load(elf_kernel(test::Mb2Header().tag(5, 0, {640, 480, 15}).bytes())));
    Tag tag8 = tag(8);
    EXPECT_EQ(framebuffer(tag8).pitch, 1280u);
    EXPECT_EQ(rgb_fields(tag8), (Bytes{10, 5, 5, 5, 0, 5}));
}

TEST_F(Multiboot2VideoTest, SizesAreClampedAndAnOddDepthGets32) {
    auto image = load(elf_kernel(test::Mb2Header().tag(5, 0, {100000, 100000, 7}).bytes()));
    ASSERT_TRUE(image) << image.error().message;
    auto fb = framebuffer(tag(8));
    EXPECT_EQ(fb.width, 2560u);
    EXPECT_EQ(fb.height, 1600u);
    EXPECT_EQ(fb.bpp, 32u);
    EXPECT_EQ(fb.pitch, 2560u * 4);
}

TEST_F(Multiboot2VideoTest, NoPreferenceGetsTheDefaultMode) {
    ASSERT_TRUE(load(elf_kernel(test::Mb2Header().tag(5, 0, {0, 0, 0}).bytes())));
    auto fb = framebuffer(tag(8));
    EXPECT_EQ(fb.width, 1024u);
    EXPECT_EQ(fb.height, 768u);
    EXPECT_EQ(fb.bpp, 32u);
}

TEST_F(Multiboot2VideoTest, EightBitModeCarriesTheVgaPalette) {
    ASSERT_TRUE(load(elf_kernel(test::Mb2Header().tag(5, 0, {320, 200, 8}).bytes())));
    Tag tag8 = tag(8);
    auto fb = framebuffer(tag8);
    EXPECT_EQ(fb.type, 0u);  // indexed
    EXPECT_EQ(fb.pitch, 320u);
    EXPECT_EQ(tag8.size, 32u + 2 + 256 * 3);
    EXPECT_EQ(peek<uint16_t>(memory_, tag8.address + 32), 256u);  // palette_num_colors
    EXPECT_EQ(test::peek_bytes(memory_, tag8.address + 34, 6), (Bytes{0, 0, 0, 0, 0, 0xAA}));
    EXPECT_EQ(test::peek_bytes(memory_, tag8.address + 34 + 15 * 3, 3), (Bytes{0xFF, 0xFF, 0xFF}));
}

TEST_F(Multiboot2VideoTest, FramebufferInfoRequestWithoutTag5GetsEgaText) {
    auto image = load(elf_kernel(test::Mb2Header().tag(1, 0, {8}).bytes()));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_TRUE(image->video);
    EXPECT_EQ(image->video->kind, VideoMode::Kind::EgaText);
    Tag tag8 = tag(8);
    EXPECT_EQ(tag8.size, 32u);
    auto fb = framebuffer(tag8);
    EXPECT_EQ(fb.address, 0xB8000u);
    EXPECT_EQ(fb.pitch, 160u);
    EXPECT_EQ(fb.width, 80u);
    EXPECT_EQ(fb.height, 25u);
    EXPECT_EQ(fb.bpp, 16u);
    EXPECT_EQ(fb.type, 2u);  // EGA text
}

TEST_F(Multiboot2VideoTest, KernelWithoutAVideoRequestGetsNone) {
    auto image = load(elf_kernel(test::Mb2Header().tag(4, 0, {3}).bytes()));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_FALSE(image->video);
    EXPECT_EQ(tags().count(8), 0u);
}

TEST_F(Multiboot2VideoTest, MemoryMapDoesNotListTheFramebuffer) {
    ASSERT_TRUE(load(elf_kernel(test::Mb2Header().tag(5, 0, {0, 0, 0}).bytes())));
    Tag mmap = tag(6);
    for (uint64_t entry = mmap.address + 16; entry < mmap.address + mmap.size; entry += 24) {
        uint64_t base = peek<uint64_t>(memory_, entry), length = peek<uint64_t>(memory_, entry + 8);
        EXPECT_LE(base + length, 0xFD000000u);
    }
}

TEST_F(Multiboot2VideoTest, FramebufferOverlappingRamIsAnError) {
    options_.display->lfb_address = 0x1000000;  // inside the 64 MiB of RAM
    EXPECT_CONTAINS(load_error(elf_kernel(test::Mb2Header().tag(5, 0, {0, 0, 0}).bytes())),
                    "framebuffer at 0x1000000 overlaps guest RAM");
}

TEST_F(Multiboot2VideoTest, ShortFramebufferTagIsAnError) {
    EXPECT_CONTAINS(load_error(elf_kernel(test::Mb2Header().tag(5, 0, {1024, 768}).bytes())),
                    "less than the 20 bytes");
}

TEST_F(Multiboot2VideoTest, HostileFramebufferTagsNeverFail) {
    for (uint32_t value : {0u, 1u, 7u, 0x80000000u, 0xFFFFFFFFu}) {
        auto image = load(elf_kernel(test::Mb2Header().tag(5, 0, {value, value, value}).bytes()));
        ASSERT_TRUE(image) << image.error().message;
        auto fb = framebuffer(tag(8));
        EXPECT_LE(uint64_t(fb.pitch) * fb.height, 16u << 20) << value;
        EXPECT_GE(fb.width, 8u);
    }
}

TEST_F(Multiboot2Test, OptionalFramebufferWithoutADisplayIsIgnored) {
    auto image = load(elf_kernel(test::Mb2Header().tag(5, kOptional, {1024, 768, 32}).bytes()));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_FALSE(image->video);
    EXPECT_EQ(tags().count(8), 0u);
}

TEST_F(Multiboot2Test, RequiredInformationSvmLacksIsAnErrorNamingIt) {
    Bytes header = test::Mb2Header().tag(1, 0, {6, 8}).bytes();
    EXPECT_CONTAINS(load_error(elf_kernel(header)), "tag type 8 (framebuffer information)");
}

TEST_F(Multiboot2Test, OptionalInformationRequestIsSatisfiedWhereItCanBe) {
    Bytes header = test::Mb2Header().tag(1, kOptional, {6, 8, 14}).tag(1, 0, {1, 4, 6}).bytes();
    ASSERT_TRUE(load(elf_kernel(header)));
    EXPECT_EQ(tags().count(6), 1u);
}

TEST_F(Multiboot2Test, RequiredEfiTagIsAnError) {
    Bytes header = test::Mb2Header().tag(9, 0, {0x100000}).bytes();
    EXPECT_CONTAINS(load_error(elf_kernel(header)), "requires EFI (tag type 9)");
}

TEST_F(Multiboot2Test, UnknownRequiredTagIsAnError) {
    Bytes header = test::Mb2Header().tag(42, 0, {}).bytes();
    EXPECT_CONTAINS(load_error(elf_kernel(header)), "type 42, which svm does not support");
}

TEST_F(Multiboot2Test, HeaderLengthPastTheFileIsAnError) {
    Bytes file = test::Mb2Header().bytes();
    test::poke(file, 8, uint32_t{0x100});
    test::poke(file, 12, uint32_t(0u - 0xE85250D6u - 0x100u));
    EXPECT_CONTAINS(load_error(file), "header_length 256 is outside the file");
}

}  // namespace
}  // namespace svm
