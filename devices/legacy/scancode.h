// The keys svm can press on the PS/2 keyboard and their scan codes in sets 1 and 2, plus the
// i8042's set-2-to-set-1 translation. Sources: OSDev wiki "PS/2 Keyboard" (scan code sets 1 and
// 2), "8042 PS/2 Controller" (translation); IBM PS/2 Hardware Interface Technical Reference,
// "Keyboards (101- and 102-Key)", scan code tables.
#pragma once

#include <cstdint>
#include <vector>

namespace svm {

// A key on a US 101/102-key keyboard with the three Windows keys (104/105 keys). The values are
// indices into the scan code table, not scan codes; new keys are added before Count.
// clang-format off
enum class Key : uint8_t {
    A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z,
    Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9, Digit0,
    Minus, Equals, LeftBracket, RightBracket, Backslash, Semicolon, Apostrophe, Grave, Comma,
    Period, Slash, Space, Enter, Backspace, Tab, Escape, LeftShift, LeftCtrl, LeftAlt, CapsLock,
    F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12,
    Up, Down, Left, Right, Home, End, Insert, Delete, PageUp, PageDown,
    RightShift, RightCtrl, RightAlt, LeftSuper, RightSuper, Menu, NumLock, ScrollLock,
    Keypad0, Keypad1, Keypad2, Keypad3, Keypad4, Keypad5, Keypad6, Keypad7, Keypad8, Keypad9,
    KeypadDecimal, KeypadPlus, KeypadMinus, KeypadMultiply, KeypadDivide, KeypadEnter,
    PrintScreen, Pause,
    Count,  // number of keys, not a key
};
// clang-format on

// One press or release of a key.
struct KeyEvent {
    Key key;
    bool pressed;  // true = make (press), false = break (release)

    bool operator==(const KeyEvent&) const = default;
};

// Returns the bytes the keyboard sends for `event` in scan code set `set` (1 or 2; set 3 is
// answered with set 2's bytes, which agree with set 3 for the letters, digits and punctuation,
// FIXME: not for the other keys). Set 1: [E0] code for make, [E0] code|0x80 for break. Set 2:
// [E0] code for make, [E0] F0 code for break. Extended keys (arrows, Home, right Ctrl/Alt, the
// Windows keys, keypad Enter and /) carry the E0 prefix. Two keys are sequences of their own:
// PrintScreen is E0 2A E0 37 / E0 B7 E0 AA in set 1 and E0 12 E0 7C / E0 F0 7C E0 F0 12 in set 2;
// Pause sends E1 1D 45 E1 9D C5 (set 1) or E1 14 77 E1 F0 14 F0 77 (set 2) on press and nothing on
// release. A repeated press (typematic) is simply another make code.
std::vector<uint8_t> scancode_bytes(KeyEvent event, int set);

// The i8042's translation of one byte received from the keyboard (controller configuration byte
// bit 6): set-2 codes 0x00-0x7F map to their set-1 codes; bytes 0x80-0xFF pass unchanged except
// 0x83 -> 0x41 and 0x84 -> 0x54 (F7 and SysRq, the only set-2 codes above 0x7F). The break prefix
// 0xF0 is handled by the caller: it is swallowed and sets bit 7 of the next translated byte.
uint8_t translate_set2_to_set1(uint8_t byte);

}  // namespace svm
