/*
 * `draw`: what a framebuffer can do that a text console cannot. Takes the screen from the text
 * console (console_screen_take), fills it with a colour gradient, draws the Mandelbrot set in a
 * box in the middle and a caption on a black band at the top, keeps it for a few seconds, then
 * gives the screen back (the text console redraws itself from its shadow buffer).
 *
 * The kernel is built with -mgeneral-regs-only (no x87 or SSE; see guest/CMakeLists.txt), so the
 * Mandelbrot iteration z = z * z + c runs in fixed point: 64-bit integers with 24 fraction bits.
 * An iteration stops once |z| > 2, so |z| stays below 2 * 2 + |c| < 7 and z * z below 2^54.
 *
 * Sizes are modest on purpose: on hardware KVM this takes milliseconds, but where guest kernel
 * code runs under KVM's instruction emulator (nested KVM-PVM hosts, about 2 million instructions
 * a second) every instruction counts, so colours come from tables and the box is 320x256 with
 * at most 32 iterations a point: a few seconds there.
 */
#include "os/kernel.h"

#define FRACTION 24
#define ONE (1ll << FRACTION)
#define MAX_ITERATIONS 32
#define BOX_WIDTH 320u /* the box shows re -2.2 .. 0.8 and im -1.2 .. 1.2: 3 by 2.4, so 5:4 */
#define BOX_HEIGHT 256u
#define MAX_WIDTH 2048u

/* The background: red grows to the right, green downwards, blue the other way. Red per column
 * comes from a table, so a pixel costs a shift, an add and a store. */
static void draw_gradient(const struct framebuffer* fb) {
    static uint8_t red[MAX_WIDTH];
    uint32_t w = fb->width < MAX_WIDTH ? fb->width : MAX_WIDTH, h = fb->height;
    for (uint32_t x = 0; x < w; x++) red[x] = (uint8_t)(x * 255 / (w - 1));
    for (uint32_t y = 0; y < h; y++) {
        uint32_t g = y * 255 / (h - 1);
        volatile uint32_t* row = fb->pixels + y * fb->pitch;
        for (uint32_t x = 0; x < w; x++) {
            uint32_t r = red[x];
            row[x] = r << 16 | g << 8 | (255 - ((r + g) >> 1));
        }
    }
}

/* A colour for a point that escaped after n iterations (Bernstein polynomials of t = n / max,
 * a common smooth palette): dark blue through orange to yellow-white. */
static uint32_t palette(int n) {
    uint64_t t = (uint64_t)n * 255 / MAX_ITERATIONS, u = 255 - t;
    uint64_t r = 9 * u * t * t * t / (255ull * 255 * 255);
    uint64_t g = 15 * u * u * t * t / (255ull * 255 * 255);
    uint64_t b = 8 * u * u * u * t / (255ull * 255 * 255) + 30; /* never black: black is inside */
    if (b > 255) b = 255;
    return (uint32_t)(r << 16 | g << 8 | b);
}

/* Iterations until c = (cr, ci) escapes, or MAX_ITERATIONS if it (seemingly) never does. */
static int mandelbrot(int64_t cr, int64_t ci) {
    int64_t zr = 0, zi = 0;
    for (int n = 0; n < MAX_ITERATIONS; n++) {
        int64_t rr = zr * zr >> FRACTION, ii = zi * zi >> FRACTION;
        if (rr + ii > 4 * ONE) return n;
        zi = (2 * zr * zi >> FRACTION) + ci;
        zr = rr - ii + cr;
    }
    return MAX_ITERATIONS;
}

/* Writes s with the font at pixel (x, y), light grey on black. */
static void draw_text(const struct framebuffer* fb, uint32_t x, uint32_t y, const char* s) {
    for (; *s && x + FONT_WIDTH <= fb->width; s++, x += FONT_WIDTH) {
        const uint8_t* glyph = font_glyph((uint8_t)*s);
        for (uint32_t row = 0; row < FONT_HEIGHT; row++)
            for (uint32_t col = 0; col < FONT_WIDTH; col++)
                fb->pixels[(y + row) * fb->pitch + x + col] =
                    (glyph[row] & (0x80u >> col)) ? 0x00AAAAAAu : 0;
    }
}

void draw_main(const char* arg) {
    unsigned seconds = 0;
    while (*arg >= '0' && *arg <= '9' && seconds < 1000)
        seconds = seconds * 10 + (unsigned)(*arg++ - '0');
    if (seconds == 0) seconds = 3;
    if (seconds > 60) seconds = 60;
    const struct framebuffer* fb = console_screen_take();
    if (!fb) {
        kputs(fbcon_framebuffer() ? "draw: the screen is in use\n"
                                  : "draw: no framebuffer (the console is on COM1 only)\n");
        return;
    }
    uint32_t w = fb->width, h = fb->height;
    draw_gradient(fb);
    static uint32_t colours[MAX_ITERATIONS + 1];
    for (int n = 0; n < MAX_ITERATIONS; n++) colours[n] = palette(n);
    colours[MAX_ITERATIONS] = 0; /* inside the set: black */

    uint32_t x0 = (w - BOX_WIDTH) / 2, y0 = (h - BOX_HEIGHT) / 2;
    int64_t step = 3 * ONE / BOX_WIDTH; /* 3 units of re across the box; square pixels */
    for (uint32_t y = 0; y < BOX_HEIGHT; y++) {
        int64_t ci = -12 * ONE / 10 + (int64_t)y * step;
        for (uint32_t x = 0; x < BOX_WIDTH; x++) {
            int n = mandelbrot(-22 * ONE / 10 + (int64_t)x * step, ci);
            fb->pixels[(y0 + y) * fb->pitch + x0 + x] = colours[n];
        }
    }

    /* The caption on a black band two text rows high, on the text grid (so that a screen reader
     * such as tests/tools/screen_text.py can read it). */
    for (uint32_t y = 0; y < 2 * FONT_HEIGHT; y++)
        for (uint32_t x = 0; x < w; x++) fb->pixels[y * fb->pitch + x] = 0;
    draw_text(fb, 0, 0, "svm-os draw: a colour gradient and the Mandelbrot set");
    kprintf("draw: %ux%u gradient, Mandelbrot set at (%u,%u) %ux%u; the text comes back in %u s\n",
            w, h, x0, y0, BOX_WIDTH, BOX_HEIGHT, seconds);
    thread_sleep((uint64_t)seconds * TIMER_HZ);
    console_screen_release();
}
