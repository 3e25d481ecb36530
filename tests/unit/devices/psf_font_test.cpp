// The PSF parser (devices/display/psf_font.h) on hand-built PSF1 and PSF2 bytes, laid out as
// kbd's font-formats document section 1 describes, and on truncated and hostile inputs.
#include "devices/display/psf_font.h"

#include <gtest/gtest.h>

#include <vector>

namespace svm {
namespace {

void put32(std::vector<uint8_t>& b, uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put16(std::vector<uint8_t>& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v));
    b.push_back(static_cast<uint8_t>(v >> 8));
}

// A PSF2 font of `count` glyphs, `width` x `height`; glyph g's bytes all equal g + 1.
std::vector<uint8_t> psf2(uint32_t count, uint32_t width, uint32_t height, bool table) {
    std::vector<uint8_t> b = {0x72, 0xb5, 0x4a, 0x86};
    const uint32_t row = (width + 7) / 8;
    put32(b, 0);              // version
    put32(b, 32);             // header size
    put32(b, table ? 1 : 0);  // flags
    put32(b, count);          // length
    put32(b, row * height);   // charsize
    put32(b, height);
    put32(b, width);
    for (uint32_t g = 0; g < count; ++g) b.insert(b.end(), row * height, uint8_t(g + 1));
    return b;
}

// A PSF1 font (8 x `height`, 256 glyphs) with glyph g's bytes all equal g.
std::vector<uint8_t> psf1(uint8_t mode, uint8_t height) {
    std::vector<uint8_t> b = {0x36, 0x04, mode, height};
    for (unsigned g = 0; g < 256; ++g) b.insert(b.end(), height, uint8_t(g));
    return b;
}

TEST(PsfFont, Psf2WithoutTableMapsCodePointsToGlyphs) {
    auto font = PsfFont::parse(psf2(3, 10, 4, false));
    ASSERT_TRUE(font.has_value()) << font.error().message;
    EXPECT_EQ(font->version(), 2);
    EXPECT_EQ(font->glyph_count(), 3u);
    EXPECT_EQ(font->width(), 10u);
    EXPECT_EQ(font->height(), 4u);
    EXPECT_EQ(font->row_bytes(), 2u);
    EXPECT_FALSE(font->has_unicode_table());
    EXPECT_EQ(font->glyph_index(U'\x02'), 2u);
    EXPECT_EQ(font->glyph_index(U'\x03'), std::nullopt);
    ASSERT_EQ(font->glyph(1).size(), 8u);
    EXPECT_EQ(font->glyph(1)[0], 2);
}

TEST(PsfFont, Psf2UnicodeTableWithSequences) {
    auto b = psf2(3, 8, 2, true);
    // Glyph 0: 'A' and U+0391 (Greek capital alpha, 2-byte UTF-8).
    b.insert(b.end(), {'A', 0xce, 0x91, 0xff});
    // Glyph 1: U+2500 (3 bytes), then the sequence 'e' U+0301 (combining acute).
    b.insert(b.end(), {0xe2, 0x94, 0x80, 0xfe, 'e', 0xcc, 0x81, 0xff});
    // Glyph 2: no code points, only the 4-byte U+1F600.
    b.insert(b.end(), {0xf0, 0x9f, 0x98, 0x80, 0xff});
    auto font = PsfFont::parse(b);
    ASSERT_TRUE(font.has_value()) << font.error().message;
    EXPECT_TRUE(font->has_unicode_table());
    EXPECT_EQ(font->glyph_index(U'A'), 0u);
    EXPECT_EQ(font->glyph_index(U'\u0391'), 0u);
    EXPECT_EQ(font->glyph_index(U'\u2500'), 1u);
    EXPECT_EQ(font->glyph_index(U'\U0001F600'), 2u);
    EXPECT_EQ(font->glyph_index(U'e'), std::nullopt);  // only as part of the sequence
    const char32_t e_acute[] = {U'e', U'\u0301'};
    EXPECT_EQ(font->glyph_index(std::span<const char32_t>(e_acute)), 1u);
    const char32_t unknown[] = {U'a', U'\u0301'};
    EXPECT_EQ(font->glyph_index(std::span<const char32_t>(unknown)), std::nullopt);
}

TEST(PsfFont, Psf1WithUcs2TableAndSequences) {
    auto b = psf1(0x02 | 0x04, 16);  // MODEHASTAB | MODEHASSEQ, 256 glyphs
    for (unsigned g = 0; g < 256; ++g) {
        if (g == 0x41) {
            put16(b, 'A');
            put16(b, 0x0410);  // Cyrillic capital A shares the glyph
            put16(b, 0xfffe);  // STARTSEQ
            put16(b, 'A');
            put16(b, 0x030a);  // combining ring above
        } else if (g == 0xc4) {
            put16(b, 0x2500);
        }
        put16(b, 0xffff);  // SEPARATOR
    }
    auto font = PsfFont::parse(b);
    ASSERT_TRUE(font.has_value()) << font.error().message;
    EXPECT_EQ(font->version(), 1);
    EXPECT_EQ(font->glyph_count(), 256u);
    EXPECT_EQ(font->width(), 8u);
    EXPECT_EQ(font->glyph_index(U'A'), 0x41u);
    EXPECT_EQ(font->glyph_index(U'\u0410'), 0x41u);
    EXPECT_EQ(font->glyph_index(U'\u2500'), 0xc4u);
    EXPECT_EQ(font->glyph_index(U'B'), std::nullopt);
    const char32_t ring[] = {U'A', U'\u030a'};
    EXPECT_EQ(font->glyph_index(std::span<const char32_t>(ring)), 0x41u);
    EXPECT_EQ(font->glyph(0xc4)[15], 0xc4);
}

TEST(PsfFont, Psf1Mode512HasFiveHundredTwelveGlyphs) {
    std::vector<uint8_t> b = {0x36, 0x04, 0x01, 8};
    b.resize(4 + 512 * 8, 0);
    auto font = PsfFont::parse(b);
    ASSERT_TRUE(font.has_value()) << font.error().message;
    EXPECT_EQ(font->glyph_count(), 512u);
    EXPECT_EQ(font->glyph_index(U'\u01ff'), 511u);  // no table: glyph = code point
}

TEST(PsfFont, RejectsWhatIsNotAFont) {
    EXPECT_FALSE(PsfFont::parse({}).has_value());
    const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o'};
    auto r = PsfFont::parse(text);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "not a PSF font (no PSF1 or PSF2 magic number)");
}

