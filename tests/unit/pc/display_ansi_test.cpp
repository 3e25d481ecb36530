// The terminal renderer's bytes (core/machine/pc/display_ansi.h) and the end-of-run report
// (core/machine/pc/display_report.h).
#include "core/machine/pc/display_ansi.h"

#include <gtest/gtest.h>

#include "core/machine/pc/display_report.h"

namespace svm {
namespace {

TextSnapshot blank() {
    TextSnapshot s;
    s.cursor_visible = false;
    return s;
}

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(DisplayAnsi, EnterSetsTheScrollRegionBelowTheScreen) {
    EXPECT_EQ(ansi_enter(40), "\x1b[0m\x1b[2J\x1b[27;40r\x1b[27;1H");
}

TEST(DisplayAnsi, FirstFrameDrawsEveryRowAndTheStatusLine) {
    auto s = blank();
    std::string frame = ansi_frame(nullptr, s);
    EXPECT_TRUE(
        frame.starts_with("\x1b"
                          "7"));
    EXPECT_TRUE(
        frame.ends_with("\x1b"
                        "8"));
    for (int row = 1; row <= 25; ++row)
        EXPECT_NE(frame.find("\x1b[" + std::to_string(row) + ";1H"), std::string::npos) << row;
    EXPECT_NE(frame.find("\x1b[26;1H"), std::string::npos);
    EXPECT_NE(frame.find("console below"), std::string::npos);
    EXPECT_EQ(count(frame, "\x1b[0;37;40m"), 25u);  // light grey on black, once per row
}

TEST(DisplayAnsi, OnlyChangedRowsAreRedrawn) {
    auto before = blank();
    auto after = before;
    EXPECT_EQ(ansi_frame(&before, after), "");
    after.cells[3 * 80 + 1] = TextCell{'A', 0x1e};  // yellow on blue
    std::string frame = ansi_frame(&before, after);
    EXPECT_NE(frame.find("\x1b[4;1H"), std::string::npos);
    EXPECT_EQ(count(frame, ";1H"), 1u);
    EXPECT_NE(frame.find("\x1b[0;93;44mA"), std::string::npos) << frame;
}

TEST(DisplayAnsi, CursorCellIsReverseVideoAndMovingItRedrawsBothRows) {
    auto before = blank();
    before.cursor_visible = true;
    before.cursor_row = 2;
    before.cursor_column = 0;
    auto after = before;
    after.cursor_row = 5;
    std::string frame = ansi_frame(&before, after);
    EXPECT_NE(frame.find("\x1b[3;1H"), std::string::npos);
    EXPECT_NE(frame.find("\x1b[6;1H\x1b[0;37;40;7m \x1b[0;37;40m"), std::string::npos) << frame;
    EXPECT_EQ(count(frame, ";1H"), 2u);
}

TEST(DisplayAnsi, BlinkBoxDrawingAndLowGlyphs) {
    auto s = blank();
    s.cells[0] = TextCell{0xc4, 0x8c};  // ─ blinking light red on black
    s.cells[1] = TextCell{0x01, 0x07};  // ☺
    std::string frame = ansi_frame(nullptr, s);
    EXPECT_NE(frame.find("\x1b[0;91;40;5m─\x1b[0;37;40m☺"), std::string::npos) << frame;
}

TEST(DisplayAnsi, LeaveRestoresTheTerminal) {
    EXPECT_EQ(ansi_leave(),
              "\x1b"
              "7\x1b[r\x1b"
              "8\x1b[0m\r\n");
}

TEST(DisplayReport, HiddenCursorAndTrailingEmptyRowsLeftOut) {
    auto s = blank();
    s.cells[0] = TextCell{'o', 0x07};
    s.cells[1] = TextCell{'k', 0x07};
    EXPECT_EQ(final_screen_report(s),
              "svm: the guest's VGA text screen (80x25) when the run ended:\n"
              "| ok\n"
              "svm: (end of screen; cursor hidden)\n");
    // A VM of a set: its name in the header.
    EXPECT_EQ(final_screen_report(s, "db"),
              "svm: db: the guest's VGA text screen (80x25) when the run ended:\n"
              "| ok\n"
              "svm: (end of screen; cursor hidden)\n");
}

}  // namespace
}  // namespace svm
