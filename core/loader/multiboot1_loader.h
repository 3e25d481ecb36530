// Multiboot 1 (specification 0.6.96): header detection, kernel loading and the boot information.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "core/result.h"

namespace svm {

// Returns the offset of the first Multiboot 1 header (magic 0x1BADB002, 4-byte aligned, in the
// first 8 KiB, valid checksum), nullopt if there is none, or an error if there is a header magic
// whose checksum is wrong and no valid header.
Result<std::optional<uint64_t>> find_multiboot1_header(std::span<const uint8_t> file);

// Loads the Multiboot 1 kernel whose header is at `header_offset`, its modules, and writes the
// Multiboot information at SVM_BOOT_INFO_ADDR. Returns the image (mode Protected, EAX 0x2BADB002,
// EBX the information address), or an error naming the problem: a required feature svm does not
// support, a truncated header, bad a.out-kludge fields, an image that is not ELF without the
// kludge, unreadable modules, boot information larger than the boot info area.
Result<KernelImage> load_multiboot1(std::span<const uint8_t> file, uint64_t header_offset,
                                    GuestMemory& memory, const LoadOptions& options);

}  // namespace svm
