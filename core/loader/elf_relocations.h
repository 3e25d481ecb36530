// The dynamic relocations of an ELF64 position-independent executable, as a loader that places it
// at a slide applies them (System V ABI gABI chapter 5 "Dynamic Section"; x86-64 psABI 4.4
// "Relocation"). svm applies them to Limine executables (PROTOCOL.md "Memory Layout at Entry").
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/guest_memory.h"
#include "core/loader/elf_file.h"
#include "core/result.h"

namespace svm {

// One Elf64_Rela entry of the DT_RELA table.
struct ElfRelocation {
    uint64_t offset;  // r_offset: the link-time virtual address of the 8 bytes to patch
    uint32_t type;    // ELF64_R_TYPE(r_info)
    uint32_t symbol;  // ELF64_R_SYM(r_info)
    int64_t addend;   // r_addend
};

// Returns the DT_RELA table of `elf` (parsed from `file` with allow_pie), empty if the executable
// has no PT_DYNAMIC or no DT_RELA. Returns an error for a DT_REL table (x86-64 uses RELA), a
// DT_RELAENT other than 24, or a table that does not lie inside one segment's file bytes.
Result<std::vector<ElfRelocation>> elf_relocations(std::span<const uint8_t> file,
                                                   const ElfFile& elf);

// Applies `relocations` to the image of `elf` loaded at `slide` bytes above its link addresses,
// whose segment at link address v lies at guest-physical `physical(v)`: R_X86_64_RELATIVE stores
// slide + addend; R_X86_64_NONE does nothing. Returns an error naming the entry for any other
// type (svm does not resolve symbols) or a patch that does not lie inside one loaded segment.
template <typename Physical>
Result<void> apply_relocations(std::span<const ElfRelocation> relocations, const ElfFile& elf,
                               uint64_t slide, GuestMemory& memory, Physical physical);

// x86-64 psABI, Table 4.10 "Relocation Types".
constexpr uint32_t kRelocX86_64None = 0;
constexpr uint32_t kRelocX86_64Relative = 8;

template <typename Physical>
Result<void> apply_relocations(std::span<const ElfRelocation> relocations, const ElfFile& elf,
                               uint64_t slide, GuestMemory& memory, Physical physical) {
    for (size_t i = 0; i < relocations.size(); ++i) {
        const ElfRelocation& r = relocations[i];
        if (r.type == kRelocX86_64None) continue;
        if (r.type != kRelocX86_64Relative)
            return error(
                "relocation {} (r_offset {:#x}) has type {}; svm applies R_X86_64_RELATIVE only "
                "(link the executable with -static-pie or without -pie)",
                i, r.offset, r.type);
        bool inside = false;
        for (const auto& s : elf.segments())
            if (r.offset >= s.vaddr && s.mem_size >= 8 && r.offset - s.vaddr <= s.mem_size - 8)
                inside = true;
        if (!inside)
            return error("relocation {} patches {:#x}, which is not inside a loaded segment", i,
                         r.offset);
        TRY(memory.write_obj<uint64_t>(physical(r.offset + slide),
                                       slide + static_cast<uint64_t>(r.addend)));
    }
    return {};
}

}  // namespace svm
