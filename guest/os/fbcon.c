/*
 * The framebuffer console: text drawn with the VGA font on the Bochs VBE adapter's linear
 * framebuffer, beside COM1 (console.c writes every line to both).
 *
 * The adapter (OSDev wiki "Bochs VBE Extensions"; docs/devices.md "Display adapter (Bochs VBE)")
 * is what QEMU calls std VGA and what svm emulates: PCI 1234:1111 (found by scanning bus 0, as
 * guest/pc/framebuffer/bga.h does), its framebuffer at BAR0, the mode set through the index/data
 * ports 0x1CE/0x1CF. The mode is 1024x768 at 32 bits per pixel: 1024x768 divides into whole 8x16
 * cells (128 columns, 48 rows), it is the mode svm gives a Multiboot kernel that asks for video
 * without a preference, and it fits any VNC viewer's window; 32 bpp makes a pixel one aligned
 * 32-bit store of 0x00RRGGBB, with no colour packing to teach.
 *
 * The console keeps the text in a shadow buffer (text[][]) and what it last drew in another
 * (shown[][]). Writing changes text[][] only; then flush() draws the cells whose character
 * changed, and the cursor (an inverted cell). Nothing is read back from the framebuffer, which on
 * real hardware is slow to read.
 *
 * Scrolling is done by the adapter, not by copying pixels: the text rows form a ring (text[k] is
 * ring row k; screen row r shows ring row (top + r) % ROWS), and the adapter shows the screen
 * from its Y offset register (DISPI index 9, "panning") in a virtual screen twice as tall as the
 * visible one (16 MiB of video memory holds 4096 rows of 1024 pixels). Every ring row k is drawn
 * twice, at pixel row k * 16 and at (k + ROWS) * 16, so that the ROWS ring rows from `top` on
 * always lie one after the other from pixel row top * 16: scrolling one line is moving `top` and
 * writing the register, plus drawing the one row that is new. This is the VGA's old "start
 * address" trick; a copy of the whole screen per line would be about 3 MiB of stores, which
 * under KVM's instruction emulator (nested KVM-PVM hosts) took seconds. Every function here runs
 * under console.c's lock.
 */
#include "lib/io.h"
#include "lib/mem.h"
#include "os/kernel.h"
#include "pc/framebuffer/bga.h"

#define MODE_WIDTH 1024u
#define MODE_HEIGHT 768u
#define COLS (MODE_WIDTH / FONT_WIDTH)   /* 128 */
#define ROWS (MODE_HEIGHT / FONT_HEIGHT) /* 48 */
#define BGA_INDEX_Y_OFFSET 9             /* the first visible row of the virtual screen */

#define FOREGROUND 0x00AAAAAAu /* the VGA's light grey on black */
#define BACKGROUND 0x00000000u

static struct framebuffer fb;
static int active; /* fbcon_init() set the mode */
static int paused; /* someone else draws (console_screen_take) */

static char text[ROWS][COLS];  /* what each ring row should show (NUL: a blank never written) */
static char shown[ROWS][COLS]; /* what is drawn there; NUL: nothing yet, draw it */
static uint8_t dirty[ROWS];    /* ring rows whose text may differ from shown[] */
static uint32_t top;           /* the ring row at the top of the screen */
static uint32_t shown_top;     /* the one the Y offset register shows now */
static uint32_t row, col;      /* the cursor: screen row and column */
static uint32_t cursor_ring_row, cursor_col; /* where the cursor is drawn (ring row) */

/* Two pixels as one 64-bit store, for the four ways two bits of a glyph row can be set (the
 * left pixel, at the lower address, is bit 1 of the index and the low half of the value). */
static const uint64_t pixel_pairs[4] = {
    BACKGROUND | (uint64_t)BACKGROUND << 32,
    BACKGROUND | (uint64_t)FOREGROUND << 32,
    FOREGROUND | (uint64_t)BACKGROUND << 32,
    FOREGROUND | (uint64_t)FOREGROUND << 32,
};

/* Draws one glyph with its top-left pixel at (x, y) of the virtual screen, inverted for the
 * cursor: 16 rows of four 64-bit stores. */
static void draw_glyph(uint32_t x, uint32_t y, char ch, int inverse) {
    const uint8_t* glyph = font_glyph((uint8_t)(ch ? ch : ' '));
    volatile uint64_t* p = (volatile uint64_t*)(fb.pixels + y * fb.pitch + x);
    for (uint32_t gy = 0; gy < FONT_HEIGHT; gy++, p += fb.pitch / 2) {
        uint8_t bits = inverse ? (uint8_t)~glyph[gy] : glyph[gy];
        p[0] = pixel_pairs[bits >> 6];
        p[1] = pixel_pairs[(bits >> 4) & 3];
        p[2] = pixel_pairs[(bits >> 2) & 3];
        p[3] = pixel_pairs[bits & 3];
    }
}

/* Draws character ch in ring row k, column c: both copies (see the top of this file). */
static void draw_cell(uint32_t k, uint32_t c, char ch, int inverse) {
    draw_glyph(c * FONT_WIDTH, k * FONT_HEIGHT, ch, inverse);
    draw_glyph(c * FONT_WIDTH, (k + ROWS) * FONT_HEIGHT, ch, inverse);
}

/* Draws every cell that changed since the last flush and the cursor where it is now, then
 * shows the screen from ring row `top`. */
