#include "core/loader/multiboot2_loader.h"

#include <svm/machine.h>

#include <cstddef>
#include <memory>

#include "core/loader/boot_info_blob.h"
#include "core/loader/boot_modules.h"
#include "core/loader/elf_sections.h"
#include "core/loader/memory_map.h"
#include "core/loader/multiboot2_header.h"
#include "core/loader/multiboot_abi.h"
#include "core/loader/multiboot_kernel.h"
#include "core/loader/video_mode.h"

namespace svm {

namespace {

// Appends Multiboot 2 information tags (section 3.6): each starts 8-byte aligned with its type
// and size; the size covers the tag header and payload, not the padding.
class TagWriter {
public:
    explicit TagWriter(BootInfoBlob& blob) : blob_(blob) {}

    // Starts a tag; returns its offset. Payload is appended to the blob, then end() sets size.
    size_t begin(uint32_t type) {
        blob_.align(8);
        return blob_.append_obj(mb2::InfoTag{type, 0});
    }
    void end(size_t tag_offset) {
        blob_.patch(tag_offset + offsetof(mb2::InfoTag, size),
                    static_cast<uint32_t>(blob_.size() - tag_offset));
    }
    void string_tag(uint32_t type, std::string_view text) {
        size_t tag = begin(type);
        blob_.append_string(text);
        end(tag);
    }

private:
    BootInfoBlob& blob_;
};

// Section 3.6.12: the framebuffer information tag for `mode`, with the colour information its
// type needs (RGB field positions, or the VGA default palette for 8 bpp).
void append_framebuffer_tag(TagWriter& tags, BootInfoBlob& blob, const VideoMode& mode) {
    blob.align(8);
    FramebufferType type = framebuffer_type(mode);
    mb2::FramebufferInfoCommon common{};
    common.tag = {mb2::kInfoFramebuffer, 0};
    common.framebuffer_addr = mode.address;
    common.framebuffer_pitch = mode.pitch;
    common.framebuffer_width = mode.width;
    common.framebuffer_height = mode.height;
    common.framebuffer_bpp = static_cast<uint8_t>(mode.bpp);
    common.framebuffer_type = static_cast<uint8_t>(type);
    size_t tag = blob.append_obj(common);
    if (type == FramebufferType::Rgb) {
        blob.append_obj(rgb_layout(mode.bpp));
    } else if (type == FramebufferType::Indexed) {
        const auto& palette = vga_default_palette();
        blob.append_obj(static_cast<uint16_t>(palette.size()));  // framebuffer_palette_num_colors
        blob.append_obj(palette);
    }
    tags.end(tag);
}

// `cmdline` is the --cmdline text alone: GRUB 2's `multiboot2 FILE ARGS` skips the file name
// (grub-core/loader/multiboot.c, grub_cmd_multiboot: "Skip filename", init_mbi(argc - 1, argv +
// 1)).
Result<void> write_info(const MultibootKernel& kernel, const Multiboot2Header& header,
                        std::span<const uint8_t> file, const std::vector<PlacedModule>& modules,
                        uint32_t load_base, const std::string& cmdline,
                        const std::optional<VideoMode>& video, GuestMemory& memory,
                        const BootInfoInputs& in) {
    BootInfoBlob blob(in.address, in.capacity);
    TagWriter tags(blob);
    blob.append_obj(uint32_t{0});  // total_size, patched below
    blob.append_obj(uint32_t{0});  // reserved

    tags.string_tag(mb2::kInfoCmdline, cmdline);
    tags.string_tag(mb2::kInfoBootLoaderName, "svm");
    for (const auto& module : modules) {
        size_t tag = tags.begin(mb2::kInfoModule);
        blob.append_obj(module.start);
        blob.append_obj(module.end);
        blob.append_string(module.string);
        tags.end(tag);
    }

    size_t meminfo = tags.begin(mb2::kInfoBasicMeminfo);
    blob.append_obj(multiboot_mem_lower_kib(in.memory_map));
    blob.append_obj(multiboot_mem_upper_kib(in.memory_map));
    tags.end(meminfo);

    size_t mmap = tags.begin(mb2::kInfoMemoryMap);
    blob.append_obj(uint32_t{sizeof(mb2::MmapEntry)});  // entry_size
    blob.append_obj(uint32_t{0});                       // entry_version
    for (const auto& range : in.memory_map)
        blob.append_obj(
            mb2::MmapEntry{range.base, range.length, range.type == SVM_MEM_RAM ? 1u : 2u, 0});
    tags.end(mmap);

    if (video) {
        if (frame_overlaps_ram(*video, in.memory_map))
            return error(
                "the framebuffer at {:#x} overlaps guest RAM; give the machine less memory",
                video->address);
        append_framebuffer_tag(tags, blob, *video);
    }

    // ACPI (sections 3.6.15, 3.6.16): copies of the RSDP, version 1 (20 bytes) and 2 (36 bytes).
    if (in.acpi_rsdp.size() >= 36) {
        size_t old_rsdp = tags.begin(mb2::kInfoAcpiOld);
        blob.append(in.acpi_rsdp.first(20));
        tags.end(old_rsdp);
        size_t new_rsdp = tags.begin(mb2::kInfoAcpiNew);
        blob.append(in.acpi_rsdp.first(36));
        tags.end(new_rsdp);
    }

    size_t load_base_tag = tags.begin(mb2::kInfoLoadBaseAddr);
    blob.append_obj(load_base);
    tags.end(load_base_tag);

    // ELF sections (section 3.6.7). GRUB's multiboot2.h declares num, entsize and shndx as
    // 32-bit fields (the specification text says 16-bit); svm follows GRUB, as kernels do.
    std::optional<size_t> table_offset;
    std::optional<ElfSectionTable> table;
    if (kernel.elf) table = elf_section_table(*kernel.elf, file);
    constexpr size_t trailer = sizeof(svm_multiboot2_machine_tag) + sizeof(mb2::InfoTag);
    if (table && blob.fits(20 + table->headers.size(), 8, trailer)) {
        size_t tag = tags.begin(mb2::kInfoElfSections);
        blob.append_obj(table->num);
        blob.append_obj(table->entsize);
        blob.append_obj(table->shndx);
        table_offset = blob.append(table->headers);
        tags.end(tag);
    } else if (header.requires_elf_sections) {
        return error(
            "Multiboot 2 information request requires ELF sections (tag type 9), but "
            "{}",
            kernel.elf ? "the section header table is missing or does not fit"
                       : "the image is not ELF");
    }

    blob.align(8);
    blob.append_obj(svm_multiboot2_machine_tag{
        SVM_MULTIBOOT2_TAG_MACHINE, sizeof(svm_multiboot2_machine_tag), in.machine_table});
    blob.align(8);
    blob.append_obj(mb2::InfoTag{mb2::kInfoEnd, sizeof(mb2::InfoTag)});
    blob.patch(0, static_cast<uint32_t>(blob.size()));

    // Symbol and string table contents go after the information structure (outside
    // total_size), still inside svm's boot info area.
    if (table_offset) append_symbol_sections(*kernel.elf, file, blob, *table_offset);
    return blob.commit(memory);
}

// The video mode a Multiboot 2 kernel gets, as GRUB 2 decides it (grub-core/loader/
// multiboot_mbi2.c): a framebuffer tag (section 3.1.10) asks for a graphics mode, which GRUB
// sets even if the tag is optional, its sizes being preferences; without one, a request for the
// framebuffer information tag gets the EGA text console that is already on the screen. Returns
// nullopt when the kernel asks for neither or the machine has no display, and an error when a
// non-optional framebuffer or framebuffer information request meets a machine without one.
Result<std::optional<VideoMode>> choose_multiboot2_video(
    const Multiboot2Header& header, const std::optional<DisplayCaps>& display) {
    if (!display) {
        if (header.framebuffer && header.framebuffer->required)
            return error(
                "Multiboot 2 header requires a framebuffer (tag type 5), but svm has no "
                "display; mark the tag optional");
        if (header.requires_framebuffer_info)
            return error(
                "Multiboot 2 information request asks for tag type 8 (framebuffer "
                "information), which svm provides only on a machine with a display; mark the "
                "request optional");
        return std::nullopt;
    }
    if (header.framebuffer)
        return choose_video_mode(header.framebuffer->width, header.framebuffer->height,
                                 header.framebuffer->depth, false, *display);
    if (header.requests_framebuffer_info) return choose_video_mode(0, 0, 0, true, *display);
    return std::nullopt;
}

}  // namespace

Result<KernelImage> load_multiboot2(std::span<const uint8_t> file, uint64_t header_offset,
                                    GuestMemory& memory, const LoadOptions& options) {
    auto header = TRY(parse_multiboot2_header(file, header_offset));
    auto video = TRY(choose_multiboot2_video(header, options.display));
    ImagePlacer placer(memory);
    auto kernel =
        TRY(load_multiboot_kernel(file, header_offset, header.address, header.entry_addr, placer));
    // svm places every module page-aligned, which satisfies the module alignment tag.
    auto modules = TRY(load_boot_modules(options.modules, placer));
    auto load_base = static_cast<uint32_t>(placer.kernel_start());

    KernelImage image;
    image.format = "multiboot2";
    image.mode = CpuMode::Protected;  // also for ELF64 kernels, as GRUB starts them
    image.entry = kernel.entry;
    image.loaded = placer.loaded();
    image.eax = mb2::kBootMagic;
    image.is_elf = kernel.elf.has_value();
    if (kernel.elf) image.elf_bits = kernel.elf->is64() ? 64 : 32;
    if (kernel.elf) image.debug_mappings = kernel.elf->debug_mappings();
    // Written once svm knows where its areas go (write_boot_info); the writer keeps a copy of the
    // file for the ELF section table.
    auto copy = std::make_shared<const std::vector<uint8_t>>(file.begin(), file.end());
    image.video = video;
    image.boot_info_writer = [kernel, header, copy, modules, load_base, cmdline = options.cmdline,
                              video](GuestMemory& memory, const BootInfoInputs& in) {
        return write_info(kernel, header, *copy, modules, load_base, cmdline, video, memory, in);
    };
    return image;
}

}  // namespace svm
