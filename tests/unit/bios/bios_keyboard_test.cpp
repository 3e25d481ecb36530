// int 0x16 on the BDA keyboard buffer, and int 0x09 turning scan codes from port 0x60 into keys.
#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "core/bios/bios_call.h"
#include "core/bios/bios_key_translation.h"
#include "core/bios/bios_keyboard_buffer.h"

namespace svm {
namespace {

constexpr uint64_t kZf = 1 << 6;

class BiosKeyboard : public ::testing::Test {
protected:
    BiosKeyboard() : memory_(GuestMemory::create(1 << 20).value()), ctx_{.memory = memory_} {
        // The empty buffer svm's BDA starts with (bios_tables.cpp).
        (void)memory_.write_obj<uint16_t>(0x41a, 0x1e);
        (void)memory_.write_obj<uint16_t>(0x41c, 0x1e);
        (void)memory_.write_obj<uint16_t>(0x480, 0x1e);
        (void)memory_.write_obj<uint16_t>(0x482, 0x3e);
        ctx_.inb = [this](uint16_t port) {
            EXPECT_EQ(port, 0x60);
            uint8_t b = bytes_.front();
            bytes_.pop_front();
            return b;
        };
        ctx_.outb = [this](uint16_t port, uint8_t v) { eois_ += port == 0x20 && v == 0x20; };
    }
    BiosOutcome call(uint16_t ax, uint16_t cx = 0) {
        regs_.rax = ax;
        regs_.rcx = cx;
        regs_.rflags = 0x2;
        return bios_call(0x16, regs_, ctx_);
    }
    // Feeds scan code bytes through int 0x09, one interrupt per byte.
    void irq(std::vector<uint8_t> bytes) {
        for (uint8_t b : bytes) {
            bytes_.push_back(b);
            EXPECT_EQ(bios_call(0x09, regs_, ctx_), BiosOutcome::Done);
        }
    }
    std::vector<uint16_t> drain() {
        std::vector<uint16_t> keys;
        while (auto k = keyboard_buffer_pop(memory_)) keys.push_back(*k);
        return keys;
    }
    uint8_t shift_flags() { return memory_.read_obj<uint8_t>(0x417).value(); }

