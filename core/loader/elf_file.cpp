#include "core/loader/elf_file.h"

#include <elf.h>

#include <cstring>

#include "core/loader/checked_reader.h"

namespace svm {

bool has_elf_magic(std::span<const uint8_t> file) {
    return file.size() >= SELFMAG && std::memcmp(file.data(), ELFMAG, SELFMAG) == 0;
}

std::string ElfSegment::describe() const {
    return fmt::format("segment {} (p_paddr {:#x}, p_memsz {:#x})", index, paddr, mem_size);
}

Result<ElfFile> ElfFile::parse(std::span<const uint8_t> file, bool allow_pie) {
    if (file.size() < EI_NIDENT)
        return error("ELF header is truncated ({} of {} bytes)", file.size(), EI_NIDENT);
    switch (file[EI_CLASS]) {
        case ELFCLASS64:
            return parse_class<Elf64_Ehdr, Elf64_Phdr>(file, allow_pie);
        case ELFCLASS32:
            return parse_class<Elf32_Ehdr, Elf32_Phdr>(file, false);
        default:
            return error("ELF class {} is neither ELFCLASS32 nor ELFCLASS64", file[EI_CLASS]);
    }
}

template <typename Ehdr, typename Phdr>
Result<ElfFile> ElfFile::parse_class(std::span<const uint8_t> file, bool allow_pie) {
    constexpr bool is64 = sizeof(Ehdr) == sizeof(Elf64_Ehdr);
    constexpr unsigned bits = is64 ? 64 : 32;
    CheckedReader reader(file);
    auto header = reader.read<Ehdr>(0);
    if (!header)
        return error("ELF header is truncated ({} of {} bytes)", file.size(), sizeof(Ehdr));
    const Ehdr& eh = *header;
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return error("ELF{} image is not little-endian (EI_DATA {})", bits, eh.e_ident[EI_DATA]);
    if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
        return error("ELF{} version {} is not EV_CURRENT (1)", bits, eh.e_version);
    const bool pie = allow_pie && is64 && eh.e_type == ET_DYN;
    if (eh.e_type != ET_EXEC && !pie)
        return error("ELF{} type {} is not ET_EXEC (2); svm loads statically linked executables",
                     bits, eh.e_type);
    if (eh.e_machine != (is64 ? EM_X86_64 : EM_386))
        return error("ELF{} machine {} is not {}", bits, eh.e_machine,
                     is64 ? "x86-64 (EM_X86_64, 62)" : "i386 (EM_386, 3)");
    if (eh.e_phnum == 0) return error("ELF{} image has no program headers", bits);
    if (eh.e_phentsize < sizeof(Phdr))
        return error("ELF{} e_phentsize {} is smaller than a program header ({} bytes)", bits,
                     eh.e_phentsize, sizeof(Phdr));

    // e_phnum and e_phentsize are 16-bit, so their product fits; e_phoff + product may not.
    uint64_t table_size = uint64_t(eh.e_phnum) * eh.e_phentsize;
    uint64_t table_end;
    if (__builtin_add_overflow(uint64_t(eh.e_phoff), table_size, &table_end))
        return error("program header table (e_phoff {:#x}, {} entries of {} bytes) overflows",
                     uint64_t(eh.e_phoff), eh.e_phnum, eh.e_phentsize);
    if (!reader.contains(eh.e_phoff, table_size))
        return error(
            "program header table (e_phoff {:#x}, {} entries of {} bytes) is truncated: the "
            "file ends at {:#x}",
            uint64_t(eh.e_phoff), eh.e_phnum, eh.e_phentsize, file.size());

    ElfFile elf;
    elf.is64_ = is64;
    elf.is_pie_ = pie;
    elf.entry_ = eh.e_entry;
    elf.shoff_ = eh.e_shoff;
    elf.shnum_ = eh.e_shnum;
    elf.shentsize_ = eh.e_shentsize;
    elf.shstrndx_ = eh.e_shstrndx;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Phdr ph = *reader.read<Phdr>(eh.e_phoff + uint64_t(i) * eh.e_phentsize);
        if (ph.p_type == PT_DYNAMIC && reader.contains(ph.p_offset, ph.p_filesz)) {
            elf.dynamic_offset_ = ph.p_offset;
            elf.dynamic_size_ = ph.p_filesz;
        }
        if (ph.p_type != PT_LOAD) continue;
        ElfSegment segment{i, ph.p_offset, ph.p_filesz, ph.p_memsz, ph.p_vaddr, ph.p_paddr};
        if (segment.file_size > segment.mem_size)
            return error("{} has p_filesz {:#x} larger than p_memsz", segment.describe(),
                         segment.file_size);
        if (!reader.contains(segment.offset, segment.file_size))
            return error(
                "{}: p_offset {:#x} + p_filesz {:#x} lies past the end of the {}-byte file",
                segment.describe(), segment.offset, segment.file_size, file.size());
        uint64_t end;
        if (__builtin_add_overflow(segment.paddr, segment.mem_size, &end) ||
            __builtin_add_overflow(segment.vaddr, segment.mem_size, &end))
            return error("{} wraps around the end of the address space", segment.describe());
        if (segment.mem_size != 0) elf.segments_.push_back(segment);
    }
    if (elf.segments_.empty()) return error("ELF{} image has no non-empty PT_LOAD segment", bits);
    return elf;
}

