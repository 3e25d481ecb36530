// The framebuffer end to end (label `kvm`): guest/pc/framebuffer/fb.c draws fb_pattern.h's picture
// on a Multiboot 2 framebuffer, a Multiboot 1 framebuffer and a Bochs VBE mode it sets itself;
// svm's --screenshot and a VNC client (libvncclient) must show exactly those pixels. The expected
// 16-bpp colours widen RGB565 by repeating the top bits, as QEMU's std VGA does (checked: the same
// fb_bga.elf under qemu-system-x86_64 -vga std gives a screendump equal to it pixel for pixel).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rfb/rfbclient.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "core/display/png_writer.h"
#include "pc/framebuffer/fb_pattern.h"
#include "svm_process.h"
#include "vnc_test_client.h"

namespace svm::test {
namespace {

class Framebuffer : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

std::string temp_png() {
    char path[] = "/tmp/svm-shot-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    return path;
}

uint32_t widen565(uint16_t v) {
    uint32_t r = (v >> 8) & 0xf8, g = (v >> 3) & 0xfc, b = (v << 3) & 0xf8;
    r |= r >> 5;
    g |= g >> 6;
    b |= b >> 5;
    return (r << 16) | (g << 8) | b;
}

uint32_t expected_pixel(uint32_t x, uint32_t y, uint32_t w, uint32_t h, int bpp) {
    return bpp == 16 ? widen565(fb_pattern_rgb565(x, y, w, h)) : fb_pattern_rgb(x, y, w, h);
}

// Counts pixels of `pixel(x, y)` (XRGB) that differ from the pattern; reports the first.
template <typename Pixel>
int count_mismatches(uint32_t w, uint32_t h, int bpp, Pixel pixel) {
    int bad = 0;
    for (uint32_t y = 0; y < h; ++y)
        for (uint32_t x = 0; x < w; ++x) {
            uint32_t got = pixel(x, y) & 0xffffff, want = expected_pixel(x, y, w, h, bpp);
            if (got != want && bad++ == 0)
                ADD_FAILURE() << "pixel (" << x << "," << y << ") is " << std::hex << got
                              << ", want " << want;
        }
    return bad;
}

void expect_screenshot(const std::string& kernel, const std::string& mode_line, uint32_t w,
                       uint32_t h, int bpp) {
    std::string png = temp_png();
    auto r = run_svm({"--screenshot", png, guest(kernel)});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_TRUE(has_line(r.out, mode_line)) << r.out;
    auto shot = read_png(png);
    std::remove(png.c_str());
    ASSERT_TRUE(shot) << shot.error().message;
    ASSERT_EQ(shot->width, w);
    ASSERT_EQ(shot->height, h);
    EXPECT_EQ(count_mismatches(w, h, bpp, [&](uint32_t x, uint32_t y) { return shot->at(x, y); }),
              0);
}

TEST_F(Framebuffer, Multiboot2FramebufferTagGivesTheModeAndTheScreenshotShowsIt) {
    expect_screenshot("fb_mb2.elf", "fb: 800x600x32 pitch 3200 at 0xfd000000", 800, 600, 32);
}

TEST_F(Framebuffer, Multiboot1VideoFlagGivesTheModeAndTheScreenshotShowsIt) {
    expect_screenshot("fb_mb1.elf", "fb: 640x480x32 pitch 2560 at 0xfd000000", 640, 480, 32);
}

TEST_F(Framebuffer, BochsVbeModeSetByTheGuestIsShownAt16Bpp) {
    expect_screenshot("fb_bga.elf", "fb: 320x240x16 pitch 640 at 0xfd000000", 320, 240, 16);
}

TEST_F(Framebuffer, TextScreenScreenshotIsTheVgaMode3Picture) {
    std::string png = temp_png();
    auto r = run_svm({"--screenshot", png, guest("vga_text.elf")});
    EXPECT_EQ(r.exit_code, 33) << r.err;
    auto shot = read_png(png);
    std::remove(png.c_str());
    ASSERT_TRUE(shot) << shot.error().message;
    // Mode 3: 80x25 cells of 9x16 pixels.
    ASSERT_EQ(shot->width, 720u);
    ASSERT_EQ(shot->height, 400u);
    // Row 0 holds text ("svm VGA text test: ..."): some pixels of its first cells are lit; the
    // empty right half of the last row is background only.
    int lit = 0;
    for (uint32_t y = 0; y < 16; ++y)
        for (uint32_t x = 0; x < 9 * 3; ++x) lit += (shot->at(x, y) & 0xffffff) != shot->at(719, 0);
    EXPECT_GT(lit, 20);
    for (uint32_t y = 384; y < 400; ++y)
        for (uint32_t x = 400; x < 720; ++x)
            ASSERT_EQ(shot->at(x, y) & 0xffffff, shot->at(719, 399) & 0xffffff) << x << "," << y;
}

TEST_F(Framebuffer, VncClientSeesTheGuestsPixelsAndTheHaltedScreenStays) {
    int display = free_vnc_display();
    ASSERT_GT(display, 0);
    auto child = SvmChild::start({"--vnc", "127.0.0.1:" + std::to_string(display), "--timeout",
                                  "120", "--cmdline", "halt", guest("fb_bga.elf")});
    ASSERT_TRUE(child);
    std::string out;
    ASSERT_TRUE(wait_for_line(*child, "fb: halting", out)) << out;
    // The guest halted for good, but svm keeps the screen up for the viewer.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    VncClient vnc;
    ASSERT_TRUE(vnc.connect(display));
    vnc.pump(2.0);
    ASSERT_EQ(vnc.client->width, 320);
    ASSERT_EQ(vnc.client->height, 240);
    EXPECT_EQ(
        count_mismatches(320, 240, 16, [&](uint32_t x, uint32_t y) { return vnc.pixel(x, y); }), 0);
    kill(child->pid(), SIGINT);
    auto r = child->wait(30);
    // The run ends with the halt's own outcome, not as interrupted.
    EXPECT_EQ(r.exit_code, 113) << r.err;
    EXPECT_NE(r.err.find("stays on VNC"), std::string::npos) << r.err;
}

TEST_F(Framebuffer, VncKeysReachTheGuestAsScanCodes) {
    int display = free_vnc_display();
    ASSERT_GT(display, 0);
    auto child = SvmChild::start({"--vnc", "127.0.0.1:" + std::to_string(display), "--timeout",
                                  "120", guest("kbd_echo.elf")});
    ASSERT_TRUE(child);
    std::string out;
    // Keys sent before the guest enabled the keyboard would wait for it; sending after "ready"
    // keeps the test to what it checks.
    ASSERT_TRUE(wait_for_line(*child, "kbd_echo: ready", out)) << out;
    VncClient vnc;
    ASSERT_TRUE(vnc.connect(display));
    vnc.pump(0.5);
    // 'a' (X11 keysym 0x61), Left Shift, then 'q' which ends the guest.
    for (uint32_t sym : {0x61u, 0xffe1u, 0x71u}) {
        SendKeyEvent(vnc.client, sym, TRUE);
        SendKeyEvent(vnc.client, sym, FALSE);
    }
    EXPECT_TRUE(wait_for_line(*child, "SUCCESS", out)) << out;
    auto r = child->wait(60);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // Set-1 codes, as the guest reads them through the i8042's translation: A make/break, Left
    // Shift make/break, then Q's make code ends the guest.
    expect_lines_in_order(
        out, {"scancode 0x1e", "scancode 0x9e", "scancode 0x2a", "scancode 0xaa", "scancode 0x10"});
}

TEST_F(Framebuffer, VncPointerReachesTheGuestAsPs2MousePackets) {
    int display = free_vnc_display();
    ASSERT_GT(display, 0);
    auto child = SvmChild::start({"--vnc", "127.0.0.1:" + std::to_string(display), "--timeout",
                                  "120", guest("mouse_echo.elf")});
    ASSERT_TRUE(child);
    std::string out;
    ASSERT_TRUE(wait_for_line(*child, "mouse_echo: ready", out)) << out;
    VncClient vnc;
    ASSERT_TRUE(vnc.connect(display));
    vnc.pump(0.3);
    // The first position only places the pointer; then 10 right and 5 up with the left button
    // down: flags 0x09 (bit 3 always set, bit 0 left), X +10, Y +5 (PS/2 counts up).
    SendPointerEvent(vnc.client, 100, 100, 0);
    SendPointerEvent(vnc.client, 110, 95, rfbButton1Mask);
    SendPointerEvent(vnc.client, 110, 95, 0);
    SendKeyEvent(vnc.client, 0x71, TRUE);  // q ends the guest
    SendKeyEvent(vnc.client, 0x71, FALSE);
    EXPECT_TRUE(wait_for_line(*child, "SUCCESS", out)) << out;
    auto r = child->wait(60);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has_line(out, "mouse 0x09 0x0a 0x05")) << out;
    EXPECT_TRUE(has_line(out, "mouse 0x08 0x00 0x00")) << out;  // the release
}

}  // namespace
}  // namespace svm::test
