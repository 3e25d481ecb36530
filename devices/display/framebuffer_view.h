// Turns the Bochs VBE linear framebuffer into a Surface: the visible part of the VRAM in the
// current VbeMode, converted to XRGB8888, plus which parts of the Surface a set of dirty VRAM pages
// covers, so a display redraws only what the guest wrote. Stateless; it never touches KVM: the
// caller passes the VRAM as a host view and the dirty pages as KVM_GET_DIRTY_LOG returns them.
//
// Pixel formats in VRAM (little-endian, as QEMU hw/display/vga-helpers.h vga_draw_line8/15/16/24/32
// read them):
//   32 bpp: bytes B, G, R, X.           24 bpp: bytes B, G, R.
//   16 bpp: RGB565 (red bits 15:11).    15 bpp: RGB555 (red bits 14:10, bit 15 ignored).
//   8 bpp: an index into the VGA DAC (VgaRegisters::dac), 6-bit components, or 8-bit ones when
//   VbeMode::dac_8bit (ENABLE bit 5) is set.
// Components narrower than 8 bits are widened by repeating their top bits (31 -> 255, 63 -> 255),
// so full-scale colours stay full-scale; QEMU shifts without repeating (31 -> 248), which differs
// by at most 7/255.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "devices/display/bochs_vbe.h"
#include "devices/display/surface.h"
#include "devices/display/vga_registers.h"

namespace svm {

class FramebufferView {
public:
    static constexpr uint64_t kPageSize = 4096;  // the unit of KVM's dirty log (api.rst 4.37)

    // Returns the rectangles of the Surface covered by the dirty pages: full-width row bands
    // {0, y, mode.width, h}, in increasing y, adjacent or overlapping bands merged. `dirty_bitmap`
    // is one bit per 4 KiB page of the VRAM, page i at bit i % 64 of word i / 64 (the layout of
    // KVM_GET_DIRTY_LOG, Documentation/virt/kvm/api.rst 4.37, for a slot starting at VRAM offset
    // 0). A page counts for a row if it holds any byte of the row's visible pixels, honouring the
    // pitch and the x/y offsets. Returns nothing for a disabled mode.
    static std::vector<Rect> dirty_rects(const VbeMode& mode,
                                         std::span<const uint64_t> dirty_bitmap);

    // Draws the pixels of `rects` (clipped to the surface) from `vram` in `mode` into `surface`;
    // 8-bpp colours come from `dac`. If `surface` is not mode.width x mode.height it is resized
    // and drawn whole, whatever `rects` says. Every VRAM index is checked against vram.size():
    // a pixel that does not fit in the VRAM is drawn black. Does nothing for a disabled mode
    // (the caller shows the VGA text screen then).
    static void draw(std::span<const uint8_t> vram, const VbeMode& mode, const VgaRegisters& dac,
                     Surface& surface, const std::vector<Rect>& rects);

    // The whole visible screen of `mode`, for a first or forced full redraw.
    static Rect whole(const VbeMode& mode) { return Rect{0, 0, mode.width, mode.height}; }

    // Bytes per pixel in VRAM for `bpp` (15 occupies 2); 0 for an unsupported depth.
    static uint32_t bytes_per_pixel(uint32_t bpp);
};

}  // namespace svm
