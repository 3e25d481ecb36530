// Turns bytes typed on a terminal (svm's standard input with --stdin keyboard) into key presses
// and releases on a US keyboard layout, the way a user typing them would press the keys.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "devices/legacy/scancode.h"

namespace svm {

// A stateful decoder: an ANSI escape sequence may span two feed() calls (FIXME: except a lone ESC
// at the very end of a call, which is taken as the Escape key, since a terminal sends a whole
// sequence in one write and a user's Escape alone).
class AsciiKeyDecoder {
public:
    // Appends to `out` the key events for `bytes`:
    //  - printable ASCII: the key, wrapped in LeftShift press/release for upper case and the
    //    shifted symbols (US layout: ! @ # $ % ^ & * ( ) _ + { } | : " ~ < > ?);
    //  - '\n' and '\r' (a "\r\n" pair counts once): Enter; '\t': Tab; 0x08 and 0x7F: Backspace;
    //  - 0x01-0x1A (other than the above): Ctrl+letter (0x03 = Ctrl+C);
    //  - ESC alone: Escape; the ANSI/VT100 sequences ESC [ A/B/C/D, ESC O A/B/C/D (arrows),
    //    ESC [ H / F and ESC O H / F (Home/End), ESC [ n ~ with n = 1/7 Home, 2 Insert,
    //    3 Delete, 4/8 End, 5 PageUp, 6 PageDown;
    //  - anything else (other control bytes, bytes >= 0x80 such as UTF-8) is ignored.
    void feed(std::span<const uint8_t> bytes, std::vector<KeyEvent>& out);

private:
    enum class State { Normal, Escape, Csi, Ss3 };

    void normal_byte(uint8_t byte, std::vector<KeyEvent>& out);
    void csi_final(uint8_t byte, std::vector<KeyEvent>& out);

    State state_ = State::Normal;
    std::string csi_params_;  // digits collected after ESC [
    bool last_was_cr_ = false;
};

// Appends a press and a release of `key` to `out`, wrapped in a press and release of `modifier`
// when `with_modifier` is set.
void tap_key(Key key, std::vector<KeyEvent>& out, bool with_modifier = false,
             Key modifier = Key::LeftShift);

}  // namespace svm
