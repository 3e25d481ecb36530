/*
 * The Limine boot protocol as svm implements it: the identifiers and structure layouts of the
 * requests an executable places in its image and of the responses svm writes back. svm's own
 * definitions, written from the specification (limine-bootloader PROTOCOL.md; section names are
 * cited next to each group), shared by svm and by test guests.
 *
 * All fields are little-endian. Every pointer is 64 bits wide and, unless noted, holds a
 * guest-virtual address inside the higher half direct map (PROTOCOL.md "General Notes"): the
 * guest-physical address plus the HHDM offset. The structures use fixed-size types only, so C,
 * C++ and assembly agree; pointers are declared uint64_t for that reason.
 */
#ifndef SVM_LIMINE_PROTOCOL_H
#define SVM_LIMINE_PROTOCOL_H

#include <stdint.h>

/* "Base protocol revisions": a tag of 3 values, 8-byte aligned anywhere in the loaded image.
 * [0] and [1] identify it, [2] is the requested revision. A loader that supports the requested
 * revision sets [2] to 0; in any case it sets [1] to the revision it actually used. */
#define SVM_LIMINE_BASE_REVISION_MAGIC0 0xf9562b2d5c95a6c8ull
#define SVM_LIMINE_BASE_REVISION_MAGIC1 0x6a7b384944536bdcull

/* "Requests Delimiters": requests count only between the last start marker and the first end
 * marker (honoured from base revision 2 on; svm honours them for every revision). */
#define SVM_LIMINE_START_MARKER0 0xf6b8f4b39de7d1aeull
#define SVM_LIMINE_START_MARKER1 0xfab91a6940fcb9cfull
#define SVM_LIMINE_START_MARKER2 0x785c6ed015d3e316ull
#define SVM_LIMINE_START_MARKER3 0x181e920a7852b9d9ull
#define SVM_LIMINE_END_MARKER0 0xadc0e0531bb10d03ull
#define SVM_LIMINE_END_MARKER1 0x9572709f31764c62ull

/* "Feature List": every request id starts with these two values; the other two name the feature
 * (SVM_LIMINE_ID_*: id[2], id[3]). */
#define SVM_LIMINE_COMMON_MAGIC0 0xc7b1dd30df4c8b88ull
#define SVM_LIMINE_COMMON_MAGIC1 0x0a82e883a194f07bull

#define SVM_LIMINE_ID_BOOTLOADER_INFO 0xf55038d8e2a1202full, 0x279426fcf5f59740ull
#define SVM_LIMINE_ID_FIRMWARE_TYPE 0x8c2f75d90bef28a8ull, 0x7045a4688eac00c3ull
#define SVM_LIMINE_ID_STACK_SIZE 0x224ef0460a8e8926ull, 0xe1cb0fc25f46ea3dull
#define SVM_LIMINE_ID_HHDM 0x48dcf1cb8ad2b852ull, 0x63984e959a98244bull
#define SVM_LIMINE_ID_FRAMEBUFFER 0x9d5827dcd881dd75ull, 0xa3148604f6fab11bull
#define SVM_LIMINE_ID_PAGING_MODE 0x95c1a0edab0944cbull, 0xa4e5cb3842f7488aull
#define SVM_LIMINE_ID_MP 0x95a67b819a1b857eull, 0xa0b61b723b6a73e0ull
#define SVM_LIMINE_ID_MEMMAP 0x67cf3d9d378a806full, 0xe304acdfc50c3c62ull
#define SVM_LIMINE_ID_ENTRY_POINT 0x13d86c035a1cd3e1ull, 0x2b0caa89d8f3026aull
#define SVM_LIMINE_ID_EXECUTABLE_FILE 0xad97e90e83f1ed67ull, 0x31eb5d1c5ff23b69ull
#define SVM_LIMINE_ID_MODULE 0x3e7e279702be32afull, 0xca1c4f3bd1280ceeull
#define SVM_LIMINE_ID_RSDP 0xc5e77b6b397e7b43ull, 0x27637845accdcf3cull
#define SVM_LIMINE_ID_DATE_AT_BOOT 0x502746e184c088aaull, 0xfbc5ec83e6327893ull
#define SVM_LIMINE_ID_EXECUTABLE_ADDRESS 0x71ba76863cc55f63ull, 0xb2644a48c516a487ull
#define SVM_LIMINE_ID_EXECUTABLE_CMDLINE 0x4b161536e598651eull, 0xb390ad4a2f1f303aull
#define SVM_LIMINE_ID_SMBIOS 0x9e9046f11e095391ull, 0xaa4a520fefbde5eeull
#define SVM_LIMINE_ID_EFI_SYSTEM_TABLE 0x5ceba5163eaaf6d6ull, 0x0a6981610cf65fccull
#define SVM_LIMINE_ID_EFI_MEMMAP 0x7df62a431d6872d5ull, 0xa4fcdfb3e57306c8ull
#define SVM_LIMINE_ID_DTB 0xb40ddb48fb54bac7ull, 0x545081493f81ffb7ull
#define SVM_LIMINE_ID_TPM_EVENT_LOG 0x98e094fc7e76e979ull, 0xee8d8775c54e1d1full
#define SVM_LIMINE_ID_BOOTLOADER_PERFORMANCE 0x6b50ad9bf36d13adull, 0xdc4c7e88fc759e17ull
#define SVM_LIMINE_ID_X86_64_KEEP_IOMMU 0x8ebaabe51f490179ull, 0x2aa86a59ffb4ab0full
#define SVM_LIMINE_ID_TSC_FREQUENCY 0x10f2ee1d87d195e4ull, 0xf747a2b78f6ddb31ull
#define SVM_LIMINE_ID_FLANTERM_FB_INIT_PARAMS 0x3259399fe7c5f126ull, 0xe01c1c8c5db9d1a9ull
#define SVM_LIMINE_ID_ENTROPY 0x65ea80255d5682c5ull, 0x9117240723f493ebull

