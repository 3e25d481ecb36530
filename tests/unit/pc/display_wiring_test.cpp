// The display family wired into a PcHarness (core/machine/pc/display.cpp): the VGA ports on the
// bus, the text buffer in guest RAM, the machine-table entry, --screen-text and the decision to
// print the screen when the run ends.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "devices/display/text_screen.h"
#include "tests/unit/pc/pc_harness.h"

namespace svm::test {
namespace {

constexpr uint64_t kText = 0xb8000;

// A temporary file name that is removed when the test ends.
class TempPath {
public:
    TempPath() {
        char name[] = "/tmp/svm-screen-XXXXXX";
        int fd = mkstemp(name);
        EXPECT_GE(fd, 0);
        close(fd);
        path_ = name;
    }
    ~TempPath() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    std::string text = all.str();
    std::vector<std::string> lines;
    size_t at = 0;
    for (size_t nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
        lines.push_back(text.substr(at, nl - at));
    EXPECT_EQ(at, text.size()) << "the file must end with a newline";
    return lines;
}

void put(PcHarness& pc, int row, int column, std::string_view text, uint8_t attribute = 0x07) {
    for (size_t i = 0; i < text.size(); ++i) {
        uint64_t cell = static_cast<uint64_t>(row * 80 + column) + i;
        uint8_t bytes[2] = {static_cast<uint8_t>(text[i]), attribute};
        ASSERT_TRUE(pc.memory().write(kText + 2 * cell, bytes).has_value());
    }
}

void set_cursor(PcHarness& pc, uint16_t cell) {
    pc.outw(0x3d4, static_cast<uint16_t>((cell & 0xff00) | 0x0e));
    pc.outw(0x3d4, static_cast<uint16_t>((cell & 0xff) << 8 | 0x0f));
}

MachineConfig config_with(std::string display, std::optional<std::string> screen_text = {}) {
    MachineConfig config;
    config.display = std::move(display);
    config.screen_text_path = std::move(screen_text);
    return config;
}

TEST(DisplayWiring, PortsEntryAndBlankScreen) {
    PcHarness pc(config_with("none"));
    PcDevices out;
    ASSERT_TRUE(add_display(pc.ctx(), out).has_value());
    ASSERT_NE(out.text_screen, nullptr);
    for (uint16_t port = 0x3c0; port < 0x3e0; ++port) EXPECT_TRUE(pc.claimed(port)) << port;
    EXPECT_FALSE(pc.claimed(0x3bf));
    EXPECT_FALSE(pc.claimed(0x3e0));
    // The buffer starts as a BIOS leaves it: blank cells, light grey on black.
    EXPECT_EQ(pc.memory().read_obj<uint16_t>(kText).value(), 0x0720);
    EXPECT_EQ(pc.memory().read_obj<uint16_t>(kText + 3998).value(), 0x0720);
    EXPECT_EQ(pc.memory().read_obj<uint16_t>(kText + 4000).value(), 0);
    // The VGA text screen, then the display adapter (framebuffer_wiring_test.cpp).
    ASSERT_EQ(pc.entries().size(), 2u);
    EXPECT_EQ(pc.entries()[1].type, SVM_DEV_DISPLAY);
    const svm_device& e = pc.entries()[0];
    EXPECT_EQ(e.type, SVM_DEV_VGA_TEXT);
    EXPECT_EQ(e.io_base, 0x3c0);
    EXPECT_EQ(e.io_size, 0x20);
    EXPECT_EQ(e.mmio_base, 0xb8000u);
    EXPECT_EQ(e.mmio_size, 4000u);
    EXPECT_EQ(e.irq, SVM_IRQ_NONE);
}

TEST(DisplayWiring, ContentAlreadyLoadedThereIsKept) {
    PcHarness pc(config_with("none"));
    put(pc, 0, 0, "loaded with the kernel");
    PcDevices out;
    ASSERT_TRUE(add_display(pc.ctx(), out).has_value());
    EXPECT_EQ(pc.memory().read_obj<uint8_t>(kText).value(), 'l');
    EXPECT_EQ(pc.memory().read_obj<uint16_t>(kText + 3998).value(), 0);  // not blanked
    EXPECT_FALSE(out.text_screen->was_written());
}

TEST(DisplayWiring, ScreenTextFileLineByLine) {
    TempPath file;
    PcHarness pc(config_with("none", file.path()));
    PcDevices out;
    ASSERT_TRUE(add_display(pc.ctx(), out).has_value());
    put(pc, 0, 0, "svm text screen test", 0x1f);
    put(pc, 1, 2, "\xc9\xcd\xcd\xbb");  // ╔══╗
    put(pc, 24, 70, "last row  ");
    set_cursor(pc, 3 * 80 + 4);
    EXPECT_EQ(out.text_screen->snapshot().cursor_row, 3);
    pc.end_run(RunOutcome{RunOutcome::Kind::GuestExit, 0, "exit", ""});
    auto lines = read_lines(file.path());
    ASSERT_EQ(lines.size(), 25u);
    EXPECT_EQ(lines[0], "svm text screen test");
    EXPECT_EQ(lines[1], "  ╔══╗");
    for (int i = 2; i < 24; ++i) EXPECT_EQ(lines[i], "") << i;
    EXPECT_EQ(lines[24], std::string(70, ' ') + "last row");
}

TEST(DisplayWiring, ScreenTextIsWrittenHoweverTheRunEnds) {
    TempPath file;
    PcHarness pc(config_with("none", file.path()));
    PcDevices out;
    ASSERT_TRUE(add_display(pc.ctx(), out).has_value());
    put(pc, 5, 0, "before the timeout");
    pc.end_run(RunOutcome{RunOutcome::Kind::Timeout, 124, "timeout", ""});
    auto lines = read_lines(file.path());
    ASSERT_EQ(lines.size(), 25u);
    EXPECT_EQ(lines[5], "before the timeout");
}

TEST(DisplayWiring, UnwritableScreenTextFailsAtSetUp) {
    PcHarness pc(config_with("none", std::string("/nonexistent-dir/screen.txt")));
    PcDevices out;
    auto r = add_display(pc.ctx(), out);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("--screen-text"), std::string::npos);
}

TEST(DisplayWiring, AutoPrintsTheScreenAtTheEndOnlyIfTheGuestWroteIt) {
    {
        PcHarness pc(config_with("auto"));
        PcDevices out;
        ASSERT_TRUE(add_display(pc.ctx(), out).has_value());
        testing::internal::CaptureStderr();
        pc.end_run(RunOutcome{RunOutcome::Kind::Halted, 0, "halted", ""});
        EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
        EXPECT_EQ(pc.console_text(), "");
    }
    {
        PcHarness pc(config_with("auto"));
        PcDevices out;
        ASSERT_TRUE(add_display(pc.ctx(), out).has_value());
        put(pc, 0, 0, "Hello from VGA");
        put(pc, 2, 0, "\x01 \x03");
        set_cursor(pc, 2 * 80 + 3);
        testing::internal::CaptureStderr();
        pc.end_run(RunOutcome{RunOutcome::Kind::Halted, 0, "halted", ""});
        EXPECT_EQ(testing::internal::GetCapturedStderr(),
                  "svm: the guest's VGA text screen (80x25) when the run ended:\n"
                  "| Hello from VGA\n"
                  "|\n"
                  "| ☺ ♥\n"
                  "svm: (end of screen; cursor at row 3, column 4)\n");
        EXPECT_EQ(pc.console_text(), "");  // stdout stays the serial console
    }
}

TEST(DisplayWiring, NoneNeverPrints) {
    PcHarness pc(config_with("none"));
    PcDevices out;
    ASSERT_TRUE(add_display(pc.ctx(), out).has_value());
    put(pc, 0, 0, "written");
    testing::internal::CaptureStderr();
    pc.end_run(RunOutcome{RunOutcome::Kind::Halted, 0, "halted", ""});
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(DisplayWiring, TextWithoutATerminalFallsBackToPrintingAtTheEnd) {
    if (isatty(STDOUT_FILENO) || isatty(STDERR_FILENO)) GTEST_SKIP() << "runs under a terminal";
    PcHarness pc(config_with("text"));
    PcDevices out;
    testing::internal::CaptureStderr();
    ASSERT_TRUE(add_display(pc.ctx(), out).has_value());
    pc.end_run(RunOutcome{RunOutcome::Kind::Halted, 0, "halted", ""});
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("--display text needs a terminal"), std::string::npos) << err;
    EXPECT_NE(err.find("VGA text screen (80x25) when the run ended"), std::string::npos) << err;
}

TEST(DisplayWiring, VgaPortsDriveTheModel) {
    PcHarness pc(config_with("none"));
    PcDevices out;
    ASSERT_TRUE(add_display(pc.ctx(), out).has_value());
    set_cursor(pc, 0x0123);
    pc.outb(0x3d4, 0x0e);
    EXPECT_EQ(pc.inb(0x3d5), 0x01);
    pc.outb(0x3d4, 0x0f);
    EXPECT_EQ(pc.inb(0x3d5), 0x23);
    EXPECT_EQ(pc.inb(0x3cc), 0x67);
    uint8_t a = pc.inb(0x3da), b = pc.inb(0x3da), c = pc.inb(0x3da), d = pc.inb(0x3da);
    EXPECT_EQ((a | b | c | d) & 0x08, 0x08);  // retrace shows up within four reads
    EXPECT_EQ((a & b & c & d) & 0x08, 0x00);  // and ends again
    auto s = out.text_screen->snapshot();
    EXPECT_EQ(s.cursor_row, 0x123 / 80);
    EXPECT_EQ(s.cursor_column, 0x123 % 80);
}

}  // namespace
}  // namespace svm::test
