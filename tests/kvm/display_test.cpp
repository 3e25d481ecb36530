// The VGA text screen end to end (label `kvm`): guest/pc/display/kernel.c, a Bare Bones style
// Multiboot 1 kernel, writes the screen at 0xB8000 and moves the cursor through the CRTC; svm
// writes the final screen with --screen-text and prints it on stderr when the run ends.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

class Display : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

std::string fmt_line(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "line %02d", i);
    return buf;
}

// The screen the kernel leaves (see the comment at the top of guest/pc/display/kernel.c).
std::vector<std::string> expected_screen() {
    std::vector<std::string> lines = {"svm VGA text test: Hello, kernel World!", "╔═══════╗",
                                      "║ ░▒▓█ ☺ ║", "╚═══════╝"};
    for (int i = 1; i <= 20; ++i) lines.push_back(fmt_line(i));
    lines.push_back("cursor ok");
    return lines;
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(all, line)) lines.push_back(line);
    return lines;
}

TEST_F(Display, ScreenTextFileHasTheFinalScreenLineByLine) {
    char path[] = "/tmp/svm-screen-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    auto r = run_svm({"--screen-text", path, guest("vga_text.elf")});
    EXPECT_EQ(r.exit_code, 33) << r.err;  // isa-debug-exit 0x10
    auto lines = read_lines(path);
    std::remove(path);
    ASSERT_EQ(lines.size(), 25u);
    auto want = expected_screen();
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(lines[i], want[i]) << "row " << i;
    // The kernel writes nothing to serial.
    EXPECT_EQ(r.out, "");
}

TEST_F(Display, ScreenIsPrintedWhenTheRunEndsWithoutOptions) {
    auto r = run_svm({guest("vga_text.elf")});
    EXPECT_EQ(r.exit_code, 33) << r.err;
    std::string want = "svm: the guest's VGA text screen (80x25) when the run ended:\n";
    for (const auto& line : expected_screen()) want += "| " + line + "\n";
    want += "svm: (end of screen; cursor at row 25, column 10)\n";
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");  // stdout stays the serial console
}

TEST_F(Display, DisplayNoneShowsNothing) {
    auto r = run_svm({"--display", "none", guest("vga_text.elf")});
    EXPECT_EQ(r.exit_code, 33) << r.err;
    EXPECT_EQ(r.err.find("VGA text screen"), std::string::npos) << r.err;
}

TEST_F(Display, AGuestThatNeverWritesTheScreenPrintsNothing) {
    auto r = run_svm({guest("elf64.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("VGA text screen"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace svm::test
