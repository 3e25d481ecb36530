// Multiboot 2 (specification 2.0): kernel loading and the boot information.
#pragma once

#include <cstdint>
#include <span>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "core/result.h"

namespace svm {

// Loads the Multiboot 2 kernel whose header is at `header_offset` (find_multiboot2_header), its
// modules, and writes the Multiboot 2 information at SVM_BOOT_INFO_ADDR. Returns the image (mode
// Protected, EAX 0x36D76289, EBX the information address), or an error naming the problem: a
// header tag svm cannot honour, bad address-tag fields, an image that is neither ELF nor loaded
// by an address tag, unreadable modules, boot information larger than the boot info area.
Result<KernelImage> load_multiboot2(std::span<const uint8_t> file, uint64_t header_offset,
                                    GuestMemory& memory, const LoadOptions& options);

}  // namespace svm
