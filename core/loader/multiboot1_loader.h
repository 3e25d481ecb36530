// Multiboot 1 (specification 0.6.96): header detection, kernel loading and the boot information.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "core/result.h"

namespace svm {

// Returns the offset of the first Multiboot 1 header (magic 0x1BADB002, 4-byte aligned, in the
// first 8 KiB, valid checksum), nullopt if there is none, or an error if there is a header magic
// whose checksum is wrong and no valid header.
Result<std::optional<uint64_t>> find_multiboot1_header(std::span<const uint8_t> file);

// Loads the Multiboot 1 kernel whose header is at `header_offset` and its modules. Returns the
// image (mode Protected, EAX 0x2BADB002, a boot_info_writer for the information, whose command
// line is multiboot1_cmdline(path, options.cmdline); `video` set when header flags bit 2 asks
// for a video mode and options.display is set, and then described by info flags bit 12), or an
// error naming the problem: a required feature svm does not support, a truncated header, an
// unknown video mode_type, bad a.out-kludge fields, an image that is not ELF without the kludge,
// unreadable modules. The writer fails if the information exceeds its area or the framebuffer
// overlaps RAM.
Result<KernelImage> load_multiboot1(const std::string& path, std::span<const uint8_t> file,
                                    uint64_t header_offset, GuestMemory& memory,
                                    const LoadOptions& options);

// "PATH ARGS" (just PATH without arguments): the Multiboot 1 command line `qemu -kernel PATH
// -append ARGS` passes, which svm copies (docs/loaders.md, "Command line").
std::string multiboot1_cmdline(const std::string& kernel_path, const std::string& args);

}  // namespace svm