/* "Features": the members every request starts with. Optional members follow, per feature. */
struct svm_limine_request {
    uint64_t id[4];
    uint64_t revision; /* the request revision the executable provides */
    uint64_t response; /* written by the loader; left untouched (NULL) if not answered */
} __attribute__((packed));

/* Optional request members svm reads (offsets from the request's start). */
#define SVM_LIMINE_STACK_SIZE_OFFSET 48  /* stack_size request: bytes wanted */
#define SVM_LIMINE_ENTRY_OFFSET 48       /* entry point request: guest-virtual entry */
#define SVM_LIMINE_PAGING_MODE_OFFSET 48 /* paging mode request: mode, max_mode, min_mode */
#define SVM_LIMINE_MP_FLAGS_OFFSET 48     /* MP request: flags (SVM_LIMINE_MP_REQUEST_X2APIC) */
#define SVM_LIMINE_ENTROPY_COUNT_OFFSET 48 /* entropy request: value_count */
#define SVM_LIMINE_MODULE_INTERNAL_OFFSET 48 /* module request rev 1: internal_module_count */

/* Response structures. Each starts with its revision. */
struct svm_limine_bootloader_info_response {
    uint64_t revision;
    uint64_t name;    /* NUL-terminated ASCII */
    uint64_t version; /* NUL-terminated ASCII */
} __attribute__((packed));

#define SVM_LIMINE_FIRMWARE_X86_BIOS 0u
#define SVM_LIMINE_FIRMWARE_UEFI32 1u
#define SVM_LIMINE_FIRMWARE_UEFI64 2u
struct svm_limine_firmware_type_response {
    uint64_t revision;
    uint64_t firmware_type; /* SVM_LIMINE_FIRMWARE_* */
} __attribute__((packed));

struct svm_limine_revision_only_response { /* stack size, entry point */
    uint64_t revision;
} __attribute__((packed));

struct svm_limine_hhdm_response {
    uint64_t revision;
    uint64_t offset; /* virtual address of guest-physical 0 */
} __attribute__((packed));

#define SVM_LIMINE_PAGING_X86_64_4LVL 0u
#define SVM_LIMINE_PAGING_X86_64_5LVL 1u
struct svm_limine_paging_mode_response {
    uint64_t revision;
    uint64_t mode; /* SVM_LIMINE_PAGING_* actually enabled */
} __attribute__((packed));

