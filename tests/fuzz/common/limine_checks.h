// The Limine half of the boot pipeline (boot_pipeline.h): what svm may change inside a Limine
// executable's loaded image, and what its responses, memory map and boot page tables must look
// like (limine-protocol PROTOCOL.md; core/loader/limine_loader.h says what svm implements).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "tests/fuzz/common/guarded_memory.h"

namespace svm::fuzz {

// A request's `response` member (request + 40, PROTOCOL.md "Features") in guest memory.
struct LimineSlot {
    uint64_t id2 = 0, id3 = 0;  // the request's id[2], id[3]
    uint64_t gpa = 0;           // guest-physical address of `response`
    uint64_t before = 0;        // what the executable held there before svm answered
    uint64_t bytes_in_image = 0;
};

// Where svm writes inside a Limine executable's image, found before it writes any of it.
struct LimineImagePlan {
    std::vector<LimineSlot> slots;
    std::optional<uint64_t> tag_gpa;  // the base revision tag's first value (guest-physical)
    uint64_t tag_before[2] = {0, 0};  // its second and third values before the boot
    uint64_t revision = 0;            // the base revision it asks for (svm boots with it)
    GpaRange region;                  // svm's bootloader-reclaimable region (one of image.loaded)
    // The bytes of the loaded image svm may write: each `response` member and the tag's second
    // and third values ("Base Revisions"). Nothing else in the image may change.
    std::vector<GpaRange> windows;
};

// Scans `file` (the executable image.loaded came from) as load_limine() did, with image.mappings
// (the segments only: call it before write_boot_info) giving each request's physical address.
// Aborts (FUZZ_CHECK) if a file svm loaded no longer scans, if a request or the tag lies outside
// the segments, or if svm's region or page-table pool is not one of image.loaded.
LimineImagePlan plan_limine_checks(const GuestMemory& memory, const KernelImage& image,
                                   std::span<const uint8_t> file);

// After write_boot_info() (`wrote`: whether it succeeded), with `areas` svm's areas of
// image.layout, stack included, and `rsdp` the machine's RSDP address: the tag is acknowledged;
// each answered request points at its response in the boot information area through the HHDM
// (kLimineHhdmOffset, kLimineHhdmOffset5 with 5-level paging), the requests svm never answers are
// untouched; the memory map (if asked for) is sorted, non-overlapping, with usable and
// bootloader-reclaimable entries in whole pages and nothing svm loaded or wrote in usable memory.
// If write_boot_info() failed, nothing changed.
void check_limine_responses(const GuestMemory& memory, const KernelImage& image,
                            const LimineImagePlan& plan, bool wrote,
                            std::span<const GpaRange> areas, uint64_t rsdp);

// After the boot page tables are built (`cr3`): the entry point runs from a segment, the stack
// pointers and every parked processor's RIP/RDI point into svm's region through the HHDM (the
// parking loop's code at RIP), and the HHDM maps the boot information area.
void check_limine_start(const GuestMemory& memory, const KernelImage& image, uint64_t cr3,
                        const LimineImagePlan& plan);

}  // namespace svm::fuzz
