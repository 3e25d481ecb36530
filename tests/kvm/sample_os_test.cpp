// `svm` with no kernel boots the built-in sample OS (core/sample_os/, guest/os/) and its shell
// answers on COM1: the first thing README command 1 shows a new user.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/display/png_writer.h"
#include "svm_process.h"

namespace svm::test {
namespace {

class SampleOs : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

TEST_F(SampleOs, SvmWithoutAKernelBootsItsShell) {
    auto r = run_svm({}, "help\nticks\nps\nls\ncat README.txt\nrandom\nexit 3\n", 120);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("no kernel given: booting the built-in sample OS"), std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("svm-os> "), std::string::npos) << r.out;
    for (const char* command : {"help", "mem", "ps", "ticks", "uptime", "cpus", "crash", "exit",
                                "shutdown", "reboot"})
        EXPECT_NE(r.out.find(std::string("  ") + command), std::string::npos) << command;
    EXPECT_NE(r.out.find("idle"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("counter"), std::string::npos) << r.out;
    // The embedded disk (guest/os/disk/) through virtio-blk, and the entropy device.
    EXPECT_NE(r.out.find("README.txt"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("motd.txt"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("no disk"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("no entropy"), std::string::npos) << r.out;
}

TEST_F(SampleOs, ShutdownPowersOffWithExitCode0) {
    auto r = run_svm({}, "shutdown\n", 120);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("guest powered off"), std::string::npos) << r.err;
}

// The OS reports its own page fault and halts with interrupts off: svm ends the run as a guest
// that halted for good (exit 113) and says so.
TEST_F(SampleOs, CrashIsReportedAndTheRunEnds) {
    auto r = run_svm({}, "crash\n", 120);
    EXPECT_NE(r.out.find("*** page fault: cr2 0x00000dead0000000"), std::string::npos) << r.out;
    EXPECT_EQ(r.exit_code, 113) << r.err;
}

// A fresh path for a screenshot.
std::string temp_png() {
    char path[] = "/tmp/svm-os-shot-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    return path;
}

// The text of the OS's framebuffer console in `png`, one string per row of 8x16 cells, read by
// tests/tools/screen_text.py with the OS's own font (guest/os-font.psf), as qemu.os.screen does.
std::vector<std::string> screen_lines(const std::string& png) {
    auto r = run_process({"python3", std::string(SVM_SOURCE_DIR) + "/tests/tools/screen_text.py",
                          "--font", guest("os-font.psf"), png});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
    for (const auto& l : lines)
        if (l == line) return true;
    return false;
}

// The framebuffer console and the PS/2 keyboard (guest/os/fbcon.c, keyboard.c): commands typed
// on stdin reach the shell as key presses (--stdin keyboard, held until the OS enables the
// keyboard), and the screenshot at the end shows the prompt, the commands and their output.
TEST_F(SampleOs, KeyboardInputAndItsOutputAreOnTheFramebufferConsole) {
    std::string png = temp_png();
    auto r = run_svm({"--stdin", "keyboard", "--screenshot", png}, "ticks\nexit 3\n", 120);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.out.find("svm-os: framebuffer console 1024x768x32 at 0xfd000000"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("svm-os: PS/2 keyboard on I/O APIC pin"), std::string::npos) << r.out;
    auto shot = read_png(png);
    ASSERT_TRUE(shot) << shot.error().message;
    EXPECT_EQ(shot->width, 1024u);
    EXPECT_EQ(shot->height, 768u);
    auto lines = screen_lines(png);
    std::remove(png.c_str());
    std::string screen;
    for (const auto& l : lines) screen += l + "\n";
    EXPECT_TRUE(has(lines, "svm-os> ticks")) << screen;
    EXPECT_TRUE(has(lines, "svm-os> exit 3")) << screen;
    EXPECT_TRUE(has(lines, "exit: code 3")) << screen;
    // The same ticks line as on COM1.
    size_t at = r.out.find("\nticks: ");
    ASSERT_NE(at, std::string::npos) << r.out;
    std::string ticks = r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
    if (!ticks.empty() && ticks.back() == '\r') ticks.pop_back();
    EXPECT_TRUE(has(lines, ticks)) << ticks << " not on the screen:\n" << screen;
}

// `draw 60` is still showing when --timeout ends the run: the screenshot has the demo (the
// gradient has thousands of colours) and its caption.
TEST_F(SampleOs, DrawFillsTheScreenWithColours) {
    std::string png = temp_png();
    auto r =
        run_svm({"--stdin", "keyboard", "--screenshot", png, "--timeout", "15"}, "draw 60\n", 120);
    EXPECT_EQ(r.exit_code, 124) << r.out << r.err;
    EXPECT_NE(r.out.find("draw: 1024x768 gradient, Mandelbrot set"), std::string::npos) << r.out;
    auto shot = read_png(png);
    ASSERT_TRUE(shot) << shot.error().message;
    std::set<uint32_t> colours(shot->pixels.begin(), shot->pixels.end());
    EXPECT_GT(colours.size(), 10000u);
    auto lines = screen_lines(png);
    std::remove(png.c_str());
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0], "svm-os draw: a colour gradient and the Mandelbrot set");
}

}  // namespace
}  // namespace svm::test
