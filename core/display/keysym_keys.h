// What a VNC viewer's input events become on svm's PS/2 devices: X11 keysyms (RFB KeyEvent,
// RFC 6143 section 7.5.4, keysyms from X11's keysymdef.h) to keys of a US keyboard, and RFB
// PointerEvents (RFC 6143 section 7.5.5: absolute position and a button mask) to relative PS/2
// mouse motion (OSDev wiki "PS/2 Mouse"; Microsoft IntelliMouse wheel).
#pragma once

#include <cstdint>
#include <optional>

#include "devices/legacy/scancode.h"

namespace svm {

// Returns the key that produces X11 keysym `keysym` on a US layout, or std::nullopt for a keysym
// svm has no key for (logged by the caller). Upper- and lower-case letters give the same key, and
// shifted symbols give their unshifted key ('!' is Digit1, '{' is LeftBracket): the viewer sends
// the Shift press itself before the symbol. Keypad keysyms in either NumLock state (KP_7 and
// KP_Home) give the keypad key.
std::optional<Key> key_for_keysym(uint32_t keysym);

// Relative PS/2 mouse input made from one RFB PointerEvent.
struct Ps2Motion {
    int dx = 0;           // counts to the right
    int dy = 0;           // counts up (PS/2 convention: the inverse of screen y)
    uint8_t buttons = 0;  // PS/2 order: bit 0 left, bit 1 right, bit 2 middle
    int dz = 0;           // wheel clicks, IntelliMouse sign: -1 up (away from the user), +1 down

    bool operator==(const Ps2Motion&) const = default;
};

// Turns the absolute pointer positions of one viewer into relative motion. One per viewer: two
// viewers each move from their own last position.
class RfbPointerTracker {
public:
    // Takes an RFB PointerEvent: `x`, `y` in framebuffer pixels, `button_mask` with bit 0 left,
    // bit 1 middle, bit 2 right, bit 3 wheel up, bit 4 wheel down (RFC 6143 7.5.5; a viewer sends
    // a wheel click as one event with the bit set and one with it clear). Returns the motion since
    // the previous event (none for a viewer's first event) with one wheel click per event that has
    // bit 3 or 4 set.
    Ps2Motion update(int x, int y, uint8_t button_mask);

private:
    bool have_position_ = false;
    int x_ = 0;
    int y_ = 0;
};

}  // namespace svm
