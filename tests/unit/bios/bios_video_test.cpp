// int 0x10 on a GuestMemory and the VGA registers: registers in, text buffer, BDA and CRTC out.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/bios/bios_call.h"
#include "devices/display/vga_registers.h"

namespace svm {
namespace {

constexpr uint64_t kText = 0xb8000;

class BiosVideo : public ::testing::Test {
protected:
    BiosVideo() : memory_(GuestMemory::create(4 << 20).value()), ctx_{.memory = memory_} {
        ctx_.vga = &vga_;
        ctx_.outb = [this](uint16_t port, uint8_t value) {
            ports_.push_back({port, value});
            vga_.write(port - 0x3c0, std::span(&value, 1));
        };
        // The BDA video fields as svm writes them (bios_tables.cpp).
        (void)memory_.write_obj<uint8_t>(0x449, 3);
        (void)memory_.write_obj<uint16_t>(0x44a, 80);
        (void)memory_.write_obj<uint16_t>(0x460, 0x0607);
        for (int i = 0; i < 80 * 25; ++i) (void)memory_.write_obj<uint16_t>(kText + 2 * i, 0x0720);
    }

    BiosOutcome call(uint16_t ax, uint16_t bx = 0, uint16_t cx = 0, uint16_t dx = 0) {
        regs_.rax = ax;
        regs_.rbx = bx;
        regs_.rcx = cx;
        regs_.rdx = dx;
        return bios_call(0x10, regs_, ctx_);
    }
    void print(const std::string& s) {
        for (char c : s) ASSERT_EQ(call(0x0e00 | static_cast<uint8_t>(c)), BiosOutcome::Done);
    }
    uint16_t cell(int row, int col) {
        return memory_.read_obj<uint16_t>(kText + 2 * (row * 80 + col)).value();
    }
    std::string row_text(int row, int n) {
        std::string s;
        for (int c = 0; c < n; ++c) s += static_cast<char>(cell(row, c) & 0xff);
        return s;
    }
    uint16_t bda_cursor() { return memory_.read_obj<uint16_t>(0x450).value(); }

