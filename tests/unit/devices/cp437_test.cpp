// CP437 -> Unicode (devices/display/cp437.h): spot checks against the IBM PC glyphs.
#include "devices/display/cp437.h"

#include <gtest/gtest.h>

#include <set>

namespace svm {
namespace {

std::string utf8(char32_t c) {
    std::string s;
    append_utf8(s, c);
    return s;
}

TEST(Cp437, ShadesBoxDrawingAndBlocks) {
    EXPECT_EQ(cp437_to_unicode(0xb0), U'░');
    EXPECT_EQ(cp437_to_unicode(0xb1), U'▒');
    EXPECT_EQ(cp437_to_unicode(0xb2), U'▓');
    EXPECT_EQ(cp437_to_unicode(0xc4), U'─');
    EXPECT_EQ(cp437_to_unicode(0xb3), U'│');
    EXPECT_EQ(cp437_to_unicode(0xc9), U'╔');
    EXPECT_EQ(cp437_to_unicode(0xbc), U'╝');
    EXPECT_EQ(cp437_to_unicode(0xdb), U'█');
}

TEST(Cp437, LowBytesAreVgaPictures) {
    EXPECT_EQ(cp437_to_unicode(0x00), U' ');
    EXPECT_EQ(cp437_to_unicode(0x01), U'☺');
    EXPECT_EQ(cp437_to_unicode(0x02), U'☻');
    EXPECT_EQ(cp437_to_unicode(0x03), U'♥');
    EXPECT_EQ(cp437_to_unicode(0x0a), U'◙');
    EXPECT_EQ(cp437_to_unicode(0x1b), U'←');
    EXPECT_EQ(cp437_to_unicode(0x7f), U'⌂');
}

TEST(Cp437, AsciiAndHighHalf) {
    for (int c = 0x20; c < 0x7f; ++c) EXPECT_EQ(cp437_to_unicode(static_cast<uint8_t>(c)), c);
    EXPECT_EQ(cp437_to_unicode(0x80), U'Ç');
    EXPECT_EQ(cp437_to_unicode(0x9e), U'₧');
    EXPECT_EQ(cp437_to_unicode(0xe1), U'ß');
    EXPECT_EQ(cp437_to_unicode(0xe3), U'π');
    EXPECT_EQ(cp437_to_unicode(0xfe), U'■');
    EXPECT_EQ(cp437_to_unicode(0xff), U'\u00a0');
}

TEST(Cp437, EveryByteMapsToADistinctPrintableCodePoint) {
    std::set<char32_t> seen;
    for (int c = 1; c < 256; ++c) {
        char32_t u = cp437_to_unicode(static_cast<uint8_t>(c));
        EXPECT_GE(u, 0x20u) << c;
        EXPECT_TRUE(seen.insert(u).second) << "byte " << c << " maps to a code point twice";
    }
}

TEST(Cp437, Utf8Encoding) {
    EXPECT_EQ(utf8(U'A'), "A");
    EXPECT_EQ(utf8(U'\u00a0'), "\xc2\xa0");
    EXPECT_EQ(utf8(U'─'), "\xe2\x94\x80");
    EXPECT_EQ(utf8(U'\U0001F600'), "\xf0\x9f\x98\x80");
    EXPECT_EQ(utf8(0xd800), "\xef\xbf\xbd");
}

}  // namespace
}  // namespace svm
