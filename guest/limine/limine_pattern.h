/*
 * The picture the Limine guests draw on svm's 1024x768x32 framebuffer, shared with
 * tests/kvm/limine_test.cpp, which compares svm's --screenshot with it. Plain C, no guest headers.
 * Cheap to draw under an emulating hypervisor (KVM-PVM runs guest kernel code at ~2M instr/s):
 * outside the top-left 128x128 block every row is one colour (one `rep stosl` per row), a ramp
 * from red at the top to blue at the bottom, so a wrong pitch or row offset shows; inside the
 * block, per-pixel red/green ramps and a 16x16 checkerboard in blue show swapped channels and
 * column offsets.
 */
#ifndef GUEST_LIMINE_LIMINE_PATTERN_H
#define GUEST_LIMINE_LIMINE_PATTERN_H

#include <stdint.h>

#define LIMINE_PATTERN_BLOCK 128u

static inline uint32_t limine_pattern_row(uint32_t y, uint32_t height) {
    uint32_t v = height > 1 ? y * 255u / (height - 1) : 0;
    return ((255u - v) << 16) | (0x30u << 8) | v;
}

static inline uint32_t limine_pattern_rgb(uint32_t x, uint32_t y, uint32_t height) {
    if (x < LIMINE_PATTERN_BLOCK && y < LIMINE_PATTERN_BLOCK)
        return (x * 2u) << 16 | (y * 2u) << 8 | ((((x / 16u) + (y / 16u)) & 1u) ? 0xFFu : 0u);
    return limine_pattern_row(y, height);
}

#endif
