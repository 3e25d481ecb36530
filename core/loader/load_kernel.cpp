// Format detection and the two non-Multiboot formats (flat binaries and plain ELF). Detection
// order follows GRUB: a Multiboot 2 header, then a Multiboot 1 header, wins over the ELF class.
#include "core/loader/boot_sector.h"
#include "core/loader/elf_file.h"
#include "core/loader/image_placer.h"
#include "core/loader/kernel_image.h"
#include "core/loader/limine_loader.h"
#include "core/loader/limine_requests.h"
#include "core/loader/memory_map.h"
#include "core/loader/multiboot1_loader.h"
#include "core/loader/multiboot2_header.h"
#include "core/loader/multiboot2_loader.h"

namespace svm {

static Result<KernelImage> load_flat(std::span<const uint8_t> file, GuestMemory& memory,
                                     const LoadOptions& options) {
    ImagePlacer placer(memory);
    auto what = fmt::format("the {}-byte flat binary at {:#x}", file.size(), options.load_address);
    TRY(placer.place(what, options.load_address, file, file.size(), false));
    KernelImage image;
    image.format = "flat";
    image.mode = options.flat_mode;
    image.entry = options.entry.value_or(options.load_address);
    // Real-mode starts run with CS = 0 (docs/machine.md), so IP reaches the first 64 KiB only.
    if (image.mode == CpuMode::Real && image.entry > 0xFFFF)
        return error("real-mode entry {:#x} is beyond the first 64 KiB that CS = 0 reaches",
                     image.entry);
    image.loaded = placer.loaded();
    return image;
}

static Result<KernelImage> load_elf(std::span<const uint8_t> file, GuestMemory& memory) {
    auto elf = TRY(ElfFile::parse(file));
    KernelImage image;
    image.is_elf = true;
    image.elf_bits = elf.is64() ? 64 : 32;
    image.debug_mappings = elf.debug_mappings();
    if (elf.is64()) {
        // svm's boot page tables identity-map the low 4 GiB and add these mappings, so a
        // higher-half kernel (linked at 0xFFFFFFFF80100000 AT 0x100000) runs at e_entry directly.
        image.mappings = TRY(elf.virtual_mappings());
        image.format = "elf64";
        image.mode = CpuMode::Long;
        image.entry = elf.entry();
    } else {
        // 32-bit kernels start with paging off: a virtual entry is translated as GRUB does.
        image.format = "elf32";
        image.mode = CpuMode::Protected;
        image.entry = elf.physical_entry();
    }
    ImagePlacer placer(memory);
    TRY(elf.load(file, placer));
    image.loaded = placer.loaded();
    return image;
}

Result<KernelImage> place_kernel(const std::string& path, std::span<const uint8_t> file,
                                 GuestMemory& memory, const LoadOptions& options) {
    if (options.boot_disk) return load_boot_sector(file, memory);
    if (file.empty()) return error("the kernel file is empty");
    if (options.force_limine) {
        // --boot limine: the Limine protocol whatever else the file carries.
        if (!has_elf_magic(file))
            return error("--boot limine needs an ELF64 executable, and this file is not ELF");
        auto elf = TRY(ElfFile::parse(file, /*allow_pie=*/true));
        if (!elf.is64())
            return error("--boot limine needs an ELF64 executable, and this one is ELF32");
        auto requests = TRY(scan_limine_requests(file, elf));
        return load_limine(path, file, elf, requests, memory, options);
    }
    if (auto offset = TRY(find_multiboot2_header(file)))
        return load_multiboot2(file, *offset, memory, options);
    if (auto offset = TRY(find_multiboot1_header(file)))
        return load_multiboot1(path, file, *offset, memory, options);
    // An ELF64 that carries a Limine base revision tag or request is a Limine executable
    // (PROTOCOL.md "Features"); one that does not parse is left to load_elf's error.
    if (has_elf_magic(file)) {
        if (auto elf = ElfFile::parse(file, /*allow_pie=*/true); elf && elf->is64()) {
            auto requests = TRY(scan_limine_requests(file, *elf));
            if (!requests.empty()) return load_limine(path, file, *elf, requests, memory, options);
        }
    }
    if (!options.modules.empty())
        return error(
            "boot modules are passed only to Multiboot kernels and Limine executables, and this "
            "image has neither a Multiboot header nor Limine requests");
    if (has_elf_magic(file)) return load_elf(file, memory);
    if (!options.flat_explicit && has_boot_signature(file)) return load_boot_sector(file, memory);
    return load_flat(file, memory, options);
}

Result<void> write_boot_info(KernelImage& image, GuestMemory& memory,
                             std::span<const uint8_t> acpi_rsdp, uint64_t acpi_rsdp_address) {
    if (!image.boot_info_writer) return {};
    BootInfoInputs inputs;
    inputs.address = image.layout.boot_info;
    inputs.capacity = kBootInfoSize;
    inputs.machine_table = image.layout.machine_table;
    inputs.memory_map = base_memory_map(memory.size(), image.layout.reserved);
    inputs.acpi_rsdp = acpi_rsdp;
    inputs.acpi_rsdp_address = acpi_rsdp_address;
    inputs.layout = image.layout;
    inputs.loaded = image.loaded;
    TRY(image.boot_info_writer(memory, inputs));
    // Limine's handoff passes nothing in registers ("Machine state at entry").
    if (image.format != "limine") image.ebx = static_cast<uint32_t>(image.layout.boot_info);
    if (image.limine)
        image.mappings.insert(image.mappings.end(), image.limine->hhdm.begin(),
                              image.limine->hhdm.end());
    return {};
}

Result<KernelImage> load_kernel(const std::string& path, std::span<const uint8_t> file,
                                GuestMemory& memory, const LoadOptions& options) {
    auto image = TRY(place_kernel(path, file, memory, options));
    image.layout = TRY(plan_boot_layout(memory.size(), image.loaded, 0));
    TRY(write_boot_info(image, memory, {}));
    return image;
}

}  // namespace svm
