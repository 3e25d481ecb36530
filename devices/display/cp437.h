// Code page 437, the character set of the IBM PC's VGA text mode, mapped to Unicode.
#pragma once

#include <cstdint>
#include <string>

namespace svm {

// Returns the Unicode code point that shows the glyph a VGA in text mode draws for byte `c`.
// 0x20-0x7E are ASCII; 0x01-0x1F and 0x7F are the VGA font's pictures (☺ ☻ ♥ ... ⌂), not control
// characters; 0x80-0xFF follow the Unicode Consortium's IBM PC code page 437 mapping (CP437.TXT,
// box drawing, shades, Greek letters). 0x00 draws nothing and maps to U+0020, 0xFF (a blank glyph
// too) to U+00A0 NO-BREAK SPACE. Never fails.
char32_t cp437_to_unicode(uint8_t c);

// Appends `c` as UTF-8 (1-4 bytes) to `out`. Code points above U+10FFFF and surrogates append
// U+FFFD REPLACEMENT CHARACTER.
void append_utf8(std::string& out, char32_t c);

// True if the VGA font draws byte `c` as an empty cell (0x00, 0x20, 0xFF): such cells at the end
// of a line are "trailing blanks".
constexpr bool cp437_is_blank(uint8_t c) {
    return c == 0x00 || c == 0x20 || c == 0xff;
}

}  // namespace svm
