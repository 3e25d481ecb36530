// ASCII and ANSI escape sequences to key events (US layout; ECMA-48 / VT100 cursor-key sequences
// as xterm sends them, see the xterm "ctlseqs" document, "PC-Style Function Keys").
#include "devices/legacy/scancode_ascii.h"

#include <optional>

namespace svm {
namespace {

struct KeyStroke {
    Key key;
    bool shift;
};

constexpr Key kDigits[] = {Key::Digit0, Key::Digit1, Key::Digit2, Key::Digit3, Key::Digit4,
                           Key::Digit5, Key::Digit6, Key::Digit7, Key::Digit8, Key::Digit9};

Key letter(uint8_t lower) {
    return static_cast<Key>(static_cast<int>(Key::A) + (lower - 'a'));
}

// The key (and shift state) that types printable ASCII `c` (0x20-0x7E) on a US layout.
std::optional<KeyStroke> printable(uint8_t c) {
    if (c >= 'a' && c <= 'z') return KeyStroke{letter(c), false};
    if (c >= 'A' && c <= 'Z') return KeyStroke{letter(static_cast<uint8_t>(c - 'A' + 'a')), true};
    if (c >= '0' && c <= '9') return KeyStroke{kDigits[c - '0'], false};
    switch (c) {
        case ' ':
            return KeyStroke{Key::Space, false};
        case '!':
            return KeyStroke{Key::Digit1, true};
        case '@':
            return KeyStroke{Key::Digit2, true};
        case '#':
            return KeyStroke{Key::Digit3, true};
        case '$':
            return KeyStroke{Key::Digit4, true};
        case '%':
            return KeyStroke{Key::Digit5, true};
        case '^':
            return KeyStroke{Key::Digit6, true};
        case '&':
            return KeyStroke{Key::Digit7, true};
        case '*':
            return KeyStroke{Key::Digit8, true};
        case '(':
            return KeyStroke{Key::Digit9, true};
        case ')':
            return KeyStroke{Key::Digit0, true};
        case '-':
            return KeyStroke{Key::Minus, false};
        case '_':
            return KeyStroke{Key::Minus, true};
        case '=':
            return KeyStroke{Key::Equals, false};
        case '+':
            return KeyStroke{Key::Equals, true};
        case '[':
            return KeyStroke{Key::LeftBracket, false};
        case '{':
            return KeyStroke{Key::LeftBracket, true};
        case ']':
            return KeyStroke{Key::RightBracket, false};
        case '}':
            return KeyStroke{Key::RightBracket, true};
        case '\\':
            return KeyStroke{Key::Backslash, false};
        case '|':
            return KeyStroke{Key::Backslash, true};
        case ';':
            return KeyStroke{Key::Semicolon, false};
        case ':':
            return KeyStroke{Key::Semicolon, true};
        case '\'':
            return KeyStroke{Key::Apostrophe, false};
        case '"':
            return KeyStroke{Key::Apostrophe, true};
        case '`':
            return KeyStroke{Key::Grave, false};
        case '~':
            return KeyStroke{Key::Grave, true};
        case ',':
            return KeyStroke{Key::Comma, false};
        case '<':
            return KeyStroke{Key::Comma, true};
        case '.':
            return KeyStroke{Key::Period, false};
        case '>':
            return KeyStroke{Key::Period, true};
        case '/':
            return KeyStroke{Key::Slash, false};
        case '?':
            return KeyStroke{Key::Slash, true};
    }
    return std::nullopt;
}

}  // namespace

void tap_key(Key key, std::vector<KeyEvent>& out, bool with_modifier, Key modifier) {
    if (with_modifier) out.push_back({modifier, true});
    out.push_back({key, true});
    out.push_back({key, false});
    if (with_modifier) out.push_back({modifier, false});
}

void AsciiKeyDecoder::feed(std::span<const uint8_t> bytes, std::vector<KeyEvent>& out) {
    for (uint8_t byte : bytes) {
        switch (state_) {
            case State::Normal:
                normal_byte(byte, out);
                break;
            case State::Escape:
                if (byte == '[') {
                    state_ = State::Csi;
                    csi_params_.clear();
                } else if (byte == 'O') {
                    state_ = State::Ss3;
                } else {
                    // Not a sequence: the user pressed Escape, then another key.
                    state_ = State::Normal;
                    tap_key(Key::Escape, out);
                    normal_byte(byte, out);
                }
                break;
            case State::Csi:
                if ((byte >= '0' && byte <= '9') || byte == ';') {
                    if (csi_params_.size() < 16) csi_params_.push_back(static_cast<char>(byte));
                } else {
                    state_ = State::Normal;
                    csi_final(byte, out);
                }
                break;
            case State::Ss3:
                state_ = State::Normal;
                csi_params_.clear();
                csi_final(byte, out);
                break;
        }
    }
    if (state_ == State::Escape) {
        state_ = State::Normal;
        tap_key(Key::Escape, out);
    }
}

void AsciiKeyDecoder::normal_byte(uint8_t byte, std::vector<KeyEvent>& out) {
    bool after_cr = last_was_cr_;
    last_was_cr_ = byte == '\r';
    if (byte == '\n' && after_cr) return;  // "\r\n" is one Enter
    if (byte == '\r' || byte == '\n') return tap_key(Key::Enter, out);
    if (byte == '\t') return tap_key(Key::Tab, out);
    if (byte == 0x08 || byte == 0x7f) return tap_key(Key::Backspace, out);
    if (byte == 0x1b) {
        state_ = State::Escape;
        return;
    }
    if (byte >= 0x01 && byte <= 0x1a)
        return tap_key(letter(static_cast<uint8_t>('a' + byte - 1)), out, true, Key::LeftCtrl);
    if (auto stroke = printable(byte)) tap_key(stroke->key, out, stroke->shift);
}

void AsciiKeyDecoder::csi_final(uint8_t byte, std::vector<KeyEvent>& out) {
    switch (byte) {
        case 'A':
            return tap_key(Key::Up, out);
        case 'B':
            return tap_key(Key::Down, out);
        case 'C':
            return tap_key(Key::Right, out);
        case 'D':
            return tap_key(Key::Left, out);
        case 'H':
            return tap_key(Key::Home, out);
        case 'F':
            return tap_key(Key::End, out);
        case '~':
            break;
        default:
            return;  // a sequence svm does not map (function keys, mouse reports)
    }
    // ESC [ n ~ (modifiers after ';' are ignored).
    std::string n = csi_params_.substr(0, csi_params_.find(';'));
    if (n == "1" || n == "7") return tap_key(Key::Home, out);
    if (n == "2") return tap_key(Key::Insert, out);
    if (n == "3") return tap_key(Key::Delete, out);
    if (n == "4" || n == "8") return tap_key(Key::End, out);
    if (n == "5") return tap_key(Key::PageUp, out);
    if (n == "6") return tap_key(Key::PageDown, out);
}

}  // namespace svm
