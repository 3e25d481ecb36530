#include "core/loader/boot_sector.h"

#include "core/loader/boot_layout.h"
#include "core/loader/image_placer.h"

namespace svm {

bool has_boot_signature(std::span<const uint8_t> file) {
    return file.size() >= kBootSectorSize && file[510] == 0x55 && file[511] == 0xAA;
}

Result<KernelImage> load_boot_sector(std::span<const uint8_t> file, GuestMemory& memory) {
    if (file.size() < kBootSectorSize)
        return error("not a bootable disk image: it is {} bytes, less than one 512-byte sector",
                     file.size());
    if (!has_boot_signature(file))
        return error(
            "not a bootable disk image: bytes 510-511 are {:#04x} {:#04x}, not the boot "
            "signature 0x55 0xAA",
            file[510], file[511]);
    ImagePlacer placer(memory);
    TRY(placer.place("the boot sector", kBootSectorAddress, file.first(kBootSectorSize),
                     kBootSectorSize, false));
    KernelImage image;
    image.format = "bootsector";
    image.mode = CpuMode::Real;
    image.entry = kBootSectorAddress;
    image.loaded = placer.loaded();
    return image;
}

Result<BootLayout> plan_boot_sector_layout(uint64_t ram_size, uint64_t mp_config_size) {
    if (ram_size < 0x100000) return error("a boot-sector boot needs at least 1 MiB of RAM");
    BootLayout layout;
    // Nothing of svm's own in conventional memory: a boot sector's OS loads itself anywhere in
    // [0x500, 0x9FC00) (stage 2 at 0x7E00, 0x8000, 0x10000...).
    layout.stack_base = layout.stack_top = 0;
    layout.machine_table = layout.gdt = layout.boot_info = layout.page_tables = 0;
    layout.acpi = kBootSectorAcpiAddr;
    layout.bda = true;
    layout.ebda = SVM_EBDA_ADDR;
    layout.rsdp_copy = kBiosFSegment;
    layout.mp_floating = kBiosFSegment + 0x30;
    layout.mp_config = kBiosFSegment + 0x40;
    layout.mp_config_size = mp_config_size;
    if (*layout.mp_config + mp_config_size > kBiosRomBase)
        return error("the MP configuration table ({:#x} bytes) does not fit below the BIOS ROM",
                     mp_config_size);
    // Not widened to pages: E820 reports exactly what a PC BIOS with a 1 KiB EBDA reports.
    layout.reserved = {
        {kBootSectorReservedStart, 0x100000 - kBootSectorReservedStart, SVM_MEM_RESERVED, 0}};
    return layout;
}

Result<BootDiskSpec> parse_boot_disk_spec(std::string_view spec) {
    BootDiskSpec out;
    auto comma = spec.rfind(',');
    std::string_view flags;
    if (comma != std::string_view::npos) {
        flags = spec.substr(comma + 1);
        spec = spec.substr(0, comma);
    }
    if (spec.empty()) return error("needs a file name: FILE[,rw]");
    if (flags == "rw")
        out.writable = true;
    else if (!flags.empty() && flags != "ro")
        return error("unknown flag '{}' (FILE, FILE,ro or FILE,rw)", flags);
    out.path = std::string(spec);
    return out;
}

}  // namespace svm
