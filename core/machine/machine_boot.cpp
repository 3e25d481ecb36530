// Machine: loading the kernel, its modules and --load-file contents, then writing what svm hands
// the guest (ACPI tables, BIOS-area tables, Multiboot information, boot GDT, machine table) in
// the places plan_boot_layout chose around what was loaded.
#include <cpuid.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/loader/boot_sector.h"
#include "core/loader/image_placer.h"
#include "core/loader/memory_map.h"
#include "core/loader/video_mode.h"
#include "core/log.h"
#include "core/machine/bios_tables.h"
#include "core/machine/boot_cpu.h"
#include "core/machine/boot_image.h"
#include "core/machine/machine.h"
#include "core/machine/machine_table.h"
#include "core/machine/mp_table.h"
#include "core/machine/pc/pc_layout.h"
#include "core/machine/pc/virtio_plan.h"
#include "devices/display/bochs_vbe.h"

namespace svm {

namespace {

// Copies one --load-file to guest memory through `placer` (so it may not overlap the kernel, a
// module or an earlier file). The size is checked against RAM and the other ranges before a byte
// is read, so a huge file or a device node is refused without reading it.
Result<void> load_raw_file(const MachineConfig::LoadFile& file, ImagePlacer& placer) {
    std::error_code ec;
    auto status = std::filesystem::status(file.path, ec);
    if (ec) return error("--load-file {}: {}", file.path, ec.message());
    if (!std::filesystem::is_regular_file(status))
        return error("--load-file {}: not a regular file", file.path);
    uint64_t size = std::filesystem::file_size(file.path, ec);
    if (ec) return error("--load-file {}: {}", file.path, ec.message());
    auto what = fmt::format("--load-file {} ({} bytes at {:#x})", file.path, size, file.address);
    TRY(placer.check(what, file.address, size));
    std::vector<uint8_t> bytes(size);
    std::ifstream in(file.path, std::ios::binary);
    if (!in || !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
        return error("cannot read --load-file {}: {}", file.path, std::strerror(errno));
    return placer.place(what, file.address, bytes, size, false);
}

// The host's TSC frequency in Hz from CPUID leaf 0x15 (SDM Vol. 2A, CPUID "Time Stamp Counter
// and Nominal Core Crystal Clock Information Leaf": TSC = crystal * EBX / EAX), which KVM guests
// see too; 0 where the leaf or the crystal frequency is not reported.
uint64_t host_tsc_hz() {
    unsigned max_leaf = __get_cpuid_max(0, nullptr);
    if (max_leaf < 0x15) return 0;
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    __cpuid_count(0x15, 0, eax, ebx, ecx, edx);
    if (eax == 0 || ebx == 0 || ecx == 0) return 0;
    return uint64_t{ecx} * ebx / eax;
}

// True if the host CPU has 5-level paging (CPUID.(EAX=7,ECX=0):ECX.LA57[bit 16], SDM Vol. 2A),
// which KVM then offers its guests.
bool host_has_la57() {
    if (__get_cpuid_max(0, nullptr) < 7) return false;
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    return ecx & (1u << 16);
}

}  // namespace

Result<BootImage> load_boot_image(const MachineConfig& config, std::span<const uint8_t> kernel,
                                  GuestMemory& memory) {
    // 1. Everything the user asked to load: kernel segments, modules, raw files.
    // The machine's display adapter, for Multiboot video requests (docs/loaders.md, "Video").
    LoadOptions options = config.load;
    DisplayCaps display;
    display.lfb_address = pc::kLfbBase;
    display.lfb_size = pc::kLfbSize;
    display.max_width = BochsVbe::kMaxWidth;
    display.max_height = BochsVbe::kMaxHeight;
    options.display = display;
    options.cpus = config.cpus;
    options.start_usec =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count());
    options.tsc_hz = host_tsc_hz();
    BootImage boot;
    KernelImage& image = boot.image;
    image = TRY(with_context(place_kernel(config.kernel_path, kernel, memory, options),
                             config.kernel_path));
    if (!config.load_files.empty()) {
        ImagePlacer placer(memory);
        for (const auto& range : image.loaded)
            placer.record(range.is_module ? "a boot module" : "the kernel", range);
        for (const auto& file : config.load_files) TRY(load_raw_file(file, placer));
        image.loaded = placer.loaded();
    }
    if (image.format == "bootsector") return boot;
    // 2. svm's own areas around it.
    image.layout =
        TRY(plan_boot_layout(memory.size(), image.loaded, mp_config_table_size(config.cpus)));
    // 3. What goes there. ACPI first: the BIOS-area copies and Multiboot 2 carry its RSDP.
    boot.acpi = TRY(write_acpi_tables(memory, image.layout.acpi, config.cpus,
                                      acpi_virtio_mmio(config)));
    auto base_map = base_memory_map(memory.size(), image.layout.reserved);
    TRY(write_bios_tables(memory, image.layout, config.cpus, boot.acpi.rsdp_bytes, base_map));
    TRY(with_context(write_boot_info(image, memory, boot.acpi.rsdp_bytes, boot.acpi.rsdp),
                     config.kernel_path));
    if (image.limine)
        TRY(write_limine_gdt(memory, image.layout.gdt));
    else
        TRY(write_boot_gdt(memory, image.layout.gdt));
    return boot;
}

Result<void> Machine::load(std::span<const uint8_t> kernel) {
    // A Limine executable that asks for 5-level paging gets it where the CPU has it.
    config_.load.la57 = host_has_la57();
    auto boot = TRY(load_boot_image(config_, kernel, memory_));
    image_ = std::move(boot.image);
    acpi_ = std::move(boot.acpi);
    if (image_.format == "bootsector") return load_boot_sector_areas();
    const auto& at = image_.layout;
    log::verbose(
        "boot layout: stack {:#x}-{:#x}, machine table {:#x}, GDT {:#x}, boot info {:#x}, ACPI "
        "{:#x}, page tables {:#x}",
        at.stack_base, at.stack_top, at.machine_table, at.gdt, at.boot_info, at.acpi,
        at.page_tables);
    return {};
}

Result<void> Machine::load_boot_sector_areas() {
    // What a PC BIOS leaves, and nothing of svm's own boot protocol: no boot stack, machine table,
    // GDT, Multiboot information or page tables in conventional memory, which belongs to the boot
    // sector's OS (core/loader/boot_sector.h). The ACPI tables move to the BIOS area 0xE0000;
    // the BDA, EBDA, RSDP copy and MP tables stay where the standards put them. The BIOS ROM and
    // the IVT are written with the BIOS itself (add_bios).
    if (!config_.boot_disk)
        config_.boot_disk = MachineConfig::BootDisk{config_.kernel_path, false, 0x80};
    image_.layout =
        TRY(plan_boot_sector_layout(memory_.size(), mp_config_table_size(config_.cpus)));
    acpi_ = TRY(write_acpi_tables(memory_, image_.layout.acpi, config_.cpus,
                                   acpi_virtio_mmio(config_)));
    auto base_map = base_memory_map(memory_.size(), image_.layout.reserved);
    TRY(write_bios_tables(memory_, image_.layout, config_.cpus, acpi_.rsdp_bytes, base_map));
    log::verbose("boot sector: drive {:#04x} ({}), ACPI {:#x}, memory map reserves {:#x}-{:#x}",
                 config_.boot_disk->drive, config_.boot_disk->writable ? "read-write" : "read-only",
                 image_.layout.acpi, kBootSectorReservedStart, 0xFFFFF);
    return {};
}

namespace {

// The machine table's record of the display mode at entry (<svm/machine.h> svm_framebuffer): the
// same description Multiboot's framebuffer fields give (core/loader/video_mode.h).
static_assert(uint8_t(FramebufferType::Indexed) == SVM_FB_INDEXED &&
              uint8_t(FramebufferType::Rgb) == SVM_FB_RGB &&
              uint8_t(FramebufferType::EgaText) == SVM_FB_TEXT);

svm_framebuffer boot_display(const std::optional<VideoMode>& video) {
    VideoMode mode =
        video.value_or(VideoMode{VideoMode::Kind::EgaText, kEgaTextColumns, kEgaTextRows, 16,
                                 kEgaTextColumns * 2, kEgaTextAddress});
    svm_framebuffer fb{};
    fb.address = mode.address;
    fb.width = mode.width;
    fb.height = mode.height;
    fb.pitch = mode.pitch;
    fb.bpp = static_cast<uint8_t>(mode.bpp);
    fb.type = static_cast<uint8_t>(framebuffer_type(mode));
    if (framebuffer_type(mode) == FramebufferType::Rgb) {
        const RgbLayout layout = rgb_layout(mode.bpp);
        fb.red_position = layout.red_position;
        fb.red_size = layout.red_size;
        fb.green_position = layout.green_position;
        fb.green_size = layout.green_size;
        fb.blue_position = layout.blue_position;
        fb.blue_size = layout.blue_size;
    }
    return fb;
}

}  // namespace

Result<void> Machine::write_boot_tables() {
    if (image_.format == "bootsector") {
        // No machine table for a boot sector; the memory map is what int 0x15 E820 reports: the
        // base map, the boot sector itself being ordinary RAM.
        memory_map_ = base_memory_map(memory_.size(), image_.layout.reserved);
        return {};
    }
    MachineDescription desc;
    desc.ram_size = memory_.size();
    desc.memory = machine_memory_map(memory_.size(), image_.layout.reserved, image_.loaded);
    memory_map_ = desc.memory;
    desc.devices = device_entries_;
    desc.cmdline = config_.load.cmdline;
    desc.acpi_rsdp = acpi_.rsdp;
    desc.display = boot_display(image_.video);
    for (int i = 0; i < config_.cpus; ++i) {
        uint32_t index = static_cast<uint32_t>(i);
        desc.cpus.push_back({index, index, i == 0 ? SVM_CPU_BSP : 0u, 0});
    }
    return write_machine_table(memory_, desc, image_.layout.machine_table);
}

}  // namespace svm
