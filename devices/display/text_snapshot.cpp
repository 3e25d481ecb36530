#include "devices/display/text_snapshot.h"

#include "devices/display/cp437.h"

namespace svm {

CellStyle TextSnapshot::style(uint8_t attribute) const {
    CellStyle s;
    s.foreground = attribute & 0x0f;
    if (blink_enabled) {
        s.background = (attribute >> 4) & 0x07;
        s.blink = attribute & 0x80;
    } else {
        s.background = (attribute >> 4) & 0x0f;
    }
    return s;
}

std::string TextSnapshot::line(int row) const {
    int end = kColumns;
    while (end > 0 && cp437_is_blank(at(row, end - 1).character)) --end;
    std::string out;
    for (int column = 0; column < end; ++column)
        append_utf8(out, cp437_to_unicode(at(row, column).character));
    return out;
}

std::string TextSnapshot::text() const {
    std::string out;
    for (int row = 0; row < kRows; ++row) {
        out += line(row);
        out += '\n';
    }
    return out;
}

}  // namespace svm
