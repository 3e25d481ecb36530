#include "core/loader/video_mode.h"

#include <algorithm>

namespace svm {

static bool supports(const DisplayCaps& caps, uint32_t bpp) {
    return std::find(caps.bpps.begin(), caps.bpps.end(), bpp) != caps.bpps.end();
}

// The depth GRUB's "WxHxD,WxH,auto" mode string ends with: the requested one if the device has
// it, else the deepest (svm's default, 32, when supported).
static uint32_t choose_depth(uint32_t depth, const DisplayCaps& caps) {
    if (depth != 0 && supports(caps, depth)) return depth;
    if (supports(caps, caps.default_bpp) || caps.bpps.empty()) return caps.default_bpp;
    return *std::max_element(caps.bpps.begin(), caps.bpps.end());
}

VideoMode choose_video_mode(uint32_t width, uint32_t height, uint32_t depth, bool text_requested,
                            const DisplayCaps& caps) {
    if (text_requested)
        return VideoMode{VideoMode::Kind::EgaText, kEgaTextColumns, kEgaTextRows, 16,
                         kEgaTextColumns * 2,      kEgaTextAddress};

    VideoMode mode;
    mode.kind = VideoMode::Kind::Linear;
    mode.address = caps.lfb_address;
    if (width == 0 || height == 0) {
        width = caps.default_width;
        height = caps.default_height;
    }
    // The Bochs VBE XRES register takes multiples of 8 only (QEMU hw/display/vga.c,
    // VBE_DISPI_INDEX_XRES).
    mode.width = std::max<uint32_t>(std::min(width, caps.max_width) & ~7u, 8);
    mode.height = std::max<uint32_t>(std::min(height, caps.max_height), 1);
    mode.bpp = choose_depth(depth, caps);
    mode.pitch = mode.width * ((mode.bpp + 7) / 8);
    if (uint64_t(mode.pitch) * mode.height > caps.lfb_size)
        mode.height = static_cast<uint32_t>(std::max<uint64_t>(caps.lfb_size / mode.pitch, 1));
    return mode;
}

bool frame_overlaps_ram(const VideoMode& mode, std::span<const svm_mem_range> map) {
    if (mode.kind == VideoMode::Kind::EgaText) return false;  // VGA memory, in the legacy hole
    uint64_t begin = mode.address, end = mode.address + uint64_t(mode.pitch) * mode.height;
    for (const auto& range : map)
        if (range.base < end && begin < range.base + range.length) return true;
    return false;
}

FramebufferType framebuffer_type(const VideoMode& mode) {
    if (mode.kind == VideoMode::Kind::EgaText) return FramebufferType::EgaText;
    return mode.bpp == 8 ? FramebufferType::Indexed : FramebufferType::Rgb;
}

RgbLayout rgb_layout(uint32_t bpp) {
    switch (bpp) {
        case 15:
            return {10, 5, 5, 5, 0, 5};
        case 16:
            return {11, 5, 5, 6, 0, 5};
        default:  // 24 and 32
            return {16, 8, 8, 8, 0, 8};
    }
}

namespace {

// The VGA BIOS's mode 13h DAC palette, 6 bits per channel (IBM VGA BIOS; the same table as
// SeaBIOS vgasrc/vgatables.c palette3).
std::array<PaletteColor, 256> make_vga_palette() {
    std::array<PaletteColor, 256> palette{};
    auto scale = [](unsigned v6) { return static_cast<uint8_t>((v6 << 2) | (v6 >> 4)); };
    auto set = [&](size_t index, unsigned r, unsigned g, unsigned b) {
        palette[index] = {scale(r), scale(g), scale(b)};
    };
    // 0-15: the CGA colours (brown is 42,21,0).
    static constexpr uint8_t cga[16][3] = {{0, 0, 0},    {0, 0, 42},   {0, 42, 0},   {0, 42, 42},
                                           {42, 0, 0},   {42, 0, 42},  {42, 21, 0},  {42, 42, 42},
                                           {21, 21, 21}, {21, 21, 63}, {21, 63, 21}, {21, 63, 63},
                                           {63, 21, 21}, {63, 21, 63}, {63, 63, 21}, {63, 63, 63}};
    for (size_t i = 0; i < 16; ++i) set(i, cga[i][0], cga[i][1], cga[i][2]);
    // 16-31: a grey ramp.
    static constexpr uint8_t greys[16] = {0,  5,  8,  11, 14, 17, 20, 24,
                                          28, 32, 36, 40, 45, 50, 56, 63};
    for (size_t i = 0; i < 16; ++i) set(16 + i, greys[i], greys[i], greys[i]);
    // 32-247: for high, medium and low intensity, three saturations, each a ring of 24 hues
    // from blue through magenta, red, yellow, green and cyan back to blue. `s` are the five
    // channel levels from the block's floor to its ceiling.
    static constexpr uint8_t levels[9][5] = {
        {0, 16, 31, 47, 63}, {31, 39, 47, 55, 63}, {45, 49, 54, 58, 63},
        {0, 7, 14, 21, 28},  {14, 17, 21, 24, 28}, {20, 22, 24, 26, 28},
        {0, 4, 8, 12, 16},   {8, 10, 12, 14, 16},  {11, 12, 13, 15, 16}};
    // Per hue step: the level index of red, green and blue.
    static constexpr uint8_t ring[24][3] = {
        {0, 0, 4}, {1, 0, 4}, {2, 0, 4}, {3, 0, 4}, {4, 0, 4}, {4, 0, 3}, {4, 0, 2}, {4, 0, 1},
        {4, 0, 0}, {4, 1, 0}, {4, 2, 0}, {4, 3, 0}, {4, 4, 0}, {3, 4, 0}, {2, 4, 0}, {1, 4, 0},
        {0, 4, 0}, {0, 4, 1}, {0, 4, 2}, {0, 4, 3}, {0, 4, 4}, {0, 3, 4}, {0, 2, 4}, {0, 1, 4}};
    size_t index = 32;
    for (const auto& s : levels)
        for (const auto& hue : ring) set(index++, s[hue[0]], s[hue[1]], s[hue[2]]);
    // 248-255 stay black.
    return palette;
}

}  // namespace

const std::array<PaletteColor, 256>& vga_default_palette() {
    static const std::array<PaletteColor, 256> palette = make_vga_palette();
    return palette;
}

}  // namespace svm
