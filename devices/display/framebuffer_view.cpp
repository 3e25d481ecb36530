// Linear framebuffer to XRGB8888 (QEMU hw/display/vga-helpers.h for the VRAM formats) and KVM
// dirty pages to screen rows (Documentation/virt/kvm/api.rst 4.37 KVM_GET_DIRTY_LOG).
#include "devices/display/framebuffer_view.h"

#include <algorithm>
#include <array>

namespace svm {

namespace {

// Widens an n-bit component to 8 bits by repeating its top bits.
constexpr uint8_t widen5(uint32_t v) {
    return static_cast<uint8_t>((v << 3) | (v >> 2));
}
constexpr uint8_t widen6(uint32_t v) {
    return static_cast<uint8_t>((v << 2) | (v >> 4));
}

std::array<uint32_t, 256> palette(const VgaRegisters& dac, bool dac_8bit) {
    std::array<uint32_t, 256> p{};
    for (unsigned i = 0; i < 256; ++i) {
        auto [r, g, b] = dac.dac(static_cast<uint8_t>(i));
        p[i] =
            dac_8bit ? xrgb(r, g, b) : xrgb(widen6(r & 0x3f), widen6(g & 0x3f), widen6(b & 0x3f));
    }
    return p;
}

// The pixel at `at` in VRAM; the caller has checked that bytes_per_pixel bytes fit.
uint32_t convert(const uint8_t* at, uint32_t bpp, const std::array<uint32_t, 256>& pal) {
    switch (bpp) {
        case 32:
            return xrgb(at[2], at[1], at[0]);
        case 24:
            return xrgb(at[2], at[1], at[0]);
        case 16: {
            const uint32_t v = at[0] | (uint32_t{at[1]} << 8);
            return xrgb(widen5(v >> 11 & 0x1f), widen6(v >> 5 & 0x3f), widen5(v & 0x1f));
        }
        case 15: {
            const uint32_t v = at[0] | (uint32_t{at[1]} << 8);
            return xrgb(widen5(v >> 10 & 0x1f), widen5(v >> 5 & 0x1f), widen5(v & 0x1f));
        }
        case 8:
            return pal[at[0]];
        default:
            return 0;
    }
}

}  // namespace

uint32_t FramebufferView::bytes_per_pixel(uint32_t bpp) {
    switch (bpp) {
        case 8:
            return 1;
        case 15:
        case 16:
            return 2;
        case 24:
            return 3;
        case 32:
            return 4;
        default:
            return 0;
    }
}

std::vector<Rect> FramebufferView::dirty_rects(const VbeMode& mode,
                                               std::span<const uint64_t> dirty_bitmap) {
    std::vector<Rect> rects;
    const uint64_t bpp_bytes = bytes_per_pixel(mode.bpp);
    if (!mode.enabled || mode.width == 0 || mode.height == 0 || mode.pitch == 0 || bpp_bytes == 0 ||
        dirty_bitmap.empty()) {
        return rects;
    }
    const uint64_t start = mode.start_offset;
    const uint64_t row_bytes = uint64_t{mode.width} * bpp_bytes;  // visible bytes of one row
    const uint64_t pitch = mode.pitch;
    const uint64_t end = start + (uint64_t{mode.height} - 1) * pitch + row_bytes;  // exclusive
    const uint64_t first_page = start / kPageSize;
    const uint64_t last_page =
        std::min<uint64_t>((end - 1) / kPageSize, uint64_t{dirty_bitmap.size()} * 64 - 1);

    for (uint64_t page = first_page; page <= last_page; ++page) {
        const uint64_t word = dirty_bitmap[page / 64];
        if (word == 0) {
            page |= 63;  // skip the rest of a clean word
            continue;
        }
        if (!(word >> (page % 64) & 1)) continue;
        // Bytes [a, b) of the page, relative to the first visible pixel.
        const uint64_t page_start = page * kPageSize;
        const uint64_t a = page_start > start ? page_start - start : 0;
        const uint64_t b = page_start + kPageSize - start;  // > 0: page >= first_page
        // The first row whose visible bytes [row * pitch, row * pitch + row_bytes) meet [a, b):
        // row a / pitch, unless a lies right of that row's visible pixels.
        uint64_t first_row = a / pitch;
        if (a % pitch >= row_bytes) ++first_row;
        // The last row starting before b: its first visible byte is in the page.
        const uint64_t last_row = std::min<uint64_t>((b - 1) / pitch, mode.height - 1);
        if (first_row > last_row) continue;
        const auto y = static_cast<uint32_t>(first_row);
        const auto h = static_cast<uint32_t>(last_row - first_row + 1);
        if (!rects.empty() && y <= rects.back().y + rects.back().height) {
            Rect& last = rects.back();
            last.height = std::max(last.y + last.height, y + h) - last.y;
        } else {
            rects.push_back(Rect{0, y, mode.width, h});
        }
    }
    return rects;
}

void FramebufferView::draw(std::span<const uint8_t> vram, const VbeMode& mode,
                           const VgaRegisters& dac, Surface& surface,
                           const std::vector<Rect>& rects) {
    if (!mode.enabled) return;
    const uint32_t bpp_bytes = bytes_per_pixel(mode.bpp);
    std::vector<Rect> whole_screen;
    const std::vector<Rect>* todo = &rects;
    if (surface.width != mode.width || surface.height != mode.height ||
        surface.pixels.size() != size_t{mode.width} * mode.height) {
        surface.resize(mode.width, mode.height);
        whole_screen.push_back(whole(mode));
        todo = &whole_screen;
    }
    std::array<uint32_t, 256> pal{};
    if (mode.bpp == 8) pal = palette(dac, mode.dac_8bit);

    for (const Rect& rect : *todo) {
        if (rect.x >= surface.width || rect.y >= surface.height) continue;
        const uint32_t x_end = rect.x + std::min(rect.width, surface.width - rect.x);
        const uint32_t y_end = rect.y + std::min(rect.height, surface.height - rect.y);
        for (uint32_t y = rect.y; y < y_end; ++y) {
            const uint64_t row = mode.start_offset + uint64_t{y} * mode.pitch;
            for (uint32_t x = rect.x; x < x_end; ++x) {
                const uint64_t at = row + uint64_t{x} * bpp_bytes;
                // at <= vram.size() - bpp_bytes, written so it cannot overflow.
                const bool fits =
                    bpp_bytes != 0 && vram.size() >= bpp_bytes && at <= vram.size() - bpp_bytes;
                surface.at(x, y) = fits ? convert(vram.data() + at, mode.bpp, pal) : 0;
            }
        }
    }
}

}  // namespace svm
