// The display adapter wired into a PcHarness (core/machine/pc/display.cpp add_framebuffer): the
// Bochs VBE ports, the std VGA PCI function a kernel's PCI scan finds, the framebuffer behind
// BAR0 (on the harness's MMIO bus instead of a KVM memory slot, with the pages written recorded
// as KVM's dirty log records them), the screen viewers see, --screenshot, a Multiboot mode set
// before the first instruction, and a VNC viewer (libvncclient) looking at it. Everything a
// guest does here it does through ports and MMIO, as fb_bga.elf does on a real machine.
#include <rfb/rfbclient.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/display/display_hub.h"
#include "core/display/png_writer.h"
#include "core/display/std_vga_screen.h"
#include "core/display/vnc_endpoint.h"
#include "core/display/vnc_server.h"
#include "core/loader/video_mode.h"
#include "core/machine/pc/pc_layout.h"
#include "pc/framebuffer/fb_pattern.h"
#include "tests/unit/pc/pc_harness.h"

namespace svm::test {
namespace {

constexpr uint64_t kLfb = 0xfd000000;

struct Wired {
    PcHarness pc;
    PcDevices out;
    explicit Wired(MachineConfig config = {}, std::optional<VideoMode> video = std::nullopt)
        : pc(std::move(config)) {
        pc.ctx().boot_video = video;
        EXPECT_TRUE(add_platform_devices(pc.ctx(), out).has_value());
        auto r = add_display(pc.ctx(), out);
        EXPECT_TRUE(r.has_value()) << r.error().message;
    }
    uint32_t pci_read(uint32_t device, uint32_t offset) {
        pc.outl(0xcf8, 0x80000000u | device << 11 | offset);
        return pc.inl(0xcfc);
    }
    void pci_write(uint32_t device, uint32_t offset, uint32_t value) {
        pc.outl(0xcf8, 0x80000000u | device << 11 | offset);
        pc.outl(0xcfc, value);
    }
    void vbe(uint16_t index, uint16_t value) {
        pc.outw(0x1ce, index);
        pc.outw(0x1cf, value);
    }
    uint16_t vbe_read(uint16_t index) {
        pc.outw(0x1ce, index);
        return pc.inw(0x1cf);
    }
    // What fb_bga.elf does: 320x240 at `bpp`, then the pattern written pixel by pixel.
    void draw_pattern(uint32_t w, uint32_t h) {
        vbe(4, 0);
        vbe(1, static_cast<uint16_t>(w));
        vbe(2, static_cast<uint16_t>(h));
        vbe(3, 32);
        vbe(4, 0x41);
        for (uint32_t y = 0; y < h; ++y)
            for (uint32_t x = 0; x < w; ++x)
                pc.mmio_write(kLfb + (uint64_t{y} * w + x) * 4, fb_pattern_rgb(x, y, w, h), 4);
    }
};

int mismatches(const Surface& s, uint32_t w, uint32_t h) {
    int bad = 0;
    for (uint32_t y = 0; y < h; ++y)
        for (uint32_t x = 0; x < w; ++x)
            bad += (s.at(x, y) & 0xffffff) != fb_pattern_rgb(x, y, w, h);
    return bad;
}

TEST(FramebufferWiring, PciScanFindsTheStdVgaWithTheFramebufferAtBar0) {
    Wired m;
    EXPECT_EQ(m.pci_read(2, 0x00), 0x11111234u);  // QEMU's std VGA, as fb_bga.elf looks for it
    EXPECT_EQ(m.pci_read(2, 0x08) >> 8, 0x030000u);
    EXPECT_EQ(m.pci_read(2, 0x10) & ~0xfu, kLfb);
    // Ports and the machine-table entry.
    EXPECT_EQ(m.vbe_read(0), 0xb0c5);
    bool listed = false;
    for (const auto& d : m.pc.entries())
        if (d.type == SVM_DEV_DISPLAY) {
            listed = true;
            EXPECT_EQ(d.io_base, 0x1ce);
            EXPECT_EQ(d.io_size, 3);
            EXPECT_EQ(d.mmio_base, kLfb);
            EXPECT_EQ(d.mmio_size, 16u << 20);
        }
    EXPECT_TRUE(listed);
}

TEST(FramebufferWiring, TextUntilTheGuestEnablesAModeThenTheFramebuffer) {
    Wired m;
    ASSERT_TRUE(m.out.screen);
    Surface s;
    std::vector<Rect> changed;
    m.out.screen->refresh(s, changed);
    EXPECT_EQ(s.width, 720u);  // VGA text, mode 3
    EXPECT_EQ(s.height, 400u);
    m.draw_pattern(320, 240);
    changed.clear();
    m.out.screen->refresh(s, changed);
    ASSERT_EQ(s.width, 320u);
    ASSERT_EQ(s.height, 240u);
    EXPECT_EQ(mismatches(s, 320, 240), 0);
    ASSERT_FALSE(changed.empty());
    EXPECT_EQ(changed.front(), (Rect{0, 0, 320, 240}));

    // Nothing written: nothing to send. One pixel on row 100: only the rows of its page.
    changed.clear();
    m.out.screen->refresh(s, changed);
    EXPECT_TRUE(changed.empty());
    m.pc.mmio_write(kLfb + (100 * 320 + 7) * 4, 0x00abcdef, 4);
    m.out.screen->refresh(s, changed);
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_LE(changed[0].y, 100u);
    EXPECT_GT(changed[0].y + changed[0].height, 100u);
    EXPECT_LE(changed[0].height, 4096u / (320 * 4) + 2);
    EXPECT_EQ(s.at(7, 100) & 0xffffff, 0xabcdefu);

    // Disabling the mode brings the text screen back.
    m.vbe(4, 0);
    changed.clear();
    m.out.screen->refresh(s, changed);
    EXPECT_EQ(s.width, 720u);
}

TEST(FramebufferWiring, MovingBar0MovesTheFramebufferAndDecodingOffUnmapsIt) {
    Wired m;
    auto& memory = m.pc.device_memory().at(kLfb);
    // Sizing with decoding off (Linux pci_read_bases): the mapping goes away, then comes back.
    m.pci_write(2, 0x04, 0x0001);
    m.pci_write(2, 0x10, 0xffffffff);
    EXPECT_EQ(m.pci_read(2, 0x10), 0xff000008u);  // 16 MiB, prefetchable memory
    m.pci_write(2, 0x10, 0xe0000000);
    m.pci_write(2, 0x04, 0x0003);
    ASSERT_FALSE(memory->moves.empty());
    EXPECT_EQ(memory->moves.front(), std::nullopt);
    EXPECT_EQ(memory->moves.back(), std::optional<uint64_t>(0xe0000000));
}

TEST(FramebufferWiring, MultibootModeIsSetBeforeTheFirstInstruction) {
    VideoMode video{VideoMode::Kind::Linear, 800, 600, 32, 3200, kLfb};
    Wired m({}, video);
    EXPECT_EQ(m.vbe_read(1), 800);
    EXPECT_EQ(m.vbe_read(2), 600);
    EXPECT_EQ(m.vbe_read(3), 32);
    EXPECT_EQ(m.vbe_read(4) & 0x41, 0x41);
    EXPECT_TRUE(m.out.screen->graphics());
    Surface picture = m.out.screen->picture();
    EXPECT_EQ(picture.width, 800u);
    EXPECT_EQ(picture.height, 600u);
}

TEST(FramebufferWiring, Multiboot8BppModeLoadsThePaletteTheBootInformationLists) {
    VideoMode video{VideoMode::Kind::Linear, 640, 480, 8, 640, kLfb};
    Wired m({}, video);
    EXPECT_EQ(m.vbe_read(3), 8);
    const auto& palette = vga_default_palette();
    // Entry 1 (blue) and 255 read back through the DAC ports as 6-bit values.
    for (int index : {1, 40, 255}) {
        m.pc.outb(0x3c7, static_cast<uint8_t>(index));
        EXPECT_EQ(m.pc.inb(0x3c9), palette[index].red >> 2) << index;
        EXPECT_EQ(m.pc.inb(0x3c9), palette[index].green >> 2) << index;
        EXPECT_EQ(m.pc.inb(0x3c9), palette[index].blue >> 2) << index;
    }
    // A pixel of colour 1 shows as the palette says.
    m.pc.mmio_write(kLfb + 5, 1, 1);
    Surface s = m.out.screen->picture();
    const uint32_t blue = s.at(5, 0) & 0xff;
    EXPECT_GE(blue, (palette[1].blue & 0xfc));
    EXPECT_EQ(s.at(5, 0) >> 16 & 0xff, palette[1].red & 0xfc);
}

TEST(FramebufferWiring, ScreenshotIsWrittenAtSetUpAndWhenTheRunEnds) {
    char name[] = "/tmp/svm-fb-XXXXXX";
    int fd = mkstemp(name);
    close(fd);
    MachineConfig config;
    config.screenshot_path = name;
    Wired m(config);
    auto first = read_png(name);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->width, 720u);  // the blank text screen
    m.draw_pattern(320, 240);
    m.pc.end_run(RunOutcome{RunOutcome::Kind::Halted, 113, "halted", ""});
    auto shot = read_png(name);
    std::remove(name);
    ASSERT_TRUE(shot) << shot.error().message;
    ASSERT_EQ(shot->width, 320u);
    ASSERT_EQ(shot->height, 240u);
    EXPECT_EQ(mismatches(*shot, 320, 240), 0);
}

TEST(FramebufferWiring, UnwritableScreenshotFailsAtSetUp) {
    MachineConfig config;
    config.screenshot_path = "/nonexistent-dir/shot.png";
    PcHarness pc(config);
    PcDevices out;
    auto r = add_display(pc.ctx(), out);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("--screenshot"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("/nonexistent-dir/shot.png"), std::string::npos);
}

TEST(FramebufferWiring, VncViewerSeesWhatTheGuestDrewThroughTheHub) {
    Wired m;
    auto hub = std::make_shared<DisplayHub>();
    hub->attach(m.out.screen, {});
    auto endpoint = parse_vnc_endpoint("127.0.0.1:0");
    ASSERT_TRUE(endpoint);
    endpoint->port = 0;
    auto server = VncServer::create(*endpoint, *hub, hub->input());
    ASSERT_TRUE(server) << server.error().message;
    m.draw_pattern(320, 240);

    rfbEnableClientLogging = FALSE;
    rfbClient* client = rfbGetClient(8, 3, 4);
    client->serverHost = strdup("127.0.0.1");
    client->serverPort = (*server)->port();
    // XRGB8888 as svm's Surface holds it (libvncclient's default puts red in the low byte).
    client->format.redShift = 16;
    client->format.greenShift = 8;
    client->format.blueShift = 0;
    client->appData.enableJPEG = FALSE;  // lossless encodings only: pixels are compared exactly
    ASSERT_TRUE(rfbInitClient(client, nullptr, nullptr));
    // Handle messages until the whole picture arrived (or 10 s).
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    Surface seen;
    while (std::chrono::steady_clock::now() < until) {
        SendFramebufferUpdateRequest(client, 0, 0, client->width, client->height, TRUE);
        if (WaitForMessage(client, 100000) > 0 && !HandleRFBServerMessage(client)) break;
        if (client->width != 320 || client->height != 240) continue;
        seen.resize(320, 240);
        auto* p = reinterpret_cast<const uint32_t*>(client->frameBuffer);
        for (uint32_t i = 0; i < 320 * 240; ++i) seen.pixels[i] = p[i] & 0xffffff;
        if (mismatches(seen, 320, 240) == 0) break;
    }
    EXPECT_EQ(client->width, 320);
    EXPECT_EQ(client->height, 240);
    EXPECT_EQ(mismatches(seen, 320, 240), 0);
    rfbClientCleanup(client);
    (*server)->stop();
    hub->detach();
}

}  // namespace
}  // namespace svm::test
