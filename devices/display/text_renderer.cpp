#include "devices/display/text_renderer.h"

#include <array>

namespace svm {

namespace {

// Attribute controller registers (FreeVGA "Attribute Controller Registers").
constexpr uint8_t kColourSelect = 0x14;
constexpr uint8_t kModeLineGraphics = 0x04;  // AR10 bit 2
constexpr uint8_t kModeP54Select = 0x80;     // AR10 bit 7
constexpr uint8_t kSequencerClockingMode = 0x01;
constexpr uint8_t kClockingEightDots = 0x01;  // SR01 bit 0

uint8_t scale6to8(uint8_t v) {
    return static_cast<uint8_t>((v & 0x3f) * 255 / 63);
}

}  // namespace

TextRenderer::TextRenderer(const VgaFont& font) : font_(font) {}

uint32_t TextRenderer::colour(const VgaRegisters& registers, uint8_t index) {
    const uint8_t mode = registers.attribute(VgaRegisters::kAttributeModeControl);
    const uint8_t select = registers.attribute(kColourSelect);
    uint8_t dac = registers.attribute(index & 0x0f) & 0x3f;
    if (mode & kModeP54Select) dac = static_cast<uint8_t>((dac & 0x0f) | (select & 0x03) << 4);
    dac = static_cast<uint8_t>(dac | (select & 0x0c) << 4);
    const auto rgb = registers.dac(dac);
    // Text mode uses the DAC's 6-bit components (the low 6 bits of what was written).
    return xrgb(scale6to8(rgb[0] & 0x3f), scale6to8(rgb[1] & 0x3f), scale6to8(rgb[2] & 0x3f));
}

void TextRenderer::draw(const TextSnapshot& screen, const VgaRegisters& registers, TextPhase phase,
                        Surface& out, std::vector<Rect>& changed) {
    changed.clear();
    const bool eight_dots = registers.sequencer(kSequencerClockingMode) & kClockingEightDots;
    const uint32_t cell_width = eight_dots ? 8 : 9;
    const uint32_t width = cell_width * TextSnapshot::kColumns;
    const uint32_t height = kCellHeight * TextSnapshot::kRows;
    if (out.width != width || out.height != height) {
        out.resize(width, height);
        last_.clear();
    }
    const bool full = last_.empty();
    if (full) last_.assign(TextSnapshot::kCells, CellLook{});

    // The 16 colours once per frame, not per cell.
    std::array<uint32_t, 16> palette{};
    for (uint8_t i = 0; i < 16; ++i) palette[i] = colour(registers, i);
    const bool line_graphics =
        registers.attribute(VgaRegisters::kAttributeModeControl) & kModeLineGraphics;
    const uint8_t cursor_first = registers.crtc(VgaRegisters::kCrtcCursorStart) & 0x1f;
    const uint8_t cursor_last = registers.crtc(VgaRegisters::kCrtcCursorEnd) & 0x1f;
    // TextSnapshot::cursor_visible already folds in CR0A bit 5 and first <= last.
    const bool cursor_shown = screen.cursor_visible && phase.cursor_on;
    const int cursor_cell = screen.cursor_row * TextSnapshot::kColumns + screen.cursor_column;

    for (int row = 0; row < TextSnapshot::kRows; ++row) {
        int run_start = -1;  // first column of the current run of changed cells
        auto flush = [&](int end_column) {
            if (run_start < 0) return;
            changed.push_back(Rect{static_cast<uint32_t>(run_start) * cell_width,
                                   static_cast<uint32_t>(row) * kCellHeight,
                                   static_cast<uint32_t>(end_column - run_start) * cell_width,
                                   kCellHeight});
            run_start = -1;
        };
        for (int column = 0; column < TextSnapshot::kColumns; ++column) {
            const int index = row * TextSnapshot::kColumns + column;
            const TextCell& cell = screen.cells[index];
            const CellStyle style = screen.style(cell.attribute);
            CellLook look;
            look.character = cell.character;
            look.foreground_shown = !style.blink || phase.blink_on;
            look.line_graphics = line_graphics && cell.character >= 0xc0 && cell.character <= 0xdf;
            look.foreground = palette[style.foreground];
            look.background = palette[style.background];
            if (cursor_shown && index == cursor_cell) {
                look.cursor_first = cursor_first;
                look.cursor_last = cursor_last;
            }
            if (!full && look == last_[index]) {
                flush(column);
                continue;
            }
            last_[index] = look;
            draw_cell(look, static_cast<uint32_t>(column) * cell_width,
                      static_cast<uint32_t>(row) * kCellHeight, cell_width, out);
            if (!full && run_start < 0) run_start = column;
        }
        flush(TextSnapshot::kColumns);
    }
    if (full) changed.assign(1, Rect{0, 0, width, height});
}

void TextRenderer::draw_cell(const CellLook& look, uint32_t x0, uint32_t y0, uint32_t cell_width,
                             Surface& out) const {
    const VgaFont::Glyph& glyph = font_.glyph(look.character);
    for (uint32_t line = 0; line < kCellHeight; ++line) {
        uint32_t* pixel = &out.at(x0, y0 + line);
        if (line >= look.cursor_first && line <= look.cursor_last) {
            // The cursor covers the whole cell width, 9th column included.
            for (uint32_t x = 0; x < cell_width; ++x) pixel[x] = look.foreground;
            continue;
        }
        const uint8_t bits = look.foreground_shown ? glyph[line] : 0;
        for (uint32_t x = 0; x < 8; ++x)
            pixel[x] = (bits & (0x80 >> x)) ? look.foreground : look.background;
        if (cell_width == 9)
            pixel[8] = (look.line_graphics && (bits & 0x01)) ? look.foreground : look.background;
    }
}

}  // namespace svm
