// The Multiboot 2 header (specification 2.0, section 3.1): detection and tag parsing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/loader/aout_kludge.h"
#include "core/result.h"

namespace svm {

// The framebuffer tag (type 5, section 3.1.10): the kernel's preferred graphics mode.
struct FramebufferRequest {
    uint32_t width = 0;     // pixels; 0 = no preference
    uint32_t height = 0;    // pixels; 0 = no preference
    uint32_t depth = 0;     // bits per pixel; 0 = no preference
    bool required = false;  // the tag is not marked optional
};

struct Multiboot2Header {
    uint64_t offset = 0;                            // of the header in the file
    std::optional<AoutKludge> address;              // address tag (type 2), load_addr -1 resolved
    std::optional<uint32_t> entry_addr;             // entry address tag (type 3)
    bool page_align_modules = false;                // module alignment tag (type 6)
    bool requires_elf_sections = false;             // a non-optional information request for tag 9
    std::optional<FramebufferRequest> framebuffer;  // framebuffer tag (type 5)
    // Information requests (type 1) for the framebuffer information tag (8): any request, and a
    // non-optional one.
    bool requests_framebuffer_info = false;
    bool requires_framebuffer_info = false;
};

// Returns the offset of the first Multiboot 2 header (magic 0xE85250D6, 8-byte aligned, in the
// first 32 KiB, valid checksum), nullopt if there is none, or an error if there is a header magic
// whose checksum is wrong and no valid header.
Result<std::optional<uint64_t>> find_multiboot2_header(std::span<const uint8_t> file);

// Parses the header at `offset` and its tags. Returns an error naming the tag for a header that
// overflows the file, an unknown architecture, a tag smaller than 8 bytes or overflowing the
// header, a missing end tag, a framebuffer tag shorter than 20 bytes, and any non-optional
// request svm cannot satisfy: information it never provides (EFI, APM, ...), EFI boot services or
// EFI entry points, or an unknown tag type. Framebuffer requests are recorded, not judged: whether
// svm can honour them depends on the machine's display (load_multiboot2 decides).
Result<Multiboot2Header> parse_multiboot2_header(std::span<const uint8_t> file, uint64_t offset);

}  // namespace svm
