// The two sides a display back-end (the VNC server) talks to: FrameSource, where it reads the
// screen, and InputSink, where it delivers the viewer's keyboard and mouse. The machine implements
// them over its display devices and i8042; tests implement fakes.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "devices/display/surface.h"
#include "devices/legacy/scancode.h"

namespace svm {

class FrameSource {
public:
    virtual ~FrameSource() = default;

    // Brings `surface` up to date with the screen. An empty surface, or a screen whose size
    // changed, is drawn whole (the surface is resized). Appends the rectangles that changed to
    // `changed` (in surface pixels). Thread: the caller's (the VNC server calls it from its own
    // thread, about 60 times a second while a viewer is connected, never when none is).
    virtual void refresh(Surface& surface, std::vector<Rect>& changed) = 0;
};

// Where the viewer's input goes. Either function may be empty (input is dropped). Both are called
// on the display back-end's thread.
struct InputSink {
    // One key press or release; a key held down in the viewer arrives as repeated presses
    // (typematic), each of which should become another make code.
    std::function<void(KeyEvent)> key;
    // Relative PS/2-style motion: `dx` counts right, `dy` counts UP (PS/2 convention), `buttons`
    // bit 0 left, bit 1 right, bit 2 middle, `dz` wheel clicks (-1 up, +1 down, IntelliMouse).
    std::function<void(int dx, int dy, uint8_t buttons, int dz)> pointer;
};

}  // namespace svm
