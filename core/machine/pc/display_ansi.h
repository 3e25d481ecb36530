// Draws VGA text snapshots on an ANSI/VT100 terminal (ECMA-48 control sequences, xterm's
// "ctlseqs" for DECSTBM/DECSC): the renderer behind --display text. Pure functions from
// snapshots to bytes, so tests check the exact output; TerminalDisplay does the I/O.
//
// Layout: the VGA screen on terminal rows 1-25, a status line on row 26, and rows 27 to the
// bottom a scroll region where the terminal's own cursor stays, so the guest's serial output
// (and svm's messages) scroll there while frames redraw the screen above (DECSC/DECRC around each
// frame keep the cursor and colours of the scrolling text).
#pragma once

#include <string>

#include "devices/display/text_snapshot.h"

namespace svm {

// The terminal rows the layout needs: 25 screen rows, a status line, at least two scrolling rows.
constexpr int kAnsiMinRows = TextSnapshot::kRows + 3;

// The bytes that clear the terminal of `rows` rows, set the scroll region below the screen and
// park the cursor at its top. Call once, then ansi_frame(nullptr, ...).
std::string ansi_enter(int rows);

// The bytes that bring a terminal showing `previous` (null: nothing known, redraw all) to
// `current`: only changed rows are redrawn. Colours: the 16 VGA colours as the 16 ANSI colours
// (SGR 30-37/90-97, 40-47/100-107), blink as SGR 5, the hardware cursor's cell in reverse video.
// Returns "" if nothing changed. The cursor and SGR state of the scroll region are saved and
// restored around the frame.
std::string ansi_frame(const TextSnapshot* previous, const TextSnapshot& current);

// The bytes that give the terminal back: scroll region reset, colours reset, cursor where the
// scrolling text ended, on a fresh line.
std::string ansi_leave();

}  // namespace svm
