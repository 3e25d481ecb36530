// One frame of the VGA text screen: 80x25 cells (CP437 character + attribute byte) and the
// hardware cursor, as TextScreen::snapshot() reads them. Plain data, so renderers (terminal, file,
// gdb, later VNC/PNG) share it and tests build it by hand.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace svm {

// A character cell as stored in the text buffer: the character byte at the even address, the
// attribute byte at the odd one (OSDev wiki "Text UI", "Text Mode Cursor").
struct TextCell {
    uint8_t character = 0x20;
    uint8_t attribute = 0x07;
    bool operator==(const TextCell&) const = default;
};

// What an attribute byte means on screen. With blinking enabled (attribute mode control bit 3,
// the BIOS default) bit 7 makes the character blink and the background has 8 colours; with it
// disabled bit 7 selects the 8 bright backgrounds instead.
struct CellStyle {
    uint8_t foreground = 7;  // 0-15 (VGA order: black, blue, green, cyan, red, magenta, brown,
                             // light grey, then the bright versions)
    uint8_t background = 0;  // 0-15
    bool blink = false;
    bool operator==(const CellStyle&) const = default;
};

struct TextSnapshot {
    static constexpr int kColumns = 80;
    static constexpr int kRows = 25;
    static constexpr int kCells = kColumns * kRows;

    std::array<TextCell, kCells> cells{};
    // The hardware cursor's cell, when the CRTC shows one inside the screen.
    bool cursor_visible = false;
    int cursor_row = 0;
    int cursor_column = 0;
    // Attribute mode control bit 3 (see CellStyle).
    bool blink_enabled = true;

    const TextCell& at(int row, int column) const { return cells[row * kColumns + column]; }
    // Decodes `attribute` per blink_enabled.
    CellStyle style(uint8_t attribute) const;
    // Row `row` (0-24) as UTF-8, CP437 mapped to Unicode, trailing blank cells trimmed.
    std::string line(int row) const;
    // The whole screen as 25 such lines, each ending in '\n' (the --screen-text format).
    std::string text() const;

    bool operator==(const TextSnapshot&) const = default;
};

}  // namespace svm