/* "Memory Map Feature" entry types. */
#define SVM_LIMINE_MEMMAP_USABLE 0u
#define SVM_LIMINE_MEMMAP_RESERVED 1u
#define SVM_LIMINE_MEMMAP_ACPI_RECLAIMABLE 2u
#define SVM_LIMINE_MEMMAP_ACPI_NVS 3u
#define SVM_LIMINE_MEMMAP_BAD_MEMORY 4u
#define SVM_LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE 5u
#define SVM_LIMINE_MEMMAP_EXECUTABLE_AND_MODULES 6u
#define SVM_LIMINE_MEMMAP_FRAMEBUFFER 7u
#define SVM_LIMINE_MEMMAP_RESERVED_MAPPED 8u /* base revision 4 and later */
struct svm_limine_memmap_entry {
    uint64_t base; /* guest-physical */
    uint64_t length;
    uint64_t type; /* SVM_LIMINE_MEMMAP_* */
} __attribute__((packed));
struct svm_limine_memmap_response {
    uint64_t revision;
    uint64_t entry_count;
    uint64_t entries; /* array of entry_count pointers to struct svm_limine_memmap_entry */
} __attribute__((packed));

/* "File Structure". */
struct svm_limine_uuid {
    uint32_t a;
    uint16_t b;
    uint16_t c;
    uint8_t d[8];
} __attribute__((packed));
#define SVM_LIMINE_MEDIA_GENERIC 0u
struct svm_limine_file {
    uint64_t revision;
    uint64_t address; /* the file's contents, 4 KiB aligned */
    uint64_t size;    /* bytes */
    uint64_t path;    /* NUL-terminated */
    uint64_t string;  /* NUL-terminated: the command line (executable) or module string */
    uint32_t media_type;
    uint32_t unused;
    uint8_t tftp_ipv4[4];
    uint32_t tftp_port;
    uint32_t partition_index;
    uint32_t mbr_disk_id;
    struct svm_limine_uuid gpt_disk_uuid;
    struct svm_limine_uuid gpt_part_uuid;
    struct svm_limine_uuid part_uuid;
} __attribute__((packed));

struct svm_limine_executable_file_response {
    uint64_t revision;
    uint64_t executable_file; /* struct svm_limine_file */
} __attribute__((packed));

struct svm_limine_module_response {
    uint64_t revision;
    uint64_t module_count;
    uint64_t modules; /* array of module_count pointers to struct svm_limine_file */
} __attribute__((packed));

struct svm_limine_rsdp_response {
    uint64_t revision;
    uint64_t address; /* the RSDP */
} __attribute__((packed));

struct svm_limine_date_at_boot_response {
    uint64_t revision;
    int64_t timestamp; /* UNIX time in seconds */
} __attribute__((packed));

struct svm_limine_executable_address_response {
    uint64_t revision;
    uint64_t physical_base; /* guest-physical address of the lowest loaded byte */
    uint64_t virtual_base;  /* its guest-virtual address */
} __attribute__((packed));

/* "Executable Command Line Feature": the same string as the executable file's `string`. */
struct svm_limine_executable_cmdline_response {
    uint64_t revision;
    uint64_t cmdline; /* NUL-terminated */
} __attribute__((packed));

/* "Framebuffer Feature" (response revision 1: with the list of video modes). */
#define SVM_LIMINE_FRAMEBUFFER_RGB 1u
struct svm_limine_video_mode {
    uint64_t pitch; /* bytes per line */
    uint64_t width; /* pixels */
    uint64_t height;
    uint16_t bpp;
    uint8_t memory_model; /* SVM_LIMINE_FRAMEBUFFER_RGB */
    uint8_t red_mask_size;
    uint8_t red_mask_shift;
    uint8_t green_mask_size;
    uint8_t green_mask_shift;
    uint8_t blue_mask_size;
    uint8_t blue_mask_shift;
} __attribute__((packed));
struct svm_limine_framebuffer {
    uint64_t address; /* the first pixel, in the HHDM */
    uint64_t width;   /* pixels */
    uint64_t height;
    uint64_t pitch; /* bytes per line */
    uint16_t bpp;
    uint8_t memory_model; /* SVM_LIMINE_FRAMEBUFFER_RGB */
    uint8_t red_mask_size;
    uint8_t red_mask_shift;
    uint8_t green_mask_size;
    uint8_t green_mask_shift;
    uint8_t blue_mask_size;
    uint8_t blue_mask_shift;
    uint8_t unused[7];
    uint64_t edid_size; /* bytes; 0 without EDID */
    uint64_t edid;      /* NULL without EDID */
    uint64_t mode_count;
    uint64_t modes; /* array of mode_count pointers to struct svm_limine_video_mode */
} __attribute__((packed));
struct svm_limine_framebuffer_response {
    uint64_t revision;
    uint64_t framebuffer_count;
    uint64_t framebuffers; /* array of framebuffer_count pointers to struct svm_limine_framebuffer */
} __attribute__((packed));

