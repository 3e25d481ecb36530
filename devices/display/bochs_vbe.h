// The Bochs VBE "DISPI" interface (the Bochs Graphics Adapter, BGA): the index/data register pair
// at I/O ports 0x1CE/0x1CF through which a guest picks a linear-framebuffer mode without a VBE
// BIOS. Sources: the OSDev wiki "Bochs VBE Extensions" page, and QEMU hw/display/vga.c
// (vbe_ioport_read_data, vbe_ioport_write_data, vbe_fixup_regs, vga_common_reset), whose
// behaviour svm copies so a kernel developed on QEMU's "-vga std" sees the same registers.
//
// Register it on the I/O bus at 0x1CE, length kPortCount. Offset 0 is the 16-bit index register,
// offset 1 the 16-bit data register; a 16-bit access at 0x1CF covers 0x1CF-0x1D0, so the range
// takes in 0x1D0 too, which QEMU also decodes as the data register (vbe_portio_list). As in QEMU
// (softmmu/ioport.c find_portio with vbe_portio_list's access size 2), only 16-bit accesses reach
// the registers: an 8-bit or 32-bit access reads as all-ones and a write of that size is dropped.
// Guests use outw/inw, as the OSDev page and SeaBIOS do.
//
// Reset state: disabled (ENABLE = 0), so the VGA text screen at 0xB8000 is what the user sees;
// ID = 0xB0C5; every other register 0; index 0.
//
// The VRAM is given as a host view at construction (the memory behind the PCI BAR0 linear
// framebuffer); the device writes it only to clear the screen when a mode is enabled without
// NOCLEARMEM. It knows no KVM.
//
// FIXME: the BANK register is stored (masked to the VRAM size, as QEMU) but the banked 64 KiB
// window at 0xA0000 is not modelled: with LFB_ENABLED clear, guest writes to 0xA0000 stay plain
// RAM. 4-bpp planar modes are not modelled either (BPP 4 is treated as unsupported, see
// kIndexBpp).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>

#include "devices/bus_device.h"

namespace svm {

// A Bochs VBE mode as the display and the loader need it. When `enabled` is false the adapter
// shows VGA text and only `dac_8bit` is meaningful; the other fields are 0.
struct VbeMode {
    bool enabled = false;
    bool lfb_enabled = false;     // ENABLE bit 6
    bool dac_8bit = false;        // ENABLE bit 5: DAC entries are 8-bit, else 6-bit
    uint32_t width = 0;           // visible pixels per row
    uint32_t height = 0;          // visible rows
    uint32_t bpp = 0;             // 8, 15, 16, 24 or 32
    uint32_t virtual_width = 0;   // pixels per scan line in VRAM (>= width)
    uint32_t virtual_height = 0;  // scan lines that fit in VRAM
    uint32_t pitch = 0;           // bytes per scan line in VRAM
    uint32_t x_offset = 0;        // pixels: first visible column (panning)
    uint32_t y_offset = 0;        // scan lines: first visible row (panning)
    uint64_t start_offset = 0;    // byte offset in VRAM of the first visible pixel

    bool operator==(const VbeMode&) const = default;
};

class BochsVbe final : public BusDevice {
public:
    static constexpr uint64_t kPortCount = 3;      // 0x1CE-0x1D0
    static constexpr uint64_t kIndexPort = 0;      // 0x1CE: 16-bit index
    static constexpr uint64_t kDataPort = 1;       // 0x1CF: 16-bit data
    static constexpr uint64_t kDataPortAlias = 2;  // 0x1D0: the data register again (QEMU)

    // Register indices (OSDev "Bochs VBE Extensions"; QEMU VBE_DISPI_INDEX_*).
    static constexpr uint16_t kIndexId = 0x0;
    static constexpr uint16_t kIndexXres = 0x1;  // pixels
    static constexpr uint16_t kIndexYres = 0x2;  // pixels
    // Bits per pixel: 8, 15, 16, 24 or 32; anything else becomes 8 when the mode is checked (QEMU
    // also keeps 4 for planar modes, which svm does not model).
    static constexpr uint16_t kIndexBpp = 0x3;
    static constexpr uint16_t kIndexEnable = 0x4;
    static constexpr uint16_t kIndexBank = 0x5;            // 64 KiB bank number (see FIXME above)
    static constexpr uint16_t kIndexVirtWidth = 0x6;       // pixels per scan line in VRAM
    static constexpr uint16_t kIndexVirtHeight = 0x7;      // read-only: scan lines that fit in VRAM
    static constexpr uint16_t kIndexXOffset = 0x8;         // pixels: first visible column
    static constexpr uint16_t kIndexYOffset = 0x9;         // scan lines: first visible row
    static constexpr uint16_t kIndexVideoMemory64k = 0xa;  // read-only: VRAM size / 64 KiB
    static constexpr uint16_t kRegisterCount = 0xa;        // QEMU VBE_DISPI_INDEX_NB

