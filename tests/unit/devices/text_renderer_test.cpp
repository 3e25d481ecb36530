// TextRenderer (devices/display/text_renderer.h) on hand-built screens: pixel layout of a cell,
// the 9th column, colours through the attribute palette and the DAC, blink, the cursor, and the
// changed rectangles it reports.
#include "devices/display/text_renderer.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

// The mode-3 colours (6-bit DAC values 0x00, 0x15, 0x2A, 0x3F scaled to 8 bits).
constexpr uint32_t kBlack = xrgb(0, 0, 0);
constexpr uint32_t kBlue = xrgb(0, 0, 0xaa);
constexpr uint32_t kLightGrey = xrgb(0xaa, 0xaa, 0xaa);
constexpr uint32_t kDarkGrey = xrgb(0x55, 0x55, 0x55);
constexpr uint32_t kWhite = xrgb(0xff, 0xff, 0xff);
constexpr uint32_t kBrown = xrgb(0xaa, 0x55, 0x00);
constexpr uint32_t kYellow = xrgb(0xff, 0xff, 0x55);

class TextRendererTest : public ::testing::Test {
protected:
    void set(int row, int column, uint8_t character, uint8_t attribute) {
        screen.cells[row * TextSnapshot::kColumns + column] = TextCell{character, attribute};
    }
    void draw(TextPhase phase = {}) { renderer.draw(screen, vga, phase, surface, changed); }
    void attribute_write(uint8_t index, uint8_t value) {
        uint8_t status = 0;
        vga.read(VgaRegisters::kInputStatus1, std::span(&status, 1));  // reset the flip-flop
        // Port 0x3C0 takes the index, then the data (bytes at one port, so one write each).
        const uint8_t select = static_cast<uint8_t>(index | 0x20);  // bit 5: screen stays on
        vga.write(VgaRegisters::kAttributeIndexData, std::span(&select, 1));
        vga.write(VgaRegisters::kAttributeIndexData, std::span(&value, 1));
    }
    // Sets DAC entry `index` to 6-bit `r`, `g`, `b` through ports 0x3C8/0x3C9.
    void dac_write(uint8_t index, uint8_t r, uint8_t g, uint8_t b) {
        vga.write(VgaRegisters::kDacWriteIndex, std::span(&index, 1));
        for (uint8_t component : {r, g, b})
            vga.write(VgaRegisters::kDacData, std::span(&component, 1));
    }

    TextSnapshot screen;
    VgaRegisters vga;
    TextRenderer renderer;
    Surface surface;
    std::vector<Rect> changed;
};

TEST_F(TextRendererTest, FirstDrawIs720x400AndReportsEverything) {
    draw();
    EXPECT_EQ(surface.width, 720u);
    EXPECT_EQ(surface.height, 400u);
    EXPECT_EQ(changed, (std::vector<Rect>{{0, 0, 720, 400}}));
    EXPECT_EQ(surface.at(719, 399), kBlack);  // a blank 0x20 on 0x07 cell
}

TEST_F(TextRendererTest, GlyphPixelsAndColours) {
    set(1, 2, 'A', 0x1f);  // white on blue
    draw();
    const uint32_t x0 = 2 * 9, y0 = 1 * 16;
    // 'A' row 2 is 0x10: only column 3 set. Row 7 is 0xFE: columns 0-6.
    for (uint32_t x = 0; x < 9; ++x) {
        EXPECT_EQ(surface.at(x0 + x, y0 + 2), x == 3 ? kWhite : kBlue) << x;
        EXPECT_EQ(surface.at(x0 + x, y0 + 7), x < 7 ? kWhite : kBlue) << x;
    }
    EXPECT_EQ(surface.at(x0, y0), kBlue);
    EXPECT_EQ(surface.at(x0 - 1, y0 + 7), kBlack);  // the cell to the left
}

TEST_F(TextRendererTest, NinthColumnRepeatsTheEighthOnlyForLineGraphics) {
    set(0, 0, 0xc4, 0x07);  // ─ : 0xFF on scan line 7
    set(0, 1, 0xdb, 0x07);  // █ : C0-DF, every line
    set(0, 2, 0xb0, 0x07);  // ░ : below C0, its 9th column stays background
    draw();
    EXPECT_EQ(surface.at(8, 7), kLightGrey);
    EXPECT_EQ(surface.at(8, 6), kBlack);
    EXPECT_EQ(surface.at(9 + 8, 0), kLightGrey);
    for (uint32_t y = 0; y < 16; ++y) EXPECT_EQ(surface.at(18 + 8, y), kBlack) << y;

    attribute_write(VgaRegisters::kAttributeModeControl, 0x08);  // line graphics off
    draw();
    EXPECT_EQ(surface.at(8, 7), kBlack);
    EXPECT_EQ(surface.at(9 + 8, 0), kBlack);
    EXPECT_EQ(changed, (std::vector<Rect>{{0, 0, 18, 16}}));
}

TEST_F(TextRendererTest, AttributePaletteSendsSixToBrown) {
    set(0, 0, 0xdb, 0x06);  // attribute colour 6 -> AR06 = 0x14 -> DAC 0x14, brown
    set(0, 1, 0xdb, 0x0e);  // 14 -> AR0E = 0x3E -> yellow
    draw();
    EXPECT_EQ(surface.at(0, 0), kBrown);
    EXPECT_EQ(surface.at(9, 0), kYellow);
}

