// What a kernel loader produces: the kernel is in guest memory, and this says how to start it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/loader/boot_layout.h"
#include "core/loader/loaded_range.h"
#include "core/result.h"
#include "core/x86_64/cpu_mode.h"
#include "core/x86_64/virtual_mapping.h"

namespace svm {

// What the Multiboot boot information needs from the rest of svm once the layout is planned.
struct BootInfoInputs {
    uint64_t address = 0;                   // where it goes (BootLayout::boot_info)
    uint64_t capacity = 0;                  // bytes available there
    uint64_t machine_table = 0;             // for svm's Multiboot 2 machine tag
    std::vector<svm_mem_range> memory_map;  // base_memory_map of the layout (RAM / reserved)
    std::span<const uint8_t> acpi_rsdp;     // the 36-byte RSDP for Multiboot 2 tags 14/15; or empty
    uint64_t acpi_rsdp_address = 0;         // guest-physical address of the RSDP (0: no ACPI)
    // Where svm's areas went: the Limine memory map tells bootloader-reclaimable ones apart.
    BootLayout layout;
    // Every range loaded (KernelImage::loaded, --load-file ranges included), for the Limine map.
    std::vector<LoadedRange> loaded;
};

// The display adapter of the machine, as a Multiboot loader needs to know it to promise the kernel
// a video mode (Multiboot 0.6.96 section 3.1.4, Multiboot 2.0 section 3.1.10). svm's adapter is
// the Bochs VBE ("std VGA") device: a linear framebuffer plus VGA text mode at 0xB8000.
struct DisplayCaps {
    uint64_t lfb_address = 0xFD000000;              // guest-physical base of the linear framebuffer
    uint64_t lfb_size = 16ull << 20;                // bytes of framebuffer memory
    uint32_t max_width = 2560;                      // pixels
    uint32_t max_height = 1600;                     // pixels
    std::vector<uint32_t> bpps{8, 15, 16, 24, 32};  // supported bits per pixel
    // The mode given to a kernel that states no preference (GRUB's "auto" gfxpayload).
    uint32_t default_width = 1024;  // pixels
    uint32_t default_height = 768;  // pixels
    uint32_t default_bpp = 32;
};

// The video mode a Multiboot kernel was promised. The machine programs it into the display
// adapter before the guest's first instruction.
struct VideoMode {
    enum class Kind {
        EgaText,  // VGA text mode 3: 80x25 characters of 2 bytes at 0xB8000
        Linear,   // a linear framebuffer (DisplayCaps::lfb_address)
    };
    Kind kind = Kind::EgaText;
    uint32_t width = 0;    // pixels (Linear) or characters (EgaText)
    uint32_t height = 0;   // pixels (Linear) or characters (EgaText)
    uint32_t bpp = 0;      // bits per pixel; 16 for EgaText (character and attribute bytes)
    uint32_t pitch = 0;    // bytes from one line (pixel row or character row) to the next
    uint64_t address = 0;  // guest-physical address of the first byte
};

// How a Limine executable starts (core/loader/limine_loader.h), where it differs from svm's own
// long-mode start: PROTOCOL.md "Machine State at Entry" and the MP feature's parked processors.
struct LimineStart {
    uint64_t base_revision = 0;  // the base revision svm boots with (0 to 6)
    uint64_t rsp = 0;  // the BSP's stack pointer (guest-virtual, HHDM); [rsp] holds the 0 return
    // The pool for the boot page tables (guest-physical, page-aligned; bootloader-reclaimable).
    uint64_t page_table_pool = 0;
    uint64_t page_table_pages = 0;
    int paging_levels = 4;  // 5: CR4.LA57 and a PML5 (the paging mode request asked for it)
    // The HHDM mappings the memory map calls for (PROTOCOL.md "Memory Layout at Entry"), set when
    // the responses are written, since they depend on where svm's areas went.
    std::vector<VirtualMapping> hhdm;
    // An application processor parked by the MP feature: it starts in the BSP's mode at `rip`
    // (svm's parking loop) with RDI = its struct svm_limine_mp_info (guest-virtual, HHDM) and
    // spins there until the executable stores a goto_address.
    struct ParkedAp {
        uint64_t rip, rdi, rsp;
    };
    std::vector<ParkedAp> aps;  // one per AP (vCPU 1, 2, ...); empty without an MP request
    bool x2apic = false;        // the MP request asked for x2APIC mode (bit 0 of its flags)
};

struct KernelImage {
    // "flat", "elf64", "elf32", "multiboot1", "multiboot2", "limine", "bootsector"
    std::string format;
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
    // ELF images: 64 for ELF64, 32 for ELF32 (gdb picks its i386 or amd64 architecture by it).
    int elf_bits = 0;
    // ELF images: each segment whose virtual address differs from its physical one, in every
    // mode. The debugger uses them to place breakpoints before the kernel enables paging.
    std::vector<VirtualMapping> debug_mappings;
    // Multiboot and Limine only: writes the boot information (Limine: the responses) described by
    // the inputs. Set by place_kernel();
    // write_boot_info() calls it once the layout is known.
    std::function<Result<void>(GuestMemory&, const BootInfoInputs&)> boot_info_writer;
    // Where svm's own structures go (plan_boot_layout over `loaded`); set by the caller.
    BootLayout layout;
    // Multiboot only: the video mode the boot information promises, which the machine must set
    // up before the guest starts; nullopt when the kernel asked for none (the display stays in
    // VGA text mode) or the machine has no display.
    std::optional<VideoMode> video;
    // Limine executables only: how the vCPUs start (boot_cpu.h, Machine::create_vcpus). Shared
    // with the boot information writer, which completes it.
    std::shared_ptr<LimineStart> limine;
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
    // The machine's display adapter; nullopt when the machine has none. A Multiboot kernel that
    // requires a framebuffer is then refused, one that merely prefers one boots without.
    std::optional<DisplayCaps> display;
    // True when the command line asked for a flat binary (--load, --entry or --mode): a file that
    // happens to end its first sector in 0x55 0xAA then stays a flat binary (core/loader/
    // boot_sector.h).
    bool flat_explicit = false;
    // --boot-disk / --boot-floppy: the file is a disk image whose first sector is booted; the
    // kernel formats are not looked for and the boot signature is required.
    bool boot_disk = false;
    // --boot limine: an ELF64 without Limine requests is booted per the Limine protocol too.
    bool force_limine = false;
    // --kaslr: a position-independent Limine executable is placed at a random slide.
    bool kaslr = false;
    // The machine's vCPU count (Limine MP feature: one parked processor per AP).
    int cpus = 1;
    // Microseconds on CLOCK_MONOTONIC when svm started (Limine bootloader performance feature).
    uint64_t start_usec = 0;
    // True if the CPU has 5-level paging (CPUID.(EAX=7,ECX=0):ECX.LA57[bit 16]): a Limine
    // executable that asks for it gets it.
    bool la57 = false;
    // The host TSC frequency in Hz, 0 if unknown (Limine TSC frequency feature).
    uint64_t tsc_hz = 0;
};

// Detects the format of `file` (Multiboot 2 / Multiboot 1 header within the first 32 KiB, then
// an ELF64 with a Limine base revision tag or request (limine_requests.h), then ELF64 / ELF32, then
// a boot sector (boot_sector.h), else flat) and places it in `memory`, with any Multiboot modules.
// `path` is the kernel's name as the user gave it (the first word of the Multiboot 1 command line).
// For Multiboot images the boot information is not written yet: image.boot_info_writer holds it.
// Returns an error of one line naming the problem for malformed, truncated or hostile images (bad
// headers, sizes that overflow, segments outside RAM or overlapping each other); the caller
// prefixes `path` (with_context). docs/loaders.md has the rules.
Result<KernelImage> place_kernel(const std::string& path, std::span<const uint8_t> file,
                                 GuestMemory& memory, const LoadOptions& options);

// Writes the Multiboot boot information of `image` at image.layout.boot_info and points EBX at
// it, or the Limine responses there (EBX untouched); does nothing for other formats. `acpi_rsdp`
// (36 bytes or empty) feeds the Multiboot 2 ACPI tags. Returns an error if the information does not
// fit its area or a requested part is missing.
Result<void> write_boot_info(KernelImage& image, GuestMemory& memory,
                             std::span<const uint8_t> acpi_rsdp, uint64_t acpi_rsdp_address = 0);

// place_kernel, then plan_boot_layout over what was loaded (no MP table), then write_boot_info
// without ACPI: the whole load for callers that add nothing else (tests, tools).
Result<KernelImage> load_kernel(const std::string& path, std::span<const uint8_t> file,
                                GuestMemory& memory, const LoadOptions& options);

}  // namespace svm
