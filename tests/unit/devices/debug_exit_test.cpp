#include "devices/debug_exit.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace svm {
namespace {

struct ExitHarness {
    std::vector<int> codes;
    DebugExit device{[this](int code) { codes.push_back(code); }};
};

TEST(DebugExit, ByteWriteExitsWithValueTimesTwoPlusOne) {
    ExitHarness h;
    uint8_t v = 0x10;
    h.device.write(0, std::span<const uint8_t>(&v, 1));
    v = 0x00;
    h.device.write(0, std::span<const uint8_t>(&v, 1));
    v = 0xff;
    h.device.write(0, std::span<const uint8_t>(&v, 1));
    EXPECT_EQ(h.codes, (std::vector<int>{0x21, 0x01, 0x1ff}));
    // The process exit status keeps the low 8 bits: 0xff -> 255.
    EXPECT_EQ(h.codes[2] & 0xff, 0xff);
}

TEST(DebugExit, WordWriteIsLittleEndian) {
    ExitHarness h;
    std::array<uint8_t, 2> word = {0x34, 0x12};  // 0x1234
    h.device.write(0, word);
    EXPECT_EQ(h.codes, std::vector<int>{0x2469});
}

TEST(DebugExit, DwordWriteUsesQemuArithmetic) {
    ExitHarness h;
    std::array<uint8_t, 4> dword = {0x78, 0x56, 0x34, 0x12};  // 0x12345678
    h.device.write(0, dword);
    std::array<uint8_t, 4> high = {0x00, 0x00, 0x00, 0x80};  // bit 31 shifts out of the int
    h.device.write(0, high);
    std::array<uint8_t, 4> all = {0xff, 0xff, 0xff, 0xff};
    h.device.write(0, all);
    EXPECT_EQ(h.codes, (std::vector<int>{0x2468acf1, 1, -1}));
    EXPECT_EQ(DebugExit::exit_code_for(0x80), 0x101);  // status 1
    EXPECT_EQ(DebugExit::exit_code_for(0x80) & 0xff, 1);
}

TEST(DebugExit, OffsetNotDecodedAsInQemu) {
    ExitHarness h;
    uint8_t v = 0x02;
    h.device.write(2, std::span<const uint8_t>(&v, 1));
    EXPECT_EQ(h.codes, std::vector<int>{0x05});
}

TEST(DebugExit, ReadsReturnZeroAndDoNotExit) {
    ExitHarness h;
    std::array<uint8_t, 4> data = {1, 2, 3, 4};
    h.device.read(0, data);
    EXPECT_EQ(data, (std::array<uint8_t, 4>{0, 0, 0, 0}));
    EXPECT_TRUE(h.codes.empty());
    EXPECT_EQ(DebugExit::kPort, 0xf4u);
    EXPECT_EQ(DebugExit::kSize, 4u);
}

}  // namespace
}  // namespace svm
