// Scan code tables, the i8042 translation and the ASCII/ANSI key decoder.
#include "devices/legacy/scancode.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "devices/legacy/scancode_ascii.h"

namespace svm {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(Scancode, Set1AndSet2MakeAndBreak) {
    EXPECT_EQ(scancode_bytes({Key::H, true}, 1), Bytes{0x23});
    EXPECT_EQ(scancode_bytes({Key::H, false}, 1), Bytes{0xa3});
    EXPECT_EQ(scancode_bytes({Key::H, true}, 2), Bytes{0x33});
    EXPECT_EQ(scancode_bytes({Key::H, false}, 2), (Bytes{0xf0, 0x33}));
    EXPECT_EQ(scancode_bytes({Key::Up, true}, 1), (Bytes{0xe0, 0x48}));
    EXPECT_EQ(scancode_bytes({Key::Up, false}, 1), (Bytes{0xe0, 0xc8}));
    EXPECT_EQ(scancode_bytes({Key::Up, true}, 2), (Bytes{0xe0, 0x75}));
    EXPECT_EQ(scancode_bytes({Key::Up, false}, 2), (Bytes{0xe0, 0xf0, 0x75}));
}

// Every key's set-2 bytes, translated as the i8042 does, give its set-1 bytes: the two tables
// and the translation table agree.
TEST(Scancode, TranslatingSet2GivesSet1ForEveryKey) {
    for (int k = 0; k < static_cast<int>(Key::Count); ++k) {
        for (bool pressed : {true, false}) {
            KeyEvent e{static_cast<Key>(k), pressed};
            Bytes translated;
            bool release = false;
            for (uint8_t b : scancode_bytes(e, 2)) {
                if (b == 0xf0) {
                    release = true;
                    continue;
                }
                translated.push_back(
                    static_cast<uint8_t>(translate_set2_to_set1(b) | (release ? 0x80 : 0)));
                release = false;
            }
            EXPECT_EQ(translated, scancode_bytes(e, 1)) << "key " << k << " pressed " << pressed;
        }
    }
}

// The keys a VNC viewer adds: right-hand modifiers, the Windows keys, the keypad, and the two
// keys with sequences of their own (OSDev wiki "PS/2 Keyboard", scan code sets 1 and 2).
TEST(Scancode, ExtendedModifiersKeypadPrintScreenAndPause) {
    EXPECT_EQ(scancode_bytes({Key::RightCtrl, true}, 1), (Bytes{0xe0, 0x1d}));
    EXPECT_EQ(scancode_bytes({Key::RightCtrl, false}, 2), (Bytes{0xe0, 0xf0, 0x14}));
    EXPECT_EQ(scancode_bytes({Key::RightAlt, true}, 2), (Bytes{0xe0, 0x11}));
    EXPECT_EQ(scancode_bytes({Key::RightShift, true}, 1), Bytes{0x36});
    EXPECT_EQ(scancode_bytes({Key::LeftSuper, true}, 1), (Bytes{0xe0, 0x5b}));
    EXPECT_EQ(scancode_bytes({Key::RightSuper, true}, 2), (Bytes{0xe0, 0x27}));
    EXPECT_EQ(scancode_bytes({Key::Menu, false}, 1), (Bytes{0xe0, 0xdd}));
    EXPECT_EQ(scancode_bytes({Key::Keypad7, true}, 1), Bytes{0x47});
    EXPECT_EQ(scancode_bytes({Key::Keypad7, true}, 2), Bytes{0x6c});
    EXPECT_EQ(scancode_bytes({Key::KeypadEnter, true}, 2), (Bytes{0xe0, 0x5a}));
    EXPECT_EQ(scancode_bytes({Key::KeypadDivide, true}, 1), (Bytes{0xe0, 0x35}));
    EXPECT_EQ(scancode_bytes({Key::KeypadMultiply, false}, 2), (Bytes{0xf0, 0x7c}));
    EXPECT_EQ(scancode_bytes({Key::NumLock, true}, 2), Bytes{0x77});
    EXPECT_EQ(scancode_bytes({Key::PrintScreen, true}, 1), (Bytes{0xe0, 0x2a, 0xe0, 0x37}));
    EXPECT_EQ(scancode_bytes({Key::PrintScreen, false}, 1), (Bytes{0xe0, 0xb7, 0xe0, 0xaa}));
    EXPECT_EQ(scancode_bytes({Key::PrintScreen, true}, 2), (Bytes{0xe0, 0x12, 0xe0, 0x7c}));
    EXPECT_EQ(scancode_bytes({Key::PrintScreen, false}, 2),
              (Bytes{0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12}));
    EXPECT_EQ(scancode_bytes({Key::Pause, true}, 1), (Bytes{0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5}));
    EXPECT_EQ(scancode_bytes({Key::Pause, true}, 2),
              (Bytes{0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77}));
    EXPECT_TRUE(scancode_bytes({Key::Pause, false}, 1).empty());
    EXPECT_TRUE(scancode_bytes({Key::Pause, false}, 2).empty());
}

TEST(Scancode, TranslationOfAnswersAndHighBytes) {
    EXPECT_EQ(translate_set2_to_set1(0xfa), 0xfa);  // ACK passes
    EXPECT_EQ(translate_set2_to_set1(0xaa), 0xaa);
    EXPECT_EQ(translate_set2_to_set1(0x83), 0x41);  // identify's second byte
    EXPECT_EQ(translate_set2_to_set1(0x02), 0x41);  // "set 2" from F0 00
    EXPECT_EQ(translate_set2_to_set1(0x01), 0x43);
    EXPECT_EQ(translate_set2_to_set1(0x03), 0x3f);
}

std::vector<KeyEvent> decode(std::string_view text) {
    AsciiKeyDecoder d;
    std::vector<KeyEvent> out;
    d.feed(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), out);
    return out;
}

