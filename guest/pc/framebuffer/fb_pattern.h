/*
 * The picture the framebuffer guests draw, shared with the tests that check svm's screenshots and
 * VNC pixels (tests/kvm/framebuffer_test.cpp). Plain C, no guest headers: the host test includes
 * it too. For a width x height screen, pixel (x, y) has
 *   red   = x * 255 / (width - 1)      (a horizontal ramp)
 *   green = y * 255 / (height - 1)     (a vertical ramp)
 *   blue  = 255 on the "white" squares of a 32x32-pixel checkerboard, else 0.
 * Every pixel differs from its neighbours somewhere, so an offset, a swapped channel or a wrong
 * pitch shows.
 */
#ifndef GUEST_PC_FRAMEBUFFER_FB_PATTERN_H
#define GUEST_PC_FRAMEBUFFER_FB_PATTERN_H

#include <stdint.h>

static inline uint32_t fb_pattern_rgb(uint32_t x, uint32_t y, uint32_t width, uint32_t height) {
    uint32_t r = width > 1 ? x * 255u / (width - 1) : 0;
    uint32_t g = height > 1 ? y * 255u / (height - 1) : 0;
    uint32_t b = (((x / 32u) + (y / 32u)) & 1u) ? 255u : 0u;
    return (r << 16) | (g << 8) | b;
}

/* The same colour as RGB565 (5 bits red, 6 green, 5 blue), as a 16-bpp mode stores it. */
static inline uint16_t fb_pattern_rgb565(uint32_t x, uint32_t y, uint32_t width, uint32_t height) {
    uint32_t rgb = fb_pattern_rgb(x, y, width, height);
    return (uint16_t)((((rgb >> 16) & 0xFFu) >> 3) << 11 | (((rgb >> 8) & 0xFFu) >> 2) << 5 |
                      ((rgb & 0xFFu) >> 3));
}

#endif
