// Multiboot 2 (specification 2.0): kernel loading and the boot information.
#pragma once

#include <cstdint>
#include <span>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "core/result.h"

namespace svm {

// Loads the Multiboot 2 kernel whose header is at `header_offset` (find_multiboot2_header), its
// modules. Returns the image (mode Protected, EAX 0x36D76289, a boot_info_writer for the Multiboot
// 2 information, whose command line is options.cmdline alone, as GRUB 2 passes it; `video` set
// when the kernel asked for a framebuffer or framebuffer information and options.display is set,
// and then described by a framebuffer information tag), or an error naming the problem: a header
// tag svm cannot honour (a required framebuffer without a display), bad address-tag fields, an
// image that is neither ELF nor loaded by an address tag, unreadable modules. The writer fails if
// the information exceeds its area, ELF sections are required but missing, or the framebuffer
// overlaps RAM.
Result<KernelImage> load_multiboot2(std::span<const uint8_t> file, uint64_t header_offset,
                                    GuestMemory& memory, const LoadOptions& options);

}  // namespace svm
