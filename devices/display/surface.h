// A picture of the screen as svm shows it to a VNC viewer or writes it to a PNG file: width x
// height pixels, 32 bits each in XRGB8888 (bits 23:16 red, 15:8 green, 7:0 blue, 31:24 unused
// and zero), rows stored top to bottom with no padding (stride = width). Both the VGA text renderer
// and the linear framebuffer draw into one, so every consumer handles a single format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace svm {

// A rectangle of pixels: columns [x, x + width), rows [y, y + height).
struct Rect {
    uint32_t x = 0;
    uint32_t y = 0;
    uint32_t width = 0;
    uint32_t height = 0;

    bool empty() const { return width == 0 || height == 0; }
    bool operator==(const Rect&) const = default;
};

struct Surface {
    uint32_t width = 0;
    uint32_t height = 0;
    std::vector<uint32_t> pixels;  // width * height, XRGB8888, row-major

    // Resizes to `w` x `h` and fills with black (0). Returns whether the size changed.
    bool resize(uint32_t w, uint32_t h) {
        const bool changed = w != width || h != height;
        width = w;
        height = h;
        pixels.assign(size_t{w} * h, 0);
        return changed;
    }
    uint32_t& at(uint32_t x, uint32_t y) { return pixels[size_t{y} * width + x]; }
    uint32_t at(uint32_t x, uint32_t y) const { return pixels[size_t{y} * width + x]; }
};

// Packs 8-bit components into an XRGB8888 pixel.
constexpr uint32_t xrgb(uint8_t r, uint8_t g, uint8_t b) {
    return (uint32_t{r} << 16) | (uint32_t{g} << 8) | b;
}

}  // namespace svm
