#include "core/loader/elf_sections.h"

#include <elf.h>

#include <cstddef>

#include "core/loader/checked_reader.h"

namespace svm {

std::optional<ElfSectionTable> elf_section_table(const ElfFile& elf,
                                                 std::span<const uint8_t> file) {
    size_t entsize = elf.is64() ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    if (elf.shnum() == 0 || elf.shentsize() != entsize) return std::nullopt;
    auto headers = CheckedReader(file).range(elf.shoff(), uint64_t(elf.shnum()) * entsize);
    if (!headers) return std::nullopt;
    return ElfSectionTable{elf.shnum(), static_cast<uint32_t>(entsize), elf.shstrndx(), *headers};
}

template <typename Shdr>
static void append_sections(uint16_t count, std::span<const uint8_t> file, BootInfoBlob& blob,
                            size_t table_offset) {
    CheckedReader reader(file);
    for (size_t i = 0; i < count; ++i) {
        size_t entry_offset = table_offset + i * sizeof(Shdr);
        Shdr shdr = *CheckedReader(blob.bytes()).read<Shdr>(entry_offset);
        bool symbols = shdr.sh_type == SHT_SYMTAB || shdr.sh_type == SHT_STRTAB;
        if (!symbols || (shdr.sh_flags & SHF_ALLOC) || shdr.sh_addr != 0 || shdr.sh_size == 0)
            continue;
        auto contents = reader.range(shdr.sh_offset, shdr.sh_size);
        if (!contents || !blob.fits(contents->size(), 8)) continue;
        blob.align(8);
        shdr.sh_addr = blob.address(blob.append(*contents));
        blob.patch(entry_offset, shdr);
    }
}

void append_symbol_sections(const ElfFile& elf, std::span<const uint8_t> file, BootInfoBlob& blob,
                            size_t table_offset) {
    if (elf.is64())
        append_sections<Elf64_Shdr>(elf.shnum(), file, blob, table_offset);
    else
        append_sections<Elf32_Shdr>(elf.shnum(), file, blob, table_offset);
}

}  // namespace svm
