// The 256 glyphs of the VGA text mode font (code page 437, 8x16), as a VGA BIOS loads them into
// plane 2 for mode 3. Built from the IBM VGA 8x16 PSF fonts of Debian's console-setup-linux,
// embedded in svm at build time (devices/CMakeLists.txt, cmake/EmbedFile.cmake): each CP437 byte
// is mapped to Unicode (cp437.h) and looked up in the fonts' Unicode tables.
//
// No single VGA16 font of console-setup-linux has all 256 CP437 glyphs. FullGreek-VGA16 has all
// but å ì Å ò (0x86 0x8D 0x8F 0x95), and lists ► ◄ (0x10 0x11) only as ▶ ◀ (U+25B6, U+25C0, the
// code points the Linux kernel's cp437.uni gives them besides U+25BA and U+25C4). Uni2-VGA16 has
// those four letters but draws the double-line box characters with single-line glyphs and lacks
// the pictures of 0x01-0x1F. So svm takes each glyph from FullGreek-VGA16 and the four letters
// from Uni2-VGA16.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "devices/display/psf_font.h"

namespace svm {

// The gunzipped PSF files built into svm (defined in the generated vga_font_psf_data.cpp and
// vga_font_fallback_psf_data.cpp): FullGreek-VGA16 and Uni2-VGA16.
std::span<const uint8_t> vga_font_psf();
std::span<const uint8_t> vga_font_fallback_psf();

class VgaFont {
public:
    static constexpr int kWidth = 8;
    static constexpr int kHeight = 16;
    // One glyph: 16 rows top to bottom, one byte each, bit 7 = leftmost pixel.
    using Glyph = std::array<uint8_t, kHeight>;

    // The font built from the embedded PSF files. Parsed once, on first use; the unit tests
    // check the embedded fonts, so a failure here is a bug of svm (SVM_ASSERT).
    static const VgaFont& builtin();

    // Builds the CP437 glyphs from `font` and, for characters it has no glyph for, from
    // `fallback` (may be null). Both must be 8x16. A glyph that a font gives to two CP437
    // characters (other than the blanks 0x00, 0x20, 0xFF) is a stand-in, not either character's
    // own, and does not count. A character neither font has gets the primary font's glyph for
    // U+FFFD, else its '?', else a blank cell, and is listed in missing().
    static Result<VgaFont> from_psf(const PsfFont& font, const PsfFont* fallback = nullptr);

    // A font of the given glyphs (tests: a font taken from another renderer's screenshot).
    static VgaFont from_glyphs(const std::array<Glyph, 256>& glyphs);

    const Glyph& glyph(uint8_t c) const { return glyphs_[c]; }
    // The CP437 characters from_psf() had to substitute, in increasing order.
    const std::vector<uint8_t>& missing() const { return missing_; }

private:
    VgaFont() = default;

    std::array<Glyph, 256> glyphs_{};
    std::vector<uint8_t> missing_;
};

}  // namespace svm
