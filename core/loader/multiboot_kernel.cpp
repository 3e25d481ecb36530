#include "core/loader/multiboot_kernel.h"

namespace svm {

Result<MultibootKernel> load_multiboot_kernel(std::span<const uint8_t> file, uint64_t header_offset,
                                              const std::optional<AoutKludge>& kludge,
                                              std::optional<uint32_t> entry_addr,
                                              ImagePlacer& placer) {
    constexpr uint64_t k4GiB = uint64_t(1) << 32;
    MultibootKernel kernel;
    if (has_elf_magic(file)) {
        auto elf = ElfFile::parse(file);
        if (elf)
            kernel.elf = std::move(*elf);
        else if (!kludge)
            return std::unexpected(elf.error());
    }

    if (kludge) {
        TRY(load_aout_kludge(file, header_offset, *kludge, placer));
    } else if (kernel.elf) {
        TRY(kernel.elf->load(file, placer));
    } else {
        return error(
            "a Multiboot kernel without load addresses in its header (Multiboot 1 flags bit 16, "
            "Multiboot 2 address tag) must be an ELF image");
    }
    if (placer.kernel_end() > k4GiB)
        return error(
            "the kernel ends at {:#x}, above 4 GiB; a Multiboot kernel starts with "
            "paging off and must lie in the low 4 GiB",
            placer.kernel_end());

    uint64_t entry;
    if (entry_addr)
        entry = *entry_addr;
    else if (kernel.elf)
        entry = kernel.elf->physical_entry();
    else
        return error(
            "the Multiboot 2 address tag needs an entry address tag (type 3) for a "
            "non-ELF image");
    if (entry >= k4GiB)
        return error(
            "entry point {:#x} lies above 4 GiB; a Multiboot kernel starts in 32-bit "
            "protected mode with paging off",
            entry);
    kernel.entry = static_cast<uint32_t>(entry);
    return kernel;
}

}  // namespace svm
