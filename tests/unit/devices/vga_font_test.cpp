// The VGA text font svm embeds (devices/display/vga_font.h): all 256 CP437 glyphs present, and
// a few with the rows of the IBM VGA 8x16 ROM font (the same rows as the Linux kernel's
// lib/fonts/font_8x16.c, which is that font).
#include "devices/display/vga_font.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace svm {
namespace {

using Glyph = VgaFont::Glyph;

TEST(VgaFont, EmbeddedFontsParse) {
    auto primary = PsfFont::parse(vga_font_psf());
    ASSERT_TRUE(primary.has_value()) << primary.error().message;
    EXPECT_EQ(primary->width(), 8u);
    EXPECT_EQ(primary->height(), 16u);
    EXPECT_TRUE(primary->has_unicode_table());
    auto fallback = PsfFont::parse(vga_font_fallback_psf());
    ASSERT_TRUE(fallback.has_value()) << fallback.error().message;
    EXPECT_EQ(fallback->height(), 16u);
}

TEST(VgaFont, BuiltinCoversAllOfCodePage437) {
    EXPECT_TRUE(VgaFont::builtin().missing().empty());
}

TEST(VgaFont, NeitherFontAloneCoversCodePage437) {
    auto primary = PsfFont::parse(vga_font_psf());
    auto fallback = PsfFont::parse(vga_font_fallback_psf());
    ASSERT_TRUE(primary && fallback);
    // FullGreek-VGA16 lacks å ì Å ò.
    auto only_primary = VgaFont::from_psf(*primary);
    ASSERT_TRUE(only_primary.has_value());
    EXPECT_EQ(only_primary->missing(), (std::vector<uint8_t>{0x86, 0x8d, 0x8f, 0x95}));
    // Uni2-VGA16 lacks ☺ and draws ║ and ═ with the glyphs of │ and ─: stand-ins do not count.
    auto only_fallback = VgaFont::from_psf(*fallback);
    ASSERT_TRUE(only_fallback.has_value());
    const auto& missing = only_fallback->missing();
    for (uint8_t c : {0x01, 0xba, 0xcd})
        EXPECT_NE(std::ranges::find(missing, c), missing.end()) << int(c);
    for (uint8_t c : {0x41, 0x86, 0x8d, 0x8f, 0x95})
        EXPECT_EQ(std::ranges::find(missing, c), missing.end()) << int(c);
}

TEST(VgaFont, LetterA) {
    EXPECT_EQ(VgaFont::builtin().glyph(0x41),
              (Glyph{0x00, 0x00, 0x10, 0x38, 0x6c, 0xc6, 0xc6, 0xfe, 0xc6, 0xc6, 0xc6, 0xc6, 0x00,
                     0x00, 0x00, 0x00}));
}

TEST(VgaFont, SevenPixelWideDigitsAndCapitals) {
    // The IBM font's '0' (dotted) and 'M' leave column 7 blank (font_8x16.c).
    EXPECT_EQ(VgaFont::builtin().glyph('0'),
              (Glyph{0x00, 0x00, 0x38, 0x6c, 0xc6, 0xc6, 0xd6, 0xd6, 0xc6, 0xc6, 0x6c, 0x38, 0x00,
                     0x00, 0x00, 0x00}));
    EXPECT_EQ(VgaFont::builtin().glyph('M'),
              (Glyph{0x00, 0x00, 0xc6, 0xee, 0xfe, 0xfe, 0xd6, 0xc6, 0xc6, 0xc6, 0xc6, 0xc6, 0x00,
                     0x00, 0x00, 0x00}));
}

TEST(VgaFont, BoxDrawing) {
    const VgaFont& font = VgaFont::builtin();
    // 0xC4 ─: one full-width line on scan line 7, so that with the 9th column it joins up.
    EXPECT_EQ(font.glyph(0xc4), (Glyph{0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}));
    // 0xB3 │: columns 3-4 on every scan line.
    Glyph bar;
    bar.fill(0x18);
    EXPECT_EQ(font.glyph(0xb3), bar);
    // 0xBA ║: two bars, columns 2-3 and 5-6, on every scan line.
    Glyph double_bar;
    double_bar.fill(0x36);
    EXPECT_EQ(font.glyph(0xba), double_bar);
    // 0xCD ═: two full-width lines with one blank scan line between them. (The IBM font puts
    // them on scan lines 5 and 7, console-setup's on 6 and 8; see docs/display.md.)
    std::vector<int> lines;
    for (int y = 0; y < 16; ++y) {
        if (font.glyph(0xcd)[y] == 0xff)
            lines.push_back(y);
        else
            EXPECT_EQ(font.glyph(0xcd)[y], 0) << y;
    }
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1] - lines[0], 2);
    // 0xDB █ fills the cell.
    Glyph full;
    full.fill(0xff);
    EXPECT_EQ(font.glyph(0xdb), full);
}

TEST(VgaFont, BlankCharacters) {
    const Glyph blank{};
    EXPECT_EQ(VgaFont::builtin().glyph(0x00), blank);
    EXPECT_EQ(VgaFont::builtin().glyph(0x20), blank);
    EXPECT_EQ(VgaFont::builtin().glyph(0xff), blank);
}

TEST(VgaFont, RejectsFontsOfAnotherSize) {
    std::vector<uint8_t> b = {0x36, 0x04, 0x00, 8};
    b.resize(4 + 256 * 8, 0);
    auto font = PsfFont::parse(b);
    ASSERT_TRUE(font.has_value());
    auto vga = VgaFont::from_psf(*font);
    ASSERT_FALSE(vga.has_value());
    EXPECT_EQ(vga.error().message, "the VGA text font must be 8x16 pixels, not 8x8");
}

}  // namespace
}  // namespace svm
