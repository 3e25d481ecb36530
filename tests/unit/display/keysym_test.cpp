// X11 keysyms to keys, and RFB pointer events to PS/2 motion.
#include <gtest/gtest.h>

#include "core/display/keysym_keys.h"

namespace svm {
namespace {

TEST(Keysym, LettersDigitsAndPunctuation) {
    EXPECT_EQ(key_for_keysym('a'), Key::A);
    EXPECT_EQ(key_for_keysym('A'), Key::A);
    EXPECT_EQ(key_for_keysym('z'), Key::Z);
    EXPECT_EQ(key_for_keysym('Q'), Key::Q);
    EXPECT_EQ(key_for_keysym('0'), Key::Digit0);
    EXPECT_EQ(key_for_keysym('1'), Key::Digit1);
    EXPECT_EQ(key_for_keysym('9'), Key::Digit9);
    EXPECT_EQ(key_for_keysym('!'), Key::Digit1);  // the viewer sends Shift itself
    EXPECT_EQ(key_for_keysym('@'), Key::Digit2);
    EXPECT_EQ(key_for_keysym('{'), Key::LeftBracket);
    EXPECT_EQ(key_for_keysym('"'), Key::Apostrophe);
    EXPECT_EQ(key_for_keysym('~'), Key::Grave);
    EXPECT_EQ(key_for_keysym('_'), Key::Minus);
    EXPECT_EQ(key_for_keysym('?'), Key::Slash);
    EXPECT_EQ(key_for_keysym(' '), Key::Space);
    EXPECT_EQ(key_for_keysym(0xe9), std::nullopt);  // eacute: no key on a US layout
    EXPECT_EQ(key_for_keysym(0), std::nullopt);
}

TEST(Keysym, FunctionEditingAndModifierKeys) {
    EXPECT_EQ(key_for_keysym(0xffbe), Key::F1);
    EXPECT_EQ(key_for_keysym(0xffc9), Key::F12);
    EXPECT_EQ(key_for_keysym(0xff0d), Key::Enter);
    EXPECT_EQ(key_for_keysym(0xff09), Key::Tab);
    EXPECT_EQ(key_for_keysym(0xff1b), Key::Escape);
    EXPECT_EQ(key_for_keysym(0xff08), Key::Backspace);
    EXPECT_EQ(key_for_keysym(0xffff), Key::Delete);
    EXPECT_EQ(key_for_keysym(0xff63), Key::Insert);
    EXPECT_EQ(key_for_keysym(0xff50), Key::Home);
    EXPECT_EQ(key_for_keysym(0xff57), Key::End);
    EXPECT_EQ(key_for_keysym(0xff55), Key::PageUp);
    EXPECT_EQ(key_for_keysym(0xff56), Key::PageDown);
    EXPECT_EQ(key_for_keysym(0xff51), Key::Left);
    EXPECT_EQ(key_for_keysym(0xff52), Key::Up);
    EXPECT_EQ(key_for_keysym(0xff53), Key::Right);
    EXPECT_EQ(key_for_keysym(0xff54), Key::Down);
    EXPECT_EQ(key_for_keysym(0xffe1), Key::LeftShift);
    EXPECT_EQ(key_for_keysym(0xffe2), Key::RightShift);
    EXPECT_EQ(key_for_keysym(0xffe3), Key::LeftCtrl);
    EXPECT_EQ(key_for_keysym(0xffe4), Key::RightCtrl);
    EXPECT_EQ(key_for_keysym(0xffe9), Key::LeftAlt);
    EXPECT_EQ(key_for_keysym(0xffea), Key::RightAlt);
    EXPECT_EQ(key_for_keysym(0xfe03), Key::RightAlt);  // ISO_Level3_Shift (AltGr)
    EXPECT_EQ(key_for_keysym(0xffeb), Key::LeftSuper);
    EXPECT_EQ(key_for_keysym(0xffec), Key::RightSuper);
    EXPECT_EQ(key_for_keysym(0xff67), Key::Menu);
    EXPECT_EQ(key_for_keysym(0xffe5), Key::CapsLock);
    EXPECT_EQ(key_for_keysym(0xff7f), Key::NumLock);
    EXPECT_EQ(key_for_keysym(0xff14), Key::ScrollLock);
    EXPECT_EQ(key_for_keysym(0xff61), Key::PrintScreen);
    EXPECT_EQ(key_for_keysym(0xff13), Key::Pause);
}

TEST(Keysym, KeypadInBothNumLockStates) {
    EXPECT_EQ(key_for_keysym(0xffb0), Key::Keypad0);
    EXPECT_EQ(key_for_keysym(0xffb7), Key::Keypad7);
    EXPECT_EQ(key_for_keysym(0xff95), Key::Keypad7);  // KP_Home
    EXPECT_EQ(key_for_keysym(0xff9e), Key::Keypad0);  // KP_Insert
    EXPECT_EQ(key_for_keysym(0xff9f), Key::KeypadDecimal);
    EXPECT_EQ(key_for_keysym(0xffae), Key::KeypadDecimal);
    EXPECT_EQ(key_for_keysym(0xff8d), Key::KeypadEnter);
    EXPECT_EQ(key_for_keysym(0xffab), Key::KeypadPlus);
    EXPECT_EQ(key_for_keysym(0xffad), Key::KeypadMinus);
    EXPECT_EQ(key_for_keysym(0xffaa), Key::KeypadMultiply);
    EXPECT_EQ(key_for_keysym(0xffaf), Key::KeypadDivide);
}

TEST(RfbPointer, FirstEventHasNoMotionThenRelativeWithYInverted) {
    RfbPointerTracker t;
    EXPECT_EQ(t.update(100, 100, 0), (Ps2Motion{0, 0, 0, 0}));
    EXPECT_EQ(t.update(110, 90, 0), (Ps2Motion{10, 10, 0, 0}));  // right and up
    EXPECT_EQ(t.update(105, 95, 0), (Ps2Motion{-5, -5, 0, 0}));  // left and down
}

TEST(RfbPointer, ButtonsAreRemappedToPs2Order) {
    RfbPointerTracker t;
    EXPECT_EQ(t.update(0, 0, 1).buttons, 1);  // left
    EXPECT_EQ(t.update(0, 0, 2).buttons, 4);  // RFB middle -> PS/2 bit 2
    EXPECT_EQ(t.update(0, 0, 4).buttons, 2);  // RFB right -> PS/2 bit 1
    EXPECT_EQ(t.update(0, 0, 7).buttons, 7);
}

TEST(RfbPointer, WheelIsOneClickPerEventWithTheBitSet) {
    RfbPointerTracker t;
    EXPECT_EQ(t.update(5, 5, 8), (Ps2Motion{0, 0, 0, -1}));  // up
    EXPECT_EQ(t.update(5, 5, 0), (Ps2Motion{0, 0, 0, 0}));   // release
    EXPECT_EQ(t.update(5, 5, 16), (Ps2Motion{0, 0, 0, 1}));  // down
    EXPECT_EQ(t.update(5, 5, 17), (Ps2Motion{0, 0, 1, 1}));  // down with left held
}

}  // namespace
}  // namespace svm