TEST(PsfFont, RejectsEveryTruncation) {
    auto b2 = psf2(2, 8, 2, true);
    b2.insert(b2.end(), {'A', 0xff, 0xe2, 0x94, 0x80, 0xff});
    ASSERT_TRUE(PsfFont::parse(b2).has_value());
    for (size_t n = 0; n < b2.size(); ++n) {
        std::vector<uint8_t> cut(b2.begin(), b2.begin() + n);
        EXPECT_FALSE(PsfFont::parse(cut).has_value()) << "PSF2 cut to " << n << " bytes";
    }
    auto b1 = psf1(0x02, 4);
    for (unsigned g = 0; g < 256; ++g) put16(b1, 0xffff);
    ASSERT_TRUE(PsfFont::parse(b1).has_value());
    for (size_t n : {size_t{1}, size_t{3}, size_t{4}, size_t{100}, size_t{4 + 256 * 4},
                     b1.size() - 1, b1.size() - 2}) {
        std::vector<uint8_t> cut(b1.begin(), b1.begin() + n);
        EXPECT_FALSE(PsfFont::parse(cut).has_value()) << "PSF1 cut to " << n << " bytes";
    }
}

TEST(PsfFont, RejectsHostilePsf2Headers) {
    auto with = [](size_t at, uint32_t v) {
        auto b = psf2(2, 8, 2, false);
        for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
        return b;
    };
    const auto rejected = [](const std::vector<uint8_t>& b) {
        return !PsfFont::parse(b).has_value();
    };
    EXPECT_TRUE(rejected(with(4, 1)));            // version
    EXPECT_TRUE(rejected(with(8, 16)));           // header smaller than the header
    EXPECT_TRUE(rejected(with(8, 0xffffffff)));   // header past the end
    EXPECT_TRUE(rejected(with(16, 0)));           // no glyphs
    EXPECT_TRUE(rejected(with(16, 0xffffffff)));  // 4 G glyphs: size would overflow 32 bits
    EXPECT_TRUE(rejected(with(16, 3)));           // more glyphs than bytes
    EXPECT_TRUE(rejected(with(20, 0xffffffff)));  // charsize not height * row bytes
    EXPECT_TRUE(rejected(with(24, 0)));           // height 0
    EXPECT_TRUE(rejected(with(24, 0x80000000)));  // height huge
    EXPECT_TRUE(rejected(with(28, 0)));           // width 0
    EXPECT_TRUE(rejected(with(28, 0xfffffff9)));  // width + 7 would wrap
}

TEST(PsfFont, RejectsBadUtf8InTheTable) {
    for (std::vector<uint8_t> entry : std::vector<std::vector<uint8_t>>{
             {0x80, 0xff},                          // continuation byte first
             {0xc0, 0x80, 0xff},                    // overlong NUL
             {0xed, 0xa0, 0x80, 0xff},              // surrogate U+D800
             {0xf4, 0x90, 0x80, 0x80, 0xff},        // above U+10FFFF
             {0xf8, 0x88, 0x80, 0x80, 0x80, 0xff},  // 5-byte form
             {0xe2, 0x94},                          // cut off inside a code point
             {0xe2, 0x41, 0x80, 0xff},              // not a continuation byte
         }) {
        auto b = psf2(1, 8, 1, true);
        b.insert(b.end(), entry.begin(), entry.end());
        EXPECT_FALSE(PsfFont::parse(b).has_value()) << "entry starting " << int(entry[0]);
    }
}

}  // namespace
}  // namespace svm
