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
 * The console keeps the text in a shadow buffer (text[][]), and what it last drew in another
 * (shown[][]). Writing changes text[][] only; then flush() draws the cells whose character
 * changed, and the cursor (an inverted cell). Scrolling moves text[][] up a row and lets flush()
 * redraw: nothing is read back from the framebuffer, which on real hardware is slow to read, and
 * a scrolled screen of mostly blank cells costs only the cells that differ. Every function here
 * runs under console.c's lock.
 */
#include "lib/mem.h"
#include "os/kernel.h"
#include "pc/framebuffer/bga.h"

#define MODE_WIDTH 1024u
#define MODE_HEIGHT 768u
#define COLS (MODE_WIDTH / FONT_WIDTH)   /* 128 */
#define ROWS (MODE_HEIGHT / FONT_HEIGHT) /* 48 */

#define FOREGROUND 0x00AAAAAAu /* the VGA's light grey on black */
#define BACKGROUND 0x00000000u

static struct framebuffer fb;
static int active; /* fbcon_init() set the mode */
static int paused; /* someone else draws (console_screen_take) */

static char text[ROWS][COLS];         /* what the screen should show (NUL: a blank never written) */
static char shown[ROWS][COLS];        /* what is drawn there; NUL: nothing yet, draw it */
static uint32_t row, col;             /* the cursor, in text[][] */
static uint32_t shown_row, shown_col; /* where the cursor is drawn */

/* Draws character ch in cell (r, c), inverted for the cursor. */
static void draw_cell(uint32_t r, uint32_t c, char ch, int inverse) {
    const uint8_t* glyph = font_glyph((uint8_t)(ch ? ch : ' '));
    volatile uint32_t* p = fb.pixels + r * FONT_HEIGHT * fb.pitch + c * FONT_WIDTH;
    for (uint32_t y = 0; y < FONT_HEIGHT; y++, p += fb.pitch) {
        uint8_t bits = inverse ? (uint8_t)~glyph[y] : glyph[y];
        for (uint32_t x = 0; x < FONT_WIDTH; x++)
            p[x] = (bits & (0x80u >> x)) ? FOREGROUND : BACKGROUND;
    }
}

/* Draws every cell that changed since the last flush, and the cursor where it is now. */
static void flush(void) {
    if (!active || paused) return;
    for (uint32_t r = 0; r < ROWS; r++)
        for (uint32_t c = 0; c < COLS; c++) {
            char ch = text[r][c] ? text[r][c] : ' ';
            if (shown[r][c] != ch) {
                draw_cell(r, c, ch, r == row && c == col);
                shown[r][c] = ch;
            }
        }
    if (shown_row != row || shown_col != col) {
        draw_cell(shown_row, shown_col, shown[shown_row][shown_col], 0);
        shown_row = row;
        shown_col = col;
    }
    draw_cell(row, col, shown[row][col], 1);
}

/* Moves everything up one line; the bottom line becomes empty. */
static void scroll(void) {
    memmove(text[0], text[1], (ROWS - 1) * COLS);
    memset(text[ROWS - 1], ' ', COLS);
}

static void newline(void) {
    col = 0;
    if (++row == ROWS) {
        scroll();
        row = ROWS - 1;
    }
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
            text[row][col] = ch;
            if (++col == COLS) newline();
        }
    }
    flush();
}

void fbcon_pause(int p) {
    paused = p;
    if (!paused) {
        memset(shown, 0, sizeof shown); /* NUL matches no character: every cell is redrawn */
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
    for (uint32_t y = 0; y < fb.height; y++)
        for (uint32_t x = 0; x < fb.width; x++) fb.pixels[y * fb.pitch + x] = BACKGROUND;
    memset(shown, ' ', sizeof shown); /* the screen is blank now: draw only what was written */
    active = 1;
    flush(); /* the lines written before now (they were recorded) */
    kprintf(
        "svm-os: framebuffer console %ux%ux32 at 0x%x (Bochs VBE 0x%x, PCI 00:%02x.0), %ux%u "
        "characters\n",
        fb.width, fb.height, bga.address, bga.id, bga.device, COLS, ROWS);
    return 0;
}