    GuestMemory memory_;
    BiosContext ctx_;
    CpuState regs_;
    std::deque<uint8_t> bytes_;
    int eois_ = 0;
};

TEST_F(BiosKeyboard, ReadWaitsWhenEmpty) {
    EXPECT_EQ(call(0x0000), BiosOutcome::WaitForKey);
    EXPECT_EQ(call(0x1000), BiosOutcome::WaitForKey);
    call(0x0100);
    EXPECT_TRUE(regs_.rflags & kZf);
}

TEST_F(BiosKeyboard, StoreCheckAndRead) {
    call(0x0500, 0x1e61);  // 'a'
    EXPECT_EQ(regs_.rax & 0xff, 0u);
    call(0x0100);
    EXPECT_FALSE(regs_.rflags & kZf);
    EXPECT_EQ(regs_.rax & 0xffff, 0x1e61u);
    call(0x0100);  // still there
    EXPECT_EQ(regs_.rax & 0xffff, 0x1e61u);
    EXPECT_EQ(call(0x0000), BiosOutcome::Done);
    EXPECT_EQ(regs_.rax & 0xffff, 0x1e61u);
    EXPECT_EQ(call(0x0000), BiosOutcome::WaitForKey);
}

TEST_F(BiosKeyboard, BufferFullAndWrapAround) {
    for (int i = 0; i < 15; ++i) {
        call(0x0500, static_cast<uint16_t>(0x1000 + i));
        EXPECT_EQ(regs_.rax & 0xff, 0u) << i;
    }
    call(0x0500, 0x2000);  // the 16th does not fit (one slot stays free)
    EXPECT_EQ(regs_.rax & 0xff, 1u);
    // Read 10, store 10 more: the tail wraps past 0x3E back to 0x1E.
    for (int i = 0; i < 10; ++i) {
        call(0x1000);
        EXPECT_EQ(regs_.rax & 0xffff, 0x1000u + i);
    }
    for (int i = 0; i < 10; ++i) {
        call(0x0500, static_cast<uint16_t>(0x3000 + i));
        EXPECT_EQ(regs_.rax & 0xff, 0u);
    }
    EXPECT_LT(memory_.read_obj<uint16_t>(0x41c).value(), memory_.read_obj<uint16_t>(0x41a).value());
    std::vector<uint16_t> expected;
    for (int i = 10; i < 15; ++i) expected.push_back(static_cast<uint16_t>(0x1000 + i));
    for (int i = 0; i < 10; ++i) expected.push_back(static_cast<uint16_t>(0x3000 + i));
    EXPECT_EQ(drain(), expected);
}

TEST_F(BiosKeyboard, ShiftFlagsFunction) {
    (void)memory_.write_obj<uint8_t>(0x417, 0x42);
    call(0x0200);
    EXPECT_EQ(regs_.rax & 0xff, 0x42u);
}

TEST_F(BiosKeyboard, IrqLettersAndShift) {
    irq({0x1e, 0x9e});              // a
    irq({0x2a, 0x1e, 0x9e, 0xaa});  // Shift+a
    EXPECT_EQ(shift_flags(), 0);
    irq({0x36});  // right shift held
    EXPECT_EQ(shift_flags(), 0x01);
    irq({0x02});  // !
    irq({0xb6});
    irq({0x02});  // 1
    EXPECT_EQ(drain(), (std::vector<uint16_t>{0x1e61, 0x1e41, 0x0221, 0x0231}));
    EXPECT_EQ(eois_, 10);  // one EOI per interrupt
}

TEST_F(BiosKeyboard, IrqCapsLockTogglesOncePerPress) {
    irq({0x3a, 0x3a, 0x3a, 0xba});  // typematic repeats do not toggle again
    EXPECT_EQ(shift_flags(), 0x40);
    irq({0x10, 0x02});        // Q, 1 (digits are not affected)
    irq({0x2a, 0x10, 0xaa});  // Shift with caps: lower case
    irq({0x3a, 0xba});
    EXPECT_EQ(shift_flags(), 0);
    EXPECT_EQ(drain(), (std::vector<uint16_t>{0x1051, 0x0231, 0x1071}));
}

TEST_F(BiosKeyboard, IrqCtrlAndAlt) {
    irq({0x1d, 0x2e, 0x9d});  // Ctrl+C
    EXPECT_EQ(shift_flags(), 0);
    irq({0xe0, 0x1d});  // right Ctrl
    EXPECT_EQ(shift_flags(), 0x04);
    EXPECT_EQ(memory_.read_obj<uint8_t>(0x496).value() & 0x04, 0x04);
    irq({0x1d, 0xe0, 0x9d});  // left down, right up: still Ctrl
    EXPECT_EQ(shift_flags(), 0x04);
    irq({0x9d});
    EXPECT_EQ(shift_flags(), 0);
    irq({0x38, 0x1f, 0x03, 0xb8});  // Alt+S, Alt+2
    EXPECT_EQ(drain(), (std::vector<uint16_t>{0x2e03, 0x1f00, 0x7900}));
}

TEST_F(BiosKeyboard, IrqExtendedKeys) {
    irq({0xe0, 0x48, 0xe0, 0xc8});              // Up
    irq({0xe0, 0x1c});                          // keypad Enter
    irq({0x48});                                // keypad 8 without Num Lock: Up, ASCII 0
    irq({0x45, 0xc5, 0x48});                    // with Num Lock: '8'
    irq({0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5});  // Pause: nothing
    irq({0x3b});                                // F1
    irq({0xe0, 0x2a, 0xe0, 0x4b, 0xe0, 0xcb, 0xe0, 0xaa});  // fake shift around Left
    EXPECT_EQ(shift_flags(), 0x20);                         // only Num Lock
    auto keys = std::vector<uint16_t>{0x48e0, 0xe00d, 0x4800, 0x4838, 0x3b00, 0x4be0};
    // int 0x16 AH=0x10 returns them as stored; AH=0x00 turns the E0 markers into 0.
    call(0x1000);
    EXPECT_EQ(regs_.rax & 0xffff, keys[0]);
    call(0x0000);
    EXPECT_EQ(regs_.rax & 0xffff, 0x1c0du);
    call(0x0100);
    EXPECT_EQ(regs_.rax & 0xffff, 0x4800u);
    EXPECT_EQ(drain(), (std::vector<uint16_t>(keys.begin() + 2, keys.end())));
}

TEST_F(BiosKeyboard, IrqDropsKeysWhenFull) {
    for (int i = 0; i < 20; ++i) irq({0x1e});
    EXPECT_EQ(drain().size(), 15u);
}

TEST(BiosKeyTranslation, Table) {
    EXPECT_EQ(bios_key_for_scancode(0x1c, false, 0), 0x1c0d);  // Enter
    EXPECT_EQ(bios_key_for_scancode(0x1c, false, 0x04), 0x1c0a);
    EXPECT_EQ(bios_key_for_scancode(0x0e, false, 0), 0x0e08);     // Backspace
    EXPECT_EQ(bios_key_for_scancode(0x01, false, 0), 0x011b);     // Esc
    EXPECT_EQ(bios_key_for_scancode(0x39, false, 0), 0x3920);     // space
    EXPECT_EQ(bios_key_for_scancode(0x0f, false, 0x02), 0x0f00);  // Shift+Tab
    EXPECT_EQ(bios_key_for_scancode(0x28, false, 0x01), 0x2822);  // "
    EXPECT_EQ(bios_key_for_scancode(0x2b, false, 0), 0x2b5c);     // backslash
    EXPECT_EQ(bios_key_for_scancode(0x1a, false, 0x04), 0x1a1b);  // Ctrl+[
    EXPECT_EQ(bios_key_for_scancode(0x3c, false, 0x02), 0x5500);  // Shift+F2
    EXPECT_EQ(bios_key_for_scancode(0x44, false, 0x08), 0x7100);  // Alt+F10
    EXPECT_EQ(bios_key_for_scancode(0x58, false, 0x04), 0x8a00);  // Ctrl+F12
    EXPECT_EQ(bios_key_for_scancode(0x4e, false, 0), 0x4e2b);     // keypad +
    EXPECT_EQ(bios_key_for_scancode(0x37, false, 0), 0x372a);     // keypad *
    EXPECT_EQ(bios_key_for_scancode(0x35, true, 0), 0xe02f);      // keypad /
    EXPECT_FALSE(bios_key_for_scancode(0x2a, false, 0));          // Shift alone
    EXPECT_FALSE(bios_key_for_scancode(0x5b, true, 0));           // left GUI
}

}  // namespace
}  // namespace svm