    // ENABLE register bits (QEMU VBE_DISPI_*).
    static constexpr uint16_t kEnabled = 0x01;
    static constexpr uint16_t kGetCaps = 0x02;     // XRES/YRES/BPP read their maxima while set
    static constexpr uint16_t kDac8Bit = 0x20;     // the DAC holds 8-bit components
    static constexpr uint16_t kLfbEnabled = 0x40;  // the mode is used through the LFB
    static constexpr uint16_t kNoClearMem = 0x80;  // enabling keeps the VRAM contents

    // ID values a guest may write to negotiate the interface version (QEMU VBE_DISPI_ID0-ID5).
    static constexpr uint16_t kIdMin = 0xb0c0;
    static constexpr uint16_t kIdMax = 0xb0c5;

    // What GETCAPS reports; XRES and YRES are clamped to these (pixels).
    static constexpr uint16_t kMaxWidth = 2560;
    static constexpr uint16_t kMaxHeight = 1600;
    static constexpr uint16_t kMaxBpp = 32;

    // Panning offsets are first clamped to these (pixels, scan lines): QEMU's own resolution
    // limits (include/hw/display/bochs-vbe.h VBE_DISPI_MAX_XRES/YRES), which vbe_fixup_regs uses
    // for the offsets, so page flipping through many buffers works as on QEMU. The VRAM check
    // that follows is what keeps the screen inside the VRAM.
    static constexpr uint16_t kMaxXOffset = 16000;
    static constexpr uint16_t kMaxYOffset = 12000;

    // The VRAM size of QEMU's std VGA (its default vgamem_mb = 16), bytes.
    static constexpr uint64_t kDefaultVramSize = 16ull << 20;

    // Called with the new mode after a guest or host action changes mode(); see notify_mutex_.
    using ModeChanged = std::function<void(const VbeMode&)>;

    // `vram` is the host view of the video memory (normally kDefaultVramSize bytes); its size is
    // what VIDEO_MEMORY_64K reports and what modes are checked against. It must outlive the
    // device. `on_mode_change` may be empty.
    explicit BochsVbe(std::span<uint8_t> vram, ModeChanged on_mode_change = {});

    // ^BusDevice
    // A 2-byte read at kIndexPort returns the index, at kDataPort the selected register (see
    // read_register_locked). Any other size or offset reads as all-ones.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    // A 2-byte write at kIndexPort selects a register, at kDataPort writes it (see
    // write_register_locked). Any other size or offset is dropped.
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // The current mode, checked as vbe_fixup_regs checks it. Thread-safe.
    VbeMode mode() const;

    // Host side, for the loader before the first vCPU runs (a GRUB-style framebuffer handoff):
    // enables a `width` x `height` x `bpp` LFB mode as a guest writing XRES, YRES, BPP and then
    // ENABLE = ENABLED | LFB_ENABLED would (so the VRAM's visible part is cleared). Values are
    // checked as a guest's are: width rounded down to a multiple of 8, clamped to the maxima and
    // to the VRAM, unsupported bpp becomes 8. Returns the mode actually set, whose pitch the boot
    // information must report. Calls the mode callback if the mode changed. Thread-safe.
    VbeMode set_mode(uint32_t width, uint32_t height, uint32_t bpp);

    // Returns the device to its reset state (disabled, see the top of this file); the VRAM is left
    // as it is. Calls the mode callback if the mode changed. Thread-safe.
    void reset();

private:
    uint16_t read_register_locked() const;
    void write_register_locked(uint16_t value);
    void fixup_locked();
    VbeMode mode_locked() const;
    // Bits per pixel as the line length counts them (15 occupies 16).
    uint32_t storage_bits_locked() const;
    void notify_if_changed(const VbeMode& before, const VbeMode& after);

    std::span<uint8_t> vram_;
    ModeChanged mode_callback_;  // called from the thread that made the change
    uint16_t bank_mask_;         // (VRAM size / 64 KiB) - 1, as QEMU's vbe_bank_mask

    // Lock order: notify_mutex_, then mutex_. notify_mutex_ is held from a change through its
    // callback, so callbacks arrive in the order of the changes and the last one matches mode();
    // mutex_ is never held while the callback runs, so the callback may call mode() (but not
    // write to the device or call set_mode/reset).
    std::mutex notify_mutex_;
    // A leaf; guards the fields below.
    mutable std::mutex mutex_;
    uint16_t index_ = 0;
    uint16_t regs_[kRegisterCount] = {};
};

}  // namespace svm
