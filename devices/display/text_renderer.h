// Draws the VGA text screen (a TextSnapshot plus the VGA registers that colour it) into a Surface
// the way a VGA shows mode 3: 80x25 character cells of 9x16 pixels, 720x400 in all. Used by the
// VNC server and PNG screenshots; it keeps what it drew last and reports only the rectangles that
// changed, so a VNC update carries only those.
//
// What it follows (FreeVGA "Attribute Controller Registers", "CRT Controller Registers",
// "Sequencer Registers"):
// - Cell width: 9 dots, or 8 when sequencer clocking mode (SR01) bit 0 is set (640x400).
//   The 9th column is background, except for characters 0xC0-0xDF when line graphics enable
//   (attribute mode control AR10 bit 2, set by the BIOS for mode 3) is on: it repeats column 8,
//   so box-drawing lines join.
// - Colour: attribute nibble -> attribute palette register AR00-AR0F -> DAC index (bits 5:4 from
//   colour select AR14 bits 1:0 when AR10 bit 7 is set, bits 7:6 from AR14 bits 3:2) -> DAC
//   entry, 6 bits per component scaled to 8 as x * 255 / 63.
// - Blink (AR10 bit 3, TextSnapshot::blink_enabled): attribute bit 7 hides the foreground in the
//   blink-off phase. The cursor (CR0A/CR0B scan lines, CR0A bit 5 = off) fills its scan lines in
//   the cell's foreground colour in the cursor-on phase. The caller picks the phases.
// Not modelled: cursor skew (CR0B bits 6:5), character heights other than 16 (CR09), the DAC
// pixel mask, underline (CR14), the second character map (SR03), and the screen-off bit.
#pragma once

// <cstddef> for surface.h, which uses size_t without including it.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "devices/display/surface.h"
#include "devices/display/text_snapshot.h"
#include "devices/display/vga_font.h"
#include "devices/display/vga_registers.h"

namespace svm {

// Which half of the blink cycles to draw. A VGA toggles the cursor every 16 frames and blinking
// characters every 32 frames (at 60 Hz: 3.75 Hz and 1.875 Hz; FreeVGA "CRT Controller
// Registers", cursor and blink rates, and QEMU's vga.c).
struct TextPhase {
    bool cursor_on = true;  // the cursor is drawn
    bool blink_on = true;   // blinking characters show their foreground

    // The phases of frame `frame` counted from 0 at 60 Hz: cursor on for frames 0-15 of each 32,
    // blinking characters shown for frames 0-31 of each 64.
    static TextPhase at_frame(uint64_t frame) {
        return TextPhase{(frame / 16) % 2 == 0, (frame / 32) % 2 == 0};
    }
    bool operator==(const TextPhase&) const = default;
};

class TextRenderer {
public:
    static constexpr uint32_t kCellHeight = 16;

    // `font` must outlive the renderer.
    explicit TextRenderer(const VgaFont& font = VgaFont::builtin());

    // Draws `screen` coloured by `registers` in phase `phase` into `out`, which is resized to
    // 720x400 (640x400 with 8-dot cells) if it has another size. Replaces `changed` with the
    // rectangles of pixels that differ from the previous draw() (one per run of changed cells in
    // a character row), or with the whole surface on the first draw, after a size change or after
    // invalidate(). Pass the same Surface every time: the renderer assumes `out` still holds
    // what it drew last.
    void draw(const TextSnapshot& screen, const VgaRegisters& registers, TextPhase phase,
              Surface& out, std::vector<Rect>& changed);

    // Forgets the previous draw: the next draw() repaints and reports the whole surface.
    void invalidate() { last_.clear(); }

    // The 8-bit colour (XRGB8888) that attribute nibble `index` (0-15) shows with `registers`.
    static uint32_t colour(const VgaRegisters& registers, uint8_t index);

private:
    // Everything that decides a cell's pixels; equal looks draw equal pixels.
    struct CellLook {
        uint8_t character = 0;
        bool foreground_shown = true;
        bool line_graphics = false;  // the 9th column repeats the 8th
        uint32_t foreground = 0;
        uint32_t background = 0;
        uint8_t cursor_first = 0xff;  // cursor scan lines, none if first > last
        uint8_t cursor_last = 0;
        bool operator==(const CellLook&) const = default;
    };

    void draw_cell(const CellLook& look, uint32_t x0, uint32_t y0, uint32_t cell_width,
                   Surface& out) const;

    const VgaFont& font_;
    std::vector<CellLook> last_;  // empty: nothing drawn yet
};

}  // namespace svm
