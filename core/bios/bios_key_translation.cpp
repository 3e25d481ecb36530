#include "core/bios/bios_key_translation.h"

#include "core/bios/bios_data_area.h"

namespace svm {

namespace {

// ASCII for set-1 codes 0x00-0x39, plain and shifted (0 = none). "\x1b" "1": a hex escape
// ends where the literal does.
constexpr char kPlain[] =
    "\0\x1b"
    "1234567890-=\b\tqwertyuiop[]\r\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
constexpr char kShifted[] =
    "\0\x1b"
    "!@#$%^&*()_+\b\tQWERTYUIOP{}\r\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 ";
static_assert(sizeof(kPlain) - 1 == 0x3a && sizeof(kShifted) - 1 == 0x3a);

// Keypad 0x47-0x53 with Num Lock: 7 8 9 - 4 5 6 + 1 2 3 0 .
constexpr char kKeypad[] = "789-456+1230.";

uint16_t key(uint8_t scan, uint8_t ascii) {
    return static_cast<uint16_t>(scan << 8 | ascii);
}

std::optional<uint16_t> extended_key(uint8_t code, uint8_t flags) {
    switch (code) {
        case 0x1c:
            return key(0xe0, flags & bda::kCtrl ? 0x0a : 0x0d);  // keypad Enter
        case 0x35:
            return key(0xe0, '/');  // keypad /
        case 0x47:
        case 0x48:
        case 0x49:
        case 0x4b:
        case 0x4d:
        case 0x4f:
        case 0x50:
        case 0x51:
        case 0x52:
        case 0x53:
            return key(code, 0xe0);
        default:
            return std::nullopt;  // E0 2A/E0 36 (fake shifts), right Ctrl/Alt, GUI keys
    }
}

std::optional<uint16_t> ctrl_key(uint8_t code, char plain) {
    if (plain >= 'a' && plain <= 'z') return key(code, static_cast<uint8_t>(plain - 'a' + 1));
    switch (plain) {
        case '[':
            return key(code, 0x1b);
        case '\\':
            return key(code, 0x1c);
        case ']':
            return key(code, 0x1d);
        case '6':
            return key(code, 0x1e);
        case '-':
            return key(code, 0x1f);
        case '2':
            return key(code, 0);
        case '\r':
            return key(code, 0x0a);
        case '\b':
            return key(code, 0x7f);
        case '\t':
            return key(0x94, 0);
        case 0x1b:
            return key(code, 0x1b);
        case ' ':
            return key(code, ' ');
        default:
            return std::nullopt;
    }
}

}  // namespace

std::optional<uint16_t> bios_key_for_scancode(uint8_t code, bool extended, uint8_t flags) {
    if (code & 0x80) return std::nullopt;
    if (extended) return extended_key(code, flags);
    bool shift = flags & (bda::kLeftShift | bda::kRightShift);
    bool ctrl = flags & bda::kCtrl;
    bool alt = flags & bda::kAlt;
    if (code >= 0x3b && code <= 0x44) {  // F1-F10
        uint8_t scan = alt ? code + 0x2d : ctrl ? code + 0x23 : shift ? code + 0x19 : code;
        return key(scan, 0);
    }
    if (code == 0x57 || code == 0x58) {  // F11, F12
        uint8_t scan = static_cast<uint8_t>((code == 0x57 ? 0x85 : 0x86) + (alt     ? 6
                                                                            : ctrl  ? 4
                                                                            : shift ? 2
                                                                                    : 0));
        return key(scan, 0);
    }
    if (code >= 0x47 && code <= 0x53) {  // the keypad
        char ch = kKeypad[code - 0x47];
        if (ch == '-' || ch == '+') return key(code, static_cast<uint8_t>(ch));
        bool digits = ((flags & bda::kNumLock) != 0) != shift;
        if (digits && !alt && !ctrl) return key(code, static_cast<uint8_t>(ch));
        return key(code, 0);
    }
    if (code >= 0x3a) return std::nullopt;
    char plain = kPlain[code];
    if (plain == 0) return std::nullopt;  // Ctrl, Shift, Alt
    if (code == 0x37) return key(code, '*');
    if (alt) {
        if (code >= 0x02 && code <= 0x0d) return key(static_cast<uint8_t>(code + 0x76), 0);
        return key(code, 0);
    }
    if (ctrl) return ctrl_key(code, plain);
    if (code == 0x0f && shift) return key(code, 0);  // Shift+Tab (back-tab)
    bool letter = plain >= 'a' && plain <= 'z';
    bool caps = flags & bda::kCapsLock;
    bool upper = letter ? shift != caps : shift;
    return key(code, static_cast<uint8_t>(upper ? kShifted[code] : plain));
}

}  // namespace svm
