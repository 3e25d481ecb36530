#include "core/machine/bios_tables.h"

#include "core/loader/memory_map.h"
#include "core/log.h"
#include "core/machine/mp_table.h"

namespace svm {

namespace {

void put16(std::vector<uint8_t>& b, size_t offset, uint16_t value) {
    b[offset] = static_cast<uint8_t>(value);
    b[offset + 1] = static_cast<uint8_t>(value >> 8);
}

}  // namespace

std::vector<uint8_t> build_bios_data_area(uint64_t ebda, uint16_t base_kib) {
    // Offsets from 0x400 (OSDev wiki "BIOS Data Area"; IBM PC/AT technical reference).
    std::vector<uint8_t> b(kBdaSize, 0);
    put16(b, 0x00, 0x3F8);  // COM1 I/O base; COM2-4 and LPT1-3 absent (0)
    put16(b, 0x0E, static_cast<uint16_t>(ebda >> 4));  // EBDA segment
    // Equipment word: bit 1 x87 present, bit 2 pointing device, bits 5:4 = 10b initial video mode
    // 80x25 colour, bits 11:9 serial port count (1). No floppy (bit 0), no parallel ports.
    put16(b, 0x10, (1u << 1) | (1u << 2) | (2u << 4) | (1u << 9));
    put16(b, 0x13, base_kib);  // KiB of conventional memory before what svm and the EBDA use
    put16(b, 0x1A, 0x1E);      // keyboard buffer head, tail: empty
    put16(b, 0x1C, 0x1E);
    b[0x49] = 0x03;               // video mode 3: 80x25 16-colour text
    put16(b, 0x4A, 80);           // columns
    put16(b, 0x4C, 80 * 25 * 2);  // page size in bytes
    put16(b, 0x60, 0x0607);       // cursor shape: scan lines 6-7
    put16(b, 0x63, 0x3D4);        // CRTC index port (colour)
    put16(b, 0x80, 0x1E);         // keyboard buffer start and end offsets
    put16(b, 0x82, 0x3E);
    b[0x84] = 24;        // text rows - 1
    put16(b, 0x85, 16);  // character height in scan lines
    return b;
}

Result<void> write_bios_tables(GuestMemory& memory, const BootLayout& layout, int cpu_count,
                               std::span<const uint8_t> rsdp,
                               std::span<const svm_mem_range> memory_map) {
    SVM_ASSERT(rsdp.size() == 36);
    if (layout.bda) {
        uint64_t ebda = layout.ebda.value_or(0);
        uint32_t base_kib = multiboot_mem_lower_kib(memory_map);
        if (layout.ebda) base_kib = std::min<uint32_t>(base_kib, *layout.ebda / 1024);
        TRY(memory.write(kBdaAddr, build_bios_data_area(ebda, static_cast<uint16_t>(base_kib))));
    } else {
        log::verbose("BIOS data area not written: a loaded range covers [0x400, 0x500)");
    }
    if (layout.ebda) {
        TRY(memory.fill(*layout.ebda, 0, kEbdaSize));
        TRY(memory.write_obj<uint16_t>(*layout.ebda, kEbdaSize / 1024));  // its size in KiB
        TRY(memory.write(*layout.ebda + 0x10, rsdp));
    } else {
        log::verbose("no EBDA: a loaded range covers {:#x}", SVM_EBDA_ADDR);
    }
    if (layout.rsdp_copy)
        TRY(memory.write(*layout.rsdp_copy, rsdp));
    else
        log::verbose("no RSDP copy in 0xE0000-0xFFFFF: loaded ranges leave no 16-byte slot");
    if (layout.mp_floating && layout.mp_config) {
        TRY(memory.write(*layout.mp_config, build_mp_config_table(cpu_count)));
        TRY(memory.write(*layout.mp_floating, build_mp_floating_pointer(*layout.mp_config)));
    } else {
        log::verbose("no MP tables: loaded ranges leave no room in 0xF0000-0xFFFFF");
    }
    return {};
}

}  // namespace svm
