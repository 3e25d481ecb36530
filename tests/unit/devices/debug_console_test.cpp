#include "devices/debug_console.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace svm {
namespace {

struct ConsoleHarness {
    std::string output;
    size_t calls = 0;
    DebugConsole console{[this](std::span<const uint8_t> bytes) {
        output.append(bytes.begin(), bytes.end());
        ++calls;
    }};
};

TEST(DebugConsole, WritesBytesToSink) {
    ConsoleHarness h;
    for (char c : std::string("ok\n")) {
        uint8_t b = static_cast<uint8_t>(c);
        h.console.write(0, std::span<const uint8_t>(&b, 1));
    }
    EXPECT_EQ(h.output, "ok\n");
    EXPECT_EQ(h.calls, 3u);
}

TEST(DebugConsole, WideWriteSendsLowByteOnly) {
    ConsoleHarness h;
    std::array<uint8_t, 2> word = {'A', 'B'};
    h.console.write(0, word);
    std::array<uint8_t, 4> dword = {'C', 'D', 'E', 'F'};
    h.console.write(0, dword);
    EXPECT_EQ(h.output, "AC");
}

TEST(DebugConsole, ReadReturnsE9ForDetection) {
    ConsoleHarness h;
    uint8_t b = 0;
    h.console.read(0, std::span<uint8_t>(&b, 1));
    EXPECT_EQ(b, 0xe9);
    std::array<uint8_t, 2> word{};
    h.console.read(0, word);
    EXPECT_EQ(word, (std::array<uint8_t, 2>{0xe9, 0xff}));
    h.console.read(1, std::span<uint8_t>(&b, 1));
    EXPECT_EQ(b, 0xff);
    EXPECT_EQ(h.output, "");
}

TEST(DebugConsole, OtherOffsetsAndEmptyAccessesIgnored) {
    ConsoleHarness h;
    uint8_t b = 'x';
    h.console.write(1, std::span<const uint8_t>(&b, 1));
    h.console.write(0, std::span<const uint8_t>());
    EXPECT_EQ(h.output, "");
    EXPECT_EQ(h.calls, 0u);
}

}  // namespace
}  // namespace svm
