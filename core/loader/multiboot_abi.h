// The Multiboot 1 and Multiboot 2 binary formats svm reads (kernel headers) and writes (boot
// information). Multiboot 0.6.96 sections 3.1 and 3.3; Multiboot 2.0 sections 3.1 and 3.6.
// Layouts match GRUB's multiboot.h and multiboot2.h, which kernels include. Only structures whose
// fields are not naturally aligned are packed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace svm::mb1 {

constexpr uint32_t kHeaderMagic = 0x1BADB002;
constexpr uint32_t kBootMagic = 0x2BADB002;  // EAX at entry
constexpr uint64_t kSearchBytes = 8192;      // the header lies in the first 8 KiB, 4-aligned
constexpr uint64_t kHeaderAlign = 4;

// Header flags (section 3.1.2). Bits 0-15 are requirements: a loader that does not support one
// must refuse the kernel.
constexpr uint32_t kFlagPageAlignModules = 1u << 0;
constexpr uint32_t kFlagMemoryInfo = 1u << 1;
constexpr uint32_t kFlagVideoMode = 1u << 2;
constexpr uint32_t kFlagAoutKludge = 1u << 16;

struct Header {
    uint32_t magic;
    uint32_t flags;
    uint32_t checksum;  // magic + flags + checksum == 0 (mod 2^32)
    // Valid if flags bit 16 (a.out kludge) is set.
    uint32_t header_addr;
    uint32_t load_addr;
    uint32_t load_end_addr;
    uint32_t bss_end_addr;
    uint32_t entry_addr;
};
static_assert(sizeof(Header) == 32);

// The graphics fields at header offset 32 (section 3.1.4), valid if flags bit 2 is set whether
// or not bit 16 is.
constexpr uint64_t kHeaderVideoOffset = 32;
struct HeaderVideo {
    uint32_t mode_type;  // 0 linear graphics, 1 EGA text
    uint32_t width;      // pixels or characters; 0 = no preference
    uint32_t height;     // pixels or characters; 0 = no preference
    uint32_t depth;      // bits per pixel in graphics, 0 in text mode; 0 = no preference
};
constexpr uint32_t kModeLinear = 0;
constexpr uint32_t kModeEgaText = 1;

// Boot information flags (section 3.3).
constexpr uint32_t kInfoMemory = 1u << 0;
constexpr uint32_t kInfoCmdline = 1u << 2;
constexpr uint32_t kInfoMods = 1u << 3;
constexpr uint32_t kInfoElfSections = 1u << 5;
constexpr uint32_t kInfoMemoryMap = 1u << 6;
constexpr uint32_t kInfoBootLoaderName = 1u << 9;
constexpr uint32_t kInfoVbe = 1u << 11;
constexpr uint32_t kInfoFramebuffer = 1u << 12;

struct Info {
    uint32_t flags;
    uint32_t mem_lower;  // KiB of RAM from 0 (bit 0)
    uint32_t mem_upper;  // KiB of RAM from 1 MiB (bit 0)
    uint32_t boot_device;
    uint32_t cmdline;     // bit 2
    uint32_t mods_count;  // bit 3
    uint32_t mods_addr;
    uint32_t elf_num;  // bit 5: the ELF section header table
    uint32_t elf_size;
    uint32_t elf_addr;
    uint32_t elf_shndx;
    uint32_t mmap_length;  // bit 6
    uint32_t mmap_addr;
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;  // bit 9
    uint32_t apm_table;
    uint32_t vbe_control_info;  // bit 11 (VBE): svm has no VBE BIOS and leaves these 0
    uint32_t vbe_mode_info;
    uint16_t vbe_mode;
    uint16_t vbe_interface_seg;
    uint16_t vbe_interface_off;
    uint16_t vbe_interface_len;
    uint64_t framebuffer_addr;  // bit 12
    uint32_t framebuffer_pitch;
    uint32_t framebuffer_width;
    uint32_t framebuffer_height;
    uint8_t framebuffer_bpp;
    uint8_t framebuffer_type;  // 0 indexed, 1 RGB, 2 EGA text
    // Type 0: u32 framebuffer_palette_addr, u16 framebuffer_palette_num_colors. Type 1: red,
    // green, blue field position and mask size, a byte each.
    uint8_t color_info[6];
} __attribute__((packed));
static_assert(sizeof(Info) == 116 && offsetof(Info, vbe_control_info) == 72 &&
              offsetof(Info, framebuffer_addr) == 88 && offsetof(Info, framebuffer_bpp) == 108 &&
              offsetof(Info, color_info) == 110);

