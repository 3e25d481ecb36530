/*
 * The framebuffer guests (docs/guests.md), one source for three kernels that draw fb_pattern.h's
 * picture and end through svm's exit hypercall / isa-debug-exit:
 *   fb_mb2.elf  Multiboot 2, framebuffer tag 5 required (800x600x32): draws where the framebuffer
 *               info tag 8 says (Multiboot2 Specification 2.0, 3.6.12).
 *   fb_mb1.elf  Multiboot 1 with the video flag (640x480x32): draws where the boot information's
 *               framebuffer fields say (flags bit 12; Multiboot 0.6.96, 3.3).
 *   fb_bga.elf  Multiboot 1 without video: finds QEMU's "std VGA" (PCI 1234:1111) by scanning bus 0
 *               with configuration mechanism #1, takes the linear framebuffer from BAR0, and sets
 *               320x240x16 through the Bochs VBE registers at 0x1CE/0x1CF (OSDev wiki "Bochs VBE
 *               Extensions", "PCI"), the way hobby OSes do on QEMU.
 * Each prints "fb: WxHxBPP pitch P at ADDR" and "fb: drawn" on COM1 and exits with 0; on a problem
 * it prints "fb: FAIL ..." and exits with 1. With "halt" on the command line it halts for good
 * after drawing instead of exiting (cli; hlt, as tutorial kernels end), so a viewer can look. The same images boot under QEMU (fb_bga.elf with
 * `qemu-system-x86_64 -kernel fb_bga.elf -vga std`).
 */
#include <stddef.h>
#include <stdint.h>
#include <svm/hypercall.h>

#include "bga.h"
#include "fb_pattern.h"
#include "lib/console.h"
#include "lib/io.h"

#define MB1_MAGIC 0x2BADB002u
#define MB2_MAGIC 0x36D76289u
#define MB1_FLAG_FRAMEBUFFER (1u << 12)

struct mode {
    uint32_t width, height, bpp, pitch;
    uint64_t address;
};

static void finish(unsigned code) {
    svm_hypercall(SVM_HC_EXIT, code, 0, 0, 0);
    outb(0xF4, (uint8_t)code); /* QEMU isa-debug-exit: status (code << 1) | 1 */
    halt_forever();
}

static void fail(const char* why) {
    kprintf("fb: FAIL %s\n", why);
    finish(1);
}

static uint32_t load32(const uint8_t* p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Multiboot 1 boot information: framebuffer_addr at 88 (u64), pitch 96, width 100, height 104,
 * bpp 108, type 109 (1 = direct RGB). */
static int mode_from_mb1(const uint8_t* info, struct mode* m) {
    if (!(load32(info) & MB1_FLAG_FRAMEBUFFER)) return -1;
    m->address = (uint64_t)load32(info + 88) | (uint64_t)load32(info + 92) << 32;
    m->pitch = load32(info + 96);
    m->width = load32(info + 100);
    m->height = load32(info + 104);
    m->bpp = info[108];
    return info[109] == 1 ? 0 : -1;
}

/* Multiboot 2: tags from info + 8, each 8-byte aligned; tag 8 = framebuffer info: addr u64 at +8,
 * pitch +16, width +20, height +24, bpp +28 (u8), type +29 (u8). */
static int mode_from_mb2(const uint8_t* info, struct mode* m) {
    uint32_t total = load32(info);
    for (uint32_t at = 8; at + 8 <= total;) {
        const uint8_t* tag = info + at;
        uint32_t type = load32(tag), size = load32(tag + 4);
        if (type == 0 || size < 8) break;
        if (type == 8 && size >= 30) {
            m->address = (uint64_t)load32(tag + 8) | (uint64_t)load32(tag + 12) << 32;
            m->pitch = load32(tag + 16);
            m->width = load32(tag + 20);
            m->height = load32(tag + 24);
            m->bpp = tag[28];
            return tag[29] == 1 ? 0 : -1;
        }
        at += (size + 7) & ~7u;
    }
    return -1;
}

/* The command line: Multiboot 1 flags bit 2, pointer at +16; Multiboot 2 tag 1, string at +8. */
static const char* command_line(uint32_t magic, const uint8_t* info) {
    if (magic == MB1_MAGIC) return (load32(info) & 4u) ? (const char*)(uintptr_t)load32(info + 16) : "";
    if (magic != MB2_MAGIC) return "";
    uint32_t total = load32(info);
    for (uint32_t at = 8; at + 8 <= total;) {
        uint32_t type = load32(info + at), size = load32(info + at + 4);
        if (type == 0 || size < 8) break;
        if (type == 1) return (const char*)(info + at + 8);
        at += (size + 7) & ~7u;
    }
    return "";
}

static int mode_from_bga(struct mode* m) {
    struct bga bga;
    const char* problem = bga_find(&bga);
    if (problem) fail(problem);
    bga_set_mode(320, 240, 16);
    m->width = bga_read(BGA_INDEX_XRES);
    m->height = bga_read(BGA_INDEX_YRES);
    m->bpp = bga_read(BGA_INDEX_BPP);
    m->pitch = bga_read(BGA_INDEX_VIRT_WIDTH) * 2u; /* pixels per scan line, 2 bytes each */
    m->address = bga.address;
    kprintf("fb: Bochs VBE ID 0x%x at PCI 00:%02x.0\n", bga.id, bga.device);
    return 0;
}

static void draw(const struct mode* m) {
    uint8_t* base = (uint8_t*)(uintptr_t)m->address;
    for (uint32_t y = 0; y < m->height; ++y) {
        uint8_t* row = base + (size_t)y * m->pitch;
        if (m->bpp == 32) {
            volatile uint32_t* px = (volatile uint32_t*)row;
            for (uint32_t x = 0; x < m->width; ++x) px[x] = fb_pattern_rgb(x, y, m->width, m->height);
        } else {
            volatile uint16_t* px = (volatile uint16_t*)row;
            for (uint32_t x = 0; x < m->width; ++x)
                px[x] = fb_pattern_rgb565(x, y, m->width, m->height);
        }
    }
}

void fb_main(uint32_t magic, const uint8_t* info) {
    console_use(CONSOLE_COM1);
    struct mode m = {0, 0, 0, 0, 0};
    int r;
#ifdef FB_BGA
    const int use_bga = 1;
#else
    const int use_bga = 0;
#endif
    if (use_bga)
        r = mode_from_bga(&m);
    else if (magic == MB2_MAGIC)
        r = mode_from_mb2(info, &m);
    else if (magic == MB1_MAGIC)
        r = mode_from_mb1(info, &m);
    else
        r = -1;
    if (r != 0) fail("no RGB framebuffer in the boot information");
    kprintf("fb: %ux%ux%u pitch %u at 0x%x\n", m.width, m.height, m.bpp, m.pitch,
            (uint32_t)m.address);
    if ((m.bpp != 32 && m.bpp != 16) || m.address == 0 || m.address >> 32)
        fail("unexpected framebuffer mode");
    draw(&m);
    kputs("fb: drawn\n");
    if (fb_contains(command_line(magic, info), "halt")) {
        kputs("fb: halting\n");
        __asm__ volatile("cli");
        for (;;) __asm__ volatile("hlt");
    }
    finish(0);
}
