// int 0x10, the video BIOS, for the 80x25 colour text mode (modes 2 and 3): the text buffer at
// 0xB8000 (one word per cell: character low, attribute high), the cursor in the BDA and in the
// CRTC's cursor location registers. Sources: Ralf Brown's Interrupt List, INT 10; OSDev wiki
// "BIOS" and "Text Mode Cursor"; FreeVGA "CRT Controller Registers".
//
// One display page (0) is shown; the BDA keeps a cursor for each of the 8 pages as a BIOS does,
// but characters always go to page 0. Graphics modes, palettes, fonts and VESA are not provided.
#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "core/bios/bios_data_area.h"
#include "core/bios/bios_registers.h"
#include "core/bios/bios_services.h"
#include "core/machine/pc/pc_layout.h"
#include "devices/display/vga_registers.h"

namespace svm {

namespace {

using namespace bios;

constexpr int kColumns = 80;
constexpr int kRows = 25;
constexpr uint16_t kBlank = 0x0720;  // a space, light grey on black

struct Cursor {
    int row = 0;
    int column = 0;
};

// The whole text page, read once and written back once.
using Screen = std::array<uint16_t, kColumns * kRows>;

Screen read_screen(const GuestMemory& m) {
    Screen s{};
    (void)m.read(pc::kVgaTextBase,
                 std::span(reinterpret_cast<uint8_t*>(s.data()), sizeof(uint16_t) * s.size()));
    return s;
}

void write_screen(GuestMemory& m, const Screen& s) {
    (void)m.write(pc::kVgaTextBase, std::span(reinterpret_cast<const uint8_t*>(s.data()),
                                              sizeof(uint16_t) * s.size()));
}

uint64_t cell_address(Cursor c) {
    return pc::kVgaTextBase + 2 * (c.row * kColumns + c.column);
}

uint16_t read_cell(const GuestMemory& m, Cursor c) {
    return bda::read16(m, cell_address(c));
}
void write_cell(GuestMemory& m, Cursor c, uint16_t cell) {
    bda::write16(m, cell_address(c), cell);
}

// Writes CRTC register `index` the way the guest would: index to 0x3D4, value to 0x3D5. Without
// port I/O in the context (unit tests) the VGA registers are written directly.
void crtc_write(BiosContext& ctx, uint8_t index, uint8_t value) {
    if (ctx.outb) {
        ctx.outb(0x3d4, index);
        ctx.outb(0x3d5, value);
    } else if (ctx.vga) {
        const uint8_t bytes[2] = {index, value};
        ctx.vga->write(VgaRegisters::kCrtcIndex, bytes);
    }
}

Cursor cursor(const GuestMemory& m, uint8_t page) {
    uint16_t v = bda::read16(m, bda::kCursorPos + 2 * (page & 7));
    return {std::min<int>(v >> 8, kRows - 1), std::min<int>(v & 0xff, kColumns - 1)};
}

// Stores the cursor of `page` in the BDA and, for the active page, moves the hardware cursor
// (CRTC 0x0E/0x0F hold the cell index row * 80 + column).
void set_cursor(BiosContext& ctx, uint8_t page, Cursor c) {
    page &= 7;
    bda::write16(ctx.memory, bda::kCursorPos + 2 * page,
                 static_cast<uint16_t>(c.row << 8 | c.column));
    if (page != bda::read8(ctx.memory, bda::kActivePage)) return;
    auto cell = static_cast<uint16_t>(c.row * kColumns + c.column);
    crtc_write(ctx, VgaRegisters::kCrtcCursorHigh, static_cast<uint8_t>(cell >> 8));
    crtc_write(ctx, VgaRegisters::kCrtcCursorLow, static_cast<uint8_t>(cell));
}

// Scrolls the window rows top..bottom, columns left..right (inclusive, clipped to the screen) up
// (or down) by `lines`, filling the freed rows with spaces in `attribute`; `lines` 0 or at least
// the window's height clears the window (RBIL INT 10/AH=06h, 07h).
void scroll(GuestMemory& m, int top, int left, int bottom, int right, int lines, uint8_t attribute,
            bool up) {
    bottom = std::min(bottom, kRows - 1);
    right = std::min(right, kColumns - 1);
    if (top > bottom || left > right) return;
    int height = bottom - top + 1;
    if (lines == 0 || lines > height) lines = height;
    Screen s = read_screen(m);
    auto blank = static_cast<uint16_t>(attribute << 8 | ' ');
    for (int i = 0; i < height; ++i) {
        int row = up ? top + i : bottom - i;        // the row being filled
        int from = up ? row + lines : row - lines;  // where its contents come from
        bool inside = up ? from <= bottom : from >= top;
        for (int col = left; col <= right; ++col)
            s[row * kColumns + col] = inside ? s[from * kColumns + col] : blank;
    }
    write_screen(m, s);
}

// Writes `ch` at the cursor as a teletype does: CR, LF, BS move the cursor, BEL is ignored (svm
// has no speaker), anything else is stored with `attribute` (or the cell's own attribute) and
// the cursor advances, wrapping at column 80; past row 24 the screen scrolls up one line and the
// new line takes the attribute of the cell under the cursor, as the IBM BIOS does.
void teletype(BiosContext& ctx, uint8_t ch, std::optional<uint8_t> attribute) {
    uint8_t page = bda::read8(ctx.memory, bda::kActivePage);
    Cursor c = cursor(ctx.memory, page);
    switch (ch) {
        case 0x07:
            return;
        case 0x08:
            if (c.column > 0) --c.column;
            break;
        case '\r':
            c.column = 0;
            break;
        case '\n':
            ++c.row;
            break;
        default: {
            uint16_t old = read_cell(ctx.memory, c);
            uint8_t attr = attribute.value_or(static_cast<uint8_t>(old >> 8));
            write_cell(ctx.memory, c, static_cast<uint16_t>(attr << 8 | ch));
            if (++c.column == kColumns) {
                c.column = 0;
                ++c.row;
            }
        }
    }
    if (c.row == kRows) {
        c.row = kRows - 1;
        auto attr = static_cast<uint8_t>(read_cell(ctx.memory, c) >> 8);
        scroll(ctx.memory, 0, 0, kRows - 1, kColumns - 1, 1, attr, true);
    }
    set_cursor(ctx, page, c);
}

// AH=0x09 / 0x0A: `count` copies of `ch` from the cursor on (clipped at the end of the screen),
// with `attribute` or keeping each cell's; the cursor does not move and control characters are
// written as glyphs.
void write_repeated(BiosContext& ctx, uint8_t page, uint8_t ch, std::optional<uint8_t> attribute,
                    uint16_t count) {
    Cursor c = cursor(ctx.memory, page);
    Screen s = read_screen(ctx.memory);
    for (int i = c.row * kColumns + c.column; count > 0 && i < kColumns * kRows; ++i, --count) {
        uint8_t attr = attribute.value_or(static_cast<uint8_t>(s[i] >> 8));
        s[i] = static_cast<uint16_t>(attr << 8 | ch);
    }
    write_screen(ctx.memory, s);
}

// AH=0x00: modes 2 and 3 (80x25 text) reset the text state; AL bit 7 keeps the screen contents.
BiosOutcome set_mode(CpuState& regs, BiosContext& ctx) {
    uint8_t mode = lo8(regs.rax) & 0x7f;
    if (mode != 2 && mode != 3) return BiosOutcome::Unsupported;
    GuestMemory& m = ctx.memory;
    bda::write8(m, bda::kVideoMode, mode);
    bda::write16(m, bda::kVideoColumns, kColumns);
    bda::write16(m, bda::kVideoPageSize, 0x1000);
    bda::write16(m, bda::kVideoPageStart, 0);
    bda::write8(m, bda::kActivePage, 0);
    bda::write8(m, bda::kVideoRowsMinus1, kRows - 1);
    bda::write16(m, bda::kCursorShape, 0x0607);
    crtc_write(ctx, VgaRegisters::kCrtcCursorStart, 0x06);
    crtc_write(ctx, VgaRegisters::kCrtcCursorEnd, 0x07);
    crtc_write(ctx, VgaRegisters::kCrtcStartHigh, 0);
    crtc_write(ctx, VgaRegisters::kCrtcStartLow, 0);
    for (uint8_t page = 1; page < 8; ++page) bda::write16(m, bda::kCursorPos + 2 * page, 0);
    set_cursor(ctx, 0, {});
    if (!(lo8(regs.rax) & 0x80)) {
        Screen s;
        s.fill(kBlank);
        write_screen(m, s);
    }
    return BiosOutcome::Done;
}

// AH=0x13: the string at ES:BP, CX characters (AL bit 1: character, attribute pairs) written
// as teletype output from row DH, column DL in attribute BL; AL bit 0 leaves the cursor after
// the string, otherwise it returns to where it was.
BiosOutcome write_string(CpuState& regs, BiosContext& ctx) {
    uint8_t mode = lo8(regs.rax);
    if (mode > 3) return BiosOutcome::Unsupported;
    bool pairs = mode & 2;
    uint16_t count = lo16(regs.rcx);
    std::vector<uint8_t> text(size_t{count} * (pairs ? 2 : 1));
    uint64_t address = real_address(regs.es, lo16(regs.rbp));
    if (!ctx.memory.read(address, text)) return BiosOutcome::Done;
    uint8_t page = bda::read8(ctx.memory, bda::kActivePage);
    Cursor saved = cursor(ctx.memory, page);
    set_cursor(
        ctx, page,
        {std::min<int>(hi8(regs.rdx), kRows - 1), std::min<int>(lo8(regs.rdx), kColumns - 1)});
    for (size_t i = 0; i < count; ++i) {
        uint8_t ch = pairs ? text[2 * i] : text[i];
        uint8_t attr = pairs ? text[2 * i + 1] : lo8(regs.rbx);
        teletype(ctx, ch, attr);
    }
    if (!(mode & 1)) set_cursor(ctx, page, saved);
    return BiosOutcome::Done;
}

}  // namespace

BiosOutcome bios_video(CpuState& regs, BiosContext& ctx) {
    GuestMemory& m = ctx.memory;
    uint8_t page = hi8(regs.rbx) & 7;
    switch (hi8(regs.rax)) {
        case 0x00:
            return set_mode(regs, ctx);
        case 0x01:  // CH start scan line, CL end scan line
            bda::write16(m, bda::kCursorShape, lo16(regs.rcx));
            crtc_write(ctx, VgaRegisters::kCrtcCursorStart, hi8(regs.rcx) & 0x3f);
            crtc_write(ctx, VgaRegisters::kCrtcCursorEnd, lo8(regs.rcx) & 0x1f);
            return BiosOutcome::Done;
        case 0x02:
            set_cursor(ctx, page,
                       {std::min<int>(hi8(regs.rdx), kRows - 1),
                        std::min<int>(lo8(regs.rdx), kColumns - 1)});
            return BiosOutcome::Done;
        case 0x03: {
            Cursor c = cursor(m, page);
            set_hi8(regs.rdx, static_cast<uint8_t>(c.row));
            set_lo8(regs.rdx, static_cast<uint8_t>(c.column));
            set_lo16(regs.rcx, bda::read16(m, bda::kCursorShape));
            return BiosOutcome::Done;
        }
        case 0x05:
            if (lo8(regs.rax) != 0) return BiosOutcome::Unsupported;
            bda::write8(m, bda::kActivePage, 0);
            return BiosOutcome::Done;
        case 0x06:
        case 0x07:
            scroll(m, hi8(regs.rcx), lo8(regs.rcx), hi8(regs.rdx), lo8(regs.rdx), lo8(regs.rax),
                   hi8(regs.rbx), hi8(regs.rax) == 0x06);
            return BiosOutcome::Done;
        case 0x08:  // AH = attribute, AL = character at the cursor of page BH
            set_lo16(regs.rax, read_cell(m, cursor(m, page)));
            return BiosOutcome::Done;
        case 0x09:
            write_repeated(ctx, page, lo8(regs.rax), lo8(regs.rbx), lo16(regs.rcx));
            return BiosOutcome::Done;
        case 0x0a:
            write_repeated(ctx, page, lo8(regs.rax), std::nullopt, lo16(regs.rcx));
            return BiosOutcome::Done;
        case 0x0e:
            teletype(ctx, lo8(regs.rax), std::nullopt);
            return BiosOutcome::Done;
        case 0x0f:
            set_lo8(regs.rax, bda::read8(m, bda::kVideoMode));
            set_hi8(regs.rax, static_cast<uint8_t>(bda::read16(m, bda::kVideoColumns)));
            set_hi8(regs.rbx, bda::read8(m, bda::kActivePage));
            return BiosOutcome::Done;
        case 0x13:
            return write_string(regs, ctx);
        case 0x1a:  // display combination: AL=0x1A (supported), BL = 0x08 (VGA, colour), BH = 0
            if (lo8(regs.rax) != 0) return BiosOutcome::Unsupported;
            set_lo8(regs.rax, 0x1a);
            set_lo16(regs.rbx, 0x0008);
            return BiosOutcome::Done;
        default:
            // Video BIOSes return unknown functions untouched (no CF convention in INT 10).
            return BiosOutcome::Unsupported;
    }
}

}  // namespace svm
