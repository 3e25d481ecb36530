// choose_video_mode: the mode a Multiboot kernel's video request gets on svm's Bochs VBE adapter,
// and the pixel formats and palette Multiboot describes it with.
#include "core/loader/video_mode.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

using Kind = VideoMode::Kind;

TEST(ChooseVideoMode, ExactModeThatFitsIsKept) {
    VideoMode mode = choose_video_mode(800, 600, 16, false, DisplayCaps{});
    EXPECT_EQ(mode.kind, Kind::Linear);
    EXPECT_EQ(mode.width, 800u);
    EXPECT_EQ(mode.height, 600u);
    EXPECT_EQ(mode.bpp, 16u);
    EXPECT_EQ(mode.pitch, 1600u);
    EXPECT_EQ(mode.address, 0xFD000000u);
}

TEST(ChooseVideoMode, NoPreferenceGivesTheDefaultMode) {
    for (auto [w, h, d] : {std::tuple{0u, 0u, 0u}, {0u, 600u, 0u}, {800u, 0u, 0u}}) {
        VideoMode mode = choose_video_mode(w, h, d, false, DisplayCaps{});
        EXPECT_EQ(mode.width, 1024u);
        EXPECT_EQ(mode.height, 768u);
        EXPECT_EQ(mode.bpp, 32u);
        EXPECT_EQ(mode.pitch, 4096u);
    }
}

TEST(ChooseVideoMode, SizesBeyondTheDeviceAreClamped) {
    VideoMode mode = choose_video_mode(100000, 100000, 32, false, DisplayCaps{});
    EXPECT_EQ(mode.width, 2560u);
    EXPECT_EQ(mode.height, 1600u);
    EXPECT_EQ(mode.pitch, 10240u);
}

TEST(ChooseVideoMode, UnsupportedDepthGetsTheDeepest) {
    for (uint32_t depth : {7u, 12u, 33u, 0xFFFFFFFFu})
        EXPECT_EQ(choose_video_mode(640, 480, depth, false, DisplayCaps{}).bpp, 32u) << depth;
    DisplayCaps no32;
    no32.bpps = {8, 16, 24};
    EXPECT_EQ(choose_video_mode(640, 480, 7, false, no32).bpp, 24u);
}

TEST(ChooseVideoMode, WidthIsAMultipleOf8) {
    EXPECT_EQ(choose_video_mode(1366, 768, 32, false, DisplayCaps{}).width, 1360u);
    EXPECT_EQ(choose_video_mode(1, 1, 32, false, DisplayCaps{}).width, 8u);
}

TEST(ChooseVideoMode, FifteenBitPixelsTakeTwoBytes) {
    VideoMode mode = choose_video_mode(640, 480, 15, false, DisplayCaps{});
    EXPECT_EQ(mode.bpp, 15u);
    EXPECT_EQ(mode.pitch, 1280u);
    EXPECT_EQ(choose_video_mode(640, 480, 24, false, DisplayCaps{}).pitch, 1920u);
    EXPECT_EQ(choose_video_mode(640, 480, 8, false, DisplayCaps{}).pitch, 640u);
}

TEST(ChooseVideoMode, FrameLargerThanTheFramebufferLosesLines) {
    DisplayCaps small;
    small.lfb_size = 1 << 20;
    VideoMode mode = choose_video_mode(1024, 768, 32, false, small);
    EXPECT_EQ(mode.width, 1024u);
    EXPECT_EQ(mode.height, 256u);
    EXPECT_LE(uint64_t(mode.pitch) * mode.height, small.lfb_size);
}

TEST(ChooseVideoMode, TextRequestGivesEgaText) {
    VideoMode mode = choose_video_mode(132, 60, 0, true, DisplayCaps{});
    EXPECT_EQ(mode.kind, Kind::EgaText);
    EXPECT_EQ(mode.width, 80u);
    EXPECT_EQ(mode.height, 25u);
    EXPECT_EQ(mode.bpp, 16u);
    EXPECT_EQ(mode.pitch, 160u);
    EXPECT_EQ(mode.address, 0xB8000u);
    EXPECT_EQ(framebuffer_type(mode), FramebufferType::EgaText);
}

