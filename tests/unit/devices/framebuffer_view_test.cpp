// Linear framebuffer to Surface conversion (QEMU hw/display/vga-helpers.h formats) and dirty
// pages to rows (KVM_GET_DIRTY_LOG bitmap layout, Documentation/virt/kvm/api.rst 4.37). Expected
// pixels are computed by hand in the comments.
#include "devices/display/framebuffer_view.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace svm {
namespace {

// A mode as BochsVbe reports it after vbe_fixup_regs.
VbeMode make_mode(uint32_t w, uint32_t h, uint32_t bpp, uint32_t virtual_width = 0,
                  uint32_t x_offset = 0, uint32_t y_offset = 0) {
    VbeMode m;
    m.enabled = true;
    m.lfb_enabled = true;
    m.width = w;
    m.height = h;
    m.bpp = bpp;
    m.virtual_width = virtual_width ? virtual_width : w;
    m.pitch = m.virtual_width * FramebufferView::bytes_per_pixel(bpp);
    m.x_offset = x_offset;
    m.y_offset = y_offset;
    m.start_offset =
        uint64_t{x_offset} * FramebufferView::bytes_per_pixel(bpp) + uint64_t{y_offset} * m.pitch;
    return m;
}

// A dirty bitmap with the given pages set, in KVM's layout.
std::vector<uint64_t> bitmap(std::initializer_list<uint64_t> pages, size_t words = 64) {
    std::vector<uint64_t> b(words, 0);
    for (uint64_t p : pages) b[p / 64] |= uint64_t{1} << (p % 64);
    return b;
}

std::vector<uint32_t> draw_row(const std::vector<uint8_t>& vram, const VbeMode& m,
                               const VgaRegisters& dac = VgaRegisters()) {
    Surface s;
    FramebufferView::draw(vram, m, dac, s, {});
    EXPECT_EQ(s.width, m.width);
    EXPECT_EQ(s.height, m.height);
    return std::vector<uint32_t>(s.pixels.begin(), s.pixels.begin() + m.width);
}

TEST(FramebufferView, Bpp32IsBgrx) {
    const std::vector<uint8_t> vram = {0x11, 0x22, 0x33, 0xff, 0xff, 0x00,
                                       0x00, 0x00, 0x00, 0x00, 0xff, 0x12};
    EXPECT_EQ(draw_row(vram, make_mode(3, 1, 32)),
              (std::vector<uint32_t>{0x332211, 0x0000ff, 0xff0000}));  // X byte dropped
}

TEST(FramebufferView, Bpp24IsBgr) {
    const std::vector<uint8_t> vram = {0x11, 0x22, 0x33, 0xff, 0x00, 0x00, 0x00, 0x80, 0xff};
    EXPECT_EQ(draw_row(vram, make_mode(3, 1, 24)),
              (std::vector<uint32_t>{0x332211, 0x0000ff, 0xff8000}));
}

TEST(FramebufferView, Bpp16IsRgb565) {
    // 0xF800 red, 0x07E0 green, 0x001F blue, 0x8410 = r 16, g 32, b 16 -> 0x84, 0x82, 0x84
    // (16 << 3 | 16 >> 2 = 0x84; 32 << 2 | 32 >> 4 = 0x82), 0xFFFF white.
    const std::vector<uint8_t> vram = {0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0x10, 0x84, 0xff, 0xff};
    EXPECT_EQ(draw_row(vram, make_mode(5, 1, 16)),
              (std::vector<uint32_t>{0xff0000, 0x00ff00, 0x0000ff, 0x848284, 0xffffff}));
}

TEST(FramebufferView, Bpp15IsRgb555) {
    // 0x7C00 red, 0x03E0 green, 0x001F blue, 0x4210 = 16,16,16 -> 0x84 each, 0x8000 black (bit 15
    // is not colour).
    const std::vector<uint8_t> vram = {0x00, 0x7c, 0xe0, 0x03, 0x1f, 0x00, 0x10, 0x42, 0x00, 0x80};
    EXPECT_EQ(draw_row(vram, make_mode(5, 1, 15)),
              (std::vector<uint32_t>{0xff0000, 0x00ff00, 0x0000ff, 0x848484, 0x000000}));
}

TEST(FramebufferView, Bpp8UsesTheDac) {
    VgaRegisters vga;
    const uint8_t entry[] = {1};
    vga.write(VgaRegisters::kDacWriteIndex, entry);
    const uint8_t rgb[] = {63, 32, 1};
    vga.write(VgaRegisters::kDacData, std::span(rgb, 1));
    vga.write(VgaRegisters::kDacData, std::span(rgb + 1, 1));
    vga.write(VgaRegisters::kDacData, std::span(rgb + 2, 1));
    const std::vector<uint8_t> vram = {1, 7, 0};
    // 6-bit DAC: 63 -> 0xFF, 32 -> 0x82, 1 -> 0x04; EGA light grey 0x2A -> 0xAA.
    EXPECT_EQ(draw_row(vram, make_mode(3, 1, 8), vga),
              (std::vector<uint32_t>{0xff8204, 0xaaaaaa, 0x000000}));
    // 8-bit DAC (ENABLE bit 5): the entries are taken as they are.
    VbeMode m = make_mode(3, 1, 8);
    m.dac_8bit = true;
    EXPECT_EQ(draw_row(vram, m, vga), (std::vector<uint32_t>{0x3f2001, 0x2a2a2a, 0x000000}));
}

TEST(FramebufferView, HonoursVirtualWidthAndPanning) {
    // 8x4 virtual screen at 32 bpp, pixel value = y * 16 + x in the blue byte; show 4x2 from (2,
    // 1).
    std::vector<uint8_t> vram(8 * 4 * 4, 0);
    for (uint32_t y = 0; y < 4; ++y) {
        for (uint32_t x = 0; x < 8; ++x) vram[(y * 8 + x) * 4] = static_cast<uint8_t>(y * 16 + x);
    }
    const VbeMode m = make_mode(4, 2, 32, 8, 2, 1);
    Surface s;
    FramebufferView::draw(vram, m, VgaRegisters(), s, {});
    EXPECT_EQ(s.pixels, (std::vector<uint32_t>{0x12, 0x13, 0x14, 0x15, 0x22, 0x23, 0x24, 0x25}));
}

TEST(FramebufferView, RedrawsOnlyTheGivenRects) {
    std::vector<uint8_t> vram(4 * 3 * 4, 0xff);
    const VbeMode m = make_mode(4, 3, 32);
    Surface s;
    s.resize(4, 3);
    std::fill(s.pixels.begin(), s.pixels.end(), 0x123456u);
    FramebufferView::draw(vram, m, VgaRegisters(), s, {Rect{1, 1, 2, 1}});
    EXPECT_EQ(s.pixels, (std::vector<uint32_t>{0x123456, 0x123456, 0x123456, 0x123456,  //
                                               0x123456, 0xffffff, 0xffffff, 0x123456,  //
                                               0x123456, 0x123456, 0x123456, 0x123456}));
    // A rect past the surface is clipped, not a crash.
    FramebufferView::draw(vram, m, VgaRegisters(), s,
                          {Rect{3, 2, 100, 100}, Rect{50, 50, 1, 1},
                           Rect{0, 0, std::numeric_limits<uint32_t>::max(), 1}});
    EXPECT_EQ(s.at(3, 2), 0xffffffu);
    EXPECT_EQ(s.at(0, 0), 0xffffffu);
    EXPECT_EQ(s.at(0, 2), 0x123456u);
}

TEST(FramebufferView, ResizesTheSurfaceAndDrawsAll) {
    std::vector<uint8_t> vram(2 * 2 * 4, 0xff);
    Surface s;
    s.resize(1, 1);
    FramebufferView::draw(vram, make_mode(2, 2, 32), VgaRegisters(), s, {});
    EXPECT_EQ(s.width, 2u);
    EXPECT_EQ(s.height, 2u);
    EXPECT_EQ(s.pixels, (std::vector<uint32_t>(4, 0xffffff)));
}

TEST(FramebufferView, DisabledModeDrawsNothing) {
    std::vector<uint8_t> vram(16, 0xff);
    Surface s;
    s.resize(2, 2);
    FramebufferView::draw(vram, VbeMode{}, VgaRegisters(), s, {Rect{0, 0, 2, 2}});
    EXPECT_EQ(s.pixels, (std::vector<uint32_t>(4, 0)));
    EXPECT_TRUE(FramebufferView::dirty_rects(VbeMode{}, bitmap({0})).empty());
}

TEST(FramebufferView, NeverReadsPastTheVram) {
    // 8x8x32 needs 256 bytes; only 100 exist: pixels 0-24 are drawn, the rest are black.
    std::vector<uint8_t> vram(100, 0xff);
    Surface s;
    FramebufferView::draw(vram, make_mode(8, 8, 32), VgaRegisters(), s, {});
    for (uint32_t i = 0; i < 64; ++i) EXPECT_EQ(s.pixels[i], i < 25 ? 0xffffffu : 0u) << i;
    // A start offset far past the end, an empty VRAM, every depth.
    VbeMode far = make_mode(4, 4, 24);
    far.start_offset = std::numeric_limits<uint32_t>::max();
    FramebufferView::draw(vram, far, VgaRegisters(), s, {});
    EXPECT_EQ(s.pixels, (std::vector<uint32_t>(16, 0)));
    for (uint32_t bpp : {8u, 15u, 16u, 24u, 32u}) {
        FramebufferView::draw({}, make_mode(4, 4, bpp), VgaRegisters(), s, {});
        EXPECT_EQ(s.pixels, (std::vector<uint32_t>(16, 0))) << bpp;
    }
    // 24 bpp: the last pixel's 3 bytes must all fit (vram of 10 bytes = 3 whole pixels).
    std::vector<uint8_t> ten(10, 0xff);
    FramebufferView::draw(ten, make_mode(4, 1, 24), VgaRegisters(), s, {});
    EXPECT_EQ(s.pixels, (std::vector<uint32_t>{0xffffff, 0xffffff, 0xffffff, 0}));
}

TEST(FramebufferView, DirtyPageOfA1024x768x32ScreenIsOneRow) {
    const VbeMode m = make_mode(1024, 768, 32);  // pitch 4096: page i is row i
    EXPECT_EQ(FramebufferView::dirty_rects(m, bitmap({384})),
              (std::vector<Rect>{Rect{0, 384, 1024, 1}}));
    EXPECT_EQ(FramebufferView::dirty_rects(m, bitmap({0, 10})),
              (std::vector<Rect>{Rect{0, 0, 1024, 1}, Rect{0, 10, 1024, 1}}));
    // Adjacent pages merge into one band.
    EXPECT_EQ(FramebufferView::dirty_rects(m, bitmap({63, 64, 65})),
              (std::vector<Rect>{Rect{0, 63, 1024, 3}}));
    // Pages past the screen (768 rows = pages 0-767) or past the bitmap count for nothing.
    EXPECT_TRUE(FramebufferView::dirty_rects(m, bitmap({768, 2000}, 64)).empty());
    EXPECT_EQ(FramebufferView::dirty_rects(m, bitmap({1}, 1)),
              (std::vector<Rect>{Rect{0, 1, 1024, 1}}));
    EXPECT_TRUE(FramebufferView::dirty_rects(m, {}).empty());
}

TEST(FramebufferView, DirtyPageAcrossTwoRows) {
    // 800x600x32: pitch 3200. Page 1 (bytes 4096-8191) holds the end of row 1 (3200-6399) and
    // the start of row 2 (6400-9599).
    const VbeMode m = make_mode(800, 600, 32);
    EXPECT_EQ(FramebufferView::dirty_rects(m, bitmap({1})),
              (std::vector<Rect>{Rect{0, 1, 800, 2}}));
    // Page 2 (8192-12287): rows 2 and 3; merged with page 1 they give rows 1-3.
    EXPECT_EQ(FramebufferView::dirty_rects(m, bitmap({1, 2})),
              (std::vector<Rect>{Rect{0, 1, 800, 3}}));
    // The last row, 599 (1916800-1919999), is on pages 467-468.
    EXPECT_EQ(FramebufferView::dirty_rects(m, bitmap({468})),
              (std::vector<Rect>{Rect{0, 599, 800, 1}}));
    EXPECT_TRUE(FramebufferView::dirty_rects(m, bitmap({469})).empty());
}

TEST(FramebufferView, DirtyPagesHonourPitchAndOffsets) {
    // 640x480x32 in a 2048-pixel virtual width: pitch 8192, 2560 visible bytes per row. The
    // second page of each line holds only invisible pixels.
    const VbeMode wide = make_mode(640, 480, 32, 2048);
    EXPECT_EQ(FramebufferView::dirty_rects(wide, bitmap({4})),
              (std::vector<Rect>{Rect{0, 2, 640, 1}}));
    EXPECT_TRUE(FramebufferView::dirty_rects(wide, bitmap({5})).empty());
    // Panned down 10 rows of a 1024-wide screen: page 10 is the first visible row, page 9 is
    // above the screen.
    const VbeMode panned = make_mode(1024, 768, 32, 0, 0, 10);
    EXPECT_EQ(FramebufferView::dirty_rects(panned, bitmap({10})),
              (std::vector<Rect>{Rect{0, 0, 1024, 1}}));
    EXPECT_TRUE(FramebufferView::dirty_rects(panned, bitmap({9})).empty());
    // Panned right by 512 pixels in a 2048-wide screen: row 0's visible bytes are 2048-6143, on
    // pages 0 and 1; row 1's are 10240-14335, on pages 2 and 3.
    const VbeMode right = make_mode(1024, 768, 32, 2048, 512, 0);
    EXPECT_EQ(FramebufferView::dirty_rects(right, bitmap({1})),
              (std::vector<Rect>{Rect{0, 0, 1024, 1}}));
    EXPECT_EQ(FramebufferView::dirty_rects(right, bitmap({2})),
              (std::vector<Rect>{Rect{0, 1, 1024, 1}}));
    // 8 bpp 320x200: 64000 bytes, 16 pages; page 0 covers rows 0-12 (row 12 = 3840-4159).
    const VbeMode small = make_mode(320, 200, 8);
    EXPECT_EQ(FramebufferView::dirty_rects(small, bitmap({0})),
              (std::vector<Rect>{Rect{0, 0, 320, 13}}));
}

TEST(FramebufferView, BitmapLayoutIsKvms) {
    // Page 65 is bit 1 of word 1.
    const VbeMode m = make_mode(1024, 768, 32);
    const std::vector<uint64_t> b = {0, 0x2};
    EXPECT_EQ(FramebufferView::dirty_rects(m, b), (std::vector<Rect>{Rect{0, 65, 1024, 1}}));
}

}  // namespace
}  // namespace svm