std::vector<KeyEvent> tap(Key k) {
    return {{k, true}, {k, false}};
}
std::vector<KeyEvent> with(Key mod, Key k) {
    return {{mod, true}, {k, true}, {k, false}, {mod, false}};
}

TEST(AsciiKeyDecoder, LettersDigitsAndShift) {
    EXPECT_EQ(decode("h"), tap(Key::H));
    EXPECT_EQ(decode("H"), with(Key::LeftShift, Key::H));
    EXPECT_EQ(decode("7"), tap(Key::Digit7));
    EXPECT_EQ(decode("&"), with(Key::LeftShift, Key::Digit7));
    EXPECT_EQ(decode("?"), with(Key::LeftShift, Key::Slash));
    EXPECT_EQ(decode(" "), tap(Key::Space));
    auto hi = decode("hi");
    ASSERT_EQ(hi.size(), 4u);
    EXPECT_EQ(hi[2], (KeyEvent{Key::I, true}));
}

TEST(AsciiKeyDecoder, ControlKeys) {
    EXPECT_EQ(decode("\n"), tap(Key::Enter));
    EXPECT_EQ(decode("\r"), tap(Key::Enter));
    EXPECT_EQ(decode("\r\n"), tap(Key::Enter));
    EXPECT_EQ(decode("\t"), tap(Key::Tab));
    EXPECT_EQ(decode("\x7f"), tap(Key::Backspace));
    EXPECT_EQ(decode("\x08"), tap(Key::Backspace));
    EXPECT_EQ(decode("\x03"), with(Key::LeftCtrl, Key::C));
    EXPECT_EQ(decode("\x1b"), tap(Key::Escape));
    EXPECT_TRUE(decode("\xc3\xa9").empty());  // UTF-8 is not typed
}

TEST(AsciiKeyDecoder, AnsiSequences) {
    EXPECT_EQ(decode("\x1b[A"), tap(Key::Up));
    EXPECT_EQ(decode("\x1b[B"), tap(Key::Down));
    EXPECT_EQ(decode("\x1b[C"), tap(Key::Right));
    EXPECT_EQ(decode("\x1b[D"), tap(Key::Left));
    EXPECT_EQ(decode("\x1bOA"), tap(Key::Up));
    EXPECT_EQ(decode("\x1b[H"), tap(Key::Home));
    EXPECT_EQ(decode("\x1b[F"), tap(Key::End));
    EXPECT_EQ(decode("\x1b[3~"), tap(Key::Delete));
    EXPECT_EQ(decode("\x1b[5~"), tap(Key::PageUp));
    EXPECT_EQ(decode("\x1b[1;5~"), tap(Key::Home));
    // Escape then a letter is Escape, then the letter.
    auto esc_a = decode(
        "\x1b"
        "a");
    std::vector<KeyEvent> want = tap(Key::Escape);
    for (auto e : tap(Key::A)) want.push_back(e);
    EXPECT_EQ(esc_a, want);
}

TEST(AsciiKeyDecoder, SequenceSplitAcrossFeeds) {
    AsciiKeyDecoder d;
    std::vector<KeyEvent> out;
    const uint8_t first[] = {0x1b, '['};
    const uint8_t second[] = {'B'};
    d.feed(first, out);
    EXPECT_TRUE(out.empty());
    d.feed(second, out);
    EXPECT_EQ(out, tap(Key::Down));
}

}  // namespace
}  // namespace svm
