#include "core/machine/pc/display_ansi.h"

#include <fmt/format.h>

#include "devices/display/cp437.h"

namespace svm {

namespace {

// VGA colour order (blue is bit 0, red bit 2) to ANSI order (red is bit 0, blue bit 2).
constexpr int kVgaToAnsi[8] = {0, 4, 2, 6, 1, 5, 3, 7};

std::string sgr(const CellStyle& s, bool reverse) {
    const int fg = kVgaToAnsi[s.foreground & 7] + (s.foreground & 8 ? 90 : 30);
    const int bg = kVgaToAnsi[s.background & 7] + (s.background & 8 ? 100 : 40);
    return fmt::format("\x1b[0;{};{}{}{}m", fg, bg, s.blink ? ";5" : "", reverse ? ";7" : "");
}

bool row_changed(const TextSnapshot& a, const TextSnapshot& b, int row) {
    for (int column = 0; column < TextSnapshot::kColumns; ++column)
        if (a.at(row, column) != b.at(row, column)) return true;
    auto has_cursor = [row](const TextSnapshot& s) {
        return s.cursor_visible && s.cursor_row == row;
    };
    if (has_cursor(a) != has_cursor(b)) return true;
    if (has_cursor(a) && a.cursor_column != b.cursor_column) return true;
    return a.blink_enabled != b.blink_enabled;
}

}  // namespace

std::string ansi_enter(int rows) {
    // Clear, then DECSTBM: rows 27..bottom scroll; the screen rows above stay put.
    return fmt::format("\x1b[0m\x1b[2J\x1b[{};{}r\x1b[{};1H", TextSnapshot::kRows + 2, rows,
                       TextSnapshot::kRows + 2);
}

std::string ansi_frame(const TextSnapshot* previous, const TextSnapshot& current) {
    std::string rows;
    for (int row = 0; row < TextSnapshot::kRows; ++row) {
        if (previous && !row_changed(*previous, current, row)) continue;
        rows += fmt::format("\x1b[{};1H", row + 1);
        std::string last_sgr;
        for (int column = 0; column < TextSnapshot::kColumns; ++column) {
            const TextCell& cell = current.at(row, column);
            const bool cursor = current.cursor_visible && current.cursor_row == row &&
                                current.cursor_column == column;
            std::string style = sgr(current.style(cell.attribute), cursor);
            if (style != last_sgr) {
                rows += style;
                last_sgr = std::move(style);
            }
            // Blank glyphs as plain spaces (U+00A0 would confuse copy and paste).
            append_utf8(rows,
                        cp437_is_blank(cell.character) ? U' ' : cp437_to_unicode(cell.character));
        }
        rows += "\x1b[0m\x1b[K";  // the rest of a wider terminal's row in the default colours
    }
    if (rows.empty()) return "";
    std::string out =
        "\x1b"
        "7";  // DECSC: the scroll region's cursor and colours
    out += rows;
    if (!previous)
        out += fmt::format(
            "\x1b[{};1H\x1b[0;7m svm: VGA text screen above, console below "
            "\x1b[0m\x1b[K",
            TextSnapshot::kRows + 1);
    out +=
        "\x1b"
        "8";  // DECRC
    return out;
}

std::string ansi_leave() {
    // Reset the scroll region (which homes the cursor) between DECSC and DECRC, so the cursor
    // ends where the scrolling text did.
    return "\x1b"
           "7\x1b[r\x1b"
           "8\x1b[0m\r\n";
}

}  // namespace svm
