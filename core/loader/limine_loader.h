// Loading an executable with the Limine boot protocol (limine-bootloader PROTOCOL.md, base
// revisions 0 to 3): the ELF64 segments at their linked higher-half addresses on physical pages
// svm chooses, the higher half direct map, and the responses to the executable's requests
// written into bootloader-reclaimable memory.
#pragma once

#include <svm/limine_protocol.h>
#include <svm/machine.h>

#include <cstdint>
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
// Feature"; the value Limine uses with 4-level paging).
constexpr uint64_t kLimineHhdmOffset = 0xffff800000000000ull;
// The highest base revision svm implements ("Base protocol revisions").
constexpr uint64_t kLimineMaxBaseRevision = 3;
// The lowest virtual address an executable may be linked at ("Entry memory layout").
constexpr uint64_t kLimineLowestVirtual = 0xffffffff80000000ull;
// Where svm loads the executable (guest-physical, plus the link address's offset within 2 MiB so
// the boot page tables can use 2 MiB pages): above the first MiB, clear of svm's low areas.
constexpr uint64_t kLiminePhysicalBase = 0x200000;
// svm's name and version in the bootloader info response.
constexpr const char* kLimineBootloaderName = "svm";
constexpr const char* kLimineBootloaderVersion = "1";

// Places the Limine executable `elf` (from `file`, whose requests `requests` holds) in `memory`:
// the segments physically contiguous from kLiminePhysicalBase (keeping their distances), the file
// itself (for the executable file response) and each --module page-aligned after it, all recorded
// in image.loaded. image.mappings maps every segment at its p_vaddr and all RAM at
// kLimineHhdmOffset; image.entry is e_entry (guest-virtual) or the entry point request's;
// image.mode is Long. The responses are written later by image.boot_info_writer. `path` and
// options.cmdline name the executable in its file response. Returns an error naming the problem
// for a segment below kLimineLowestVirtual, an image that does not fit in RAM, an unreadable
// module, an entry point request outside the image, or a paging mode request svm cannot meet
// (it has 4-level paging only).
Result<KernelImage> load_limine(const std::string& path, std::span<const uint8_t> file,
                                const ElfFile& elf, const LimineRequests& requests,
                                GuestMemory& memory, const LoadOptions& options);

// The Limine memory map (PROTOCOL.md "Memory Map Feature") for the base map `base`
// (base_memory_map: RAM / reserved), the ranges a loader filled (`loaded`: executable and
// modules, --load-file ranges) and svm's areas in `layout` (boot stack, GDT, boot information and
// page tables become bootloader-reclaimable; the rest of svm's areas stay reserved). Sorted by
// base, contiguous, never overlapping, adjacent entries of one type merged; [0, 0x1000) is never
// usable.
std::vector<svm_limine_memmap_entry> limine_memory_map(std::span<const svm_mem_range> base,
                                                       std::span<const LoadedRange> loaded,
                                                       const BootLayout& layout);

}  // namespace svm
