// The text screen model (devices/display/text_screen.h): cells read through the injected reader
// from a fake 32 KiB text window, the CRTC's start address and cursor, attributes, rendering to
// UTF-8 lines and the "was written" decision.
#include "devices/display/text_screen.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace svm {
namespace {

class TextScreenTest : public ::testing::Test {
protected:
    TextScreenTest() {
        // A BIOS-cleared screen: blank cells, light grey on black.
        for (size_t i = 0; i < window.size(); i += 2) {
            window[i] = 0x20;
            window[i + 1] = 0x07;
        }
    }
    void put(int row, int column, const char* text, uint8_t attribute = 0x07) {
        for (size_t i = 0; text[i]; ++i) {
            size_t cell = static_cast<size_t>(row * 80 + column) + i;
            window[2 * cell] = static_cast<uint8_t>(text[i]);
            window[2 * cell + 1] = attribute;
        }
    }
    void crtc(uint8_t index, uint8_t v) {
        uint8_t b[2] = {index, v};
        regs->write(VgaRegisters::kCrtcIndex, std::span(b, 2));
    }
    void set_cursor(uint16_t cell) {
        crtc(0x0e, static_cast<uint8_t>(cell >> 8));
        crtc(0x0f, static_cast<uint8_t>(cell));
    }

    std::vector<uint8_t> window = std::vector<uint8_t>(TextScreen::kWindowSize);
    std::shared_ptr<VgaRegisters> regs = std::make_shared<VgaRegisters>();
    bool readable = true;
    TextScreen screen{regs, [this](uint64_t offset, std::span<uint8_t> out) {
                          if (!readable || offset + out.size() > window.size()) return false;
                          std::memcpy(out.data(), window.data() + offset, out.size());
                          return true;
                      }};
};

TEST_F(TextScreenTest, CellsAndAttributesComeFromTheBuffer) {
    put(0, 0, "Hi", 0x1f);
    put(24, 79, "!", 0x4e);
    auto s = screen.snapshot();
    EXPECT_EQ(s.at(0, 0), (TextCell{'H', 0x1f}));
    EXPECT_EQ(s.at(0, 1), (TextCell{'i', 0x1f}));
    EXPECT_EQ(s.at(24, 79), (TextCell{'!', 0x4e}));
    EXPECT_EQ(s.style(0x1f), (CellStyle{15, 1, false}));  // white on blue
    EXPECT_EQ(s.style(0x4e), (CellStyle{14, 4, false}));  // yellow on red
}

TEST_F(TextScreenTest, Bit7BlinksOrBrightensBackgroundPerModeControl) {
    auto s = screen.snapshot();
    EXPECT_TRUE(s.blink_enabled);
    EXPECT_EQ(s.style(0xc7), (CellStyle{7, 4, true}));
    // Attribute mode control (index 0x10) bit 3 off: bit 7 is background intensity.
    uint8_t index = 0x30, mode = 0x04;
    regs->write(VgaRegisters::kAttributeIndexData, std::span(&index, 1));
    regs->write(VgaRegisters::kAttributeIndexData, std::span(&mode, 1));
    s = screen.snapshot();
    EXPECT_FALSE(s.blink_enabled);
    EXPECT_EQ(s.style(0xc7), (CellStyle{7, 12, false}));
}

TEST_F(TextScreenTest, CursorPositionFromCrtc) {
    set_cursor(3 * 80 + 17);
    auto s = screen.snapshot();
    EXPECT_TRUE(s.cursor_visible);
    EXPECT_EQ(s.cursor_row, 3);
    EXPECT_EQ(s.cursor_column, 17);
}

TEST_F(TextScreenTest, CursorHiddenByDisableBitShapeOrPosition) {
    set_cursor(5);
    crtc(0x0a, 0x20 | 0x0d);
    EXPECT_FALSE(screen.snapshot().cursor_visible);
    crtc(0x0a, 0x0f);  // start below end (0x0e): no cursor drawn
    EXPECT_FALSE(screen.snapshot().cursor_visible);
    crtc(0x0a, 0x00);
    EXPECT_TRUE(screen.snapshot().cursor_visible);
    set_cursor(2000);  // past the last cell
    EXPECT_FALSE(screen.snapshot().cursor_visible);
}

TEST_F(TextScreenTest, StartAddressScrollsTheShownCells) {
    put(1, 0, "second line");
    put(25, 0, "below the first screen");
    crtc(0x0c, 0);
    crtc(0x0d, 80);  // start at cell 80: the screen shows rows 1..25 of the buffer
    set_cursor(80 + 5);
    auto s = screen.snapshot();
    EXPECT_EQ(s.line(0), "second line");
    EXPECT_EQ(s.line(24), "below the first screen");
    EXPECT_EQ(s.cursor_row, 0);
    EXPECT_EQ(s.cursor_column, 5);
}

TEST_F(TextScreenTest, StartAddressWrapsAtTheEndOfTheWindow) {
    const uint16_t start = TextScreen::kWindowSize / 2 - 40;  // half a row before the end
    window[window.size() - 80] = 'A';
    window[0] = 'B';
    crtc(0x0c, static_cast<uint8_t>(start >> 8));
    crtc(0x0d, static_cast<uint8_t>(start));
    auto s = screen.snapshot();
    EXPECT_EQ(s.at(0, 0).character, 'A');
    EXPECT_EQ(s.at(0, 40).character, 'B');
}

TEST_F(TextScreenTest, TextIs25LinesTrimmedAndCp437Mapped) {
    put(0, 0, "Hello, VGA   ");
    const char box[] = {'\xc9', '\xcd', '\xbb', ' ', '\xb0', '\xb1', '\xb2', ' ', '\x01', 0};
    put(2, 4, box, 0x1e);
    window[2 * 79] = 0x00;  // NUL and 0xFF cells are blank too
    window[2 * 78] = 0xff;
    auto text = screen.snapshot().text();
    std::vector<std::string> lines;
    for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
        lines.push_back(text.substr(at, nl - at));
    ASSERT_EQ(lines.size(), 25u);
    EXPECT_EQ(lines[0], "Hello, VGA");
    EXPECT_EQ(lines[1], "");
    EXPECT_EQ(lines[2], "    ╔═╗ ░▒▓ ☺");
    EXPECT_EQ(lines[24], "");
    EXPECT_EQ(text.back(), '\n');
}

TEST_F(TextScreenTest, WasWrittenComparesWithTheRememberedScreen) {
    screen.remember_initial();
    EXPECT_FALSE(screen.was_written());
    put(10, 10, "x");
    EXPECT_TRUE(screen.was_written());
    put(10, 10, " ");
    EXPECT_FALSE(screen.was_written());
    window[2 * 5 + 1] = 0x70;  // only an attribute changed: still a write the user can see
    EXPECT_TRUE(screen.was_written());
}

TEST_F(TextScreenTest, WasWrittenWhenAKernelSegmentFilledTheBuffer) {
    put(0, 0, "preloaded");
    screen.remember_initial();
    EXPECT_FALSE(screen.was_written());
    put(0, 0, "P");
    EXPECT_TRUE(screen.was_written());
}

TEST_F(TextScreenTest, UnreadableBufferShowsBlank) {
    put(0, 0, "hidden");
    readable = false;
    auto s = screen.snapshot();
    EXPECT_EQ(s.at(0, 0), TextCell{});
    EXPECT_EQ(s.line(0), "");
}

}  // namespace
}  // namespace svm
