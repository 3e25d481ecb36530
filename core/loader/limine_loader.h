// Loading an executable with the Limine boot protocol (limine-protocol PROTOCOL.md, base
// revisions 0 to 6): the ELF64 segments at their linked higher-half addresses on physical pages
// svm chooses, the higher half direct map, and the responses to the executable's requests
// written into bootloader-reclaimable memory.
#pragma once

#include <svm/limine_protocol.h>
#include <svm/machine.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/loader/elf_file.h"
#include "core/loader/kernel_image.h"
#include "core/loader/limine_requests.h"
#include "core/result.h"

namespace svm {

// The virtual address of guest-physical 0 in the higher half direct map (PROTOCOL.md "HHDM
// (Higher Half Direct Map) Feature"; the value Limine uses with 4-level paging).
constexpr uint64_t kLimineHhdmOffset = 0xffff800000000000ull;
// The HHDM offset with 5-level paging (the start of the 57-bit higher half).
constexpr uint64_t kLimineHhdmOffset5 = 0xff00000000000000ull;
// The highest base revision svm implements ("Base Revisions": 0 through 6 are specified).
constexpr uint64_t kLimineMaxBaseRevision = 6;
// The lowest virtual address an executable may be linked at ("Memory Layout at Entry").
constexpr uint64_t kLimineLowestVirtual = 0xffffffff80000000ull;
// Where svm loads the executable (guest-physical, plus the link address's offset within 2 MiB so
// the boot page tables can use 2 MiB pages): above the first MiB, clear of svm's low areas.
constexpr uint64_t kLiminePhysicalBase = 0x200000;
// The stack every processor gets unless the stack size request asks for more ("Machine State at
// Entry": at least 64 KiB).
constexpr uint64_t kLimineDefaultStack = 64 * 1024;
// The largest stack size request svm honours (bytes per processor); a larger one is refused.
constexpr uint64_t kLimineMaxStack = 256ull << 20;
// Pages of svm's boot page-table pool for a Limine executable (bootloader-reclaimable).
constexpr uint64_t kLiminePageTablePages = 64;
// The framebuffer mode svm sets for a framebuffer request (what Limine picks on QEMU's std VGA
// without a RESOLUTION setting).
constexpr uint32_t kLimineFramebufferWidth = 1024;
constexpr uint32_t kLimineFramebufferHeight = 768;
constexpr uint32_t kLimineFramebufferBpp = 32;
// The bytes at the start of svm's MP parking loop that a parked processor spins in (its waiting
// part, before it jumps to a goto_address): Machine tells a parked processor by its RIP.
constexpr uint64_t kLimineParkingLoopSpin = 0x0d;
// The machine code of svm's MP parking loop (position-independent x86-64): entered with RDI = a
// struct svm_limine_mp_info, it spins until goto_address is non-zero, then switches to the stack
// whose top is in `reserved`, pushes the return address 0, clears every general register but RDI,
// sets RFLAGS to 2 and jumps to goto_address (PROTOCOL.md "MP (Multiprocessor) Feature").
std::span<const uint8_t> limine_parking_loop();
// svm's name and version in the bootloader info response.
constexpr const char* kLimineBootloaderName = "svm";
constexpr const char* kLimineBootloaderVersion = "1";

// Places the Limine executable `elf` (from `file`, whose requests `requests` holds) in `memory`
// (PROTOCOL.md "Memory Layout at Entry"): the segments physically contiguous from
// kLiminePhysicalBase (keeping their distances), then each --module and a copy of the file itself
// (executable file response) page-aligned, then svm's bootloader-reclaimable region: the boot
// page-table pool, the parking loop of the MP feature, the struct svm_limine_mp_info array and a
// stack per processor (options.cpus of them). All are recorded in image.loaded. image.mappings
// maps every segment at its p_vaddr (the HHDM follows in image.limine->hhdm once the responses are
// written); image.entry is e_entry (guest-virtual) or the entry point request's; image.mode is
// Long; image.limine says how the processors start; image.video is the framebuffer mode when the
// executable asks for a framebuffer and options.display has one. The responses are written later
// by image.boot_info_writer. `path` and options.cmdline name the executable in its file response.
// Returns an error naming the problem for: a base revision above kLimineMaxBaseRevision, a segment
// below kLimineLowestVirtual, an image that does not fit in RAM, an unreadable module, an entry
// point request outside the image, a paging mode request whose min_mode the CPU cannot give
// (5-level paging needs options.la57) or with max_mode below min_mode, and a stack size request
// above kLimineMaxStack.
Result<KernelImage> load_limine(const std::string& path, std::span<const uint8_t> file,
                                const ElfFile& elf, const LimineRequests& requests,
                                GuestMemory& memory, const LoadOptions& options);

// A guest-physical range for the Limine memory map.
struct LimineRange {
    uint64_t base;
    uint64_t size;  // bytes
};

// What, besides the base map, loaded ranges and svm's areas, decides the Limine memory map.
struct LimineMapInputs {
    uint64_t base_revision = 3;  // the revision svm boots with
    // svm's own bootloader-reclaimable ranges inside `loaded` (page tables, stacks, AP code).
    std::vector<LimineRange> reclaimable;
    // The framebuffer (PROTOCOL.md "Memory Map Feature": type FRAMEBUFFER), if one was set up.
    std::optional<LimineRange> framebuffer;
    // The ranges that hold ACPI tables: reserved pages among them become RESERVED_MAPPED from
    // base revision 4 on ("Base Revision 4").
    std::vector<LimineRange> acpi;
};

// The Limine memory map (PROTOCOL.md "Memory Map Feature") for the base map `base`
// (base_memory_map: RAM / reserved), the ranges a loader filled (`loaded`: executable and
// modules, --load-file ranges) and svm's areas in `layout` (boot stack, GDT, boot information and
// page tables become bootloader-reclaimable; the rest of svm's areas stay reserved), with
// `extra`. Sorted by base, never overlapping, adjacent entries of one type merged; usable and
// bootloader-reclaimable entries are whole pages; [0, 0x1000) is never usable for base revisions
// up to 2.
std::vector<svm_limine_memmap_entry> limine_memory_map(std::span<const svm_mem_range> base,
                                                       std::span<const LoadedRange> loaded,
                                                       const BootLayout& layout,
                                                       const LimineMapInputs& extra = {});

// The higher half direct map for base revision `revision` over the Limine memory map `map`
// (PROTOCOL.md "Memory Layout at Entry"): revisions 0 to 2 map [0, 4 GiB) plus every entry above
// it (revisions 1 and 2 without reserved and bad memory); revision 3 maps only usable,
// bootloader-reclaimable, executable-and-modules and framebuffer entries; revision 4 and later
// add reserved-mapped, ACPI reclaimable and ACPI NVS entries. Entries are widened to whole pages
// and runs of adjacent entries merged. Each mapping is `offset` + paddr -> paddr.
std::vector<VirtualMapping> limine_hhdm_mappings(std::span<const svm_limine_memmap_entry> map,
                                                 uint64_t revision,
                                                 uint64_t offset = kLimineHhdmOffset);

}  // namespace svm
