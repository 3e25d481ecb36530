// A bitmap console font in the Linux PC Screen Font format (PSF1 and PSF2), parsed from bytes.
// Format: kbd's "Font-formats recognized by the Linux kbd package", section 1 "PSF fonts"
// (/usr/share/doc/kbd/font-formats/font-formats-1.html; also the OSDev wiki "PC Screen Font").
// svm uses it for the VGA text font (see vga_font.h); it keeps no file open and owns its bytes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"

namespace svm {

class PsfFont {
public:
    // Parses a whole (uncompressed) PSF1 or PSF2 file. Checks every size and offset against
    // `bytes`, so truncated or hostile data yields an Error ("PSF2 header too short", ...) and
    // never an out-of-bounds read. The Unicode table, when the header announces one
    // (PSF1_MODEHASTAB/PSF1_MODEHASSEQ, PSF2_HAS_UNICODE_TABLE), must cover every glyph and be
    // well formed (UCS-2 little-endian for PSF1, UTF-8 for PSF2, sequences included).
    static Result<PsfFont> parse(std::span<const uint8_t> bytes);

    // 1 or 2: the format the font was read from.
    int version() const { return version_; }
    uint32_t glyph_count() const { return glyph_count_; }
    // Glyph size in pixels (PSF1 fonts are always 8 wide).
    uint32_t width() const { return width_; }
    uint32_t height() const { return height_; }
    // Bytes per glyph row: (width + 7) / 8; the leftmost pixel is the most significant bit.
    uint32_t row_bytes() const { return (width_ + 7) / 8; }
    bool has_unicode_table() const { return has_unicode_table_; }

    // The bitmap of glyph `index` (< glyph_count()): height() rows of row_bytes() bytes.
    std::span<const uint8_t> glyph(uint32_t index) const;

    // The glyph that shows code point `c`: from the Unicode table, or, in a font without one,
    // glyph `c` itself if it exists. Empty if the font has no glyph for `c`.
    std::optional<uint32_t> glyph_index(char32_t c) const;
    // The glyph the Unicode table gives for the sequence `sequence` (e.g. a letter followed by a
    // combining accent); a one-element sequence is the same as glyph_index(c). Empty if none.
    std::optional<uint32_t> glyph_index(std::span<const char32_t> sequence) const;

private:
    PsfFont() = default;
    // Adds an entry of the Unicode table for glyph `glyph` (first entry wins, as in the kernel).
    void map(std::vector<char32_t> sequence, uint32_t glyph);

    int version_ = 0;
    uint32_t glyph_count_ = 0;
    uint32_t width_ = 0;
    uint32_t height_ = 0;
    bool has_unicode_table_ = false;
    std::vector<uint8_t> bitmaps_;  // glyph_count_ * height_ * row_bytes()
    std::map<char32_t, uint32_t> single_;
    std::map<std::vector<char32_t>, uint32_t> sequences_;  // two or more code points
};

}  // namespace svm
