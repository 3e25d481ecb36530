/*
 * fb_bench.elf: the display benchmark's guest (bench/display, docs/benchmarks.md "Display (VNC)").
 * Multiboot 1 without the video flag (mb1_video.S built with -DFB_BGA), bootable by svm and by
 * `qemu-system-x86_64 -vga std -kernel fb_bench.elf -append MODE`. Like fb.c's fb_bga path it finds
 * the std VGA (PCI 1234:1111) on bus 0, takes the linear framebuffer from BAR0 and sets
 * 1024x768x32 through the Bochs VBE registers (OSDev wiki "Bochs VBE Extensions", "PCI"). Then,
 * by the command line:
 *   latency  initialises the i8042 (ps2.c, the OSDev way, polling, no interrupts) and, on each
 *            make code, fills the 16x16 block at (BENCH_BLOCK_X, BENCH_BLOCK_Y) with
 *            BENCH_KEY_COLOUR(scan code, number of make codes so far); nothing else is drawn.
 *            The block starts as BENCH_KEY_COLOUR(0, 0).
 *   fps      fills the whole screen with BENCH_FRAME_COLOUR(n) for frame n = 1, 2, ... forever,
 *            as fast as `rep stosl` goes.
 *   idle     draws the block once, masks both PICs and halts with interrupts enabled, as an idle
 *            kernel waits (a polling guest is never idle: its vCPU spins on port reads).
 * The probe (bench/display/vnc_probe.cpp) repeats the BENCH_* geometry and colour encodings below:
 * change both together. Progress goes to COM1 ("fb_bench: 1024x768x32 ... ready"); on a problem it
 * prints "fb_bench: FAIL ..." and exits with 1 (svm's exit hypercall, QEMU's isa-debug-exit).
 * Everything after the mode set is a few instructions in a loop, because kernel-mode code is
 * emulated at ~2M instructions/s on KVM-PVM hosts (docs: /work/shared/KVM-NOTES.md).
 */
#include <stddef.h>
#include <stdint.h>
#include <svm/hypercall.h>

#include "bga.h"
#include "lib/console.h"
#include "lib/io.h"
#include "pc/input/ps2.h"

#define BENCH_WIDTH 1024u
#define BENCH_HEIGHT 768u
#define BENCH_BLOCK_X 64u
#define BENCH_BLOCK_Y 64u
#define BENCH_BLOCK_SIZE 16u
#define BENCH_BACKGROUND 0x202020u
/* Red = the scan code, green = the make-code count (mod 256), blue = 0xA5 as a tag. */
#define BENCH_KEY_COLOUR(code, count) (((uint32_t)(code) << 16) | (((count)&0xFFu) << 8) | 0xA5u)
/* The frame counter's low 24 bits are the colour. */
#define BENCH_FRAME_COLOUR(n) ((uint32_t)(n)&0xFFFFFFu)

#define MB1_MAGIC 0x2BADB002u

static void finish(unsigned code) {
    svm_hypercall(SVM_HC_EXIT, code, 0, 0, 0);
    outb(0xF4, (uint8_t)code); /* QEMU isa-debug-exit: status (code << 1) | 1 */
    halt_forever();
}

static void fail(const char* why) {
    kprintf("fb_bench: FAIL %s\n", why);
    finish(1);
}

/* Sets 1024x768x32 and returns the framebuffer's address; the pitch is checked to be 4096. */
static volatile uint32_t* set_mode(void) {
    struct bga bga;
    const char* problem = bga_find(&bga);
    if (problem) fail(problem);
    bga_set_mode(BENCH_WIDTH, BENCH_HEIGHT, 32);
    uint32_t w = bga_read(BGA_INDEX_XRES), h = bga_read(BGA_INDEX_YRES);
    uint32_t bpp = bga_read(BGA_INDEX_BPP), virt = bga_read(BGA_INDEX_VIRT_WIDTH);
    kprintf("fb_bench: %ux%ux%u pitch %u at 0x%x (PCI 00:%02x.0)\n", w, h, bpp, virt * 4,
            bga.address, bga.device);
    if (w != BENCH_WIDTH || h != BENCH_HEIGHT || bpp != 32 || virt != BENCH_WIDTH ||
        bga.address == 0)
        fail("the adapter did not take 1024x768x32");
    return (volatile uint32_t*)(uintptr_t)bga.address;
}

/* Stores `count` copies of `colour` from `to`: one `rep stosl`, a single (emulated) instruction. */
static void fill(volatile uint32_t* to, uint32_t colour, uint32_t count) {
    __asm__ volatile("cld; rep stosl" : "+D"(to), "+c"(count) : "a"(colour) : "memory");
}

static void fill_block(volatile uint32_t* fb, uint32_t colour) {
    volatile uint32_t* row = fb + BENCH_BLOCK_Y * BENCH_WIDTH + BENCH_BLOCK_X;
    for (uint32_t y = 0; y < BENCH_BLOCK_SIZE; ++y, row += BENCH_WIDTH)
        fill(row, colour, BENCH_BLOCK_SIZE);
}

static void run_latency(volatile uint32_t* fb) {
    if (ps2_init() != 0) fail("i8042 initialisation");
    fill_block(fb, BENCH_KEY_COLOUR(0, 0));
    kputs("fb_bench: latency ready\n");
    uint32_t count = 0;
    for (;;) {
        if (!(inb(PS2_STATUS) & PS2_STATUS_OUTPUT_FULL)) continue;
        uint8_t code = inb(PS2_DATA);
        /* Set 1 (translation on): bit 7 marks a break code; 0xE0/0xE1 prefix extended keys. */
        if (code & 0x80u) continue;
        fill_block(fb, BENCH_KEY_COLOUR(code, ++count));
    }
}

static void run_fps(volatile uint32_t* fb) {
    kputs("fb_bench: fps ready\n");
    for (uint32_t n = 1;; ++n) fill(fb, BENCH_FRAME_COLOUR(n), BENCH_WIDTH * BENCH_HEIGHT);
}

static void run_idle(volatile uint32_t* fb) {
    fill_block(fb, BENCH_KEY_COLOUR(0, 0));
    outb(0x21, 0xFF); /* mask every line of both 8259s: nothing will wake the guest */
    outb(0xA1, 0xFF);
    kputs("fb_bench: idle ready\n");
    for (;;) __asm__ volatile("sti; hlt");
}

void fb_main(uint32_t magic, const uint8_t* info) {
    console_use(CONSOLE_COM1);
    const char* cmdline = "";
    if (magic == MB1_MAGIC && (info[0] & 4u))
        cmdline = (const char*)(uintptr_t)((uint32_t)info[16] | (uint32_t)info[17] << 8 |
                                           (uint32_t)info[18] << 16 | (uint32_t)info[19] << 24);
    volatile uint32_t* fb = set_mode();
    fill(fb, BENCH_BACKGROUND, BENCH_WIDTH * BENCH_HEIGHT);
    if (fb_contains(cmdline, "latency")) run_latency(fb);
    if (fb_contains(cmdline, "fps")) run_fps(fb);
    if (fb_contains(cmdline, "idle")) run_idle(fb);
    fail("the command line names no mode (latency, fps or idle)");
}