static void flush(void) {
    if (!active || paused) return;
    uint32_t cursor_k = (top + row) % ROWS;
    for (uint32_t k = 0; k < ROWS; k++) {
        if (!dirty[k]) continue; /* comparing 6144 cells per call costs too, under emulation */
        dirty[k] = 0;
        for (uint32_t c = 0; c < COLS; c++) {
            char ch = text[k][c] ? text[k][c] : ' ';
            if (shown[k][c] != ch) {
                draw_cell(k, c, ch, k == cursor_k && c == col);
                shown[k][c] = ch;
            }
        }
    }
    if (cursor_ring_row != cursor_k || cursor_col != col) {
        draw_cell(cursor_ring_row, cursor_col, shown[cursor_ring_row][cursor_col], 0);
        cursor_ring_row = cursor_k;
        cursor_col = col;
    }
    draw_cell(cursor_k, col, shown[cursor_k][col], 1);
    if (shown_top != top) {
        bga_write(BGA_INDEX_Y_OFFSET, (uint16_t)(top * FONT_HEIGHT));
        shown_top = top;
    }
}

/* Moves everything up one line: the top ring row becomes the new, empty bottom row. */
static void scroll(void) {
    memset(text[top], ' ', COLS);
    dirty[top] = 1;
    top = (top + 1) % ROWS;
}

static void newline(void) {
    col = 0;
    if (++row == ROWS) {
        scroll();
        row = ROWS - 1;
    }
}

static void put(char ch) {
    uint32_t k = (top + row) % ROWS;
    text[k][col] = ch;
    dirty[k] = 1;
}

void fbcon_write(const char* s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\n') {
            newline();
        } else if (ch == '\r') {
            col = 0;
        } else if (ch == '\b') {
            if (col > 0) col--;
        } else if (ch == '\t') {
            col = (col + 8) & ~7u;
            if (col >= COLS) newline();
        } else if (ch >= 0x20 && ch < 0x7F) {
            put(ch);
            if (++col == COLS) newline();
        }
    }
    flush();
}

void fbcon_pause(int p) {
    paused = p;
    if (paused) {
        /* The one who takes the screen draws from pixel row 0 (fbcon_framebuffer()). */
        bga_write(BGA_INDEX_Y_OFFSET, 0);
        shown_top = 0;
    } else {
        memset(shown, 0, sizeof shown); /* NUL matches no character: every cell is redrawn */
        memset(dirty, 1, sizeof dirty);
        flush();
    }
}

const struct framebuffer* fbcon_framebuffer(void) {
    return active ? &fb : NULL;
}

int fbcon_init(void) {
    struct bga bga;
    const char* problem = bga_find(&bga);
    if (problem) {
        kprintf("svm-os: no framebuffer (%s): the console is on COM1 only\n", problem);
        return -1;
    }
    if (font_init() != 0) {
        kputs("svm-os: no usable font: the console is on COM1 only\n");
        return -1;
    }
    /* The PCI command register's Memory Space bit (PCI 3.0, 6.2.2): firmware sets it, but svm
     * starts a Multiboot kernel without firmware; make sure BAR0 answers. */
    uint32_t command = bga_pci_read32(bga.device, 0x04);
    if (!(command & 0x02)) {
        outl(0xCF8, 0x80000000u | bga.device << 11 | 0x04);
        outl(0xCFC, command | 0x02);
    }
    bga_set_mode(MODE_WIDTH, MODE_HEIGHT, 32);
    uint32_t width = bga_read(BGA_INDEX_XRES), height = bga_read(BGA_INDEX_YRES);
    if (width != MODE_WIDTH || height != MODE_HEIGHT || bga_read(BGA_INDEX_BPP) != 32 ||
        bga.address == 0) {
        kprintf(
            "svm-os: the display adapter did not take %ux%ux32 (it has %ux%ux%u at 0x%x): the "
            "console is on COM1 only\n",
            MODE_WIDTH, MODE_HEIGHT, width, height, bga_read(BGA_INDEX_BPP), bga.address);
        bga_write(BGA_INDEX_ENABLE, 0);
        return -1;
    }
    fb.pixels = (volatile uint32_t*)(uintptr_t)bga.address;
    fb.width = width;
    fb.height = height;
    fb.pitch = bga_read(BGA_INDEX_VIRT_WIDTH);
    if (fb.pitch < width) fb.pitch = width;
    /* The ring's second copy needs a virtual screen twice as tall (VIRT_HEIGHT is what the video
     * memory holds at this pitch, read-only). */
    uint32_t virtual_height = bga_read(7 /* VIRT_HEIGHT */);
    if (fb.pitch != width || virtual_height < 2 * MODE_HEIGHT) {
        kprintf("svm-os: the display adapter has %u rows of %u pixels, not 2 x %u of %u: the "
                "console is on COM1 only\n",
                virtual_height, fb.pitch, MODE_HEIGHT, MODE_WIDTH);
        bga_write(BGA_INDEX_ENABLE, 0);
        return -1;
    }
    /* Enabling the mode cleared the visible rows; clear both copies (BACKGROUND is 0). */
    memset((void*)fb.pixels, 0, (size_t)2 * MODE_HEIGHT * fb.pitch * sizeof(uint32_t));
    memset(shown, ' ', sizeof shown); /* the screen is blank now: draw only what was written */
    memset(dirty, 1, sizeof dirty);
    active = 1;
    flush(); /* the lines written before now (they were recorded) */
    kprintf(
        "svm-os: framebuffer console %ux%ux32 at 0x%x (Bochs VBE 0x%x, PCI 00:%02x.0), %ux%u "
        "characters\n",
        fb.width, fb.height, bga.address, bga.id, bga.device, COLS, ROWS);
    return 0;
}