TEST_F(TextRendererTest, DacAndPaletteChangesRedrawTheCellsUsingThem) {
    set(3, 4, 0xdb, 0x01);
    draw();
    EXPECT_EQ(surface.at(4 * 9, 3 * 16), kBlue);
    dac_write(0x01, 0x3f, 0x00, 0x20);  // DAC 1: 6-bit 0x20 -> 0x20 * 255 / 63 = 129
    draw();
    EXPECT_EQ(surface.at(4 * 9, 3 * 16), xrgb(0xff, 0, 129));
    EXPECT_EQ(changed, (std::vector<Rect>{{36, 48, 9, 16}}));
    attribute_write(0x01, 0x3f);  // colour 1 now shows DAC entry 0x3F, white
    draw();
    EXPECT_EQ(surface.at(4 * 9, 3 * 16), kWhite);
}

TEST_F(TextRendererTest, BlinkHidesTheForegroundInTheOffPhase) {
    set(0, 0, 0xdb, 0x8f);  // blinking white █ on black (bit 7 = blink, not background 8)
    draw(TextPhase{.cursor_on = true, .blink_on = true});
    EXPECT_EQ(surface.at(0, 0), kWhite);
    draw(TextPhase{.cursor_on = true, .blink_on = false});
    EXPECT_EQ(surface.at(0, 0), kBlack);
    EXPECT_EQ(changed, (std::vector<Rect>{{0, 0, 9, 16}}));

    screen.blink_enabled = false;  // AR10 bit 3 clear: bit 7 is the bright background
    set(0, 0, 0x20, 0x8f);
    draw(TextPhase{.cursor_on = true, .blink_on = false});
    EXPECT_EQ(surface.at(0, 0), kDarkGrey);
}

TEST_F(TextRendererTest, CursorFillsItsScanLinesInTheForegroundWhenOn) {
    set(12, 40, 'A', 0x1e);  // yellow on blue
    screen.cursor_visible = true;
    screen.cursor_row = 12;
    screen.cursor_column = 40;
    draw(TextPhase{.cursor_on = true, .blink_on = true});
    const uint32_t x0 = 40 * 9, y0 = 12 * 16;
    // Mode 3: CR0A = 0x0D, CR0B = 0x0E, scan lines 13 and 14, across all 9 columns.
    for (uint32_t x = 0; x < 9; ++x) {
        EXPECT_EQ(surface.at(x0 + x, y0 + 12), kBlue);
        EXPECT_EQ(surface.at(x0 + x, y0 + 13), kYellow);
        EXPECT_EQ(surface.at(x0 + x, y0 + 14), kYellow);
        EXPECT_EQ(surface.at(x0 + x, y0 + 15), kBlue);
    }
    draw(TextPhase{.cursor_on = false, .blink_on = true});
    EXPECT_EQ(surface.at(x0, y0 + 13), kBlue);
    EXPECT_EQ(changed, (std::vector<Rect>{{x0, y0, 9, 16}}));

    screen.cursor_visible = false;
    draw(TextPhase{.cursor_on = true, .blink_on = true});
    EXPECT_EQ(surface.at(x0, y0 + 13), kBlue);
    EXPECT_TRUE(changed.empty());
}

TEST_F(TextRendererTest, ReportsChangedCellsMergedPerRow) {
    draw();
    draw();
    EXPECT_TRUE(changed.empty());
    set(2, 10, 'x', 0x07);
    set(2, 11, 'y', 0x07);
    set(2, 13, 'z', 0x07);
    set(24, 79, 'w', 0x07);
    draw();
    EXPECT_EQ(changed, (std::vector<Rect>{{90, 32, 18, 16}, {117, 32, 9, 16}, {711, 384, 9, 16}}));
    renderer.invalidate();
    draw();
    EXPECT_EQ(changed, (std::vector<Rect>{{0, 0, 720, 400}}));
}

TEST_F(TextRendererTest, EightDotCellsMake640x400AndRedrawEverything) {
    draw();
    const uint8_t index = 0x01;
    vga.write(VgaRegisters::kSequencerIndex, std::span(&index, 1));
    const uint8_t eight_dots = 0x01;
    vga.write(VgaRegisters::kSequencerData, std::span(&eight_dots, 1));
    draw();
    EXPECT_EQ(surface.width, 640u);
    EXPECT_EQ(changed, (std::vector<Rect>{{0, 0, 640, 400}}));
}

TEST(TextPhase, FollowsTheVgaFrameCounts) {
    EXPECT_EQ(TextPhase::at_frame(0), (TextPhase{true, true}));
    EXPECT_EQ(TextPhase::at_frame(15), (TextPhase{true, true}));
    EXPECT_EQ(TextPhase::at_frame(16), (TextPhase{false, true}));
    EXPECT_EQ(TextPhase::at_frame(32), (TextPhase{true, false}));
    EXPECT_EQ(TextPhase::at_frame(63), (TextPhase{false, false}));
    EXPECT_EQ(TextPhase::at_frame(64), (TextPhase{true, true}));
}

}  // namespace
}  // namespace svm
