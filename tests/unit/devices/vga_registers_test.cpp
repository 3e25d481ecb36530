// The VGA register file register by register (devices/display/vga_registers.h), driven as a
// guest drives ports 0x3C0-0x3DF. Offsets are port - 0x3C0.
#include "devices/display/vga_registers.h"

#include <gtest/gtest.h>

#include <vector>

namespace svm {
namespace {

class VgaRegistersTest : public ::testing::Test {
protected:
    uint8_t inb(uint16_t port) {
        uint8_t v = 0;
        vga.read(port - 0x3c0, std::span(&v, 1));
        return v;
    }
    void outb(uint16_t port, uint8_t v) { vga.write(port - 0x3c0, std::span(&v, 1)); }
    void outw(uint16_t port, uint16_t v) {
        uint8_t b[2] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
        vga.write(port - 0x3c0, std::span(b, 2));
    }
    uint8_t crtc_read(uint8_t index) {
        outb(0x3d4, index);
        return inb(0x3d5);
    }
    void crtc_write(uint8_t index, uint8_t v) {
        outb(0x3d4, index);
        outb(0x3d5, v);
    }
    VgaRegisters vga;
};

TEST_F(VgaRegistersTest, ResetStateIsBiosMode3) {
    EXPECT_EQ(inb(0x3cc), 0x67);       // colour addresses, 28 MHz clock, RAM enabled
    EXPECT_EQ(crtc_read(0x0a), 0x0d);  // cursor on scan lines 13..14
    EXPECT_EQ(crtc_read(0x0b), 0x0e);
    EXPECT_EQ(crtc_read(0x01), 0x4f);  // 80 columns
    EXPECT_EQ(vga.start_address(), 0);
    EXPECT_EQ(vga.cursor_location(), 0);
    EXPECT_EQ(vga.attribute(VgaRegisters::kAttributeModeControl), 0x0c);   // blink on
    EXPECT_EQ(vga.graphics(0x06), 0x0e);                                   // B8000-BFFFF, text
    EXPECT_EQ(vga.dac(7), (std::array<uint8_t, 3>{0x2a, 0x2a, 0x2a}));     // light grey
    EXPECT_EQ(vga.dac(0x14), (std::array<uint8_t, 3>{0x2a, 0x15, 0x00}));  // brown
}

TEST_F(VgaRegistersTest, CursorLocationReadsBack) {
    crtc_write(0x0e, 0x03);
    crtc_write(0x0f, 0x21);
    EXPECT_EQ(crtc_read(0x0e), 0x03);
    EXPECT_EQ(crtc_read(0x0f), 0x21);
    EXPECT_EQ(vga.cursor_location(), 0x0321);
}

TEST_F(VgaRegistersTest, CursorShapeAndDisableBitReadBack) {
    crtc_write(0x0a, 0x20 | 0x06);  // bit 5: cursor off
    crtc_write(0x0b, 0x07);
    EXPECT_EQ(crtc_read(0x0a), 0x26);
    EXPECT_EQ(crtc_read(0x0b), 0x07);
    EXPECT_EQ(vga.crtc(0x0a), 0x26);
}

TEST_F(VgaRegistersTest, StartAddressReadsBack) {
    crtc_write(0x0c, 0x01);
    crtc_write(0x0d, 0x40);
    EXPECT_EQ(crtc_read(0x0c), 0x01);
    EXPECT_EQ(crtc_read(0x0d), 0x40);
    EXPECT_EQ(vga.start_address(), 0x0140);
}

TEST_F(VgaRegistersTest, WordWriteSelectsIndexAndWritesData) {
    outw(0x3d4, 0x5a0f);  // index 0x0F, value 0x5A: the outw idiom
    EXPECT_EQ(inb(0x3d4), 0x0f);
    EXPECT_EQ(vga.crtc(0x0f), 0x5a);
}

TEST_F(VgaRegistersTest, CrtcIndexIsMaskedToFiveBits) {
    outb(0x3d4, 0xee);  // bits 7:5 are not part of the index
    EXPECT_EQ(inb(0x3d4), 0x0e);
    outb(0x3d5, 0x12);
    EXPECT_EQ(vga.crtc(0x0e), 0x12);
    // Indices past CR18 hold nothing.
    outb(0x3d4, 0x1c);
    outb(0x3d5, 0x77);
    EXPECT_EQ(inb(0x3d5), 0x00);
}

TEST_F(VgaRegistersTest, ProtectBitGuardsCr00ToCr07) {
    // Mode 3 leaves CR11 bit 7 set.
    crtc_write(0x01, 0x27);
    EXPECT_EQ(crtc_read(0x01), 0x4f);
    crtc_write(0x07, 0x00);  // only the line compare bit (4) is writable
    EXPECT_EQ(crtc_read(0x07), 0x0f);
    crtc_write(0x11, crtc_read(0x11) & 0x7f);
    crtc_write(0x01, 0x27);
    EXPECT_EQ(crtc_read(0x01), 0x27);
}

TEST_F(VgaRegistersTest, MiscOutputSelectsColourOrMonoAddresses) {
    outb(0x3c2, 0x66);  // bit 0 clear: CRTC at 0x3B4, status at 0x3BA
    EXPECT_EQ(inb(0x3cc), 0x66);
    EXPECT_EQ(inb(0x3d5), 0xff);
    EXPECT_EQ(inb(0x3da), 0xff);
    outb(0x3d4, 0x0e);  // ignored: not decoded
    outb(0x3c2, 0x67);
    EXPECT_EQ(inb(0x3cc), 0x67);
    EXPECT_NE(inb(0x3d4), 0x0e);
}

TEST_F(VgaRegistersTest, InputStatusRetraceBitsToggle) {
    std::vector<uint8_t> seen;
    for (int i = 0; i < 8; ++i) seen.push_back(inb(0x3da));
    EXPECT_EQ(seen, (std::vector<uint8_t>{0x00, 0x01, 0x00, 0x09, 0x00, 0x01, 0x00, 0x09}));
}

TEST_F(VgaRegistersTest, WaitForRetraceLoopsEnd) {
    // The usual "wait for the start of a vertical retrace" idiom.
    int reads = 0;
    while (inb(0x3da) & 0x08) ++reads;
    while (!(inb(0x3da) & 0x08)) ++reads;
    EXPECT_LE(reads, 8);
    reads = 0;
    while (!(inb(0x3da) & 0x01)) ++reads;
    while (inb(0x3da) & 0x01) ++reads;
    EXPECT_LE(reads, 8);
}

TEST_F(VgaRegistersTest, AttributeFlipFlopAndStatusReadReset) {
    inb(0x3da);         // flip-flop to index
    outb(0x3c0, 0x10);  // index 0x10 (mode control), PAS clear
    outb(0x3c0, 0x04);  // data: blink off
    EXPECT_EQ(vga.attribute(0x10), 0x04);
    outb(0x3c0, 0x21);  // next write is an index again: 0x01 with PAS set
    EXPECT_EQ(inb(0x3c0), 0x21);
    EXPECT_EQ(inb(0x3c1), 0x01);  // palette entry 1
    // Reading 0x3DA in the middle resets the flip-flop: the next write is an index, not data.
    inb(0x3da);
    outb(0x3c0, 0x32);  // index 0x12, PAS set
    outb(0x3c0, 0x05);
    EXPECT_EQ(vga.attribute(0x12), 0x05);
    EXPECT_EQ(vga.attribute(0x01), 0x01);
    EXPECT_EQ(inb(0x3c0), 0x32);
}

TEST_F(VgaRegistersTest, SequencerAndGraphicsStoreAndReadBack) {
    outb(0x3c4, 0x02);
    outb(0x3c5, 0x04);
    EXPECT_EQ(inb(0x3c4), 0x02);
    EXPECT_EQ(inb(0x3c5), 0x04);
    EXPECT_EQ(vga.sequencer(2), 0x04);
    outw(0x3ce, 0x0506);  // GR06 = 0x05
    EXPECT_EQ(inb(0x3ce), 0x06);
    EXPECT_EQ(inb(0x3cf), 0x05);
    EXPECT_EQ(vga.graphics(6), 0x05);
}

TEST_F(VgaRegistersTest, DacWritesAndReadsTriples) {
    outb(0x3c8, 0x10);
    for (uint8_t v : {0x3f, 0x20, 0x41, 0x01, 0x02, 0x03}) outb(0x3c9, v);
    // Stored as written (the Bochs VBE's 8-bit DAC needs all 8 bits); 6-bit users mask.
    EXPECT_EQ(vga.dac(0x10), (std::array<uint8_t, 3>{0x3f, 0x20, 0x41}));
    EXPECT_EQ(vga.dac(0x11), (std::array<uint8_t, 3>{0x01, 0x02, 0x03}));
    EXPECT_EQ(inb(0x3c7), 0x00);  // DAC state: write mode
    outb(0x3c7, 0x11);
    EXPECT_EQ(inb(0x3c7), 0x03);
    EXPECT_EQ(inb(0x3c9), 0x01);
    EXPECT_EQ(inb(0x3c9), 0x02);
    EXPECT_EQ(inb(0x3c9), 0x03);
    EXPECT_EQ(inb(0x3c6), 0xff);
}

TEST_F(VgaRegistersTest, UnusedOffsetsReadAllOnes) {
    EXPECT_EQ(inb(0x3d0), 0xff);
    EXPECT_EQ(inb(0x3df), 0xff);
}

}  // namespace
}  // namespace svm
