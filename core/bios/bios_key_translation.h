// The keyboard BIOS's translation of set-1 scan codes into the 16-bit keys of its buffer
// (scan code << 8 | ASCII), US layout. Sources: IBM PC/AT Technical Reference, "Keyboard
// Encoding and Usage" (the extended codes for Alt, Ctrl and the function keys); Ralf Brown's
// Interrupt List, INT 16 "keyboard scan codes" table; OSDev wiki "PS/2 Keyboard".
#pragma once

#include <cstdint>
#include <optional>

namespace svm {

// The key for make code `code` (0x01-0x58, bit 7 clear), `extended` if it followed an E0
// prefix, with the shift state `shift_flags` (BDA 0x417: shift, ctrl, alt, num lock, caps
// lock). Returns nullopt for keys that store nothing (modifiers, lock keys, unknown codes).
//  - Printable keys give their ASCII, shifted with Shift; Caps Lock shifts letters only.
//  - Ctrl: letters 0x01-0x1A, [ \ ] 6 - give 0x1B 0x1C 0x1D 0x1E 0x1F, Ctrl+2 0x0300,
//    Enter 0x0A, Backspace 0x7F, Tab 0x9400.
//  - Alt: ASCII 0 with the scan code (letters), Alt+1..= scan codes 0x78-0x83.
//  - F1-F10: ASCII 0 with scan code 0x3B-0x44, +0x19 shifted, +0x23 with Ctrl, +0x2D with Alt;
//    F11/F12: 0x85/0x86, +2 shifted, +4 Ctrl, +6 Alt.
//  - Keypad: digits and '.' when Num Lock xor Shift, else the navigation key (ASCII 0);
//    '*' '-' '+' always.
//  - Extended (E0) navigation keys (arrows, Home, End, PgUp, PgDn, Insert, Delete): ASCII 0xE0
//    with the scan code, as int 0x16 AH=0x10 returns them (AH=0x00 turns 0xE0 into 0); keypad
//    Enter 0xE00D (Ctrl 0xE00A), keypad '/' 0xE02F. FIXME: Ctrl and Alt with navigation keys
//    give the plain key, not the AT BIOS's separate codes (Ctrl+Left 0x7300, ...).
std::optional<uint16_t> bios_key_for_scancode(uint8_t code, bool extended, uint8_t shift_flags);

}  // namespace svm
