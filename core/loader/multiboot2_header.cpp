#include "core/loader/multiboot2_header.h"

#include <string_view>

#include "core/loader/checked_reader.h"
#include "core/loader/multiboot_abi.h"

namespace svm {

Result<std::optional<uint64_t>> find_multiboot2_header(std::span<const uint8_t> file) {
    CheckedReader reader(file);
    bool bad_checksum = false;
    for (uint64_t offset = 0; offset < mb2::kSearchBytes; offset += mb2::kHeaderAlign) {
        auto magic = reader.read<uint32_t>(offset);
        if (!magic) break;
        if (*magic != mb2::kHeaderMagic) continue;
        auto header = reader.read<mb2::Header>(offset);
        if (!header) return error("Multiboot 2 header is truncated by the end of file");
        if (uint32_t(header->magic + header->architecture + header->header_length +
                     header->checksum) == 0)
            return offset;
        bad_checksum = true;
    }
    if (bad_checksum)
        return error(
            "Multiboot 2 header checksum is wrong (magic + architecture + "
            "header_length + checksum must be 0)");
    return std::nullopt;
}

// The information tags (section 3.6) svm writes. 9 (ELF sections) is written for ELF images
// when it fits; a non-optional request for it is checked after loading.
static bool provides(uint32_t type) {
    switch (type) {
        case mb2::kInfoEnd:
        case mb2::kInfoCmdline:
        case mb2::kInfoBootLoaderName:
        case mb2::kInfoModule:
        case mb2::kInfoBasicMeminfo:
        case mb2::kInfoMemoryMap:
        case mb2::kInfoElfSections:
        case mb2::kInfoLoadBaseAddr:
        case mb2::kInfoAcpiOld:  // written when svm has ACPI tables (always, from svm itself)
        case mb2::kInfoAcpiNew:
            return true;
        default:
            return false;
    }
}

static std::string_view info_name(uint32_t type) {
    static constexpr std::string_view names[] = {"end",
                                                 "command line",
                                                 "boot loader name",
                                                 "module",
                                                 "basic memory information",
                                                 "BIOS boot device",
                                                 "memory map",
                                                 "VBE information",
                                                 "framebuffer information",
                                                 "ELF symbols",
                                                 "APM table",
                                                 "EFI 32-bit system table",
                                                 "EFI 64-bit system table",
                                                 "SMBIOS tables",
                                                 "ACPI 1.0 RSDP",
                                                 "ACPI 2.0 RSDP",
                                                 "networking information",
                                                 "EFI memory map",
                                                 "EFI boot services not terminated",
                                                 "EFI 32-bit image handle",
                                                 "EFI 64-bit image handle",
                                                 "image load base address"};
    return type < std::size(names) ? names[type] : "unknown";
}

static Result<void> parse_info_request(std::span<const uint8_t> body, bool optional,
                                       Multiboot2Header& header) {
    CheckedReader reader(body);
    for (uint64_t offset = 0; offset + 4 <= body.size(); offset += 4) {
        uint32_t type = *reader.read<uint32_t>(offset);
        if (type == mb2::kInfoFramebuffer) {  // provided if the machine has a display
            header.requests_framebuffer_info = true;
            if (!optional) header.requires_framebuffer_info = true;
            continue;
        }
        if (optional) continue;
        if (!provides(type))
            return error(
                "Multiboot 2 information request asks for tag type {} ({}), which svm "
                "does not provide; mark the request optional",
                type, info_name(type));
        if (type == mb2::kInfoElfSections) header.requires_elf_sections = true;
    }
    return {};
}

static Result<void> parse_tag(const mb2::HeaderTag& tag, CheckedReader tag_bytes, unsigned index,
                              Multiboot2Header& header) {
    bool optional = tag.flags & mb2::kTagOptional;
    auto too_small = [&](size_t need) {
        return error(
            "Multiboot 2 header tag {} (type {}) has size {}, less than the {} bytes "
            "of its type",
            index, tag.type, tag.size, need);
    };
    switch (tag.type) {
        case mb2::kHeaderTagInfoRequest:
            return parse_info_request(*tag_bytes.range(8, tag.size - 8), optional, header);
        case mb2::kHeaderTagAddress: {
            auto address = tag_bytes.read<mb2::AddressTag>(0);
            if (!address) return too_small(sizeof(mb2::AddressTag));
            // Section 3.1.5: load_addr -1 loads the file from its beginning, so load_addr is
            // header_addr minus the header's file offset (as GRUB computes it).
            uint32_t load_addr = address->load_addr;
            if (load_addr == 0xFFFFFFFF) {
                if (header.offset > address->header_addr)
                    return error(
                        "Multiboot 2 address tag: header_addr {:#x} is smaller than "
                        "the header's file offset {:#x}",
                        address->header_addr, header.offset);
                load_addr = static_cast<uint32_t>(address->header_addr - header.offset);
            }
            header.address = AoutKludge{address->header_addr, load_addr, address->load_end_addr,
                                        address->bss_end_addr};
            return {};
        }
        case mb2::kHeaderTagEntryAddress: {
            auto entry = tag_bytes.read<mb2::EntryAddressTag>(0);
            if (!entry) return too_small(sizeof(mb2::EntryAddressTag));
            header.entry_addr = entry->entry_addr;
            return {};
        }
        case mb2::kHeaderTagConsoleFlags:
            return {};  // svm's console is the serial port
        case mb2::kHeaderTagFramebuffer: {
            auto framebuffer = tag_bytes.read<mb2::FramebufferTag>(0);
            if (!framebuffer) return too_small(sizeof(mb2::FramebufferTag));
            header.framebuffer = FramebufferRequest{framebuffer->width, framebuffer->height,
                                                    framebuffer->depth, !optional};
            return {};
        }
        case mb2::kHeaderTagModuleAlign:
            header.page_align_modules = true;
            return {};
        case mb2::kHeaderTagEfiBootServices:
        case mb2::kHeaderTagEntryAddressEfi32:
        case mb2::kHeaderTagEntryAddressEfi64:
            if (optional) return {};
            return error(
                "Multiboot 2 header requires EFI (tag type {}), but svm boots without "
                "UEFI firmware",
                tag.type);
        case mb2::kHeaderTagRelocatable:
            return {};  // svm loads at the linked (preferred) address, which is always allowed
        default:
            if (optional) return {};
            return error("Multiboot 2 header tag {} has type {}, which svm does not support", index,
                         tag.type);
    }
}

Result<Multiboot2Header> parse_multiboot2_header(std::span<const uint8_t> file, uint64_t offset) {
    CheckedReader reader(file);
    mb2::Header fixed = *reader.read<mb2::Header>(offset);  // find_multiboot2_header checked
    if (fixed.architecture != mb2::kArchitectureI386)
        return error("Multiboot 2 header architecture {} is not i386 (0)", fixed.architecture);
    if (fixed.header_length < sizeof(mb2::Header) || !reader.contains(offset, fixed.header_length))
        return error(
            "Multiboot 2 header_length {} is outside the file (header at offset {:#x}, "
            "file {} bytes)",
            fixed.header_length, offset, file.size());
    CheckedReader header_bytes(*reader.range(offset, fixed.header_length));

    Multiboot2Header header;
    header.offset = offset;
    uint64_t position = sizeof(mb2::Header);
    for (unsigned index = 0;; ++index) {
        auto tag = header_bytes.read<mb2::HeaderTag>(position);
        if (!tag)
            return error("Multiboot 2 header has no end tag within its header_length {}",
                         fixed.header_length);
        if (tag->size < sizeof(mb2::HeaderTag))
            return error("Multiboot 2 header tag {} (type {}) has size {}, less than 8", index,
                         tag->type, tag->size);
        if (!header_bytes.contains(position, tag->size))
            return error(
                "Multiboot 2 header tag {} (type {}) size {} overflows the header "
                "(header_length {})",
                index, tag->type, tag->size, fixed.header_length);
        if (tag->type == mb2::kHeaderTagEnd) break;
        TRY(parse_tag(*tag, CheckedReader(*header_bytes.range(position, tag->size)), index,
                      header));
        position += (uint64_t(tag->size) + 7) & ~uint64_t(7);  // tags are 8-byte aligned
    }
    return header;
}

}  // namespace svm
