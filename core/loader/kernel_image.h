// What a kernel loader produces: the kernel is in guest memory, and this says how to start it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/result.h"
#include "core/x86_64/cpu_mode.h"
#include "core/x86_64/virtual_mapping.h"

namespace svm {

// A guest-physical range the loader filled, for the machine table and for overlap checks.
struct LoadedRange {
    uint64_t base;
    uint64_t size;
    bool is_module;  // false: kernel image
};

struct KernelImage {
    std::string format;  // "flat", "elf64", "elf32", "multiboot1", "multiboot2"
    CpuMode mode = CpuMode::Real;
    uint64_t entry = 0;  // real mode: offset from CS = 0; otherwise a (virtual) address
    std::vector<VirtualMapping> mappings;
    std::vector<LoadedRange> loaded;
    // Register values the format's handoff defines (Multiboot: EAX magic, EBX info address).
    // Unset registers get svm's defaults (docs/machine.md).
    std::optional<uint32_t> eax;
    std::optional<uint32_t> ebx;
    // True when the file is an ELF image (gdb can load its symbols from it).
    bool is_elf = false;
    // ELF images: each segment whose virtual address differs from its physical one, in every
    // mode. The debugger uses them to place breakpoints before the kernel enables paging.
    std::vector<VirtualMapping> debug_mappings;
};

struct LoadOptions {
    // Flat binaries only.
    uint64_t load_address = 0;
    std::optional<uint64_t> entry;  // default: load_address
    CpuMode flat_mode = CpuMode::Real;
    // Multiboot only.
    std::string cmdline;
    struct Module {
        std::string path;
        std::string args;  // the module's string: "PATH ARGS" as GRUB passes it
    };
    std::vector<Module> modules;
    // The ACPI RSDP svm wrote (36 bytes), copied into the Multiboot 2 ACPI tags; empty = none.
    std::vector<uint8_t> acpi_rsdp;
};

// Detects the format of `file` (Multiboot 2 / Multiboot 1 header within the first 32 KiB, then
// ELF64 / ELF32, else flat) and loads it into `memory`, with any Multiboot modules and boot
// information. Returns an error of one line naming the problem for malformed, truncated or
// hostile images (bad headers, sizes that overflow, segments outside RAM or overlapping svm's
// reserved ranges); the caller prefixes `path` (with_context). docs/loaders.md has the rules.
Result<KernelImage> load_kernel(const std::string& path, std::span<const uint8_t> file,
                                GuestMemory& memory, const LoadOptions& options);

}  // namespace svm
