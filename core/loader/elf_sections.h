// The ELF section header table a Multiboot kernel may receive (Multiboot 0.6.96 section 3.3,
// flags bit 5; Multiboot 2.0 section 3.6.7), so it can find its own symbol table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/loader/boot_info_blob.h"
#include "core/loader/elf_file.h"

namespace svm {

struct ElfSectionTable {
    uint32_t num;
    uint32_t entsize;
    uint32_t shndx;                    // index of the section name string table
    std::span<const uint8_t> headers;  // num * entsize bytes of the file
};

// Returns the image's section header table if it has one (e_shnum > 0), its entries have the
// standard size and it lies inside the file; nullopt otherwise (svm then omits it; loading does
// not need sections).
std::optional<ElfSectionTable> elf_section_table(const ElfFile& elf, std::span<const uint8_t> file);

// GRUB loads the sections no segment covers so that sh_addr of every section is meaningful.
// svm does that for the symbol and string tables (SHT_SYMTAB, SHT_STRTAB without SHF_ALLOC): it
// appends their contents to `blob`, 8-aligned, while they fit in the boot info area, and patches
// sh_addr in the table copy at `table_offset`. Sections that do not fit keep sh_addr 0.
void append_symbol_sections(const ElfFile& elf, std::span<const uint8_t> file, BootInfoBlob& blob,
                            size_t table_offset);

}  // namespace svm
