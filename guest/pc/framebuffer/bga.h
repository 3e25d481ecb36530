/*
 * The Bochs VBE adapter as a hobby OS finds and programs it on QEMU (OSDev wiki "Bochs VBE
 * Extensions" and "PCI"): QEMU's std VGA is PCI 1234:1111 on bus 0, its linear framebuffer is
 * BAR0, and the mode is set through the index/data ports 0x1CE/0x1CF. Shared by the framebuffer
 * guests (fb.c, fb_bench.c). Works in 32- and 64-bit mode.
 */
#ifndef GUEST_PC_FRAMEBUFFER_BGA_H
#define GUEST_PC_FRAMEBUFFER_BGA_H

#include <stdint.h>

#include "lib/io.h"

#define BGA_INDEX_ID 0
#define BGA_INDEX_XRES 1
#define BGA_INDEX_YRES 2
#define BGA_INDEX_BPP 3
#define BGA_INDEX_ENABLE 4
#define BGA_INDEX_VIRT_WIDTH 6
#define BGA_ENABLED_LFB 0x41u /* ENABLED | LFB_ENABLED */

static inline uint32_t bga_pci_read32(uint32_t device, uint32_t offset) {
    outl(0xCF8, 0x80000000u | device << 11 | offset);
    return inl(0xCFC);
}

static inline void bga_write(uint16_t index, uint16_t value) {
    outw(0x1CE, index);
    outw(0x1CF, value);
}

static inline uint16_t bga_read(uint16_t index) {
    outw(0x1CE, index);
    return inw(0x1CF);
}

struct bga {
    uint32_t device;  /* PCI device number on bus 0 */
    uint32_t address; /* the framebuffer: BAR0 without its flag bits */
    uint16_t id;      /* the interface version the ID register answered */
};

/* Finds the adapter and checks its ID register. Returns 0, or a reason it is not usable. */
static inline const char* bga_find(struct bga* out) {
    for (out->device = 0; out->device < 32; ++out->device)
        if (bga_pci_read32(out->device, 0) == 0x11111234u) break;
    if (out->device == 32) return "no PCI 1234:1111 display adapter on bus 0";
    uint32_t bar0 = bga_pci_read32(out->device, 0x10);
    if (bar0 & 1u) return "BAR0 is not a memory BAR";
    out->address = bar0 & ~0xFu;
    bga_write(BGA_INDEX_ID, 0xB0C5); /* ask for the newest interface */
    out->id = bga_read(BGA_INDEX_ID);
    if (out->id < 0xB0C0 || out->id > 0xB0C5) return "Bochs VBE ID register did not answer";
    return 0;
}

/* Sets width x height x bpp with the linear framebuffer enabled (the adapter off while the
 * registers change, as the OSDev page does it). */
static inline void bga_set_mode(uint16_t width, uint16_t height, uint16_t bpp) {
    bga_write(BGA_INDEX_ENABLE, 0);
    bga_write(BGA_INDEX_XRES, width);
    bga_write(BGA_INDEX_YRES, height);
    bga_write(BGA_INDEX_BPP, bpp);
    bga_write(BGA_INDEX_ENABLE, BGA_ENABLED_LFB);
}

/* Whether `word` occurs in the NUL-terminated `s` (for command-line switches). */
static inline int fb_contains(const char* s, const char* word) {
    for (; *s; ++s) {
        const char *a = s, *b = word;
        while (*a && *b && *a == *b) ++a, ++b;
        if (!*b) return 1;
    }
    return 0;
}

#endif