/* "MP (Multiprocessor) Feature", x86-64. An AP parks until an atomic store to its goto_address;
 * it then jumps there with RDI = its struct svm_limine_mp_info (HHDM), on its own stack. */
#define SVM_LIMINE_MP_REQUEST_X2APIC 1u
#define SVM_LIMINE_MP_RESPONSE_X2APIC 1u
struct svm_limine_mp_info {
    uint32_t processor_id; /* ACPI processor UID (MADT) */
    uint32_t lapic_id;     /* local APIC id (MADT) */
    uint64_t reserved;     /* the loader's: svm keeps the AP's stack top here */
    uint64_t goto_address; /* guest-virtual; 0 until the executable releases the AP */
    uint64_t extra_argument;
} __attribute__((packed));
struct svm_limine_mp_response {
    uint64_t revision;
    uint32_t flags; /* SVM_LIMINE_MP_RESPONSE_X2APIC */
    uint32_t bsp_lapic_id;
    uint64_t cpu_count; /* the BSP included */
    uint64_t cpus;      /* array of cpu_count pointers to struct svm_limine_mp_info */
} __attribute__((packed));

/* "SMBIOS Feature", "EFI System Table Feature", "Device Tree Blob Feature": svm's machine has no
 * SMBIOS, EFI or device tree, so it never answers them; the layouts are here for guests. */
struct svm_limine_smbios_response {
    uint64_t revision;
    uint64_t entry_32;
    uint64_t entry_64;
} __attribute__((packed));

/* "Bootloader Performance Feature": microseconds since an arbitrary point (svm: its start). */
struct svm_limine_bootloader_performance_response {
    uint64_t revision;
    uint64_t reset_usec; /* 0: svm does not know the reset time */
    uint64_t init_usec;  /* when svm started loading the executable */
    uint64_t exec_usec;  /* when svm wrote the responses, just before the handoff */
} __attribute__((packed));

/* "TSC (Timestamp Counter) Frequency Feature". */
struct svm_limine_tsc_frequency_response {
    uint64_t revision;
    uint64_t frequency; /* Hz */
} __attribute__((packed));

/* "Entropy Feature": value_count random 64-bit values (svm: from the host's getrandom). */
#define SVM_LIMINE_ENTROPY_MAX_VALUES 4096u
struct svm_limine_entropy_response {
    uint64_t revision;
    uint64_t value_count;
    uint64_t values; /* array of value_count uint64_t; 0 if value_count is 0 */
} __attribute__((packed));

/* "Machine State at Entry", x86-64: the GDT entries every Limine loader provides, by selector. */
#define SVM_LIMINE_SEL_CODE16 0x08u
#define SVM_LIMINE_SEL_DATA16 0x10u
#define SVM_LIMINE_SEL_CODE32 0x18u
#define SVM_LIMINE_SEL_DATA32 0x20u
#define SVM_LIMINE_SEL_CODE64 0x28u
#define SVM_LIMINE_SEL_DATA64 0x30u

/* "Caching", x86-64: the PAT the loader programs (PAT0 WB, PAT1 WT, PAT2 UC-, PAT3 UC, PAT4 WP,
 * PAT5 WC; svm leaves PAT6 UC- and PAT7 UC as at reset). */
#define SVM_LIMINE_PAT 0x0007010500070406ull

#endif /* SVM_LIMINE_PROTOCOL_H */
