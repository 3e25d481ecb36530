#include "devices/display/text_screen.h"

#include <algorithm>
#include <vector>

namespace svm {

TextScreen::TextScreen(std::shared_ptr<VgaRegisters> registers, Reader reader)
    : registers_(std::move(registers)), reader_(std::move(reader)) {}

TextSnapshot TextScreen::snapshot() const {
    TextSnapshot s;
    // The CRTC counts start address and cursor location in character cells (2 bytes each in
    // the standard text mode, whose "word mode" addressing this model assumes).
    const uint16_t start = registers_->start_address();
    std::vector<uint8_t> bytes(TextSnapshot::kCells * 2);
    const uint64_t first = (uint64_t{start} * 2) % kWindowSize;
    const uint64_t head = std::min<uint64_t>(bytes.size(), kWindowSize - first);
    std::span<uint8_t> all(bytes);
    bool ok = reader_(first, all.first(head));
    if (ok && head < bytes.size()) ok = reader_(0, all.subspan(head));
    if (ok) {
        for (int i = 0; i < TextSnapshot::kCells; ++i)
            s.cells[i] = TextCell{bytes[2 * i], bytes[2 * i + 1]};
    }

    // Cursor (FreeVGA CRTC registers 0Ah/0Bh/0Eh/0Fh): hidden by CR0A bit 5, and not drawn
    // when its first scan line lies below its last.
    const uint8_t cursor_start = registers_->crtc(VgaRegisters::kCrtcCursorStart);
    const uint8_t cursor_end = registers_->crtc(VgaRegisters::kCrtcCursorEnd);
    const int cell = static_cast<int>(registers_->cursor_location()) - start;
    s.cursor_visible = !(cursor_start & 0x20) && (cursor_start & 0x1f) <= (cursor_end & 0x1f) &&
                       cell >= 0 && cell < TextSnapshot::kCells;
    if (cell >= 0 && cell < TextSnapshot::kCells) {
        s.cursor_row = cell / TextSnapshot::kColumns;
        s.cursor_column = cell % TextSnapshot::kColumns;
    }
    s.blink_enabled = registers_->attribute(VgaRegisters::kAttributeModeControl) & 0x08;
    return s;
}

void TextScreen::remember_initial() {
    auto cells = snapshot().cells;
    std::lock_guard lock(mutex_);
    initial_ = cells;
}

bool TextScreen::was_written() const {
    auto cells = snapshot().cells;
    std::lock_guard lock(mutex_);
    if (initial_) return cells != *initial_;
    return cells != TextSnapshot{}.cells;
}

}  // namespace svm
