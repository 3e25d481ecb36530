// The video mode a Multiboot loader sets for a kernel's video request, chosen the way GRUB does,
// and the pixel formats Multiboot describes it with (0.6.96 section 3.3, 2.0 section 3.6.12).
#pragma once

#include <svm/machine.h>

#include <array>
#include <cstdint>
#include <span>

#include "core/loader/kernel_image.h"

namespace svm {

// VGA text mode 3, which a kernel asking for EGA text gets: 80x25 characters of 2 bytes
// (character, attribute) at guest-physical 0xB8000.
constexpr uint64_t kEgaTextAddress = 0xB8000;
constexpr uint32_t kEgaTextColumns = 80;
constexpr uint32_t kEgaTextRows = 25;

// Returns the mode for a request of `width` x `height` pixels at `depth` bits per pixel (each 0
// for "no preference") or, with `text_requested`, for EGA text (the sizes are then ignored, as
// GRUB ignores them). Graphics modes follow GRUB's mode string "WxHxD,WxH,auto":
//   - a width or height of 0 gives the device's default size (caps.default_width/height);
//   - a size beyond the device's is clamped to caps.max_width/max_height, and the width is
//     rounded down to a multiple of 8 (at least 8), which the Bochs VBE XRES register requires;
//   - a supported depth is kept; 0 or an unsupported depth gives caps.default_bpp if supported,
//     else the largest supported depth (GRUB's "WxH" fallback picks the deepest mode);
//   - if the frame would exceed caps.lfb_size, the height shrinks until it fits.
// The pitch is width * bytes per pixel (15 bpp takes 2 bytes); the address is caps.lfb_address.
// Never fails: every request, however hostile, maps to a mode the device supports.
VideoMode choose_video_mode(uint32_t width, uint32_t height, uint32_t depth, bool text_requested,
                            const DisplayCaps& caps);

// True if the frame of `mode` ([address, address + pitch * height)) overlaps a range of `map`
// (a base memory map: all of it is guest RAM, usable or reserved). svm's RAM ends below the 32-bit
// MMIO hole and the framebuffer lies in it, so a Multiboot memory map never lists the framebuffer;
// the loaders check that instead of assuming it. False for EGA text, whose memory lies in the
// legacy VGA hole [0xA0000, 0xC0000) that maps mark reserved.
bool frame_overlaps_ram(const VideoMode& mode, std::span<const svm_mem_range> map);

// Multiboot framebuffer_type values (0.6.96 section 3.3; 2.0 section 3.6.12).
enum class FramebufferType : uint8_t {
    Indexed = 0,  // a palette follows
    Rgb = 1,      // direct colour, field positions and mask sizes follow
    EgaText = 2,  // width and height in characters, 2 bytes each
};

// Where each colour channel lies in a direct-colour pixel: bit position and mask size.
struct RgbLayout {
    uint8_t red_position, red_size;
    uint8_t green_position, green_size;
    uint8_t blue_position, blue_size;
};

// The framebuffer_type Multiboot reports for `mode`: EgaText for text, Indexed for 8 bpp, else
// Rgb.
FramebufferType framebuffer_type(const VideoMode& mode);

// The channel layout of the Bochs VBE direct-colour formats: 32 and 24 bpp x8r8g8b8 / r8g8b8
// (red 16/8, green 8/8, blue 0/8), 16 bpp r5g6b5 (11/5, 5/6, 0/5), 15 bpp x1r5g5b5 (10/5, 5/5,
// 0/5). Other depths get the 32 bpp layout.
RgbLayout rgb_layout(uint32_t bpp);

// One palette entry as Multiboot lays it out: 8-bit red, green, blue.
struct PaletteColor {
    uint8_t red, green, blue;
};
static_assert(sizeof(PaletteColor) == 3);

// The 256 colours of the VGA BIOS's default DAC palette (the one mode 13h starts with: the 16
// CGA colours, 16 greys, then 9 blocks of 24 hues at 3 intensities x 3 saturations, then 8
// black), scaled from the DAC's 6 bits to 8. svm promises it to 8 bpp kernels; the machine must
// load the same colours into the adapter's DAC.
const std::array<PaletteColor, 256>& vga_default_palette();

}  // namespace svm