TEST(ChooseVideoMode, HostileRequestsGiveAModeThatFits) {
    const uint32_t values[] = {0, 1, 7, 8, 639, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF8, 0xFFFFFFFF};
    DisplayCaps caps;
    for (uint32_t w : values)
        for (uint32_t h : values)
            for (uint32_t d : values) {
                VideoMode mode = choose_video_mode(w, h, d, false, caps);
                EXPECT_GE(mode.width, 8u);
                EXPECT_LE(mode.width, caps.max_width);
                EXPECT_GE(mode.height, 1u);
                EXPECT_LE(mode.height, caps.max_height);
                EXPECT_LE(uint64_t(mode.pitch) * mode.height, caps.lfb_size);
            }
}

TEST(FramebufferFormat, TypesAndChannelLayouts) {
    DisplayCaps caps;
    EXPECT_EQ(framebuffer_type(choose_video_mode(0, 0, 8, false, caps)), FramebufferType::Indexed);
    EXPECT_EQ(framebuffer_type(choose_video_mode(0, 0, 16, false, caps)), FramebufferType::Rgb);
    auto bytes = [](RgbLayout l) {
        return std::vector<int>{l.red_position, l.red_size,      l.green_position,
                                l.green_size,   l.blue_position, l.blue_size};
    };
    EXPECT_EQ(bytes(rgb_layout(32)), (std::vector<int>{16, 8, 8, 8, 0, 8}));
    EXPECT_EQ(bytes(rgb_layout(24)), (std::vector<int>{16, 8, 8, 8, 0, 8}));
    EXPECT_EQ(bytes(rgb_layout(16)), (std::vector<int>{11, 5, 5, 6, 0, 5}));
    EXPECT_EQ(bytes(rgb_layout(15)), (std::vector<int>{10, 5, 5, 5, 0, 5}));
}

TEST(FramebufferFormat, FrameOverlappingRamIsDetected) {
    VideoMode mode = choose_video_mode(0, 0, 0, false, DisplayCaps{});
    std::vector<svm_mem_range> map{{0, 3ull << 30, SVM_MEM_RAM, 0}};
    EXPECT_FALSE(frame_overlaps_ram(mode, map));
    map.push_back({0xFD2FF000, 0x1000, SVM_MEM_RESERVED, 0});  // the frame's last page
    EXPECT_TRUE(frame_overlaps_ram(mode, map));
    EXPECT_FALSE(frame_overlaps_ram(choose_video_mode(0, 0, 0, true, DisplayCaps{}), map));
}

TEST(VgaDefaultPalette, MatchesTheVgaBiosTable) {
    const auto& p = vga_default_palette();
    auto rgb = [&](size_t i) { return std::vector<int>{p[i].red, p[i].green, p[i].blue}; };
    EXPECT_EQ(rgb(0), (std::vector<int>{0, 0, 0}));
    EXPECT_EQ(rgb(1), (std::vector<int>{0, 0, 0xAA}));          // blue
    EXPECT_EQ(rgb(6), (std::vector<int>{0xAA, 0x55, 0}));       // brown
    EXPECT_EQ(rgb(15), (std::vector<int>{0xFF, 0xFF, 0xFF}));   // white
    EXPECT_EQ(rgb(31), (std::vector<int>{0xFF, 0xFF, 0xFF}));   // end of the grey ramp
    EXPECT_EQ(rgb(32), (std::vector<int>{0, 0, 0xFF}));         // first hue: blue
    EXPECT_EQ(rgb(40), (std::vector<int>{0xFF, 0, 0}));         // red
    EXPECT_EQ(rgb(56), (std::vector<int>{0x7D, 0x7D, 0xFF}));   // second block: 31,31,63
    EXPECT_EQ(rgb(247), (std::vector<int>{0x2C, 0x30, 0x41}));  // 11,12,16
    for (size_t i = 248; i < 256; ++i) EXPECT_EQ(rgb(i), (std::vector<int>{0, 0, 0})) << i;
}

}  // namespace
}  // namespace svm