struct Module {
    uint32_t mod_start;
    uint32_t mod_end;
    uint32_t string;
    uint32_t reserved;
};

// A memory map entry; `size` (20) excludes itself, mmap_addr points at `size`.
struct MmapEntry {
    uint32_t size;
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;  // 1 available RAM, 2 reserved
} __attribute__((packed));
static_assert(sizeof(MmapEntry) == 24);

}  // namespace svm::mb1

namespace svm::mb2 {

constexpr uint32_t kHeaderMagic = 0xE85250D6;
constexpr uint32_t kBootMagic = 0x36D76289;  // EAX at entry
constexpr uint64_t kSearchBytes = 32768;     // the header lies in the first 32 KiB, 8-aligned
constexpr uint64_t kHeaderAlign = 8;
constexpr uint32_t kArchitectureI386 = 0;

struct Header {
    uint32_t magic;
    uint32_t architecture;
    uint32_t header_length;  // including the tags
    uint32_t checksum;       // magic + architecture + header_length + checksum == 0
};

// Header tags (section 3.1.3 ff.): 8-byte aligned, ending with a tag of type 0, size 8.
struct HeaderTag {
    uint16_t type;
    uint16_t flags;  // bit 0: optional
    uint32_t size;   // including this header, excluding padding
};
constexpr uint16_t kTagOptional = 1;

enum HeaderTagType : uint16_t {
    kHeaderTagEnd = 0,
    kHeaderTagInfoRequest = 1,
    kHeaderTagAddress = 2,
    kHeaderTagEntryAddress = 3,
    kHeaderTagConsoleFlags = 4,
    kHeaderTagFramebuffer = 5,
    kHeaderTagModuleAlign = 6,
    kHeaderTagEfiBootServices = 7,
    kHeaderTagEntryAddressEfi32 = 8,
    kHeaderTagEntryAddressEfi64 = 9,
    kHeaderTagRelocatable = 10,
};

struct AddressTag {
    HeaderTag tag;
    uint32_t header_addr;
    uint32_t load_addr;  // 0xFFFFFFFF: load from the start of the file
    uint32_t load_end_addr;
    uint32_t bss_end_addr;
};

struct EntryAddressTag {
    HeaderTag tag;
    uint32_t entry_addr;
};

// Section 3.1.10: the preferred graphics mode; 0 = no preference.
struct FramebufferTag {
    HeaderTag tag;
    uint32_t width;   // pixels
    uint32_t height;  // pixels
    uint32_t depth;   // bits per pixel
};

// Boot information tag types (section 3.6).
enum InfoTagType : uint32_t {
    kInfoEnd = 0,
    kInfoCmdline = 1,
    kInfoBootLoaderName = 2,
    kInfoModule = 3,
    kInfoBasicMeminfo = 4,
    kInfoBootDevice = 5,
    kInfoMemoryMap = 6,
    kInfoVbe = 7,
    kInfoFramebuffer = 8,
    kInfoElfSections = 9,
    kInfoApm = 10,
    kInfoEfi32 = 11,
    kInfoEfi64 = 12,
    kInfoSmbios = 13,
    kInfoAcpiOld = 14,
    kInfoAcpiNew = 15,
    kInfoNetwork = 16,
    kInfoEfiMmap = 17,
    kInfoEfiBootServices = 18,
    kInfoEfi32ImageHandle = 19,
    kInfoEfi64ImageHandle = 20,
    kInfoLoadBaseAddr = 21,
};

struct InfoTag {
    uint32_t type;
    uint32_t size;  // including this header, excluding padding to 8 bytes
};

struct MmapEntry {
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;  // 1 available RAM, 2 reserved
    uint32_t reserved;
};
static_assert(sizeof(MmapEntry) == 24 && sizeof(AddressTag) == 24 &&
              sizeof(EntryAddressTag) == 12 && sizeof(FramebufferTag) == 20);

// Section 3.6.12, the fixed part of the framebuffer information tag (type 8). The specification
// text shows `reserved` as a u8; GRUB's multiboot2.h has a u16, so the colour information starts
// at offset 32, and kernels follow GRUB.
struct FramebufferInfoCommon {
    InfoTag tag;
    uint64_t framebuffer_addr;
    uint32_t framebuffer_pitch;
    uint32_t framebuffer_width;
    uint32_t framebuffer_height;
    uint8_t framebuffer_bpp;
    uint8_t framebuffer_type;  // 0 indexed (u16 palette_num_colors, then 3-byte colours),
                               // 1 RGB (6 bytes of field positions and mask sizes), 2 EGA text
    uint16_t reserved;
};
static_assert(sizeof(FramebufferInfoCommon) == 32);

}  // namespace svm::mb2