Result<void> ElfFile::load(std::span<const uint8_t> file, ImagePlacer& placer) const {
    for (const auto& segment : segments_) {
        // parse() checked that the file bytes exist and fit in p_memsz.
        auto bytes = file.subspan(segment.offset, segment.file_size);
        TRY(placer.place(segment.describe(), segment.paddr, bytes, segment.mem_size, false));
    }
    return {};
}

uint64_t ElfFile::physical_entry() const {
    for (const auto& segment : segments_) {
        if (entry_ >= segment.vaddr && entry_ - segment.vaddr < segment.mem_size)
            return entry_ - segment.vaddr + segment.paddr;
    }
    return entry_;
}

// Intel SDM Vol. 1, 3.3.7.1: a 64-bit linear address is canonical if bits 63:47 are all equal
// (4-level paging).
static bool is_canonical(uint64_t address) {
    uint64_t top = address >> 47;
    return top == 0 || top == 0x1FFFF;
}

Result<std::vector<VirtualMapping>> ElfFile::virtual_mappings() const {
    if (!is_canonical(entry_))
        return error("entry point e_entry {:#x} is not a canonical x86-64 address", entry_);
    std::vector<VirtualMapping> mappings;
    for (const auto& segment : segments_) {
        uint64_t last = segment.vaddr + segment.mem_size - 1;  // parse() ruled out wrapping
        if (!is_canonical(segment.vaddr) || !is_canonical(last) ||
            (segment.vaddr >> 47) != (last >> 47))
            return error("{}: p_vaddr range [{:#x}, {:#x}] is not canonical x86-64 addresses",
                         segment.describe(), segment.vaddr, last);
        if (segment.vaddr == segment.paddr) continue;
        if ((segment.vaddr - segment.paddr) % 4096 != 0)
            return error("{}: p_vaddr {:#x} and p_paddr differ in their offset within a 4 KiB page",
                         segment.describe(), segment.vaddr);
        if (segment.vaddr < (uint64_t(1) << 32))
            return error(
                "{}: p_vaddr {:#x} lies below 4 GiB, which svm identity-maps, but differs from "
                "p_paddr",
                segment.describe(), segment.vaddr);
        mappings.push_back(VirtualMapping{segment.vaddr, segment.paddr, segment.mem_size});
    }
    return mappings;
}

std::vector<VirtualMapping> ElfFile::debug_mappings() const {
    std::vector<VirtualMapping> mappings;
    for (const auto& segment : segments_)
        if (segment.vaddr != segment.paddr)
            mappings.push_back(VirtualMapping{segment.vaddr, segment.paddr, segment.mem_size});
    return mappings;
}

}  // namespace svm
