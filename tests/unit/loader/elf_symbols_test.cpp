#include "core/loader/elf_symbols.h"

#include <elf.h>
#include <gtest/gtest.h>

#include "test_images.h"

namespace svm {
namespace {

using test::Bytes;

struct TestSymbol {
    const char* name;
    uint64_t value;
    uint64_t size;
    unsigned type;       // STT_*
    uint16_t shndx = 1;  // defined in section 1 unless SHN_UNDEF
};

// An ELF image from make_elf64/make_elf32 with a section header table of [null, .symtab,
// .strtab] holding `symbols` (after the null symbol).
template <typename Ehdr, typename Shdr, typename Sym>
Bytes with_symbols(Bytes image, const std::vector<TestSymbol>& symbols) {
    Bytes strtab{0};
    std::vector<Sym> syms(1);
    for (const TestSymbol& t : symbols) {
        Sym s{};
        s.st_name = static_cast<uint32_t>(strtab.size());
        strtab.insert(strtab.end(), t.name, t.name + std::strlen(t.name) + 1);
        s.st_value = static_cast<decltype(s.st_value)>(t.value);
        s.st_size = static_cast<decltype(s.st_size)>(t.size);
        s.st_info = static_cast<unsigned char>((STB_GLOBAL << 4) | t.type);
        s.st_shndx = t.shndx;
        syms.push_back(s);
    }
    while (image.size() % 8) image.push_back(0);
    size_t symtab = image.size();
    const auto* sym_bytes = reinterpret_cast<const uint8_t*>(syms.data());
    image.insert(image.end(), sym_bytes, sym_bytes + syms.size() * sizeof(Sym));
    size_t strings = image.size();
    image.insert(image.end(), strtab.begin(), strtab.end());
    while (image.size() % 8) image.push_back(0);
    Shdr shdrs[3]{};
    shdrs[1].sh_type = SHT_SYMTAB;
    shdrs[1].sh_offset = static_cast<decltype(shdrs[1].sh_offset)>(symtab);
    shdrs[1].sh_size = static_cast<decltype(shdrs[1].sh_size)>(syms.size() * sizeof(Sym));
    shdrs[1].sh_link = 2;
    shdrs[1].sh_entsize = sizeof(Sym);
    shdrs[2].sh_type = SHT_STRTAB;
    shdrs[2].sh_offset = static_cast<decltype(shdrs[2].sh_offset)>(strings);
    shdrs[2].sh_size = static_cast<decltype(shdrs[2].sh_size)>(strtab.size());
    Ehdr eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    eh.e_shoff = static_cast<decltype(eh.e_shoff)>(image.size());
    eh.e_shentsize = sizeof(Shdr);
    eh.e_shnum = 3;
    eh.e_shstrndx = 0;
    std::memcpy(image.data(), &eh, sizeof eh);
    const auto* sh_bytes = reinterpret_cast<const uint8_t*>(shdrs);
    image.insert(image.end(), sh_bytes, sh_bytes + sizeof shdrs);
    return image;
}

const std::vector<test::TestSegment> kSegments = {{0x100000, 0x100000, Bytes(64, 0x90), 0x1000}};

TEST(ElfSymbols, LooksUpSizedAndUnsizedSymbols) {
    Bytes image = with_symbols<Elf64_Ehdr, Elf64_Shdr, Elf64_Sym>(
        test::make_elf64(kSegments, 0x100000),
        {{"kmain", 0xffffffff80001000, 0x40, STT_FUNC},
         {"isr_stub", 0xffffffff80002000, 0, STT_NOTYPE},
         {"counter", 0xffffffff80003000, 8, STT_OBJECT},
         {"extern_fn", 0xffffffff80004000, 0, STT_FUNC, SHN_UNDEF},
         {"file.c", 0xffffffff80005000, 0, STT_FILE}});
    auto symbols = ElfSymbols::parse(image);
    ASSERT_TRUE(symbols) << symbols.error().message;
    EXPECT_EQ(symbols->size(), 3u);  // the undefined and the file symbol are dropped
    EXPECT_EQ(symbols->describe(0xffffffff80001000), "<kmain>");
    EXPECT_EQ(symbols->describe(0xffffffff80001012), "<kmain+0x12>");
    EXPECT_EQ(symbols->describe(0xffffffff80001040), "");                 // past kmain's 0x40 bytes
    EXPECT_EQ(symbols->describe(0xffffffff80002010), "<isr_stub+0x10>");  // an unsized label
    EXPECT_EQ(symbols->describe(0xffffffff80003004), "<counter+0x4>");
    EXPECT_EQ(symbols->describe(0xffffffff80000fff), "");  // below every symbol
    auto match = symbols->lookup(0xffffffff80001010);
    ASSERT_TRUE(match);
    EXPECT_EQ(match->symbol->name, "kmain");
    EXPECT_EQ(match->offset, 0x10u);
}

TEST(ElfSymbols, ReadsElf32) {
    Bytes image = with_symbols<Elf32_Ehdr, Elf32_Shdr, Elf32_Sym>(
        test::make_elf32(kSegments, 0x100000), {{"start", 0x100000, 0x20, STT_FUNC}});
    auto symbols = ElfSymbols::parse(image);
    ASSERT_TRUE(symbols) << symbols.error().message;
    EXPECT_EQ(symbols->describe(0x100008), "<start+0x8>");
}

TEST(ElfSymbols, StrippedImageHasNoSymbols) {
    auto symbols = ElfSymbols::parse(test::make_elf64(kSegments, 0x100000));
    ASSERT_TRUE(symbols) << symbols.error().message;
    EXPECT_TRUE(symbols->empty());
    EXPECT_EQ(symbols->describe(0x100000), "");
}

TEST(ElfSymbols, RejectsNonElfAndSurvivesBadOffsets) {
    EXPECT_FALSE(ElfSymbols::parse(Bytes(64, 0x90)));
    Bytes image = with_symbols<Elf64_Ehdr, Elf64_Shdr, Elf64_Sym>(
        test::make_elf64(kSegments, 0x100000), {{"kmain", 0x100000, 0x40, STT_FUNC}});
    // Point .symtab past the end of the file: the table is skipped, nothing is read out of bounds.
    Elf64_Ehdr eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    Elf64_Shdr symtab;
    std::memcpy(&symtab, image.data() + eh.e_shoff + sizeof(Elf64_Shdr), sizeof symtab);
    symtab.sh_offset = image.size() - 8;
    std::memcpy(image.data() + eh.e_shoff + sizeof(Elf64_Shdr), &symtab, sizeof symtab);
    auto symbols = ElfSymbols::parse(image);
    ASSERT_TRUE(symbols) << symbols.error().message;
    EXPECT_TRUE(symbols->empty());
}

}  // namespace
}  // namespace svm
