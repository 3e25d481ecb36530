#include "core/loader/elf_symbols.h"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/loader/checked_reader.h"
#include "core/loader/elf_file.h"
#include "core/loader/elf_sections.h"

namespace svm {

namespace {

template <typename Shdr, typename Sym>
std::vector<ElfSymbols::Symbol> read_symbols(const ElfSectionTable& table,
                                             std::span<const uint8_t> file) {
    std::vector<ElfSymbols::Symbol> out;
    CheckedReader reader(file);
    CheckedReader headers(table.headers);
    for (uint32_t i = 0; i < table.num; ++i) {
        auto shdr = headers.read<Shdr>(uint64_t{i} * sizeof(Shdr));
        if (!shdr || shdr->sh_type != SHT_SYMTAB || shdr->sh_entsize != sizeof(Sym)) continue;
        auto strhdr = headers.read<Shdr>(uint64_t{shdr->sh_link} * sizeof(Shdr));
        if (shdr->sh_link >= table.num || !strhdr) continue;
        auto syms = reader.range(shdr->sh_offset, shdr->sh_size);
        auto strings = reader.range(strhdr->sh_offset, strhdr->sh_size);
        if (!syms || !strings) continue;
        CheckedReader sym_reader(*syms);
        for (uint64_t off = 0; off + sizeof(Sym) <= syms->size(); off += sizeof(Sym)) {
            Sym sym = *sym_reader.read<Sym>(off);
            unsigned type = sym.st_info & 0xf;  // ELF32_ST_TYPE and ELF64_ST_TYPE agree
            if (sym.st_shndx == SHN_UNDEF || sym.st_name == 0 || sym.st_name >= strings->size())
                continue;
            if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) continue;
            const char* begin = reinterpret_cast<const char*>(strings->data()) + sym.st_name;
            size_t max = strings->size() - sym.st_name;
            std::string name(begin, strnlen(begin, max));
            if (name.empty()) continue;
            out.push_back({sym.st_value, sym.st_size, std::move(name)});
        }
    }
    return out;
}

}  // namespace

Result<ElfSymbols> ElfSymbols::parse(std::span<const uint8_t> file) {
    if (!has_elf_magic(file)) return error("not an ELF file");
    auto elf = TRY(ElfFile::parse(file));
    ElfSymbols result;
    auto table = elf_section_table(elf, file);
    if (!table) return result;
    result.symbols_ = elf.is64() ? read_symbols<Elf64_Shdr, Elf64_Sym>(*table, file)
                                 : read_symbols<Elf32_Shdr, Elf32_Sym>(*table, file);
    // Sized symbols after unsized ones at the same address, so lookup() prefers them.
    std::stable_sort(result.symbols_.begin(), result.symbols_.end(),
                     [](const Symbol& a, const Symbol& b) {
                         return a.value != b.value ? a.value < b.value : a.size < b.size;
                     });
    return result;
}

std::optional<ElfSymbols::Match> ElfSymbols::lookup(uint64_t address) const {
    auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                               [](uint64_t a, const Symbol& s) { return a < s.value; });
    if (it == symbols_.begin()) return std::nullopt;
    const Symbol& s = *std::prev(it);
    if (s.size != 0 && address - s.value >= s.size) return std::nullopt;
    return Match{&s, address - s.value};
}

std::string ElfSymbols::describe(uint64_t address) const {
    auto m = lookup(address);
    if (!m) return {};
    if (m->offset == 0) return fmt::format("<{}>", m->symbol->name);
    return fmt::format("<{}+{:#x}>", m->symbol->name, m->offset);
}

}  // namespace svm
