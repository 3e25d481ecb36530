// Bochs VBE DISPI registers, driven port by port as a guest driver does (OSDev wiki "Bochs VBE
// Extensions"; QEMU hw/display/vga.c vbe_ioport_read_data, vbe_ioport_write_data,
// vbe_fixup_regs).
#include "devices/display/bochs_vbe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

namespace svm {
namespace {

struct VbeHarness {
    std::vector<uint8_t> vram;
    std::vector<VbeMode> changes;
    BochsVbe vbe;

    explicit VbeHarness(size_t vram_size = BochsVbe::kDefaultVramSize)
        : vram(vram_size, 0xaa), vbe(vram, [this](const VbeMode& m) { changes.push_back(m); }) {}

    uint16_t in16(uint64_t offset) {
        uint8_t b[2] = {0x11, 0x22};
        vbe.read(offset, b);
        return static_cast<uint16_t>(b[0] | (b[1] << 8));
    }
    void out16(uint64_t offset, uint16_t v) {
        const uint8_t b[2] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
        vbe.write(offset, b);
    }
    uint16_t reg(uint16_t index) {
        out16(BochsVbe::kIndexPort, index);
        return in16(BochsVbe::kDataPort);
    }
    void set(uint16_t index, uint16_t value) {
        out16(BochsVbe::kIndexPort, index);
        out16(BochsVbe::kDataPort, value);
    }
    // The OSDev sequence: disable, XRES, YRES, BPP, enable.
    void mode(uint16_t w, uint16_t h, uint16_t bpp, uint16_t enable_extra = BochsVbe::kLfbEnabled) {
        set(BochsVbe::kIndexEnable, 0);
        set(BochsVbe::kIndexXres, w);
        set(BochsVbe::kIndexYres, h);
        set(BochsVbe::kIndexBpp, bpp);
        set(BochsVbe::kIndexEnable, BochsVbe::kEnabled | enable_extra);
    }
};

TEST(BochsVbe, ResetStateIsDisabledTextMode) {
    VbeHarness h;
    EXPECT_EQ(h.in16(BochsVbe::kIndexPort), 0);
    EXPECT_EQ(h.reg(BochsVbe::kIndexId), 0xb0c5);
    for (uint16_t i = 1; i < BochsVbe::kRegisterCount; ++i) EXPECT_EQ(h.reg(i), 0) << i;
    EXPECT_EQ(h.reg(BochsVbe::kIndexVideoMemory64k), 256);  // 16 MiB / 64 KiB
    EXPECT_EQ(h.vbe.mode(), VbeMode{});
    EXPECT_FALSE(h.vbe.mode().enabled);
}

TEST(BochsVbe, IdNegotiationAcceptsKnownVersionsOnly) {
    VbeHarness h;
    for (uint16_t id = 0xb0c0; id <= 0xb0c5; ++id) {
        h.set(BochsVbe::kIndexId, id);
        EXPECT_EQ(h.reg(BochsVbe::kIndexId), id);
    }
    h.set(BochsVbe::kIndexId, 0xb0c2);
    h.set(BochsVbe::kIndexId, 0xb0c6);  // unknown: ignored
    EXPECT_EQ(h.reg(BochsVbe::kIndexId), 0xb0c2);
    h.set(BochsVbe::kIndexId, 0x1234);
    EXPECT_EQ(h.reg(BochsVbe::kIndexId), 0xb0c2);
}

TEST(BochsVbe, IndexRegisterReadsBack) {
    VbeHarness h;
    h.out16(BochsVbe::kIndexPort, 0x1234);
    EXPECT_EQ(h.in16(BochsVbe::kIndexPort), 0x1234);
    EXPECT_EQ(h.in16(BochsVbe::kDataPort), 0);  // past the register file
}

TEST(BochsVbe, RegistersReadBackWhileDisabled) {
    VbeHarness h;
    // While disabled nothing is checked (vbe_fixup_regs returns early): values are stored as is.
    h.set(BochsVbe::kIndexXres, 1234);
    h.set(BochsVbe::kIndexYres, 0);
    h.set(BochsVbe::kIndexBpp, 7);
    h.set(BochsVbe::kIndexVirtWidth, 4000);
    h.set(BochsVbe::kIndexXOffset, 5);
    h.set(BochsVbe::kIndexYOffset, 6);
    EXPECT_EQ(h.reg(BochsVbe::kIndexXres), 1234);
    EXPECT_EQ(h.reg(BochsVbe::kIndexYres), 0);
    EXPECT_EQ(h.reg(BochsVbe::kIndexBpp), 7);
    EXPECT_EQ(h.reg(BochsVbe::kIndexVirtWidth), 4000);
    EXPECT_EQ(h.reg(BochsVbe::kIndexXOffset), 5);
    EXPECT_EQ(h.reg(BochsVbe::kIndexYOffset), 6);
    EXPECT_FALSE(h.vbe.mode().enabled);
    EXPECT_TRUE(h.changes.empty());
}

TEST(BochsVbe, ReadOnlyRegistersIgnoreWrites) {
    VbeHarness h;
    h.set(BochsVbe::kIndexVirtHeight, 77);
    EXPECT_EQ(h.reg(BochsVbe::kIndexVirtHeight), 0);
    h.set(BochsVbe::kIndexVideoMemory64k, 1);
    EXPECT_EQ(h.reg(BochsVbe::kIndexVideoMemory64k), 256);
}

TEST(BochsVbe, EnableSetsModeAndReportsIt) {
    VbeHarness h;
    h.mode(1024, 768, 32);
    const VbeMode m = h.vbe.mode();
    EXPECT_TRUE(m.enabled);
    EXPECT_TRUE(m.lfb_enabled);
    EXPECT_FALSE(m.dac_8bit);
    EXPECT_EQ(m.width, 1024u);
    EXPECT_EQ(m.height, 768u);
    EXPECT_EQ(m.bpp, 32u);
    EXPECT_EQ(m.virtual_width, 1024u);
    EXPECT_EQ(m.pitch, 4096u);
    EXPECT_EQ(m.virtual_height, 4096u);  // 16 MiB / 4096 bytes per line
    EXPECT_EQ(m.start_offset, 0u);
    EXPECT_EQ(h.reg(BochsVbe::kIndexEnable), BochsVbe::kEnabled | BochsVbe::kLfbEnabled);
    EXPECT_EQ(h.reg(BochsVbe::kIndexVirtHeight), 4096);
    ASSERT_EQ(h.changes.size(), 1u);
    EXPECT_EQ(h.changes.back(), m);

    h.set(BochsVbe::kIndexEnable, 0);
    EXPECT_FALSE(h.vbe.mode().enabled);
    ASSERT_EQ(h.changes.size(), 2u);
    EXPECT_FALSE(h.changes.back().enabled);
}

TEST(BochsVbe, WritesWhileEnabledChangeTheModeAtOnce) {
    VbeHarness h;
    h.mode(640, 480, 8);
    h.set(BochsVbe::kIndexBpp, 16);
    EXPECT_EQ(h.vbe.mode().bpp, 16u);
    EXPECT_EQ(h.vbe.mode().pitch, 1280u);
    h.set(BochsVbe::kIndexXres, 800);
    EXPECT_EQ(h.vbe.mode().width, 800u);
    EXPECT_EQ(h.vbe.mode().virtual_width, 800u);  // raised to the width
    EXPECT_EQ(h.changes.size(), 3u);
}

TEST(BochsVbe, FifteenBitModeUsesTwoBytesPerPixel) {
    VbeHarness h;
    h.mode(640, 480, 15);
    EXPECT_EQ(h.vbe.mode().bpp, 15u);
    EXPECT_EQ(h.reg(BochsVbe::kIndexBpp), 15);
    EXPECT_EQ(h.vbe.mode().pitch, 1280u);
}

TEST(BochsVbe, GetCapsReportsMaximaWhileSet) {
    VbeHarness h;
    h.set(BochsVbe::kIndexXres, 640);
    h.set(BochsVbe::kIndexEnable, BochsVbe::kGetCaps);
    EXPECT_EQ(h.reg(BochsVbe::kIndexXres), BochsVbe::kMaxWidth);
    EXPECT_EQ(h.reg(BochsVbe::kIndexYres), BochsVbe::kMaxHeight);
    EXPECT_EQ(h.reg(BochsVbe::kIndexBpp), 32);
    EXPECT_EQ(h.reg(BochsVbe::kIndexEnable), BochsVbe::kGetCaps);
    EXPECT_GE(BochsVbe::kMaxWidth, 1920);
    EXPECT_GE(BochsVbe::kMaxHeight, 1080);
    h.set(BochsVbe::kIndexEnable, 0);
    EXPECT_EQ(h.reg(BochsVbe::kIndexXres), 640);
}

TEST(BochsVbe, AbsurdWidthsAndHeightsAreClamped) {
    VbeHarness h;
    h.mode(0, 0, 32);
    EXPECT_EQ(h.vbe.mode().width, 8u);
    EXPECT_EQ(h.vbe.mode().height, 1u);
    // 100000 does not fit the 16-bit register: the guest's outw sends 100000 & 0xFFFF = 34464.
    h.mode(static_cast<uint16_t>(100000), 0xffff, 32);
    EXPECT_EQ(h.vbe.mode().width, 2560u);
    EXPECT_EQ(h.vbe.mode().height, 1600u);
    EXPECT_EQ(h.reg(BochsVbe::kIndexXres), 2560);
    EXPECT_EQ(h.reg(BochsVbe::kIndexYres), 1600);
    h.mode(1366, 768, 32);  // rounded down to a multiple of 8, as QEMU
    EXPECT_EQ(h.vbe.mode().width, 1360u);
}

TEST(BochsVbe, UnsupportedBppBecomesEight) {
    VbeHarness h;
    for (uint16_t bpp : {0, 1, 4, 7, 12, 33, 0xffff}) {
        h.mode(640, 480, bpp);
        EXPECT_EQ(h.vbe.mode().bpp, 8u) << bpp;
        EXPECT_EQ(h.reg(BochsVbe::kIndexBpp), 8) << bpp;
    }
    for (uint16_t bpp : {8, 15, 16, 24, 32}) {
        h.mode(640, 480, bpp);
        EXPECT_EQ(h.vbe.mode().bpp, bpp);
    }
}

TEST(BochsVbe, HeightIsClampedToTheVram) {
    VbeHarness h(1 << 20);  // 1 MiB: 2560x1600x32 needs 16 MB
    h.mode(2560, 1600, 32);
    const VbeMode m = h.vbe.mode();
    EXPECT_EQ(m.pitch, 10240u);
    EXPECT_EQ(m.height, (1u << 20) / 10240);  // 102 rows fit
    EXPECT_LE(uint64_t{m.pitch} * m.height, h.vram.size());
    EXPECT_EQ(h.reg(BochsVbe::kIndexVideoMemory64k), 16);
}

TEST(BochsVbe, VirtualWidthAndPanning) {
    VbeHarness h;
    h.mode(640, 480, 32);
    h.set(BochsVbe::kIndexVirtWidth, 1024);
    h.set(BochsVbe::kIndexXOffset, 16);
    h.set(BochsVbe::kIndexYOffset, 100);
    VbeMode m = h.vbe.mode();
    EXPECT_EQ(m.virtual_width, 1024u);
    EXPECT_EQ(m.pitch, 4096u);
    EXPECT_EQ(m.x_offset, 16u);
    EXPECT_EQ(m.y_offset, 100u);
    EXPECT_EQ(m.start_offset, 16u * 4 + 100u * 4096);
    EXPECT_EQ(m.virtual_height, 4096u);

    // A virtual width below the width is raised to it; past the maximum it is clamped.
    h.set(BochsVbe::kIndexVirtWidth, 100);
    EXPECT_EQ(h.vbe.mode().virtual_width, 640u);
    h.set(BochsVbe::kIndexVirtWidth, 60000);
    EXPECT_EQ(h.vbe.mode().virtual_width, 2560u);
    EXPECT_EQ(h.vbe.mode().virtual_height, (16u << 20) / (2560 * 4));
}

TEST(BochsVbe, OffsetsPastTheVramAreRefused) {
    VbeHarness h;
    h.mode(1024, 768, 32);
    // 4096 lines fit; a Y offset that would show lines past the end resets to 0 (after being
    // clamped to QEMU's 12000).
    h.set(BochsVbe::kIndexYOffset, 4000);
    EXPECT_EQ(h.vbe.mode().y_offset, 0u);
    h.set(BochsVbe::kIndexYOffset, 60000);
    EXPECT_EQ(h.vbe.mode().y_offset, 0u);
    h.set(BochsVbe::kIndexYOffset, 3328);  // 3328 + 768 = 4096: the last legal offset
    EXPECT_EQ(h.vbe.mode().y_offset, 3328u);
    EXPECT_EQ(h.vbe.mode().start_offset, 3328u * 4096);
    // X is clamped to 16000; 16000 * 4 bytes more does not fit with Y = 3328, so Y resets.
    h.set(BochsVbe::kIndexXOffset, 60000);
    EXPECT_EQ(h.vbe.mode().x_offset, 16000u);
    EXPECT_EQ(h.vbe.mode().y_offset, 0u);
    EXPECT_EQ(h.reg(BochsVbe::kIndexXOffset), 16000);
    EXPECT_EQ(h.reg(BochsVbe::kIndexYOffset), 0);

    // With a VRAM just big enough for the screen no offset fits: both reset.
    VbeHarness small(640 * 480 * 4);
    small.mode(640, 480, 32);
    small.set(BochsVbe::kIndexXOffset, 8);
    EXPECT_EQ(small.vbe.mode().x_offset, 0u);
    small.set(BochsVbe::kIndexYOffset, 1);
    EXPECT_EQ(small.vbe.mode().y_offset, 0u);
    const VbeMode m = small.vbe.mode();
    EXPECT_LE(m.start_offset + uint64_t{m.pitch} * m.height, small.vram.size());
}

TEST(BochsVbe, EnablingResetsVirtualWidthAndOffsets) {
    VbeHarness h;
    h.set(BochsVbe::kIndexVirtWidth, 2048);
    h.set(BochsVbe::kIndexXOffset, 8);
    h.set(BochsVbe::kIndexYOffset, 8);
    h.mode(640, 480, 32);
    EXPECT_EQ(h.vbe.mode().virtual_width, 640u);
    EXPECT_EQ(h.vbe.mode().x_offset, 0u);
    EXPECT_EQ(h.vbe.mode().y_offset, 0u);
}

TEST(BochsVbe, EnableClearsTheVisibleVram) {
    VbeHarness h;
    h.mode(640, 480, 32);
    const size_t visible = 640 * 480 * 4;
    EXPECT_TRUE(
        std::all_of(h.vram.begin(), h.vram.begin() + visible, [](uint8_t b) { return b == 0; }));
    EXPECT_EQ(h.vram[visible], 0xaa);  // only the visible rows
    EXPECT_EQ(h.vram.back(), 0xaa);
}

TEST(BochsVbe, NoClearMemKeepsTheVram) {
    VbeHarness h;
    h.mode(640, 480, 32, BochsVbe::kLfbEnabled | BochsVbe::kNoClearMem);
    EXPECT_TRUE(h.vbe.mode().enabled);
    EXPECT_TRUE(std::all_of(h.vram.begin(), h.vram.end(), [](uint8_t b) { return b == 0xaa; }));
    EXPECT_EQ(h.reg(BochsVbe::kIndexEnable),
              BochsVbe::kEnabled | BochsVbe::kLfbEnabled | BochsVbe::kNoClearMem);
}

TEST(BochsVbe, RewritingEnableWhileEnabledDoesNotClear) {
    VbeHarness h;
    h.mode(640, 480, 32);
    h.vram[0] = 0x55;
    h.set(BochsVbe::kIndexEnable, BochsVbe::kEnabled | BochsVbe::kLfbEnabled | BochsVbe::kDac8Bit);
    EXPECT_EQ(h.vram[0], 0x55);
    EXPECT_TRUE(h.vbe.mode().dac_8bit);
}

TEST(BochsVbe, Dac8BitAndLfbBitsAreReported) {
    VbeHarness h;
    h.set(BochsVbe::kIndexEnable, BochsVbe::kDac8Bit);
    EXPECT_TRUE(h.vbe.mode().dac_8bit);  // meaningful in text mode too
    EXPECT_FALSE(h.vbe.mode().enabled);
    h.mode(640, 480, 8, 0);  // banked (no LFB)
    EXPECT_TRUE(h.vbe.mode().enabled);
    EXPECT_FALSE(h.vbe.mode().lfb_enabled);
    EXPECT_FALSE(h.vbe.mode().dac_8bit);
}

TEST(BochsVbe, BankIsMaskedToTheVram) {
    VbeHarness h;
    h.set(BochsVbe::kIndexBank, 3);
    EXPECT_EQ(h.reg(BochsVbe::kIndexBank), 3);
    h.set(BochsVbe::kIndexBank, 0x1ff);
    EXPECT_EQ(h.reg(BochsVbe::kIndexBank), 0xff);  // 256 banks of 64 KiB
}

TEST(BochsVbe, ByteAndDwordAccessesAreDroppedAsInQemu) {
    VbeHarness h;
    h.out16(BochsVbe::kIndexPort, BochsVbe::kIndexXres);
    // An 8-bit access has no handler in QEMU's vbe_portio_list (access size 2): reads are
    // all-ones, writes are dropped.
    uint8_t byte = 0;
    h.vbe.read(BochsVbe::kIndexPort, std::span(&byte, 1));
    EXPECT_EQ(byte, 0xff);
    h.vbe.read(BochsVbe::kDataPort, std::span(&byte, 1));
    EXPECT_EQ(byte, 0xff);
    const uint8_t three = 3;
    h.vbe.write(BochsVbe::kIndexPort, std::span(&three, 1));
    EXPECT_EQ(h.in16(BochsVbe::kIndexPort), BochsVbe::kIndexXres);
    h.vbe.write(BochsVbe::kDataPort, std::span(&three, 1));
    EXPECT_EQ(h.in16(BochsVbe::kDataPort), 0);
    uint8_t dword[4] = {};
    h.vbe.read(BochsVbe::kIndexPort, dword);
    EXPECT_EQ(dword[0] & dword[1] & dword[2] & dword[3], 0xff);
    const uint8_t w[4] = {1, 0, 0, 0};
    h.vbe.write(BochsVbe::kIndexPort, w);
    EXPECT_EQ(h.in16(BochsVbe::kIndexPort), BochsVbe::kIndexXres);
    // A 16-bit access at an offset past the two ports (the bus never sends one) is ignored.
    h.out16(5, 0x1234);
    EXPECT_EQ(h.in16(5), 0xffff);
}

TEST(BochsVbe, SetModePresetsAnLfbMode) {
    VbeHarness h;
    const VbeMode m = h.vbe.set_mode(1024, 768, 32);
    EXPECT_TRUE(m.enabled);
    EXPECT_TRUE(m.lfb_enabled);
    EXPECT_EQ(m.width, 1024u);
    EXPECT_EQ(m.height, 768u);
    EXPECT_EQ(m.pitch, 4096u);
    EXPECT_EQ(m, h.vbe.mode());
    EXPECT_EQ(h.changes.size(), 1u);
    EXPECT_EQ(h.in16(BochsVbe::kIndexPort), 0);  // the guest's index is left alone
    // Absurd requests saturate instead of wrapping.
    const VbeMode big = h.vbe.set_mode(100000, 100000, 24);
    EXPECT_EQ(big.width, 2560u);
    EXPECT_EQ(big.height, 1600u);
    EXPECT_EQ(h.vbe.set_mode(800, 600, 7).bpp, 8u);
}

TEST(BochsVbe, ResetReturnsToText) {
    VbeHarness h;
    h.vbe.set_mode(800, 600, 32);
    h.set(BochsVbe::kIndexId, 0xb0c0);
    h.vbe.reset();
    EXPECT_FALSE(h.vbe.mode().enabled);
    EXPECT_EQ(h.reg(BochsVbe::kIndexId), 0xb0c5);
    EXPECT_EQ(h.reg(BochsVbe::kIndexXres), 0);
    EXPECT_EQ(h.changes.size(), 2u);
    EXPECT_FALSE(h.changes.back().enabled);
}

TEST(BochsVbe, TinyOrEmptyVramNeverOverflows) {
    VbeHarness empty(0);
    empty.mode(640, 480, 32);
    EXPECT_EQ(empty.vbe.mode().height, 0u);
    EXPECT_EQ(empty.reg(BochsVbe::kIndexVideoMemory64k), 0);
    VbeHarness tiny(100);
    tiny.mode(640, 480, 32);  // one line of 2560 bytes does not fit
    EXPECT_EQ(tiny.vbe.mode().height, 0u);
    EXPECT_EQ(tiny.vram[0], 0xaa);
}

TEST(BochsVbe, ConcurrentWritersSeeOrderedCallbacks) {
    // Two vCPUs change the mode at once: the last callback always matches the final mode.
    std::vector<uint8_t> vram(1 << 20);
    std::mutex m;
    VbeMode last;
    BochsVbe vbe(vram, [&](const VbeMode& mode) {
        std::lock_guard lock(m);
        last = mode;
    });
    vbe.set_mode(320, 200, 8);
    auto writer = [&](uint16_t bpp) {
        for (int i = 0; i < 2000; ++i) {
            // Guests share one index register, so two of them racing on it would interleave;
            // set_mode writes index and data under one lock.
            vbe.set_mode(320, 200, bpp);
        }
    };
    std::thread a(writer, 16), b(writer, 32);
    a.join();
    b.join();
    std::lock_guard lock(m);
    EXPECT_EQ(last, vbe.mode());
}

}  // namespace
}  // namespace svm
