// Keysym values: X11 keysymdef.h (also listed in RFC 6143 section 7.5.4 for the non-Latin-1 keys).
#include "core/display/keysym_keys.h"

#include <utility>

namespace svm {
namespace {

// Printable Latin-1 keysyms (equal to their ASCII code) other than letters and digits, and the
// key that types them on a US layout (shifted symbols give the unshifted key).
constexpr std::pair<char, Key> kSymbols[] = {
    {' ', Key::Space},      {'!', Key::Digit1},       {'"', Key::Apostrophe},
    {'#', Key::Digit3},     {'$', Key::Digit4},       {'%', Key::Digit5},
    {'&', Key::Digit7},     {'\'', Key::Apostrophe},  {'(', Key::Digit9},
    {')', Key::Digit0},     {'*', Key::Digit8},       {'+', Key::Equals},
    {',', Key::Comma},      {'-', Key::Minus},        {'.', Key::Period},
    {'/', Key::Slash},      {':', Key::Semicolon},    {';', Key::Semicolon},
    {'<', Key::Comma},      {'=', Key::Equals},       {'>', Key::Period},
    {'?', Key::Slash},      {'@', Key::Digit2},       {'[', Key::LeftBracket},
    {'\\', Key::Backslash}, {']', Key::RightBracket}, {'^', Key::Digit6},
    {'_', Key::Minus},      {'`', Key::Grave},        {'{', Key::LeftBracket},
    {'|', Key::Backslash},  {'}', Key::RightBracket}, {'~', Key::Grave},
};

// Function and modifier keysyms (0xFE00-0xFFFF).
constexpr std::pair<uint32_t, Key> kFunctionKeys[] = {
    {0xff08, Key::Backspace},     {0xff09, Key::Tab},           {0xfe20, Key::Tab},  // ISO_Left_Tab
    {0xff0d, Key::Enter},         {0xff13, Key::Pause},         {0xff6b, Key::Pause},  // Break
    {0xff14, Key::ScrollLock},    {0xff15, Key::PrintScreen},                          // Sys_Req
    {0xff61, Key::PrintScreen},   {0xff1b, Key::Escape},        {0xffff, Key::Delete},
    {0xff50, Key::Home},          {0xff51, Key::Left},          {0xff52, Key::Up},
    {0xff53, Key::Right},         {0xff54, Key::Down},          {0xff55, Key::PageUp},
    {0xff56, Key::PageDown},      {0xff57, Key::End},           {0xff63, Key::Insert},
    {0xff67, Key::Menu},          {0xff7f, Key::NumLock},       {0xff8d, Key::KeypadEnter},
    {0xff95, Key::Keypad7},       {0xff96, Key::Keypad4},       {0xff97, Key::Keypad8},
    {0xff98, Key::Keypad6},       {0xff99, Key::Keypad2},       {0xff9a, Key::Keypad9},
    {0xff9b, Key::Keypad3},       {0xff9c, Key::Keypad1},       {0xff9d, Key::Keypad5},
    {0xff9e, Key::Keypad0},       {0xff9f, Key::KeypadDecimal}, {0xffaa, Key::KeypadMultiply},
    {0xffab, Key::KeypadPlus},    {0xffac, Key::KeypadDecimal}, {0xffad, Key::KeypadMinus},
    {0xffae, Key::KeypadDecimal}, {0xffaf, Key::KeypadDivide},  {0xffe1, Key::LeftShift},
    {0xffe2, Key::RightShift},    {0xffe3, Key::LeftCtrl},      {0xffe4, Key::RightCtrl},
    {0xffe5, Key::CapsLock},      {0xffe7, Key::LeftAlt},       {0xffe8, Key::RightAlt},  // Meta
    {0xffe9, Key::LeftAlt},       {0xffea, Key::RightAlt},      {0xfe03, Key::RightAlt},  // AltGr
    {0xffeb, Key::LeftSuper},     {0xffec, Key::RightSuper},    {0xffb0, Key::Keypad0},
    {0xffb1, Key::Keypad1},       {0xffb2, Key::Keypad2},       {0xffb3, Key::Keypad3},
    {0xffb4, Key::Keypad4},       {0xffb5, Key::Keypad5},       {0xffb6, Key::Keypad6},
    {0xffb7, Key::Keypad7},       {0xffb8, Key::Keypad8},       {0xffb9, Key::Keypad9},
    {0xffbd, Key::Equals},        {0xff80, Key::Space},  // KP_Equal, KP_Space
};

Key offset_key(Key first, uint32_t offset) {
    return static_cast<Key>(static_cast<uint32_t>(first) + offset);
}

}  // namespace

std::optional<Key> key_for_keysym(uint32_t keysym) {
    if (keysym >= 'a' && keysym <= 'z') return offset_key(Key::A, keysym - 'a');
    if (keysym >= 'A' && keysym <= 'Z') return offset_key(Key::A, keysym - 'A');
    if (keysym == '0') return Key::Digit0;
    if (keysym >= '1' && keysym <= '9') return offset_key(Key::Digit1, keysym - '1');
    // F1-F12 are XK_F1 0xFFBE to XK_F12 0xFFC9.
    if (keysym >= 0xffbe && keysym <= 0xffc9) return offset_key(Key::F1, keysym - 0xffbe);
    if (keysym < 0x80) {
        for (const auto& [c, key] : kSymbols)
            if (static_cast<uint32_t>(c) == keysym) return key;
        return std::nullopt;
    }
    for (const auto& [sym, key] : kFunctionKeys)
        if (sym == keysym) return key;
    return std::nullopt;
}

Ps2Motion RfbPointerTracker::update(int x, int y, uint8_t button_mask) {
    Ps2Motion m;
    if (have_position_) {
        m.dx = x - x_;
        m.dy = y_ - y;  // screen y grows down, PS/2 y grows up
    }
    have_position_ = true;
    x_ = x;
    y_ = y;
    // RFB: bit 0 left, 1 middle, 2 right. PS/2: bit 0 left, 1 right, 2 middle.
    m.buttons = static_cast<uint8_t>((button_mask & 1) | ((button_mask & 4) ? 2 : 0) |
                                     ((button_mask & 2) ? 4 : 0));
    if (button_mask & 8) m.dz -= 1;   // wheel up
    if (button_mask & 16) m.dz += 1;  // wheel down
    return m;
}

}  // namespace svm
