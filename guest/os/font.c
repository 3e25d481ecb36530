/*
 * The console font: a PC Screen Font (PSF) file, as the Linux console loads them (kbd's
 * "Font-formats recognized by the Linux kbd package", section 1 "PSF fonts"; OSDev wiki
 * "PC Screen Font"). font.S builds one into the kernel.
 *
 * A PSF file is a header, the glyph bitmaps (each `height` rows of (width + 7) / 8 bytes, the
 * leftmost pixel in the most significant bit) and, optionally, a Unicode table that says which
 * characters each glyph shows. Glyph numbers are not character codes: console-setup's VGA fonts
 * put the glyphs in their own order, so ASCII 'A' is found by looking U+0041 up in the table.
 *
 *   PSF1: magic 36 04, mode, height; 256 glyphs (512 with mode bit 0), always 8 wide. With mode
 *         bit 1 (or 2) the table follows: for each glyph, little-endian 16-bit code points ending
 *         with FFFF; FFFE starts the glyph's multi-character sequences.
 *   PSF2: magic 72 B5 4A 86, then 32-bit version, header size, flags, glyph count, bytes per
 *         glyph, height, width. With flags bit 0 the table follows: for each glyph, UTF-8 code
 *         points ending with the byte FF; FE starts the sequences.
 *
 * Sequences (a letter followed by a combining accent) never name an ASCII character, so they are
 * skipped. Every offset is checked against the end of the file.
 */
#include "lib/mem.h"
#include "os/kernel.h"

extern const uint8_t font_psf[], font_psf_end[];

#define PSF1_MODE512 0x01u
#define PSF1_MODEHASTAB 0x02u
#define PSF1_MODEHASSEQ 0x04u
#define PSF2_HAS_UNICODE_TABLE 0x01u

static const uint8_t blank[FONT_HEIGHT];
static const uint8_t* glyphs[128]; /* ASCII -> its bitmap; NULL: the font lacks it */

static uint32_t load32(const uint8_t* p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The table says glyph `g` shows code point `cp`: remember it for ASCII (first entry wins). */
static void map(uint32_t cp, const uint8_t* bitmaps, uint32_t g) {
    if (cp < 128 && !glyphs[cp]) glyphs[cp] = bitmaps + g * FONT_HEIGHT;
}

/* PSF1's table: 16-bit code points. Returns 0, or -1 if it ends early. */
static int read_psf1_table(const uint8_t* p, const uint8_t* end, const uint8_t* bitmaps,
                           uint32_t count) {
    for (uint32_t g = 0; g < count; g++) {
        int in_sequence = 0;
        for (;;) {
            if (p + 2 > end) return -1;
            uint32_t cp = (uint32_t)p[0] | (uint32_t)p[1] << 8;
            p += 2;
            if (cp == 0xFFFF) break;
            if (cp == 0xFFFE)
                in_sequence = 1;
            else if (!in_sequence)
                map(cp, bitmaps, g);
        }
    }
    return 0;
}

/* Decodes one UTF-8 code point at *p (advancing it); returns it, or 0xFFFFFFFF if malformed. */
static uint32_t utf8_next(const uint8_t** p, const uint8_t* end) {
    uint8_t b = *(*p)++;
    int more = b < 0x80             ? 0
               : (b & 0xE0) == 0xC0 ? 1
               : (b & 0xF0) == 0xE0 ? 2
               : (b & 0xF8) == 0xF0 ? 3
                                    : -1;
    if (more < 0 || *p + more > end) return 0xFFFFFFFFu;
    uint32_t cp = more == 0 ? b : (uint32_t)(b & (0x3F >> more));
    for (int i = 0; i < more; i++) cp = cp << 6 | (*(*p)++ & 0x3Fu);
    return cp;
}

/* PSF2's table: UTF-8. Returns 0, or -1 if it ends early or is malformed. */
static int read_psf2_table(const uint8_t* p, const uint8_t* end, const uint8_t* bitmaps,
                           uint32_t count) {
    for (uint32_t g = 0; g < count; g++) {
        int in_sequence = 0;
        for (;;) {
            if (p >= end) return -1;
            if (*p == 0xFF) {
                p++;
                break;
            }
            if (*p == 0xFE) {
                in_sequence = 1;
                p++;
                continue;
            }
            uint32_t cp = utf8_next(&p, end);
            if (cp == 0xFFFFFFFFu) return -1;
            if (!in_sequence) map(cp, bitmaps, g);
        }
    }
    return 0;
}

int font_init(void) {
    const uint8_t* f = font_psf;
    const uint8_t* end = font_psf_end;
    size_t size = (size_t)(end - f);
    const uint8_t* bitmaps;
    uint32_t count, height, width, bytes_per_glyph;
    int psf2;
    if (size >= 4 && f[0] == 0x36 && f[1] == 0x04) {
        psf2 = 0;
        count = (f[2] & PSF1_MODE512) ? 512 : 256;
        height = bytes_per_glyph = f[3];
        width = 8;
        bitmaps = f + 4;
        if (!(f[2] & (PSF1_MODEHASTAB | PSF1_MODEHASSEQ))) goto no_table;
    } else if (size >= 32 && load32(f) == 0x864AB572u) {
        psf2 = 1;
        uint32_t header = load32(f + 8);
        count = load32(f + 16);
        bytes_per_glyph = load32(f + 20);
        height = load32(f + 24);
        width = load32(f + 28);
        if (header < 32 || header > size) goto bad;
        bitmaps = f + header;
        if (!(load32(f + 12) & PSF2_HAS_UNICODE_TABLE)) goto no_table;
    } else {
        goto bad;
    }
    if (width != FONT_WIDTH || height != FONT_HEIGHT || bytes_per_glyph != FONT_HEIGHT) {
        kprintf("svm-os: the font is %ux%u, not %ux%u\n", width, height, FONT_WIDTH, FONT_HEIGHT);
        return -1;
    }
    if (count > (size - (size_t)(bitmaps - f)) / FONT_HEIGHT) goto bad;
    const uint8_t* table = bitmaps + count * FONT_HEIGHT;
    int r = psf2 ? read_psf2_table(table, end, bitmaps, count)
                 : read_psf1_table(table, end, bitmaps, count);
    if (r != 0) goto bad;
    return 0;
no_table:
    kputs("svm-os: the font has no Unicode table\n");
    return -1;
bad:
    kputs("svm-os: the built-in font is not a PSF1 or PSF2 file\n");
    memset(glyphs, 0, sizeof glyphs);
    return -1;
}

const uint8_t* font_glyph(uint8_t c) {
    const uint8_t* g = c < 128 ? glyphs[c] : NULL;
    return g ? g : blank;
}
