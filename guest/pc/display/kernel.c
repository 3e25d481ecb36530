/*
 * vga_text.elf: a text-mode kernel the way tutorials write one (the OSDev wiki "Bare Bones"
 * terminal, "Text Mode Cursor" and "VGA Hardware" pages): it writes character/attribute cells at
 * 0xB8000, scrolls when the last row is full, moves the hardware cursor through the CRTC at
 * 0x3D4/0x3D5, waits for vertical retrace on 0x3DA, and ends through isa-debug-exit (port 0xF4,
 * value 0x10: exit status 33 under svm and QEMU). With "halt" on the Multiboot command line it
 * halts instead (to inspect the screen from QEMU's monitor). Nothing goes to serial.
 *
 * The final screen (tests/kvm/display_test.cpp checks it line by line):
 *   row 0      "svm VGA text test: Hello, kernel World!"   (row "scrolled away" went off the top)
 *   rows 1-3   a CP437 double-line box around shades, a full block and a smiley
 *   rows 4-23  "line 01" .. "line 20"
 *   row 24     "cursor ok"  (the cursor location read back from the CRTC matched), cursor after it
 */
#include <stddef.h>
#include <stdint.h>

enum vga_color {
    VGA_COLOR_BLACK = 0,
    VGA_COLOR_BLUE = 1,
    VGA_COLOR_LIGHT_GREY = 7,
    VGA_COLOR_LIGHT_GREEN = 10,
    VGA_COLOR_YELLOW = 14,
    VGA_COLOR_WHITE = 15,
};

#define VGA_WIDTH 80
#define VGA_HEIGHT 25
#define MULTIBOOT_MAGIC 0x2BADB002u
#define MULTIBOOT_INFO_CMDLINE (1u << 2)

static inline void outb(uint16_t port, uint8_t value) {
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port) {
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint8_t vga_entry_color(enum vga_color fg, enum vga_color bg) { return fg | bg << 4; }

static inline uint16_t vga_entry(unsigned char uc, uint8_t color) {
    return (uint16_t)uc | (uint16_t)color << 8;
}

static size_t terminal_row;
static size_t terminal_column;
static uint8_t terminal_color;
static volatile uint16_t* const terminal_buffer = (volatile uint16_t*)0xB8000;

/* OSDev "Text Mode Cursor": cursor shape (scan lines), position, and reading it back. */
static void enable_cursor(uint8_t cursor_start, uint8_t cursor_end) {
    outb(0x3D4, 0x0A);
    outb(0x3D5, (inb(0x3D5) & 0xC0) | cursor_start);
    outb(0x3D4, 0x0B);
    outb(0x3D5, (inb(0x3D5) & 0xE0) | cursor_end);
}

static void update_cursor(size_t x, size_t y) {
    uint16_t pos = (uint16_t)(y * VGA_WIDTH + x);
    outb(0x3D4, 0x0F);
    outb(0x3D5, (uint8_t)(pos & 0xFF));
    outb(0x3D4, 0x0E);
    outb(0x3D5, (uint8_t)((pos >> 8) & 0xFF));
}

static uint16_t get_cursor_position(void) {
    uint16_t pos = 0;
    outb(0x3D4, 0x0F);
    pos |= inb(0x3D5);
    outb(0x3D4, 0x0E);
    pos |= ((uint16_t)inb(0x3D5)) << 8;
    return pos;
}

/* OSDev "VGA Hardware": wait for the start of a vertical retrace before touching the screen. */
static void wait_for_retrace(void) {
    while (inb(0x3DA) & 0x08) {
    }
    while (!(inb(0x3DA) & 0x08)) {
    }
}

static void terminal_initialize(void) {
    terminal_row = 0;
    terminal_column = 0;
    terminal_color = vga_entry_color(VGA_COLOR_LIGHT_GREY, VGA_COLOR_BLACK);
    for (size_t y = 0; y < VGA_HEIGHT; y++)
        for (size_t x = 0; x < VGA_WIDTH; x++)
            terminal_buffer[y * VGA_WIDTH + x] = vga_entry(' ', terminal_color);
    enable_cursor(14, 15);
    update_cursor(0, 0);
}

static void terminal_scroll(void) {
    wait_for_retrace();
    for (size_t y = 1; y < VGA_HEIGHT; y++)
        for (size_t x = 0; x < VGA_WIDTH; x++)
            terminal_buffer[(y - 1) * VGA_WIDTH + x] = terminal_buffer[y * VGA_WIDTH + x];
    for (size_t x = 0; x < VGA_WIDTH; x++)
        terminal_buffer[(VGA_HEIGHT - 1) * VGA_WIDTH + x] = vga_entry(' ', terminal_color);
}

static void terminal_newline(void) {
    terminal_column = 0;
    if (++terminal_row == VGA_HEIGHT) {
        terminal_scroll();
        terminal_row = VGA_HEIGHT - 1;
    }
}

static void terminal_putchar(char c) {
    if (c == '\n') {
        terminal_newline();
    } else {
        terminal_buffer[terminal_row * VGA_WIDTH + terminal_column] =
            vga_entry((unsigned char)c, terminal_color);
        if (++terminal_column == VGA_WIDTH) terminal_newline();
    }
    update_cursor(terminal_column, terminal_row);
}

static void terminal_writestring(const char* data) {
    while (*data) terminal_putchar(*data++);
}

static int contains(const char* s, const char* word) {
    for (; *s; s++) {
        size_t i = 0;
        while (word[i] && s[i] == word[i]) i++;
        if (!word[i]) return 1;
    }
    return 0;
}

/* Called once the screen is complete: gdb-scripts/monitor_screen.gdb breaks here. */
__attribute__((noinline)) void screen_done(void) {
    __asm__ volatile("" ::: "memory");
}

void kernel_main(uint32_t magic, const uint32_t* mbi) {
    terminal_initialize();
    terminal_writestring("scrolled away\n");
    terminal_writestring("svm VGA text test: Hello, kernel World!\n");

    /* CP437 box drawing (0xC9 0xCD 0xBB / 0xBA / 0xC8 0xBC), shades 0xB0-0xB2, block 0xDB, 0x01. */
    terminal_color = vga_entry_color(VGA_COLOR_YELLOW, VGA_COLOR_BLUE);
    terminal_writestring("\xC9\xCD\xCD\xCD\xCD\xCD\xCD\xCD\xBB\n");
    terminal_writestring("\xBA \xB0\xB1\xB2\xDB \x01 \xBA\n");
    terminal_writestring("\xC8\xCD\xCD\xCD\xCD\xCD\xCD\xCD\xBC\n");
    terminal_color = vga_entry_color(VGA_COLOR_LIGHT_GREY, VGA_COLOR_BLACK);

    char line[] = "line 00\n";
    for (int i = 1; i <= 20; i++) {
        line[5] = (char)('0' + i / 10);
        line[6] = (char)('0' + i % 10);
        terminal_writestring(line);
    }

    terminal_color = vga_entry_color(VGA_COLOR_LIGHT_GREEN, VGA_COLOR_BLACK);
    terminal_writestring("cursor ");
    uint16_t want = (uint16_t)(terminal_row * VGA_WIDTH + terminal_column);
    terminal_writestring(magic == MULTIBOOT_MAGIC && get_cursor_position() == want ? "ok" : "BAD");

    screen_done();
    if (magic == MULTIBOOT_MAGIC && (mbi[0] & MULTIBOOT_INFO_CMDLINE) &&
        contains((const char*)mbi[4], "halt"))
        return; /* _start halts */
    outb(0xF4, 0x10);
}