    GuestMemory memory_;
    VgaRegisters vga_;
    BiosContext ctx_;
    CpuState regs_;
    std::vector<std::pair<uint16_t, uint8_t>> ports_;
};

TEST_F(BiosVideo, TeletypeWritesKeepsAttributeAndMovesCursor) {
    (void)memory_.write_obj<uint16_t>(kText, 0x1f20);  // blue cell at 0,0
    print("Hi");
    EXPECT_EQ(cell(0, 0), 0x1f48);  // 'H' kept the cell's attribute
    EXPECT_EQ(cell(0, 1), 0x0769);
    EXPECT_EQ(bda_cursor(), 0x0002);
    EXPECT_EQ(vga_.cursor_location(), 2);
    // Through the guest's ports: index 0x0E then 0x0F on 0x3D4, values on 0x3D5.
    ASSERT_GE(ports_.size(), 4u);
    auto n = ports_.size();
    EXPECT_EQ(ports_[n - 4], (std::pair<uint16_t, uint8_t>{0x3d4, 0x0e}));
    EXPECT_EQ(ports_[n - 3], (std::pair<uint16_t, uint8_t>{0x3d5, 0x00}));
    EXPECT_EQ(ports_[n - 2], (std::pair<uint16_t, uint8_t>{0x3d4, 0x0f}));
    EXPECT_EQ(ports_[n - 1], (std::pair<uint16_t, uint8_t>{0x3d5, 0x02}));
}

TEST_F(BiosVideo, TeletypeControlCharacters) {
    print("abc\b");
    EXPECT_EQ(bda_cursor(), 0x0002);
    EXPECT_EQ(cell(0, 2), 0x0763);  // backspace does not erase
    print("\a");
    EXPECT_EQ(bda_cursor(), 0x0002);
    EXPECT_EQ(cell(0, 2), 0x0763);  // BEL writes nothing
    print("\r\n");
    EXPECT_EQ(bda_cursor(), 0x0100);
    print("\b");
    EXPECT_EQ(bda_cursor(), 0x0100);  // column 0 stays
}

TEST_F(BiosVideo, TeletypeWrapsAtColumn80) {
    print(std::string(81, 'x'));
    EXPECT_EQ(bda_cursor(), 0x0101);
    EXPECT_EQ(cell(1, 0), 0x0778);
}

TEST_F(BiosVideo, TeletypeScrollsAtTheBottom) {
    call(0x0200, 0, 0, 0x1800);  // row 24, column 0
    print("last");
    (void)memory_.write_obj<uint16_t>(kText, 0x0741);                      // 'A' on row 0
    (void)memory_.write_obj<uint16_t>(kText + 160, 0x0742);                // 'B' on row 1
    (void)memory_.write_obj<uint16_t>(kText + 2 * (24 * 80 + 4), 0x4f20);  // under the cursor
    print("\n");
    EXPECT_EQ(cell(0, 0), 0x0742);  // row 1 moved up
    EXPECT_EQ(row_text(23, 4), "last");
    EXPECT_EQ(cell(24, 0), 0x4f20);  // the new line has the attribute under the cursor
    EXPECT_EQ(bda_cursor(), 0x1804);
    EXPECT_EQ(vga_.cursor_location(), 24 * 80 + 4);
    // Writing past the last cell scrolls too.
    call(0x0200, 0, 0, 0x184f);
    print("z");
    EXPECT_EQ(cell(23, 79), 0x4f7a);  // the blank line's attribute
    EXPECT_EQ(bda_cursor(), 0x1800);
}

TEST_F(BiosVideo, SetAndGetCursor) {
    EXPECT_EQ(call(0x0200, 0, 0, 0x0c28), BiosOutcome::Done);
    EXPECT_EQ(bda_cursor(), 0x0c28);
    EXPECT_EQ(vga_.cursor_location(), 12 * 80 + 40);
    call(0x0300);
    EXPECT_EQ(regs_.rdx & 0xffff, 0x0c28u);
    EXPECT_EQ(regs_.rcx & 0xffff, 0x0607u);
    // Page 1's cursor is kept in the BDA but does not move the hardware cursor.
    call(0x0200, 0x0100, 0, 0x0305);
    EXPECT_EQ(memory_.read_obj<uint16_t>(0x452).value(), 0x0305);
    EXPECT_EQ(vga_.cursor_location(), 12 * 80 + 40);
}

TEST_F(BiosVideo, CursorShape) {
    call(0x0100, 0, 0x2000);  // bit 5: cursor off
    EXPECT_EQ(memory_.read_obj<uint16_t>(0x460).value(), 0x2000);
    EXPECT_EQ(vga_.crtc(VgaRegisters::kCrtcCursorStart), 0x20);
    EXPECT_EQ(vga_.crtc(VgaRegisters::kCrtcCursorEnd), 0x00);
    call(0x0300);
    EXPECT_EQ(regs_.rcx & 0xffff, 0x2000u);
}

TEST_F(BiosVideo, WriteCharacterAndAttributeRepeats) {
    call(0x0200, 0, 0, 0x004e);  // row 0, column 78
    call(0x0941, 0x001e, 3);
    EXPECT_EQ(cell(0, 78), 0x1e41);
    EXPECT_EQ(cell(0, 79), 0x1e41);
    EXPECT_EQ(cell(1, 0), 0x1e41);
    EXPECT_EQ(cell(1, 1), 0x0720);
    EXPECT_EQ(bda_cursor(), 0x004e);  // the cursor does not move
    call(0x0a0d, 0x00ff, 2);          // character only, control characters as glyphs
    EXPECT_EQ(cell(0, 78), 0x1e0d);
    EXPECT_EQ(cell(0, 79), 0x1e0d);
    call(0x0800);
    EXPECT_EQ(regs_.rax & 0xffff, 0x1e0du);
}

TEST_F(BiosVideo, ScrollWindowUpAndDown) {
    for (int r = 0; r < 5; ++r)
        (void)memory_.write_obj<uint16_t>(kText + 2 * (r * 80 + 10), 0x0730 + r);
    // Window rows 1-3, columns 10-12, up one line, blank attribute 0x17.
    call(0x0601, 0x1700, 0x010a, 0x030c);
    EXPECT_EQ(cell(0, 10), 0x0730);
    EXPECT_EQ(cell(1, 10), 0x0732);
    EXPECT_EQ(cell(2, 10), 0x0733);
    EXPECT_EQ(cell(3, 10), 0x1720);
    EXPECT_EQ(cell(4, 10), 0x0734);
    EXPECT_EQ(cell(1, 9), 0x0720);         // outside the window
    call(0x0702, 0x2000, 0x010a, 0x030c);  // down two
    EXPECT_EQ(cell(1, 10), 0x2020);
    EXPECT_EQ(cell(2, 10), 0x2020);
    EXPECT_EQ(cell(3, 10), 0x0732);
    call(0x0600, 0x3000, 0x0000, 0x184f);  // AL = 0: clear the screen
    EXPECT_EQ(cell(0, 0), 0x3020);
    EXPECT_EQ(cell(24, 79), 0x3020);
}

TEST_F(BiosVideo, SetModeClearsAndGetMode) {
    print("junk");
    EXPECT_EQ(call(0x0003), BiosOutcome::Done);
    EXPECT_EQ(cell(0, 0), 0x0720);
    EXPECT_EQ(bda_cursor(), 0);
    EXPECT_EQ(memory_.read_obj<uint8_t>(0x449).value(), 3);
    print("keep");
    EXPECT_EQ(call(0x0082), BiosOutcome::Done);  // mode 2, bit 7: keep the contents
    EXPECT_EQ(row_text(0, 4), "keep");
    call(0x0f00);
    EXPECT_EQ(regs_.rax & 0xffff, 0x5002u);
    EXPECT_EQ((regs_.rbx >> 8) & 0xff, 0u);
    EXPECT_EQ(call(0x0013), BiosOutcome::Unsupported);  // 320x200 graphics
    EXPECT_EQ(memory_.read_obj<uint8_t>(0x449).value(), 2);
}

TEST_F(BiosVideo, SelectPage) {
    EXPECT_EQ(call(0x0500), BiosOutcome::Done);
    EXPECT_EQ(call(0x0501), BiosOutcome::Unsupported);
}

TEST_F(BiosVideo, WriteStringModes) {
    const char text[] = "ok\r\n";
    ASSERT_TRUE(memory_.write(0x7e00, std::span(reinterpret_cast<const uint8_t*>(text), 4)));
    regs_.es.selector = 0x07e0;
    regs_.rbp = 0;
    call(0x0200, 0, 0, 0x0000);
    call(0x1300, 0x004f, 4, 0x0502);  // mode 0: attribute BL, cursor restored
    EXPECT_EQ(cell(5, 2), 0x4f6f);
    EXPECT_EQ(cell(5, 3), 0x4f6b);
    EXPECT_EQ(bda_cursor(), 0x0000);
    call(0x1301, 0x0021, 2, 0x0700);  // mode 1: cursor moves
    EXPECT_EQ(cell(7, 0), 0x216f);
    EXPECT_EQ(bda_cursor(), 0x0702);
    const uint8_t pairs[] = {'X', 0x5a, 'Y', 0x5b};
    ASSERT_TRUE(memory_.write(0x7e00, pairs));
    call(0x1303, 0, 2, 0x0900);  // mode 3: character/attribute pairs, cursor moves
    EXPECT_EQ(cell(9, 0), 0x5a58);
    EXPECT_EQ(cell(9, 1), 0x5b59);
    EXPECT_EQ(bda_cursor(), 0x0902);
}

TEST_F(BiosVideo, UnknownFunctionLeavesRegisters) {
    regs_.rflags = 0x2;
    EXPECT_EQ(call(0x4f00, 0x1234), BiosOutcome::Unsupported);
    EXPECT_EQ(regs_.rax, 0x4f00u);
    EXPECT_EQ(regs_.rbx, 0x1234u);
    EXPECT_EQ(regs_.rflags, 0x2u);
}

TEST_F(BiosVideo, WorksWithoutPorts) {
    ctx_.outb = nullptr;  // the VGA registers are written directly
    call(0x0200, 0, 0, 0x0101);
    EXPECT_EQ(vga_.cursor_location(), 81);
}

}  // namespace
}  // namespace svm
