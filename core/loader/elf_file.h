// A validated view of an ELF32 (i386) or ELF64 (x86-64) executable: the header fields and PT_LOAD
// segments a loader needs, every offset and size already checked against the file.
// Format: System V ABI gABI chapters 4 ("Object Files") and 5 ("Program Loading").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/loader/image_placer.h"
#include "core/result.h"
#include "core/x86_64/virtual_mapping.h"

namespace svm {

struct ElfSegment {
    unsigned index;  // program header index, as readelf numbers segments
    uint64_t offset;
    uint64_t file_size;
    uint64_t mem_size;
    uint64_t vaddr;
    uint64_t paddr;

    // "segment 2 (p_paddr 0x100000, p_memsz 0x3000)", the prefix of every error about it.
    std::string describe() const;
};

class ElfFile {
public:
    // Returns the parsed image, or an error naming the problem: truncated header, wrong class,
    // byte order, type (not ET_EXEC) or machine, a program header table outside the file,
    // a PT_LOAD with p_filesz > p_memsz, file bytes past the end of the file or an address range
    // that wraps. `file` must start with the ELF magic (has_elf_magic).
    // With `allow_pie`, an ELF64 position-independent executable (ET_DYN) parses too (for the
    // Limine protocol, which relocates such executables; elf_relocations.h).
    static Result<ElfFile> parse(std::span<const uint8_t> file, bool allow_pie = false);

    bool is64() const { return is64_; }
    // True for a position-independent executable (ET_DYN; parse with allow_pie).
    bool is_pie() const { return is_pie_; }
    // The PT_DYNAMIC segment's file bytes (offset, size), checked against the file; size 0 if
    // there is none.
    uint64_t dynamic_offset() const { return dynamic_offset_; }
    uint64_t dynamic_size() const { return dynamic_size_; }
    uint64_t entry() const { return entry_; }
    // PT_LOAD segments with p_memsz > 0, in program header order.
    const std::vector<ElfSegment>& segments() const { return segments_; }

    // The section header table as the file describes it (unchecked; see elf_sections.h).
    uint64_t shoff() const { return shoff_; }
    uint16_t shnum() const { return shnum_; }
    uint16_t shentsize() const { return shentsize_; }
    uint16_t shstrndx() const { return shstrndx_; }

    // Copies every segment's p_filesz bytes to p_paddr and zeroes the rest up to p_memsz.
    // Returns an error naming the segment if it lies outside RAM, in the VGA window or overlaps
    // another segment (ImagePlacer::check).
    Result<void> load(std::span<const uint8_t> file, ImagePlacer& placer) const;

    // The entry point for a start with paging off: e_entry, translated to p_paddr when it falls
    // inside a segment whose p_vaddr differs from p_paddr (as GRUB does for higher-half kernels).
    uint64_t physical_entry() const;

    // ELF64 only: a VirtualMapping for every segment with p_vaddr != p_paddr. Returns an error
    // naming the segment if p_vaddr is not canonical, is not congruent to p_paddr modulo the
    // 4 KiB page size, or lies below 4 GiB (which svm identity-maps). Also rejects a
    // non-canonical e_entry.
    // Every PT_LOAD segment whose p_vaddr differs from its p_paddr, unchecked: what a debugger
    // needs to place a breakpoint at a virtual address before the kernel maps it.
    std::vector<VirtualMapping> debug_mappings() const;
    Result<std::vector<VirtualMapping>> virtual_mappings() const;

private:
    ElfFile() = default;
    template <typename Ehdr, typename Phdr>
    static Result<ElfFile> parse_class(std::span<const uint8_t> file, bool allow_pie);

    bool is64_ = false;
    bool is_pie_ = false;
    uint64_t dynamic_offset_ = 0;
    uint64_t dynamic_size_ = 0;
    uint64_t entry_ = 0;
    std::vector<ElfSegment> segments_;
    uint64_t shoff_ = 0;
    uint16_t shnum_ = 0;
    uint16_t shentsize_ = 0;
    uint16_t shstrndx_ = 0;
};

// True if `file` starts with the four ELF magic bytes (0x7F 'E' 'L' 'F').
bool has_elf_magic(std::span<const uint8_t> file);

}  // namespace svm
