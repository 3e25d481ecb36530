// `svm` with no kernel boots the built-in sample OS (core/sample_os/, guest/os/) and its shell
// answers on COM1: the first thing README command 1 shows a new user.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/display/png_writer.h"
#include "svm_process.h"
#include "vnc_test_client.h"

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

// `ping 10.0.2.2` with svm's default user-mode network card: the OS's net thread gets its address
// by DHCP first (the test waits for that line, as a user would), then the gateway answers all four
// echo requests.
TEST_F(SampleOs, PingReachesTheUserNetworkGateway) {
    int input[2];
    ASSERT_EQ(pipe(input), 0);
    auto svm = SvmChild::start({"--timeout", "100"}, input[0]);
    close(input[0]);
    ASSERT_TRUE(svm);
    std::string out;
    ASSERT_TRUE(read_until(*svm, out, "net: address 10.0.2.15", 60)) << out;
    const std::string commands = "ping 10.0.2.2\nifconfig\nexit 0\n";
    ASSERT_EQ(write(input[1], commands.data(), commands.size()),
              static_cast<ssize_t>(commands.size()));
    for (std::string chunk; !(chunk = svm->read_out(4096)).empty();) out += chunk;
    close(input[1]);
    ProcessResult r = svm->wait(30);
    EXPECT_EQ(r.exit_code, 0) << out << r.err;
    EXPECT_NE(out.find("4 sent, 4 received, 0% loss"), std::string::npos) << out;
    EXPECT_NE(out.find("10.0.2.15"), std::string::npos) << out;
}

// With --cpus 4 the OS starts the three APs (INIT-SIPI-SIPI, guest/os/smp.c) and every CPU runs
// threads from the one run queue: `cpus`, typed once the shell has been up for 2 s, lists four
// online CPUs, each of which has run threads other than its idle thread.
TEST_F(SampleOs, WithFourCpusEveryCpuRunsThreads) {
    int in[2];
    ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
    auto child = SvmChild::start({"--cpus", "4"}, in[0]);
    close(in[0]);
    if (!child) close(in[1]);
    ASSERT_TRUE(child);
    std::string out;
    EXPECT_TRUE(read_until(*child, out, "svm-os> ", 120)) << out;
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const std::string input = "cpus\nexit 4\n";
    EXPECT_EQ(write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
    EXPECT_TRUE(read_until(*child, out, "exit: code 4", 120)) << out;
    close(in[1]);
    auto r = child->wait(60);
    EXPECT_EQ(r.exit_code, 4) << out << r.err;
    EXPECT_NE(out.find("svm-os: 4 CPUs online (APIC IDs "), std::string::npos) << out;
    // cpu I: apic A online|offline thread NAME load P% ran R ticks T (guest/os/kernel.h)
    const std::regex cpu_line(
        R"(^cpu (\d+): apic \d+ (online|offline) thread \S+ load \d+% ran (\d+) ticks \d+\r?$)");
    std::istringstream lines(out);
    std::string line;
    int cpus = 0;
    while (std::getline(lines, line)) {
        std::smatch m;
        if (!std::regex_match(line, m, cpu_line)) continue;
        ++cpus;
        EXPECT_EQ(m[2], "online") << line;
        EXPECT_GT(std::stoull(m[3]), 0u) << "cpu " << m[1] << " ran no thread but idle: " << line;
    }
    EXPECT_EQ(cpus, 4) << out;
    EXPECT_TRUE(out.find("4 of 4 cpus online") != std::string::npos) << out;
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

// `draw 60` is showing when svm is interrupted: the screenshot written as the run ends has the
// demo (the gradient has thousands of colours) and its caption. The test waits for draw's line
// on COM1, written once the picture is complete, however slowly the guest runs (KVM's emulator on
// nested hosts), then sends SIGINT, as Ctrl-C would.
TEST_F(SampleOs, DrawFillsTheScreenWithColours) {
    std::string png = temp_png();
    int in[2];
    ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
    auto child = SvmChild::start({"--stdin", "keyboard", "--screenshot", png}, in[0]);
    close(in[0]);
    if (!child) close(in[1]);
    ASSERT_TRUE(child);
    const std::string input = "draw 60\n";
    EXPECT_EQ(write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
    std::string out;
    EXPECT_TRUE(read_until(*child, out, "draw: 1024x768 gradient, Mandelbrot set", 240)) << out;
    kill(child->pid(), SIGINT);
    auto r = child->wait(60);
    close(in[1]);
    EXPECT_EQ(r.exit_code, 130) << out << r.err;
    auto shot = read_png(png);
    ASSERT_TRUE(shot) << shot.error().message;
    std::set<uint32_t> colours(shot->pixels.begin(), shot->pixels.end());
    EXPECT_GT(colours.size(), 10000u);
    auto lines = screen_lines(png);
    std::remove(png.c_str());
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0], "svm-os draw: a colour gradient and the Mandelbrot set");
}

// The same shell in a VNC viewer (svm --vnc): keys sent by the client reach the OS through the
// PS/2 keyboard, the answer appears on COM1, and the pixels the client receives show the typed
// command and its answer on the framebuffer console (read back with the OS's font).
TEST_F(SampleOs, VncViewerTypesACommandAndSeesTheAnswer) {
    int display = free_vnc_display();
    ASSERT_GT(display, 0);
    auto child = SvmChild::start({"--vnc", "127.0.0.1:" + std::to_string(display)});
    ASSERT_TRUE(child);
    std::string out;
    ASSERT_TRUE(read_until(*child, out, "svm-os> ", 120)) << out;
    VncClient vnc;
    ASSERT_TRUE(vnc.connect(display));
    vnc.pump(0.5);
    for (char c : std::string("uptime")) {
        SendKeyEvent(vnc.client, static_cast<uint32_t>(c), TRUE);  // X11 keysyms: ASCII
        SendKeyEvent(vnc.client, static_cast<uint32_t>(c), FALSE);
    }
    SendKeyEvent(vnc.client, 0xff0d, TRUE);  // Return
    SendKeyEvent(vnc.client, 0xff0d, FALSE);
    ASSERT_TRUE(read_until(*child, out, "uptime: ", 120)) << out;
    ASSERT_TRUE(read_until(*child, out, " ticks)", 120)) << out;
    const size_t at = out.find("uptime: ");
    std::string answer = out.substr(at, out.find('\n', at) - at);
    if (!answer.empty() && answer.back() == '\r') answer.pop_back();
    // Let the client receive the redrawn rows, then read its copy of the screen.
    SendFramebufferUpdateRequest(vnc.client, 0, 0, vnc.client->width, vnc.client->height, FALSE);
    vnc.pump(2.0);
    ASSERT_EQ(vnc.client->width, 1024);
    ASSERT_EQ(vnc.client->height, 768);
    Surface seen;
    seen.resize(1024, 768);
    for (uint32_t y = 0; y < 768; ++y)
        for (uint32_t x = 0; x < 1024; ++x) seen.pixels[y * 1024 + x] = vnc.pixel(x, y);
    const std::string png = temp_png();
    ASSERT_TRUE(write_png(png, seen));
    auto lines = screen_lines(png);
    std::remove(png.c_str());
    std::string screen;
    for (const auto& l : lines) screen += l + "\n";
    EXPECT_TRUE(has(lines, "svm-os> uptime")) << screen;
    EXPECT_TRUE(has(lines, answer)) << answer << " not on the screen:\n" << screen;
    kill(child->pid(), SIGINT);
    auto r = child->wait(30);
    EXPECT_EQ(r.exit_code, 130) << r.err;
}

}  // namespace
}  // namespace svm::test
