#include "core/loader/elf_relocations.h"

#include <elf.h>

#include "core/loader/checked_reader.h"

namespace svm {

Result<std::vector<ElfRelocation>> elf_relocations(std::span<const uint8_t> file,
                                                   const ElfFile& elf) {
    std::vector<ElfRelocation> out;
    if (elf.dynamic_size() == 0) return out;
    CheckedReader reader(file);
    uint64_t rela = 0, rela_size = 0, rela_entry = sizeof(Elf64_Rela);
    bool has_rela = false;
    for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= elf.dynamic_size();
         off += sizeof(Elf64_Dyn)) {
        Elf64_Dyn d = *reader.read<Elf64_Dyn>(elf.dynamic_offset() + off);
        if (d.d_tag == DT_NULL) break;
        switch (d.d_tag) {
            case DT_RELA:
                rela = d.d_un.d_ptr;
                has_rela = true;
                break;
            case DT_RELASZ:
                rela_size = d.d_un.d_val;
                break;
            case DT_RELAENT:
                rela_entry = d.d_un.d_val;
                break;
            case DT_REL:
                return error("the executable has DT_REL relocations; x86-64 uses DT_RELA");
            default:
                break;
        }
    }
    if (!has_rela || rela_size == 0) return out;
    if (rela_entry != sizeof(Elf64_Rela))
        return error("DT_RELAENT is {}, not {}", rela_entry, sizeof(Elf64_Rela));
    // The table's file offset: it must lie inside one segment's file bytes.
    std::optional<uint64_t> offset;
    for (const auto& s : elf.segments())
        if (rela >= s.vaddr && rela - s.vaddr <= s.file_size &&
            rela_size <= s.file_size - (rela - s.vaddr))
            offset = s.offset + (rela - s.vaddr);
    if (!offset)
        return error("the DT_RELA table ({:#x}, {} bytes) is not inside a segment's file bytes",
                     rela, rela_size);
    for (uint64_t i = 0; i < rela_size / sizeof(Elf64_Rela); ++i) {
        Elf64_Rela r = *reader.read<Elf64_Rela>(*offset + i * sizeof(Elf64_Rela));
        out.push_back(ElfRelocation{r.r_offset, static_cast<uint32_t>(ELF64_R_TYPE(r.r_info)),
                                    static_cast<uint32_t>(ELF64_R_SYM(r.r_info)), r.r_addend});
    }
    return out;
}

}  // namespace svm
