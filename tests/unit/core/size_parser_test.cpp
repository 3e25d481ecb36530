#include "core/size_parser.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

TEST(SizeParser, Suffixes) {
    EXPECT_EQ(parse_size("128M").value(), 128ull << 20);
    EXPECT_EQ(parse_size("1G").value(), 1ull << 30);
    EXPECT_EQ(parse_size("2GiB").value(), 2ull << 30);
    EXPECT_EQ(parse_size("640K").value(), 640ull << 10);
    EXPECT_EQ(parse_size("4096").value(), 4096u);
    EXPECT_EQ(parse_size("0x100000").value(), 0x100000u);
}

TEST(SizeParser, RejectsGarbageAndOverflow) {
    EXPECT_FALSE(parse_size(""));
    EXPECT_FALSE(parse_size("M"));
    EXPECT_FALSE(parse_size("12X"));
    EXPECT_FALSE(parse_size("-1M"));
    EXPECT_FALSE(parse_size("99999999999999999999"));
    EXPECT_FALSE(parse_size("17179869184G"));
    EXPECT_NE(parse_size("abc").error().message.find("'abc'"), std::string::npos);
}

TEST(AddressParser, HexAndDecimal) {
    EXPECT_EQ(parse_address("0x7c00").value(), 0x7c00u);
    EXPECT_EQ(parse_address("1048576").value(), 1048576u);
    EXPECT_FALSE(parse_address("0x"));
    EXPECT_FALSE(parse_address("0xg"));
    EXPECT_FALSE(parse_address("1 "));
}

}  // namespace
}  // namespace svm
