// PC boot sectors (docs/bios.md, "Booting a disk image"): a disk image whose first 512-byte sector
// ends in the signature 0x55 0xAA is booted as a PC BIOS boots it. svm copies that sector to
// 0000:7C00; its BIOS ROM (core/bios/rom/) then starts it with DL = the boot drive, and int 0x13
// reads the rest of the image.
//
// Detection (place_kernel, core/loader/load_kernel.cpp): a Multiboot 2 or 1 header, then the ELF
// magic, win; then a file of at least 512 bytes with the signature is a boot sector, unless the
// command line asked for a flat binary (--load, --entry or --mode: LoadOptions::flat_explicit).
// --boot-disk / --boot-floppy (LoadOptions::boot_disk) skip the kernel formats and require the
// signature.
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "core/result.h"

namespace svm {

constexpr uint64_t kBootSectorSize = 512;
constexpr uint64_t kBootSectorAddress = 0x7C00;
// svm's BIOS ROM: F000:E000-F000:FFFF, the top 8 KiB below 1 MiB, ending with the reset vector.
constexpr uint64_t kBiosRomBase = 0xFE000;
constexpr uint64_t kBiosRomSize = 0x2000;
// Where the ACPI tables go for a boot-sector boot: the BIOS area, not low RAM.
constexpr uint64_t kBootSectorAcpiAddr = 0xE0000;
// What the memory map (E820) reserves below 1 MiB for a boot-sector boot: the EBDA and the
// legacy hole, [0x9FC00, 0x100000); the rest of conventional memory is the OS's.
constexpr uint64_t kBootSectorReservedStart = SVM_EBDA_ADDR;

// True if `file` holds at least one 512-byte sector whose bytes 510-511 are 0x55 0xAA.
bool has_boot_signature(std::span<const uint8_t> file);

// Copies the first sector of `file` to 0x7C00 and describes it: format "bootsector", real mode,
// entry 0x7C00. Returns a one-line error if the file is shorter than a sector or lacks the
// signature.
Result<KernelImage> load_boot_sector(std::span<const uint8_t> file, GuestMemory& memory);

// The layout of a boot-sector boot for `ram_size` bytes of RAM (at least 1 MiB) and an MP
// configuration table of `mp_config_size` bytes: only what a BIOS leaves (BDA at 0x400, EBDA at
// 0x9FC00, ACPI tables at 0xE0000, the RSDP copy and MP tables at 0xF0000 below the ROM); no boot
// stack, machine table, GDT, boot information or page tables (their fields are 0: unused).
// reserved = [0x9FC00, 1 MiB). Returns an error if the MP table does not fit below the ROM.
Result<BootLayout> plan_boot_sector_layout(uint64_t ram_size, uint64_t mp_config_size);

// --boot-disk / --boot-floppy FILE[,rw] (also FILE,ro): the image and whether int 0x13 writes go
// to the file (rw) or stay in memory (the default).
struct BootDiskSpec {
    std::string path;
    bool writable = false;
};
Result<BootDiskSpec> parse_boot_disk_spec(std::string_view spec);

}  // namespace svm
