// The Limine request scanner: finds the base revision tag and the feature requests an ELF64
// executable carries in its loaded image (PROTOCOL.md "Base protocol revisions", "Features",
// "Requests Delimiters"), parsed once into checked values so the loader never re-reads them raw.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/loader/elf_file.h"
#include "core/result.h"

namespace svm {

// One feature request found in the image.
struct LimineRequest {
    uint64_t id2 = 0,
             id3 = 0;       // id[2], id[3]: which feature (SVM_LIMINE_ID_* in limine_protocol.h)
    uint64_t vaddr = 0;     // guest-virtual address of id[0] (8-byte aligned)
    uint64_t revision = 0;  // the request revision the executable provides
    // The three 64-bit optional members after `response` (offsets 48, 56, 64), as the file holds
    // them; zero where they lie in the segment's BSS or past its end.
    uint64_t fields[3] = {0, 0, 0};
    // Bytes of the segment's memory image from vaddr to its end: a feature whose request needs
    // an optional member checks that the member lies inside (48 + 8 * n <= bytes_in_image).
    uint64_t bytes_in_image = 0;
};

// The base revision tag (PROTOCOL.md "Base protocol revisions").
struct LimineBaseRevision {
    uint64_t vaddr = 0;      // guest-virtual address of the tag's first value
    uint64_t requested = 0;  // the third value: the base revision the executable asks for
};

struct LimineRequests {
    std::optional<LimineBaseRevision> base_revision;  // nullopt: none (revision 0 is implied)
    std::vector<LimineRequest> requests;              // sorted by vaddr

    // The request with id[2] == id2 and id[3] == id3, or nullptr if the image has none.
    const LimineRequest* find(uint64_t id2, uint64_t id3) const;
    // True if the image carries neither a base revision tag nor a request: not a Limine
    // executable.
    bool empty() const { return !base_revision && requests.empty(); }
};

// Scans the file bytes of every PT_LOAD segment of `elf` (whose contents are `file`) at each
// 8-byte aligned guest-virtual address for the base revision tag and requests (the common magic
// in id[0..1]). Only what lies after the last start marker and before the first end marker
// counts, when those markers are present. Unknown feature ids are returned too (the loader
// leaves their response NULL).
// Returns an error, which refuses the boot, if two requests have the same id (PROTOCOL.md
// "Features": "The bootloader will refuse to boot an executable with multiple of the same request
// IDs"), if it has two base revision tags, or if a request's mandatory members (id, revision,
// response: 48 bytes) run past the end of its segment's memory image, so that svm could not write
// its response there.
Result<LimineRequests> scan_limine_requests(std::span<const uint8_t> file, const ElfFile& elf);

}  // namespace svm
