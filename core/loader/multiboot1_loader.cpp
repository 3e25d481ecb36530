#include "core/loader/multiboot1_loader.h"

#include <svm/machine.h>

#include <cstring>
#include <memory>

#include "core/loader/boot_info_blob.h"
#include "core/loader/boot_modules.h"
#include "core/loader/checked_reader.h"
#include "core/loader/elf_sections.h"
#include "core/loader/memory_map.h"
#include "core/loader/multiboot_abi.h"
#include "core/loader/multiboot_kernel.h"
#include "core/loader/video_mode.h"

namespace svm {

Result<std::optional<uint64_t>> find_multiboot1_header(std::span<const uint8_t> file) {
    CheckedReader reader(file);
    bool bad_checksum = false;
    for (uint64_t offset = 0; offset < mb1::kSearchBytes; offset += mb1::kHeaderAlign) {
        auto magic = reader.read<uint32_t>(offset);
        if (!magic) break;
        if (*magic != mb1::kHeaderMagic) continue;
        auto flags = reader.read<uint32_t>(offset + 4);
        auto checksum = reader.read<uint32_t>(offset + 8);
        if (!flags || !checksum) return error("Multiboot header is truncated by the end of file");
        if (uint32_t(*magic + *flags + *checksum) == 0) return offset;
        bad_checksum = true;
    }
    if (bad_checksum)
        return error("Multiboot header checksum is wrong (magic + flags + checksum must be 0)");
    return std::nullopt;
}

// Multiboot 0.6.96 section 3.1.2: bits 0-15 are requirements. svm honours bit 0 (modules are
// always page-aligned), bit 1 (memory information is always provided) and bit 2 (video mode:
// set on a machine with a display, accepted and ignored on one without, see docs/loaders.md).
static Result<void> check_required_flags(uint32_t flags) {
    constexpr uint32_t supported =
        mb1::kFlagPageAlignModules | mb1::kFlagMemoryInfo | mb1::kFlagVideoMode;
    for (unsigned bit = 0; bit < 16; ++bit) {
        if ((flags & (1u << bit)) && !(supported & (1u << bit)))
            return error("Multiboot header requires feature bit {}, which svm does not support",
                         bit);
    }
    return {};
}

// Section 3.1.4: the mode for the graphics fields of the header at `header_offset`, as GRUB
// (grub-core/loader/i386/multiboot_mbi.c) sets it: mode_type 1 gets EGA text, 0 the closest
// graphics mode. Returns nullopt without the video flag (bit 2) or a display, and an error for
// a header too short for the fields or another mode_type (GRUB refuses those too).
static Result<std::optional<VideoMode>> choose_multiboot1_video(
    const CheckedReader& reader, uint64_t header_offset, uint32_t flags,
    const std::optional<DisplayCaps>& display) {
    if (!(flags & mb1::kFlagVideoMode) || !display) return std::nullopt;
    auto video = reader.read<mb1::HeaderVideo>(header_offset + mb1::kHeaderVideoOffset);
    if (!video)
        return error(
            "Multiboot header with the video mode flag (bit 2) is truncated: its graphics "
            "fields end at header offset {}, past the end of the file",
            mb1::kHeaderVideoOffset + sizeof(mb1::HeaderVideo));
    switch (video->mode_type) {
        case mb1::kModeLinear:
            return choose_video_mode(video->width, video->height, video->depth, false, *display);
        case mb1::kModeEgaText:
            return choose_video_mode(0, 0, 0, true, *display);
        default:
            return error(
                "Multiboot header video mode_type {} is neither 0 (linear graphics) nor 1 (EGA "
                "text)",
                video->mode_type);
    }
}

// Section 3.3, flags bit 12: the framebuffer fields of `info` for `mode`. An 8 bpp palette is
// appended to `blob` and pointed to by color_info.
static void fill_framebuffer(mb1::Info& info, BootInfoBlob& blob, const VideoMode& mode) {
    FramebufferType type = framebuffer_type(mode);
    info.flags |= mb1::kInfoFramebuffer;
    info.framebuffer_addr = mode.address;
    info.framebuffer_pitch = mode.pitch;
    info.framebuffer_width = mode.width;
    info.framebuffer_height = mode.height;
    info.framebuffer_bpp = static_cast<uint8_t>(mode.bpp);
    info.framebuffer_type = static_cast<uint8_t>(type);
    if (type == FramebufferType::Rgb) {
        RgbLayout layout = rgb_layout(mode.bpp);
        static_assert(sizeof(layout) == sizeof(info.color_info));
        std::memcpy(info.color_info, &layout, sizeof(layout));
    } else if (type == FramebufferType::Indexed) {
        const auto& palette = vga_default_palette();
        uint32_t address = blob.address(blob.append_obj(palette));  // framebuffer_palette_addr
        auto colors = static_cast<uint16_t>(palette.size());        // ..._palette_num_colors
        std::memcpy(info.color_info, &address, sizeof(address));
        std::memcpy(info.color_info + 4, &colors, sizeof(colors));
    }
}

// Section 3.3: the information structure first, then what it points to. `cmdline` is the whole
// command line (kernel name first).
static Result<void> write_info(const MultibootKernel& kernel, std::span<const uint8_t> file,
                               const std::vector<PlacedModule>& modules, const std::string& cmdline,
                               const std::optional<VideoMode>& video, GuestMemory& memory,
                               const BootInfoInputs& in) {
    BootInfoBlob blob(in.address, in.capacity);
    mb1::Info info{};
    size_t info_offset = blob.append_obj(info);
    info.flags = mb1::kInfoMemory | mb1::kInfoCmdline | mb1::kInfoMods | mb1::kInfoMemoryMap |
                 mb1::kInfoBootLoaderName;
    info.mem_lower = multiboot_mem_lower_kib(in.memory_map);
    info.mem_upper = multiboot_mem_upper_kib(in.memory_map);
    info.cmdline = blob.address(blob.append_string(cmdline));
    info.boot_loader_name = blob.address(blob.append_string("svm"));

    std::vector<mb1::Module> entries;
    for (const auto& module : modules) {
        uint32_t string = blob.address(blob.append_string(module.string));
        entries.push_back(mb1::Module{module.start, module.end, string, 0});
    }
    blob.align(4);
    info.mods_count = static_cast<uint32_t>(entries.size());
    info.mods_addr = blob.address(blob.size());
    for (const auto& entry : entries) blob.append_obj(entry);

    blob.align(4);
    info.mmap_addr = blob.address(blob.size());
    for (const auto& range : in.memory_map) {
        uint32_t type = range.type == SVM_MEM_RAM ? 1 : 2;
        blob.append_obj(mb1::MmapEntry{20, range.base, range.length, type});
    }
    info.mmap_length = blob.address(blob.size()) - info.mmap_addr;

    // Bit 11 (VBE) stays clear: svm has no VBE BIOS whose control and mode information blocks
    // it could point to.
    if (video) {
        if (frame_overlaps_ram(*video, in.memory_map))
            return error(
                "the framebuffer at {:#x} overlaps guest RAM; give the machine less memory",
                video->address);
        fill_framebuffer(info, blob, *video);
    }

    if (kernel.elf) {
        auto table = elf_section_table(*kernel.elf, file);
        if (table && blob.fits(table->headers.size(), 4)) {
            blob.align(4);
            size_t table_offset = blob.append(table->headers);
            info.flags |= mb1::kInfoElfSections;
            info.elf_num = table->num;
            info.elf_size = table->entsize;
            info.elf_addr = blob.address(table_offset);
            info.elf_shndx = table->shndx;
            append_symbol_sections(*kernel.elf, file, blob, table_offset);
        }
    }
    blob.patch(info_offset, info);
    return blob.commit(memory);
}

// The Multiboot 1 command line as `qemu -kernel FILE -append ARGS` passes it (QEMU
// hw/i386/multiboot.c: "%s %s" of the kernel file name and the arguments): kernels written on
// QEMU take the first word as argv[0] and their options after it.
std::string multiboot1_cmdline(const std::string& kernel_path, const std::string& args) {
    return args.empty() ? kernel_path : kernel_path + " " + args;
}

Result<KernelImage> load_multiboot1(const std::string& path, std::span<const uint8_t> file,
                                    uint64_t header_offset, GuestMemory& memory,
                                    const LoadOptions& options) {
    CheckedReader reader(file);
    uint32_t flags = *reader.read<uint32_t>(header_offset + 4);  // find_multiboot1_header checked
    TRY(check_required_flags(flags));
    auto video = TRY(choose_multiboot1_video(reader, header_offset, flags, options.display));

    std::optional<AoutKludge> kludge;
    std::optional<uint32_t> entry_addr;
    if (flags & mb1::kFlagAoutKludge) {
        auto header = reader.read<mb1::Header>(header_offset);
        if (!header)
            return error(
                "Multiboot header with the a.out kludge (flags bit 16) is truncated: "
                "{} of {} bytes",
                file.size() - header_offset, sizeof(mb1::Header));
        kludge = AoutKludge{header->header_addr, header->load_addr, header->load_end_addr,
                            header->bss_end_addr};
        entry_addr = header->entry_addr;
    }

    ImagePlacer placer(memory);
    auto kernel = TRY(load_multiboot_kernel(file, header_offset, kludge, entry_addr, placer));
    auto modules = TRY(load_boot_modules(options.modules, placer));

    KernelImage image;
    image.format = "multiboot1";
    image.mode = CpuMode::Protected;
    image.entry = kernel.entry;
    image.loaded = placer.loaded();
    image.eax = mb1::kBootMagic;
    image.is_elf = kernel.elf.has_value();
    if (kernel.elf) image.elf_bits = kernel.elf->is64() ? 64 : 32;
    if (kernel.elf) image.debug_mappings = kernel.elf->debug_mappings();
    // The information is written once svm knows where its areas go (write_boot_info); keep a
    // copy of the file for the ELF section table.
    auto copy = std::make_shared<const std::vector<uint8_t>>(file.begin(), file.end());
    image.video = video;
    image.boot_info_writer = [kernel, copy, modules,
                              cmdline = multiboot1_cmdline(path, options.cmdline),
                              video](GuestMemory& memory, const BootInfoInputs& in) {
        return write_info(kernel, *copy, modules, cmdline, video, memory, in);
    };
    return image;
}

}  // namespace svm
